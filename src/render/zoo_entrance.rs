//! zoo-entrance: the stunnel proxy that offers Strimzi's TLS-only ZooKeeper as
//! plain TCP on 2181 (ZooKeeper mode), its Service, and the NetworkPolicies
//! that let it reach ZooKeeper and limit who reaches it.
//!
//! Anyone who reaches the proxy can change ZooKeeper unauthenticated, so the
//! Service is ClusterIP and only pods of the cluster's namespace may connect.
//! Exposing it further (`expose … zookeeper`, `zooEntrance.expose`) turns the
//! Service into a NodePort or LoadBalancer and widens the policy on purpose:
//! to the `allowFrom` CIDRs, or to every source when the exposure itself
//! limits who reaches it (an internal load balancer) or is public.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec, SecretVolumeSource, Volume, VolumeMount};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::exposure::{self, ClientAddress};
use super::workload::{
    component_selector, container_port, deployment, env, exec_probe, hardened_security_context, match_labels,
    service_port, to_object,
};
use super::{image_ref, object_meta};
use crate::spec::ClusterSpec;
use crate::spec::names::{self, Component};

/// ZooKeeper's client port: the proxy listens on it and connects to it.
pub const ZOOKEEPER_PORT: i32 = 2181;
const PORT_NAME: &str = "zoo";
const RUN_SCRIPT: &str = "/opt/stunnel/stunnel_run.sh";
const HEALTHCHECK_SCRIPT: &str = "/opt/stunnel/stunnel_healthcheck.sh";
const OPERATOR_CERTS_PATH: &str = "/etc/cluster-operator-certs/";
const CLUSTER_CA_PATH: &str = "/etc/cluster-ca-certs/";
/// Owner and group may read the mounted keys (0440), as zoo-entrance's own manifest does.
const SECRET_MODE: i32 = 0o440;

/// Deployment, Service and NetworkPolicies of zoo-entrance; empty unless the
/// cluster runs ZooKeeper and the proxy is enabled.
pub fn zoo_entrance(spec: &ClusterSpec) -> Vec<Value> {
    if !(spec.is_zookeeper() && spec.zoo_entrance.enabled) {
        return Vec::new();
    }
    let name = names::zoo_entrance(&spec.name);
    vec![
        deployment(spec, &name, Component::ZooEntrance, pod_spec(spec)),
        exposure::service(
            spec,
            &name,
            Component::ZooEntrance,
            service_port(PORT_NAME, ZOOKEEPER_PORT),
            spec.zoo_entrance.expose.as_ref(),
            ClientAddress::KeptForSourceRanges,
        ),
        zookeeper_access_policy(spec),
        proxy_access_policy(spec),
    ]
}

/// Name of the policy that admits the proxy to the ZooKeeper pods. Not a
/// Service, so the 63-character label limit does not apply to it.
pub fn zookeeper_access_policy_name(cluster: &str) -> String {
    format!("{}-to-zookeeper", names::zoo_entrance(cluster))
}

fn pod_spec(spec: &ClusterSpec) -> PodSpec {
    let probe = exec_probe(&[HEALTHCHECK_SCRIPT, &ZOOKEEPER_PORT.to_string()]);
    let operator_certs = names::cluster_operator_certs_secret(&spec.name);
    let cluster_ca = names::cluster_ca_cert_secret(&spec.name);
    let container = Container {
        name: Component::ZooEntrance.as_str().to_string(),
        image: Some(image_ref(spec, &spec.images.zoo_entrance)),
        command: Some(vec![RUN_SCRIPT.to_string()]),
        env: Some(vec![
            env(
                "STRIMZI_ZOOKEEPER_CONNECT",
                &format!("{}:{ZOOKEEPER_PORT}", names::zookeeper_client_service(&spec.name)),
            ),
            env("LOG_LEVEL", "notice"),
        ]),
        ports: Some(vec![container_port(PORT_NAME, ZOOKEEPER_PORT)]),
        readiness_probe: Some(probe.clone()),
        liveness_probe: Some(probe),
        volume_mounts: Some(vec![
            secret_mount("cluster-operator-certs", OPERATOR_CERTS_PATH),
            secret_mount("cluster-ca-certs", CLUSTER_CA_PATH),
        ]),
        // The image is Strimzi's Kafka image (USER 1001), so non-root holds
        // without pinning a uid; stunnel writes its pid file, so the root
        // filesystem stays writable.
        security_context: Some(k8s_openapi::api::core::v1::SecurityContext {
            run_as_non_root: Some(true),
            ..hardened_security_context()
        }),
        ..Container::default()
    };
    PodSpec {
        containers: vec![container],
        volumes: Some(vec![
            secret_volume("cluster-operator-certs", &operator_certs),
            secret_volume("cluster-ca-certs", &cluster_ca),
        ]),
        automount_service_account_token: Some(false),
        ..PodSpec::default()
    }
}

fn secret_mount(volume: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: volume.to_string(),
        mount_path: path.to_string(),
        read_only: Some(true),
        ..VolumeMount::default()
    }
}

fn secret_volume(volume: &str, secret: &str) -> Volume {
    Volume {
        name: volume.to_string(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(secret.to_string()),
            default_mode: Some(SECRET_MODE),
            ..SecretVolumeSource::default()
        }),
        ..Volume::default()
    }
}

fn port_2181() -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(ZOOKEEPER_PORT)),
        protocol: Some("TCP".to_string()),
        ..NetworkPolicyPort::default()
    }
}

/// A rule admitting `from` on 2181; `None` admits every source.
fn rule_2181(from: Option<Vec<NetworkPolicyPeer>>) -> NetworkPolicyIngressRule {
    NetworkPolicyIngressRule {
        from,
        ports: Some(vec![port_2181()]),
    }
}

fn ingress_policy(pod_selector: LabelSelector, rules: Vec<NetworkPolicyIngressRule>) -> NetworkPolicy {
    NetworkPolicy {
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pod_selector),
            policy_types: Some(vec!["Ingress".to_string()]),
            ingress: Some(rules),
            ..NetworkPolicySpec::default()
        }),
        ..NetworkPolicy::default()
    }
}

/// Strimzi's own policy on the ZooKeeper pods admits only Strimzi's pods;
/// policies add up, so this one admits the proxy's pods as well.
fn zookeeper_access_policy(spec: &ClusterSpec) -> Value {
    let zookeeper_pods = match_labels(BTreeMap::from([(
        names::STRIMZI_NAME_LABEL.to_string(),
        names::zookeeper_pods_name(&spec.name),
    )]));
    let proxy_pods = NetworkPolicyPeer {
        pod_selector: Some(component_selector(spec, Component::ZooEntrance)),
        ..NetworkPolicyPeer::default()
    };
    let name = zookeeper_access_policy_name(&spec.name);
    to_object(
        &ingress_policy(zookeeper_pods, vec![rule_2181(Some(vec![proxy_pods]))]),
        object_meta(spec, &name, Component::ZooEntrance),
    )
}

/// Pods of the cluster's own namespace (the ZooKeeper exporter, admin tools
/// run there) may open the unauthenticated proxy; an exposure adds the
/// clients it is for.
fn proxy_access_policy(spec: &ClusterSpec) -> Value {
    let same_namespace = NetworkPolicyPeer {
        pod_selector: Some(LabelSelector::default()),
        ..NetworkPolicyPeer::default()
    };
    let mut rules = vec![rule_2181(Some(vec![same_namespace]))];
    if let Some(exposure) = &spec.zoo_entrance.expose {
        rules.push(rule_2181(external_clients(&exposure.allow_from)));
    }
    to_object(
        &ingress_policy(component_selector(spec, Component::ZooEntrance), rules),
        object_meta(spec, &names::zoo_entrance(&spec.name), Component::ZooEntrance),
    )
}

/// The `allowFrom` CIDRs as `ipBlock` peers. Without any, every source: the
/// exposure then limits who reaches the proxy (an internal load balancer),
/// or it is public on purpose; the client addresses behind a load balancer
/// are not known here.
fn external_clients(allow_from: &[String]) -> Option<Vec<NetworkPolicyPeer>> {
    (!allow_from.is_empty()).then(|| {
        allow_from
            .iter()
            .map(|cidr| NetworkPolicyPeer {
                ip_block: Some(IPBlock {
                    cidr: cidr.clone(),
                    except: None,
                }),
                ..NetworkPolicyPeer::default()
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MetadataMode;

    fn zookeeper_spec() -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "old".to_string(),
            metadata: MetadataMode::Zookeeper,
            ..ClusterSpec::default()
        };
        spec.zoo_entrance.enabled = true;
        spec
    }

    fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} missing"))
    }

    #[test]
    fn nothing_in_kraft_mode_or_when_disabled() {
        let mut spec = zookeeper_spec();
        spec.metadata = MetadataMode::Kraft;
        assert!(zoo_entrance(&spec).is_empty());
        let mut spec = zookeeper_spec();
        spec.zoo_entrance.enabled = false;
        assert!(zoo_entrance(&spec).is_empty());
    }

    #[test]
    fn proxy_connects_to_the_zookeeper_client_service() {
        let objects = zoo_entrance(&zookeeper_spec());
        let deployment = find(&objects, "Deployment", "old-zoo-entrance");
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["command"], serde_json::json!([RUN_SCRIPT]));
        assert_eq!(container["env"][0]["name"], "STRIMZI_ZOOKEEPER_CONNECT");
        assert_eq!(container["env"][0]["value"], "old-zookeeper-client:2181");
        assert_eq!(
            container["readinessProbe"]["exec"]["command"],
            serde_json::json!([HEALTHCHECK_SCRIPT, "2181"])
        );
    }

    #[test]
    fn service_stays_inside_the_cluster() {
        let objects = zoo_entrance(&zookeeper_spec());
        let service = find(&objects, "Service", "old-zoo-entrance");
        assert_eq!(service["spec"]["type"], "ClusterIP");
        assert_eq!(service["spec"]["ports"][0]["port"], 2181);
    }

    fn exposed(spec: &mut ClusterSpec, allow_from: &[&str]) {
        spec.zoo_entrance.expose = Some(crate::spec::ServiceExposure {
            kind: crate::spec::ExposureType::Loadbalancer,
            annotations: BTreeMap::from([(
                "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type".to_string(),
                "intranet".to_string(),
            )]),
            allow_from: allow_from.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        });
    }

    #[test]
    fn exposed_proxy_admits_the_allowed_cidrs_next_to_its_namespace() {
        let mut spec = zookeeper_spec();
        exposed(&mut spec, &["10.0.0.0/8", "192.168.1.0/24"]);
        let objects = zoo_entrance(&spec);
        let service = find(&objects, "Service", "old-zoo-entrance");
        assert_eq!(service["spec"]["type"], "LoadBalancer");
        assert_eq!(
            service["spec"]["loadBalancerSourceRanges"],
            serde_json::json!(["10.0.0.0/8", "192.168.1.0/24"])
        );
        assert_eq!(service["spec"]["externalTrafficPolicy"], "Local");
        assert_eq!(
            service["metadata"]["annotations"]["service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type"],
            "intranet"
        );
        let policy = find(&objects, "NetworkPolicy", "old-zoo-entrance");
        let rules = policy["spec"]["ingress"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["from"], serde_json::json!([{ "podSelector": {} }]));
        assert_eq!(
            rules[1]["from"],
            serde_json::json!([{ "ipBlock": { "cidr": "10.0.0.0/8" } }, { "ipBlock": { "cidr": "192.168.1.0/24" } }])
        );
        assert_eq!(rules[1]["ports"][0]["port"], 2181);
    }

    #[test]
    fn exposure_without_source_ranges_admits_every_source_on_2181_only() {
        let mut spec = zookeeper_spec();
        exposed(&mut spec, &[]);
        let objects = zoo_entrance(&spec);
        let policy = find(&objects, "NetworkPolicy", "old-zoo-entrance");
        let open = &policy["spec"]["ingress"][1];
        assert!(open.get("from").is_none(), "{open}");
        assert_eq!(open["ports"], serde_json::json!([{ "port": 2181, "protocol": "TCP" }]));
        let service = find(&objects, "Service", "old-zoo-entrance");
        assert!(service["spec"].get("externalTrafficPolicy").is_none());
    }

    #[test]
    fn proxy_is_reachable_only_from_its_namespace() {
        let objects = zoo_entrance(&zookeeper_spec());
        let policy = find(&objects, "NetworkPolicy", "old-zoo-entrance");
        let rule = &policy["spec"]["ingress"][0];
        assert_eq!(rule["from"], serde_json::json!([{ "podSelector": {} }]));
        assert_eq!(
            policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
            "zoo-entrance"
        );
    }
}
