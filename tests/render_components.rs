//! kafkactl's own objects around Strimzi, rendered through `render()`:
//! zoo-entrance, JMX Services, the kafka-exporter Service, Prometheus, and
//! the plan-wide rules (registry mirror, pull secrets, labels, no name
//! collisions, shapes that Kubernetes' own types accept).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kafkactl::render::{Plan, RenderContext, RenderedObject, render};
use kafkactl::spec::ClusterSpec;
use kafkactl::spec::names::{self, Component};
use kafkactl::spec::preset::{find, resolve};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const MIRROR: &str = "harbor.corp/mirror";

fn preset(name: &str, cluster: &str) -> ClusterSpec {
    let mut spec = resolve(&find(name).unwrap()).unwrap();
    spec.name = cluster.to_string();
    spec.namespace = "kafka".to_string();
    spec
}

/// The ZooKeeper preset with every optional component of kafkactl's own on.
fn everything(cluster: &str) -> ClusterSpec {
    let mut spec = preset("zookeeper-classic", cluster);
    spec.zoo_entrance.enabled = true;
    spec.zookeeper_exporter.enabled = true;
    spec.kafka_exporter.enabled = true;
    spec.prometheus.enabled = true;
    spec.jmx.enabled = true;
    spec.jmx.node_port_services = true;
    spec
}

fn plan(spec: &ClusterSpec) -> Plan {
    render(spec, &RenderContext::offline())
}

fn object<'a>(plan: &'a Plan, kind: &str, name: &str) -> &'a Value {
    &plan
        .find(kind, name)
        .unwrap_or_else(|| panic!("{kind} {name} is not rendered"))
        .object
}

fn of_kind<'a>(plan: &'a Plan, kind: &'a str) -> impl Iterator<Item = &'a RenderedObject> {
    plan.objects.iter().filter(move |o| o.kind() == kind)
}

fn labels(map: &BTreeMap<String, String>) -> Value {
    serde_json::to_value(map).unwrap()
}

/// Every object but the Namespace, which is shared and never deleted.
fn cluster_objects(plan: &Plan) -> impl Iterator<Item = &RenderedObject> {
    plan.objects.iter().filter(|o| o.kind() != "Namespace")
}

// --- zoo-entrance ----------------------------------------------------------

#[test]
fn zoo_entrance_proxies_zookeeper_with_the_operator_certificates() {
    let plan = plan(&everything("orders"));
    let deployment = object(&plan, "Deployment", "orders-zoo-entrance");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(container["command"], json!(["/opt/stunnel/stunnel_run.sh"]));
    assert_eq!(
        container["env"],
        json!([
            { "name": "STRIMZI_ZOOKEEPER_CONNECT", "value": "orders-zookeeper-client:2181" },
            { "name": "LOG_LEVEL", "value": "notice" },
        ])
    );
    assert_eq!(container["ports"][0]["containerPort"], 2181);
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(
            container[probe]["exec"]["command"],
            json!(["/opt/stunnel/stunnel_healthcheck.sh", "2181"]),
            "{probe}"
        );
    }
    let secret_at = |path: &str| -> String {
        let mount = container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["mountPath"] == path)
            .unwrap_or_else(|| panic!("nothing mounted at {path}"));
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap();
        volume["secret"]["secretName"].as_str().unwrap().to_string()
    };
    assert_eq!(
        secret_at("/etc/cluster-operator-certs/"),
        "orders-cluster-operator-certs"
    );
    assert_eq!(secret_at("/etc/cluster-ca-certs/"), "orders-cluster-ca-cert");
    assert_eq!(
        object(&plan, "Service", "orders-zoo-entrance")["spec"]["type"],
        "ClusterIP"
    );
}

#[test]
fn network_policy_admits_the_proxy_pods_to_zookeeper_on_2181() {
    let plan = plan(&everything("orders"));
    let proxy_pod_labels =
        object(&plan, "Deployment", "orders-zoo-entrance")["spec"]["template"]["metadata"]["labels"].clone();
    let policy = of_kind(&plan, "NetworkPolicy")
        .map(|o| &o.object)
        .find(|p| p["spec"]["podSelector"]["matchLabels"]["strimzi.io/name"] == "orders-zookeeper")
        .expect("a NetworkPolicy on the ZooKeeper pods");
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress"]));
    let rule = &policy["spec"]["ingress"][0];
    assert_eq!(rule["ports"], json!([{ "port": 2181, "protocol": "TCP" }]));
    let admitted = rule["from"][0]["podSelector"]["matchLabels"].as_object().unwrap();
    assert!(!admitted.is_empty());
    for (key, value) in admitted {
        assert_eq!(&proxy_pod_labels[key], value, "proxy pods lack {key}");
    }
}

#[test]
fn kraft_clusters_have_no_zookeeper_components() {
    let mut spec = preset("production", "orders");
    spec.zoo_entrance.enabled = true;
    spec.zookeeper_exporter.enabled = true;
    let plan = plan(&spec);
    assert!(plan.find("Deployment", "orders-zoo-entrance").is_none());
    assert!(plan.find("Deployment", "orders-zookeeper-exporter").is_none());
    assert_eq!(of_kind(&plan, "NetworkPolicy").count(), 0);
}

#[test]
fn zookeeper_exporter_reads_through_zoo_entrance() {
    let plan = plan(&everything("orders"));
    let deployment = object(&plan, "Deployment", "orders-zookeeper-exporter");
    let args = &deployment["spec"]["template"]["spec"]["containers"][0]["args"];
    assert_eq!(
        args,
        &json!(["-zk-hosts", "orders-zoo-entrance:2181", "-listen", "0.0.0.0:9141"])
    );
    let service = object(&plan, "Service", "orders-zookeeper-exporter");
    assert_eq!(service["spec"]["ports"][0]["port"], 9141);
}

// --- JMX and kafka-exporter Services ----------------------------------------

fn jmx_pods(plan: &Plan) -> BTreeSet<String> {
    of_kind(plan, "Service")
        .filter(|o| o.object["spec"]["type"] == "NodePort" && o.object["spec"]["ports"][0]["port"] == 9999)
        .map(|o| {
            let pod = o.object["spec"]["selector"]["strimzi.io/pod-name"].as_str().unwrap();
            assert_eq!(o.name(), names::jmx_service(pod));
            pod.to_string()
        })
        .collect()
}

fn pods(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|n| n.to_string()).collect()
}

#[test]
fn jmx_services_follow_the_broker_count() {
    let mut spec = everything("orders");
    for (replicas, expected) in [
        (3, pods(&["orders-kafka-0", "orders-kafka-1", "orders-kafka-2"])),
        (
            5,
            pods(&[
                "orders-kafka-0",
                "orders-kafka-1",
                "orders-kafka-2",
                "orders-kafka-3",
                "orders-kafka-4",
            ]),
        ),
        (2, pods(&["orders-kafka-0", "orders-kafka-1"])),
    ] {
        spec.pools.get_mut("kafka").unwrap().replicas = replicas;
        assert_eq!(jmx_pods(&plan(&spec)), expected, "{replicas} brokers");
    }
}

#[test]
fn jmx_services_follow_the_node_ids_the_cluster_reports() {
    let mut spec = preset("production", "orders");
    spec.jmx.enabled = true;
    spec.jmx.node_port_services = true;
    let mut ctx = RenderContext::offline();
    ctx.node_ids.insert("brokers".to_string(), vec![0, 2, 5]);
    assert_eq!(
        jmx_pods(&render(&spec, &ctx)),
        pods(&[
            "orders-orders-brokers-0",
            "orders-orders-brokers-2",
            "orders-orders-brokers-5"
        ])
    );
}

#[test]
fn kafka_exporter_service_selects_strimzis_exporter_pods() {
    let plan = plan(&everything("orders"));
    let service = object(&plan, "Service", &names::kafka_exporter_service("orders"));
    assert_eq!(
        service["spec"]["selector"],
        json!({ "strimzi.io/cluster": "orders", "strimzi.io/name": "orders-kafka-exporter" })
    );
    assert_eq!(
        service["spec"]["ports"],
        json!([{ "name": "tcp-prometheus", "port": 9404, "protocol": "TCP", "targetPort": 9404 }])
    );
}

// --- Prometheus ---------------------------------------------------------------

#[test]
fn prometheus_runs_as_nobody_with_its_own_namespaced_rbac() {
    let plan = plan(&everything("orders"));
    let sts = object(&plan, "StatefulSet", "orders-prometheus");
    let pod = &sts["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "orders-prometheus");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 65534);
    assert_eq!(pod["securityContext"]["fsGroup"], 65534);
    assert_eq!(
        pod["volumes"][0]["configMap"]["name"],
        names::prometheus_config("orders")
    );
    let binding = object(&plan, "RoleBinding", "orders-prometheus");
    assert_eq!(binding["roleRef"]["kind"], "Role");
    assert_eq!(
        binding["subjects"],
        json!([{ "kind": "ServiceAccount", "name": "orders-prometheus", "namespace": "kafka" }])
    );
    assert!(plan.find("ClusterRole", "orders-prometheus").is_none());
    let config_wave = plan
        .find("ConfigMap", &names::prometheus_config("orders"))
        .unwrap()
        .wave;
    let sts_wave = plan.find("StatefulSet", "orders-prometheus").unwrap().wave;
    assert!(config_wave < sts_wave);
}

// --- plan-wide rules --------------------------------------------------------

/// Every string under a key named `image`, with its JSON path.
fn images(value: &Value, path: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = format!("{path}.{key}");
                match (key.as_str(), child) {
                    ("image", Value::String(image)) => found.push((child_path, image.clone())),
                    _ => images(child, &child_path, found),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                images(child, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn registry_mirror_applies_to_every_image_in_the_plan() {
    let mut spec = everything("orders");
    spec.images.registry = Some(MIRROR.to_string());
    spec.images.kafka = Some("quay.io/acme/kafka:3.9.2-custom".to_string());
    let plan = plan(&spec);
    let mut found = Vec::new();
    for o in &plan.objects {
        images(&o.object, &format!("{}/{}", o.kind(), o.name()), &mut found);
    }
    // Prometheus, zoo-entrance and the ZooKeeper exporter at least.
    assert!(found.len() >= 3, "{found:?}");
    for (path, image) in &found {
        assert!(image.starts_with(&format!("{MIRROR}/")), "{path} = {image}");
    }
}

/// Pod templates anywhere in the plan: Kubernetes' (`template.spec.containers`)
/// and Strimzi's (`template.pod`).
fn pod_templates(value: &Value, path: &str, found: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            if let Some(template) = map.get("template") {
                if template["spec"]["containers"].is_array() {
                    found.push((format!("{path}.template.spec"), template["spec"].clone()));
                }
                if template["pod"].is_object() {
                    found.push((format!("{path}.template.pod"), template["pod"].clone()));
                }
            }
            for (key, child) in map {
                pod_templates(child, &format!("{path}.{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pod_templates(child, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_pod_template_carries_the_pull_secrets() {
    let mut spec = everything("orders");
    spec.images.pull_secrets = vec!["regcred".to_string(), "mirror-cred".to_string()];
    let plan = plan(&spec);
    let mut found = Vec::new();
    for o in &plan.objects {
        pod_templates(&o.object, &format!("{}/{}", o.kind(), o.name()), &mut found);
    }
    // zoo-entrance, ZooKeeper exporter and Prometheus at least.
    assert!(
        found.len() >= 3,
        "{:?}",
        found.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, pod) in &found {
        assert_eq!(
            pod["imagePullSecrets"],
            json!([{ "name": "regcred" }, { "name": "mirror-cred" }]),
            "{path}"
        );
    }
}

#[test]
fn every_object_is_labelled_as_kafkactls_and_as_the_clusters() {
    let plan = plan(&everything("orders"));
    for o in cluster_objects(&plan) {
        let labels = &o.object["metadata"]["labels"];
        assert_eq!(
            labels[names::MANAGED_BY_LABEL],
            names::MANAGED_BY,
            "{} {}",
            o.kind(),
            o.name()
        );
        assert_eq!(labels[names::CLUSTER_LABEL], "orders", "{} {}", o.kind(), o.name());
        assert_eq!(o.namespace(), Some("kafka"), "{} {}", o.kind(), o.name());
    }
}

#[test]
fn selectors_of_kafkactls_workloads_match_their_pods() {
    let plan = plan(&everything("orders"));
    for kind in ["Deployment", "StatefulSet"] {
        for o in of_kind(&plan, kind) {
            let selector = o.object["spec"]["selector"]["matchLabels"].as_object().unwrap();
            let pod_labels = &o.object["spec"]["template"]["metadata"]["labels"];
            assert!(!selector.is_empty());
            for (key, value) in selector {
                assert_eq!(&pod_labels[key], value, "{kind} {}: {key}", o.name());
            }
        }
    }
    for component in [
        Component::ZooEntrance,
        Component::ZookeeperExporter,
        Component::Prometheus,
    ] {
        let expected = labels(&names::selector_labels("orders", component));
        assert!(
            of_kind(&plan, "Service").any(|s| s.object["spec"]["selector"] == expected),
            "no Service selects {}",
            component.as_str()
        );
    }
}

#[test]
fn two_clusters_in_one_namespace_share_no_object_name() {
    let first = plan(&everything("orders"));
    let second = plan(&everything("orders-eu"));
    let keys = |plan: &Plan| -> BTreeSet<(String, String)> {
        cluster_objects(plan)
            .map(|o| (o.kind().to_string(), o.name().to_string()))
            .collect()
    };
    let (a, b) = (keys(&first), keys(&second));
    assert!(a.len() > 10, "{a:?}");
    let shared: Vec<_> = a.intersection(&b).collect();
    assert!(shared.is_empty(), "both clusters render {shared:?}");
}

/// Deserialize into the Kubernetes type and serialise again: any field the
/// type does not know (a typo, a wrong nesting) is dropped and shows up here.
fn round_trips<K: DeserializeOwned + Serialize>(object: &Value) {
    let typed: K = serde_json::from_value(object.clone())
        .unwrap_or_else(|e| panic!("{} {}: {e}", object["kind"], object["metadata"]["name"]));
    let again = serde_json::to_value(&typed).unwrap();
    assert_eq!(
        &again, object,
        "{} {} changed in a round trip",
        object["kind"], object["metadata"]["name"]
    );
}

#[test]
fn core_objects_round_trip_through_kubernetes_types() {
    let mut spec = everything("orders");
    spec.images.pull_secrets = vec!["regcred".to_string()];
    spec.prometheus.resources.requests.memory = Some("2Gi".to_string());
    let plan = plan(&spec);
    let mut checked = BTreeSet::new();
    for o in &plan.objects {
        let object = &o.object;
        match o.kind() {
            "Service" => round_trips::<Service>(object),
            "Deployment" => round_trips::<Deployment>(object),
            "StatefulSet" => round_trips::<StatefulSet>(object),
            "ConfigMap" => round_trips::<ConfigMap>(object),
            "ServiceAccount" => round_trips::<ServiceAccount>(object),
            "Role" => round_trips::<Role>(object),
            "RoleBinding" => round_trips::<RoleBinding>(object),
            "NetworkPolicy" => round_trips::<NetworkPolicy>(object),
            "Namespace" => round_trips::<Namespace>(object),
            _ => continue,
        }
        checked.insert(o.kind().to_string());
    }
    for kind in [
        "Service",
        "Deployment",
        "StatefulSet",
        "ConfigMap",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "NetworkPolicy",
    ] {
        assert!(checked.contains(kind), "no {kind} rendered");
    }
}
