//! The Kafka custom resource, for both Strimzi APIs: `v1` (Strimzi >= 0.49,
//! KRaft with node pools only) and `v1beta2` (Strimzi 0.45, ZooKeeper or
//! KRaft with node pools). It also carries the applied `ClusterSpec`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::metrics_config::{KAFKA_METRICS_KEY, ZOOKEEPER_METRICS_KEY};
use super::strimzi_common::{self, PodSelector, jvm_options, pod_template, pull_secrets_pod_template};
use super::{RenderContext, image_ref};
use crate::spec::names::{self, Component};
use crate::spec::{
    ClusterSpec, JvmSpec, ListenerAuth, ListenerSpec, ListenerType, PoolSpec, Resources, StorageSpec, StrimziApi,
    ZOOKEEPER_MODE_POOL, ZookeeperSpec,
};

/// Strimzi 0.45 runs node pools and KRaft only when the Kafka CR opts in;
/// from 0.48 both are the default and the annotations are gone.
const NODE_POOLS_ANNOTATION: &str = "strimzi.io/node-pools";
const KRAFT_ANNOTATION: &str = "strimzi.io/kraft";

pub fn kafka(spec: &ClusterSpec, ctx: &RenderContext) -> Value {
    json!({
        "apiVersion": spec.strimzi_api.api_version(),
        "kind": "Kafka",
        "metadata": metadata(spec),
        "spec": kafka_spec(spec, ctx),
    })
}

fn metadata(spec: &ClusterSpec) -> Value {
    let mut annotations = BTreeMap::from([(names::SPEC_ANNOTATION.to_string(), spec_annotation(spec))]);
    if spec.strimzi_api == StrimziApi::V1beta2 && !spec.is_zookeeper() {
        annotations.insert(NODE_POOLS_ANNOTATION.to_string(), "enabled".to_string());
        annotations.insert(KRAFT_ANNOTATION.to_string(), "enabled".to_string());
    }
    json!({
        "name": spec.name,
        "namespace": spec.namespace,
        "labels": names::common_labels(&spec.name, Component::Kafka),
        "annotations": annotations,
    })
}

/// The applied spec as compact JSON; `scale`, `expose`, `monitor` and
/// `status` read it back. Serialising a `ClusterSpec` cannot fail (its map
/// keys are strings and integers), so the empty fallback is never written.
fn spec_annotation(spec: &ClusterSpec) -> String {
    serde_json::to_string(spec).unwrap_or_default()
}

fn kafka_spec(spec: &ClusterSpec, ctx: &RenderContext) -> Value {
    let mut out = Map::new();
    out.insert("kafka".to_string(), brokers(spec, ctx));
    if spec.is_zookeeper() {
        let ensemble = spec.zookeeper.clone().unwrap_or_default();
        out.insert("zookeeper".to_string(), zookeeper(spec, &ensemble));
    }
    out.insert("entityOperator".to_string(), entity_operator(spec));
    if spec.kafka_exporter.enabled {
        out.insert("kafkaExporter".to_string(), kafka_exporter(spec));
    }
    if spec.cruise_control.enabled {
        // Strimzi's defaults: Cruise Control next to the brokers, moving partitions on request.
        out.insert("cruiseControl".to_string(), json!({}));
    }
    Value::Object(out)
}

/// `spec.kafka`: what every broker shares. In KRaft mode the node pools hold
/// replicas, storage, resources and scheduling; in ZooKeeper mode they live here.
fn brokers(spec: &ClusterSpec, ctx: &RenderContext) -> Value {
    let mut kafka = Map::new();
    kafka.insert("version".to_string(), json!(spec.kafka_version));
    if !spec.is_zookeeper()
        && let Some(version) = &spec.metadata_version
    {
        kafka.insert("metadataVersion".to_string(), json!(version));
    }
    if let Some(image) = &spec.images.kafka {
        kafka.insert("image".to_string(), json!(image_ref(spec, image)));
    }
    let pool = zookeeper_mode_pool(spec);
    if spec.is_zookeeper() {
        insert_sizing(&mut kafka, pool.replicas, &pool.resources, &pool.jvm, &pool.storage);
    }
    let broker_ids = broker_node_ids(spec, ctx);
    let listeners: Vec<Value> = spec
        .listeners
        .iter()
        .map(|(name, l)| listener(name, l, &broker_ids))
        .collect();
    kafka.insert("listeners".to_string(), Value::Array(listeners));
    if !spec.config.is_empty() {
        let config: Map<String, Value> = spec.config.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
        kafka.insert("config".to_string(), Value::Object(config));
    }
    if spec.jmx.enabled {
        kafka.insert("jmxOptions".to_string(), jmx_options(spec));
    }
    if spec.metrics.kafka {
        kafka.insert("metricsConfig".to_string(), metrics_config(spec, KAFKA_METRICS_KEY));
    }
    // Node pools have their own templates (and Strimzi then ignores this one
    // for their pods); it still serves pools without one.
    let pod = if spec.is_zookeeper() {
        let selector = PodSelector::from([(
            names::STRIMZI_NAME_LABEL.to_string(),
            names::kafka_pods_name(&spec.name),
        )]);
        pod_template(spec, &pool.scheduling, &selector)
    } else {
        pull_secrets_pod_template(spec)
    };
    if let Some(pod) = pod {
        kafka.insert("template".to_string(), json!({ "pod": pod }));
    }
    Value::Object(kafka)
}

/// The brokers' pool in ZooKeeper mode (Strimzi's single `kafka` group);
/// validation guarantees it, the default only keeps rendering total.
fn zookeeper_mode_pool(spec: &ClusterSpec) -> PoolSpec {
    spec.pools
        .get(ZOOKEEPER_MODE_POOL)
        .or_else(|| spec.broker_pools().next().map(|(_, pool)| pool))
        .cloned()
        .unwrap_or_default()
}

/// replicas, resources, JVM options and storage, as ZooKeeper-mode brokers
/// and the ZooKeeper ensemble both carry them (never KRaft storage).
fn insert_sizing(
    out: &mut Map<String, Value>,
    replicas: i32,
    resources: &Resources,
    jvm: &JvmSpec,
    storage: &StorageSpec,
) {
    out.insert("replicas".to_string(), json!(replicas));
    if let Some(resources) = strimzi_common::resources(resources) {
        out.insert("resources".to_string(), resources);
    }
    if let Some(jvm) = jvm_options(jvm) {
        out.insert("jvmOptions".to_string(), jvm);
    }
    out.insert("storage".to_string(), strimzi_common::storage(storage, false));
}

/// Node ids of every broker, for per-broker listener settings.
fn broker_node_ids(spec: &ClusterSpec, ctx: &RenderContext) -> Vec<i32> {
    let mut ids: Vec<i32> = spec
        .broker_pools()
        .flat_map(|(name, _)| ctx.node_ids(spec, name))
        .collect();
    ids.sort_unstable();
    ids
}

fn listener(name: &str, listener: &ListenerSpec, broker_ids: &[i32]) -> Value {
    let mut out = json!({
        "name": name,
        "port": listener.port,
        "type": listener.kind.as_str(),
        "tls": listener.tls,
    });
    if listener.authentication != ListenerAuth::None {
        out["authentication"] = json!({ "type": listener.authentication.as_str() });
    }
    if let Some(configuration) = listener_configuration(listener, broker_ids) {
        out["configuration"] = configuration;
    }
    if let Some(peers) = node_port_peers(listener) {
        out["networkPolicyPeers"] = peers;
    }
    out
}

/// A nodeport listener limited to `allowFrom`: Strimzi's NetworkPolicy for
/// the listener port then admits only these CIDRs (instead of everyone).
fn node_port_peers(listener: &ListenerSpec) -> Option<Value> {
    if listener.kind != ListenerType::Nodeport || listener.allow_from.is_empty() {
        return None;
    }
    let peers: Vec<Value> = listener
        .allow_from
        .iter()
        .map(|cidr| json!({ "ipBlock": { "cidr": cidr } }))
        .collect();
    Some(Value::Array(peers))
}

/// The listener's `configuration`: fixed node ports, host names, Service
/// annotations, the ingress class and the load balancers' source ranges.
fn listener_configuration(listener: &ListenerSpec, broker_ids: &[i32]) -> Option<Value> {
    let mut out = Map::new();
    if let Some(class) = &listener.ingress_class {
        out.insert("class".to_string(), json!(class));
    }
    if !listener.allow_from.is_empty() {
        match listener.kind {
            ListenerType::Loadbalancer => {
                out.insert("loadBalancerSourceRanges".to_string(), json!(listener.allow_from));
            }
            // The NetworkPolicy judges clients by address: NodePorts must not
            // hide it behind another node's (`Cluster` forwards with SNAT).
            ListenerType::Nodeport => {
                out.insert("externalTrafficPolicy".to_string(), json!("Local"));
            }
            _ => {}
        }
    }
    if let Some(bootstrap) = bootstrap_configuration(listener) {
        out.insert("bootstrap".to_string(), bootstrap);
    }
    let brokers = broker_configurations(listener, broker_ids);
    if !brokers.is_empty() {
        out.insert("brokers".to_string(), Value::Array(brokers));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn bootstrap_configuration(listener: &ListenerSpec) -> Option<Value> {
    let mut out = Map::new();
    if let Some(host) = &listener.host {
        out.insert("host".to_string(), json!(host));
    }
    if let Some(port) = listener.bootstrap_node_port {
        out.insert("nodePort".to_string(), json!(port));
    }
    if !listener.annotations.is_empty() {
        out.insert("annotations".to_string(), json!(listener.annotations));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// One entry per broker that has something of its own. Annotations go on
/// every broker's Service, so they need every broker id; `internal`
/// listeners have no per-broker Services to annotate.
fn broker_configurations(listener: &ListenerSpec, broker_ids: &[i32]) -> Vec<Value> {
    let annotate = !listener.annotations.is_empty() && listener.kind != ListenerType::Internal;
    let mut ids: BTreeSet<i32> = listener
        .broker_node_ports
        .keys()
        .chain(listener.broker_hosts.keys())
        .copied()
        .collect();
    if annotate {
        ids.extend(broker_ids);
    }
    ids.into_iter()
        .map(|id| {
            let mut out = json!({ "broker": id });
            if let Some(host) = listener.broker_hosts.get(&id) {
                out["host"] = json!(host);
            }
            if let Some(port) = listener.broker_node_ports.get(&id) {
                out["nodePort"] = json!(port);
            }
            if annotate {
                out["annotations"] = json!(listener.annotations);
            }
            out
        })
        .collect()
}

/// JMX on 9999; with password authentication Strimzi creates the Secret
/// holding the credentials (`names::jmx_secret`).
fn jmx_options(spec: &ClusterSpec) -> Value {
    if spec.jmx.password_auth {
        json!({ "authentication": { "type": "password" } })
    } else {
        json!({})
    }
}

/// JMX-exporter metrics from `key` of kafkactl's metrics ConfigMap.
fn metrics_config(spec: &ClusterSpec, key: &str) -> Value {
    json!({
        "type": "jmxPrometheusExporter",
        "valueFrom": { "configMapKeyRef": { "name": names::metrics_config_map(&spec.name), "key": key } },
    })
}

/// `spec.zookeeper` (Strimzi 0.45, ZooKeeper mode).
fn zookeeper(spec: &ClusterSpec, ensemble: &ZookeeperSpec) -> Value {
    let mut out = Map::new();
    insert_sizing(
        &mut out,
        ensemble.replicas,
        &ensemble.resources,
        &ensemble.jvm,
        &ensemble.storage,
    );
    if spec.metrics.zookeeper {
        out.insert("metricsConfig".to_string(), metrics_config(spec, ZOOKEEPER_METRICS_KEY));
    }
    let selector = PodSelector::from([(
        names::STRIMZI_NAME_LABEL.to_string(),
        names::zookeeper_pods_name(&spec.name),
    )]);
    if let Some(pod) = pod_template(spec, &ensemble.scheduling, &selector) {
        out.insert("template".to_string(), json!({ "pod": pod }));
    }
    Value::Object(out)
}

/// Topic and user operators with Strimzi's defaults. Their images (like the
/// kafka-exporter's) come from the cluster operator's configuration, so a
/// registry mirror for Strimzi's own images is set up by `operator install`,
/// not here; only the pull secrets are per cluster.
fn entity_operator(spec: &ClusterSpec) -> Value {
    let mut out = json!({ "topicOperator": {}, "userOperator": {} });
    if let Some(pod) = pull_secrets_pod_template(spec) {
        out["template"] = json!({ "pod": pod });
    }
    out
}

fn kafka_exporter(spec: &ClusterSpec) -> Value {
    let mut out = json!({
        "topicRegex": spec.kafka_exporter.topic_regex,
        "groupRegex": spec.kafka_exporter.group_regex,
    });
    if let Some(pod) = pull_secrets_pod_template(spec) {
        out["template"] = json!({ "pod": pod });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{AntiAffinity, MetadataMode, Role};

    fn kraft_spec(api: StrimziApi) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "c".into(),
            strimzi_api: api,
            kafka_version: "4.3.1".into(),
            ..ClusterSpec::default()
        };
        spec.pools.insert(
            "brokers".into(),
            PoolSpec {
                roles: vec![Role::Broker],
                replicas: 3,
                ..PoolSpec::default()
            },
        );
        spec.pools.insert(
            "controllers".into(),
            PoolSpec {
                roles: vec![Role::Controller],
                replicas: 3,
                ..PoolSpec::default()
            },
        );
        spec.listeners.insert(
            "plain".into(),
            ListenerSpec {
                port: 9092,
                ..ListenerSpec::default()
            },
        );
        spec
    }

    fn zookeeper_spec() -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "c".into(),
            metadata: MetadataMode::Zookeeper,
            strimzi_api: StrimziApi::V1beta2,
            kafka_version: "3.9.2".into(),
            zookeeper: Some(ZookeeperSpec::default()),
            ..ClusterSpec::default()
        };
        spec.pools.insert(
            ZOOKEEPER_MODE_POOL.into(),
            PoolSpec {
                replicas: 3,
                ..PoolSpec::default()
            },
        );
        spec.listeners.insert(
            "plain".into(),
            ListenerSpec {
                port: 9092,
                ..ListenerSpec::default()
            },
        );
        spec
    }

    fn render(spec: &ClusterSpec) -> Value {
        kafka(spec, &RenderContext::offline())
    }

    #[test]
    fn spec_annotation_round_trips_to_the_same_cluster_spec() {
        let mut spec = zookeeper_spec();
        let external = ListenerSpec {
            port: 9094,
            kind: ListenerType::Nodeport,
            bootstrap_node_port: Some(31090),
            broker_node_ports: BTreeMap::from([(0, 31091), (1, 31092)]),
            ..ListenerSpec::default()
        };
        spec.listeners.insert("external".into(), external);
        spec.config.insert(
            "log.cleaner.min.cleanable.ratio".into(),
            crate::spec::ConfigValue::Float(0.3),
        );
        let annotation = render(&spec)["metadata"]["annotations"][names::SPEC_ANNOTATION]
            .as_str()
            .unwrap()
            .to_string();
        assert!(!annotation.contains('\n'), "compact JSON");
        let read_back: ClusterSpec = serde_json::from_str(&annotation).unwrap();
        assert_eq!(read_back, spec);
    }

    #[test]
    fn v1_kraft_has_no_broker_sizing_and_no_opt_in_annotations() {
        let kafka = render(&kraft_spec(StrimziApi::V1));
        assert_eq!(kafka["apiVersion"], json!("kafka.strimzi.io/v1"));
        for field in ["replicas", "storage", "resources", "jvmOptions"] {
            assert!(kafka["spec"]["kafka"].get(field).is_none(), "spec.kafka.{field}");
        }
        assert!(kafka["spec"].get("zookeeper").is_none());
        let annotations = kafka["metadata"]["annotations"].as_object().unwrap();
        assert_eq!(annotations.keys().collect::<Vec<_>>(), vec![names::SPEC_ANNOTATION]);
    }

    #[test]
    fn v1beta2_kraft_opts_in_to_node_pools_and_kraft() {
        let kafka = render(&kraft_spec(StrimziApi::V1beta2));
        assert_eq!(
            kafka["metadata"]["annotations"][NODE_POOLS_ANNOTATION],
            json!("enabled")
        );
        assert_eq!(kafka["metadata"]["annotations"][KRAFT_ANNOTATION], json!("enabled"));
        assert!(kafka["spec"]["kafka"].get("replicas").is_none());
    }

    #[test]
    fn zookeeper_mode_sizes_brokers_and_ensemble_in_the_kafka_cr() {
        let mut spec = zookeeper_spec();
        spec.pools
            .get_mut(ZOOKEEPER_MODE_POOL)
            .unwrap()
            .scheduling
            .anti_affinity = AntiAffinity::Required;
        let kafka = render(&spec);
        assert!(kafka["metadata"]["annotations"].get(KRAFT_ANNOTATION).is_none());
        assert_eq!(kafka["spec"]["kafka"]["replicas"], json!(3));
        assert_eq!(kafka["spec"]["kafka"]["storage"]["type"], json!("persistent-claim"));
        assert_eq!(kafka["spec"]["zookeeper"]["replicas"], json!(3));
        assert_eq!(kafka["spec"]["zookeeper"]["storage"]["size"], json!("50Gi"));
        let term = &kafka["spec"]["kafka"]["template"]["pod"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            [0];
        assert_eq!(
            term["labelSelector"]["matchLabels"],
            json!({ "strimzi.io/name": "c-kafka" })
        );
    }

    #[test]
    fn metrics_point_at_the_right_key_of_the_metrics_config_map() {
        let kafka = render(&zookeeper_spec());
        let key_of =
            |component: &str| kafka["spec"][component]["metricsConfig"]["valueFrom"]["configMapKeyRef"].clone();
        assert_eq!(
            key_of("kafka"),
            json!({ "name": "c-kafka-metrics", "key": KAFKA_METRICS_KEY })
        );
        assert_eq!(
            key_of("zookeeper"),
            json!({ "name": "c-kafka-metrics", "key": ZOOKEEPER_METRICS_KEY })
        );
        let mut quiet = zookeeper_spec();
        quiet.metrics.kafka = false;
        quiet.metrics.zookeeper = false;
        let kafka = render(&quiet);
        assert!(kafka["spec"]["kafka"].get("metricsConfig").is_none());
        assert!(kafka["spec"]["zookeeper"].get("metricsConfig").is_none());
    }

    #[test]
    fn metadata_version_is_set_only_when_the_spec_pins_one() {
        let mut spec = kraft_spec(StrimziApi::V1);
        assert!(render(&spec)["spec"]["kafka"].get("metadataVersion").is_none());
        spec.metadata_version = Some("4.3-IV0".into());
        assert_eq!(render(&spec)["spec"]["kafka"]["metadataVersion"], json!("4.3-IV0"));
    }

    #[test]
    fn custom_kafka_image_goes_through_the_registry_mirror() {
        let mut spec = kraft_spec(StrimziApi::V1);
        spec.images.kafka = Some("quay.io/acme/kafka:4.3.1-p1".into());
        spec.images.registry = Some("harbor.corp/mirror".into());
        assert_eq!(
            render(&spec)["spec"]["kafka"]["image"],
            json!("harbor.corp/mirror/acme/kafka:4.3.1-p1")
        );
        assert!(
            render(&kraft_spec(StrimziApi::V1))["spec"]["kafka"]
                .get("image")
                .is_none()
        );
    }

    #[test]
    fn jmx_options_ask_for_password_authentication_when_wanted() {
        let mut spec = kraft_spec(StrimziApi::V1);
        assert!(render(&spec)["spec"]["kafka"].get("jmxOptions").is_none());
        spec.jmx.enabled = true;
        spec.jmx.password_auth = true;
        assert_eq!(
            render(&spec)["spec"]["kafka"]["jmxOptions"],
            json!({ "authentication": { "type": "password" } })
        );
        spec.jmx.password_auth = false;
        assert_eq!(render(&spec)["spec"]["kafka"]["jmxOptions"], json!({}));
    }

    #[test]
    fn nodeport_listener_pins_bootstrap_and_broker_ports_and_annotates_every_broker() {
        let listener = ListenerSpec {
            port: 9094,
            kind: ListenerType::Nodeport,
            tls: true,
            authentication: ListenerAuth::ScramSha512,
            bootstrap_node_port: Some(31090),
            broker_node_ports: BTreeMap::from([(1, 31092)]),
            annotations: BTreeMap::from([("team".to_string(), "data".to_string())]),
            ..ListenerSpec::default()
        };
        let rendered = super::listener("external", &listener, &[0, 1]);
        assert_eq!(rendered["authentication"], json!({ "type": "scram-sha-512" }));
        assert_eq!(
            rendered["configuration"],
            json!({
                "bootstrap": { "nodePort": 31090, "annotations": { "team": "data" } },
                "brokers": [
                    { "broker": 0, "annotations": { "team": "data" } },
                    { "broker": 1, "nodePort": 31092, "annotations": { "team": "data" } },
                ],
            })
        );
    }

    #[test]
    fn load_balancer_listener_limits_sources_and_picks_a_class() {
        let listener = ListenerSpec {
            port: 9095,
            kind: ListenerType::Loadbalancer,
            allow_from: vec!["10.0.0.0/8".into()],
            ingress_class: Some("internal".into()),
            ..ListenerSpec::default()
        };
        let rendered = super::listener("lb", &listener, &[0]);
        assert_eq!(
            rendered["configuration"],
            json!({ "class": "internal", "loadBalancerSourceRanges": ["10.0.0.0/8"] })
        );
        assert!(rendered.get("authentication").is_none());
    }

    #[test]
    fn plain_internal_listener_has_no_configuration() {
        let rendered = super::listener(
            "plain",
            &ListenerSpec {
                port: 9092,
                ..ListenerSpec::default()
            },
            &[0, 1, 2],
        );
        assert_eq!(
            rendered,
            json!({ "name": "plain", "port": 9092, "type": "internal", "tls": false })
        );
    }

    #[test]
    fn per_broker_settings_follow_the_known_node_ids() {
        let mut spec = kraft_spec(StrimziApi::V1);
        spec.listeners.insert(
            "lb".into(),
            ListenerSpec {
                port: 9095,
                kind: ListenerType::Loadbalancer,
                annotations: BTreeMap::from([("a".into(), "b".into())]),
                ..ListenerSpec::default()
            },
        );
        let ctx = RenderContext {
            node_ids: BTreeMap::from([("brokers".to_string(), vec![3, 7])]),
            ..RenderContext::offline()
        };
        let kafka = kafka(&spec, &ctx);
        let brokers: Vec<&Value> = kafka["spec"]["kafka"]["listeners"][0]["configuration"]["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| &b["broker"])
            .collect();
        assert_eq!(brokers, vec![&json!(3), &json!(7)]);
    }

    #[test]
    fn exporter_and_entity_operator_carry_pull_secrets() {
        let mut spec = kraft_spec(StrimziApi::V1);
        spec.images.pull_secrets = vec!["regcred".into()];
        let kafka = render(&spec);
        let secrets = json!([{ "name": "regcred" }]);
        assert_eq!(
            kafka["spec"]["entityOperator"]["template"]["pod"]["imagePullSecrets"],
            secrets
        );
        assert_eq!(
            kafka["spec"]["kafkaExporter"]["template"]["pod"]["imagePullSecrets"],
            secrets
        );
        assert_eq!(kafka["spec"]["kafka"]["template"]["pod"]["imagePullSecrets"], secrets);
        spec.kafka_exporter.enabled = false;
        assert!(render(&spec)["spec"].get("kafkaExporter").is_none());
    }
}
