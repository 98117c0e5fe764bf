//! kafkactl's own Prometheus for one cluster: ServiceAccount and namespaced
//! RBAC for pod discovery, the ConfigMap with `prometheus.yml` and the alert
//! rules, a one-replica StatefulSet with its volume, and its Service (ClusterIP,
//! or NodePort/LoadBalancer when exposed), with an optional Ingress.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, PersistentVolumeClaim, PersistentVolumeClaimSpec, PodSecurityContext,
    PodSpec, SecurityContext, ServiceAccount, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend,
    IngressSpec as IngressSpecK8s, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::alert_rules::kafka_rules_yml;
use super::exposure::{self, ClientAddress};
use super::prometheus_config::{CONFIG_FILE, PROMETHEUS_PORT, RULES_FILE, prometheus_yml};
use super::workload::{
    component_selector, container_port, hardened_security_context, http_probe, pod_template, resources, service_port,
    storage_bytes, to_object,
};
use super::{PrometheusVolume, RenderContext, Wave, image_ref, object_meta};
use crate::spec::names::{self, Component};
use crate::spec::{ClusterSpec, IngressSpec};

/// Pod-template annotation holding a checksum of the configuration, so that a
/// changed ConfigMap rolls the pod instead of waiting for a reload.
pub const CONFIG_CHECKSUM_ANNOTATION: &str = "kafkactl.io/config-checksum";
/// Share of the volume the TSDB may fill when `retentionSize` is not set: the
/// WAL and compaction need headroom beyond the retention limit. The volume is
/// the one the claim really has when it exists (see [`PrometheusVolume`]).
pub const RETENTION_SIZE_PERCENT: u64 = 85;
const CONFIG_DIR: &str = "/etc/prometheus";
const DATA_DIR: &str = "/prometheus";
const DATA_VOLUME: &str = "data";
const CONFIG_VOLUME: &str = "config";
const PORT_NAME: &str = "web";
/// `nobody`, as in Prometheus' own image; fsGroup makes the volume writable for it.
const PROMETHEUS_UID: i64 = 65534;

/// Every Prometheus object with its wave; empty unless kafkactl runs its own
/// Prometheus (disabled, or a prometheus-operator does the scraping).
pub fn prometheus(spec: &ClusterSpec, ctx: &RenderContext) -> Vec<(Wave, Value)> {
    if !spec.prometheus.standalone() {
        return Vec::new();
    }
    let volume = ctx.prometheus_volume.clone().unwrap_or_default();
    let name = names::prometheus(&spec.name);
    let config = prometheus_yml(spec);
    let rules = kafka_rules_yml(spec);
    let checksum = config_checksum(&config, &rules);
    let mut objects = vec![
        (Wave::Config, service_account(spec, &name)),
        (Wave::Config, role(spec, &name)),
        (Wave::Config, role_binding(spec, &name)),
        (Wave::Config, config_map(spec, config, rules)),
        (Wave::Workloads, stateful_set(spec, &name, &checksum, &volume)),
        (
            Wave::Workloads,
            exposure::service(
                spec,
                &name,
                Component::Prometheus,
                service_port(PORT_NAME, PROMETHEUS_PORT),
                spec.prometheus.expose.as_ref(),
                // No NetworkPolicy judges Prometheus' clients; source ranges
                // are the load balancer's business.
                ClientAddress::AnyNode,
            ),
        ),
    ];
    if let Some(ingress) = &spec.prometheus.ingress {
        objects.push((Wave::Workloads, web_ingress(spec, &name, ingress)));
    }
    objects
}

/// An Ingress for the web UI and HTTP API at `/` of the host, to the
/// Service's `web` port; TLS when a certificate Secret is named.
fn web_ingress(spec: &ClusterSpec, name: &str, ingress: &IngressSpec) -> Value {
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: name.to_string(),
            port: Some(ServiceBackendPort {
                name: Some(PORT_NAME.to_string()),
                number: None,
            }),
        }),
        ..IngressBackend::default()
    };
    let object = Ingress {
        spec: Some(IngressSpecK8s {
            ingress_class_name: ingress.class.clone(),
            tls: ingress.tls_secret.as_ref().map(|secret| {
                vec![IngressTLS {
                    hosts: Some(vec![ingress.host.clone()]),
                    secret_name: Some(secret.clone()),
                }]
            }),
            rules: Some(vec![IngressRule {
                host: Some(ingress.host.clone()),
                http: Some(HTTPIngressRuleValue {
                    paths: vec![HTTPIngressPath {
                        path: Some("/".to_string()),
                        path_type: "Prefix".to_string(),
                        backend,
                    }],
                }),
            }]),
            ..IngressSpecK8s::default()
        }),
        ..Ingress::default()
    };
    let mut metadata = meta(spec, name);
    if !ingress.annotations.is_empty() {
        metadata["annotations"] = serde_json::json!(ingress.annotations);
    }
    to_object(&object, metadata)
}

fn meta(spec: &ClusterSpec, name: &str) -> Value {
    object_meta(spec, name, Component::Prometheus)
}

fn service_account(spec: &ClusterSpec, name: &str) -> Value {
    to_object(&ServiceAccount::default(), meta(spec, name))
}

/// Pod discovery in the cluster's namespace only: a Role, not a ClusterRole.
fn role(spec: &ClusterSpec, name: &str) -> Value {
    let read = |group: &str, resources: &[&str]| PolicyRule {
        api_groups: Some(vec![group.to_string()]),
        resources: Some(resources.iter().map(|r| r.to_string()).collect()),
        verbs: ["get", "list", "watch"].iter().map(|v| v.to_string()).collect(),
        ..PolicyRule::default()
    };
    let role = Role {
        rules: Some(vec![
            read("", &["pods", "services", "endpoints"]),
            read("discovery.k8s.io", &["endpointslices"]),
        ]),
        ..Role::default()
    };
    to_object(&role, meta(spec, name))
}

fn role_binding(spec: &ClusterSpec, name: &str) -> Value {
    let binding = RoleBinding {
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_string(),
            kind: "Role".to_string(),
            name: name.to_string(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_string(),
            name: name.to_string(),
            namespace: Some(spec.namespace.clone()),
            ..Subject::default()
        }]),
        ..RoleBinding::default()
    };
    to_object(&binding, meta(spec, name))
}

fn config_map(spec: &ClusterSpec, config: String, rules: String) -> Value {
    let config_map = ConfigMap {
        data: Some(BTreeMap::from([
            (CONFIG_FILE.to_string(), config),
            (RULES_FILE.to_string(), rules),
        ])),
        ..ConfigMap::default()
    };
    to_object(&config_map, meta(spec, &names::prometheus_config(&spec.name)))
}

fn stateful_set(spec: &ClusterSpec, name: &str, checksum: &str, volume: &PrometheusVolume) -> Value {
    let annotations = BTreeMap::from([(CONFIG_CHECKSUM_ANNOTATION.to_string(), checksum.to_string())]);
    let stateful_set = StatefulSet {
        spec: Some(StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(name.to_string()),
            selector: component_selector(spec, Component::Prometheus),
            template: pod_template(spec, Component::Prometheus, annotations, pod_spec(spec, name, volume)),
            volume_claim_templates: Some(vec![data_claim(spec, volume)]),
            ..StatefulSetSpec::default()
        }),
        ..StatefulSet::default()
    };
    to_object(&stateful_set, meta(spec, name))
}

fn pod_spec(spec: &ClusterSpec, name: &str, volume: &PrometheusVolume) -> PodSpec {
    PodSpec {
        service_account_name: Some(name.to_string()),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(PROMETHEUS_UID),
            run_as_group: Some(PROMETHEUS_UID),
            fs_group: Some(PROMETHEUS_UID),
            ..PodSecurityContext::default()
        }),
        containers: vec![container(spec, volume)],
        volumes: Some(vec![Volume {
            name: CONFIG_VOLUME.to_string(),
            config_map: Some(ConfigMapVolumeSource {
                name: names::prometheus_config(&spec.name),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        }]),
        ..PodSpec::default()
    }
}

fn container(spec: &ClusterSpec, volume: &PrometheusVolume) -> Container {
    let mount = |volume: &str, path: &str, read_only: bool| VolumeMount {
        name: volume.to_string(),
        mount_path: path.to_string(),
        read_only: Some(read_only),
        ..VolumeMount::default()
    };
    Container {
        name: Component::Prometheus.as_str().to_string(),
        image: Some(image_ref(spec, &spec.prometheus.image)),
        args: Some(args(spec, volume)),
        ports: Some(vec![container_port(PORT_NAME, PROMETHEUS_PORT)]),
        readiness_probe: Some(http_probe("/-/ready", PORT_NAME)),
        liveness_probe: Some(http_probe("/-/healthy", PORT_NAME)),
        resources: resources(&spec.prometheus.resources),
        volume_mounts: Some(vec![
            mount(CONFIG_VOLUME, CONFIG_DIR, true),
            mount(DATA_VOLUME, DATA_DIR, false),
        ]),
        security_context: Some(SecurityContext {
            read_only_root_filesystem: Some(true),
            ..hardened_security_context()
        }),
        ..Container::default()
    }
}

fn args(spec: &ClusterSpec, volume: &PrometheusVolume) -> Vec<String> {
    let mut args = vec![
        format!("--config.file={CONFIG_DIR}/{CONFIG_FILE}"),
        format!("--storage.tsdb.path={DATA_DIR}"),
        format!("--storage.tsdb.retention.time={}", spec.prometheus.retention),
    ];
    if let Some(size) = retention_size(spec, volume) {
        args.push(format!("--storage.tsdb.retention.size={size}"));
    }
    // No --web.enable-lifecycle: kafkactl never reloads Prometheus through
    // /-/reload (a changed configuration rolls the pod, see
    // CONFIG_CHECKSUM_ANNOTATION), and with the flag anyone who reaches an
    // exposed Prometheus could stop it through /-/quit. An Ingress cannot be
    // trusted to filter those paths on every controller, so the API is off.
    args
}

/// The TSDB size cap: the spec's, or a share of the volume in Prometheus'
/// (power-of-two) units. The volume is what the claim really holds when it
/// exists (a claim being grown counts at its old size until it has grown),
/// else what the StatefulSet's template makes, else the spec's size. `None`
/// when the volume size cannot be read.
fn retention_size(spec: &ClusterSpec, volume: &PrometheusVolume) -> Option<String> {
    if let Some(size) = &spec.prometheus.retention_size {
        return Some(size.clone());
    }
    let size = volume
        .capacity
        .as_ref()
        .or(volume.template_size.as_ref())
        .unwrap_or(&spec.prometheus.storage.size);
    let bytes = storage_bytes(size)?;
    let share = u128::from(bytes) * u128::from(RETENTION_SIZE_PERCENT) / 100;
    Some(prometheus_bytes(u64::try_from(share).ok()?))
}

/// Bytes in the largest Prometheus unit that keeps them whole (`KB` = 1024).
fn prometheus_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes;
    let mut unit = 0;
    while unit + 1 < UNITS.len() && value >= 1024 && value.is_multiple_of(1024) {
        value /= 1024;
        unit += 1;
    }
    if unit < 2 && bytes >= 1 << 20 {
        // Not a whole number of KB/MB: round down to MB rather than print bytes.
        return format!("{}MB", bytes >> 20);
    }
    format!("{value}{}", UNITS[unit])
}

/// The volume claim template: an existing StatefulSet's as it is (the API
/// server refuses any change to it; a volume grows through its claim).
fn data_claim(spec: &ClusterSpec, volume: &PrometheusVolume) -> PersistentVolumeClaim {
    let size = volume
        .template_size
        .clone()
        .unwrap_or_else(|| spec.prometheus.storage.size.clone());
    PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(DATA_VOLUME.to_string()),
            labels: Some(names::common_labels(&spec.name, Component::Prometheus)),
            ..ObjectMeta::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_string()]),
            storage_class_name: spec.prometheus.storage.class.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([("storage".to_string(), Quantity(size))])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    }
}

/// FNV-1a (64 bit) over both files: stable across Rust releases and platforms,
/// which `DefaultHasher` does not promise; only change detection is needed.
fn config_checksum(config: &str, rules: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in config.bytes().chain([0]).chain(rules.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ClusterSpec {
        ClusterSpec {
            name: "orders".to_string(),
            ..ClusterSpec::default()
        }
    }

    fn object<'a>(objects: &'a [(Wave, Value)], kind: &str) -> &'a Value {
        &objects.iter().find(|(_, o)| o["kind"] == kind).unwrap().1
    }

    fn prometheus_args(spec: &ClusterSpec) -> Vec<String> {
        prometheus_args_in(spec, &RenderContext::offline())
    }

    fn prometheus_args_in(spec: &ClusterSpec, ctx: &RenderContext) -> Vec<String> {
        let objects = prometheus(spec, ctx);
        let container = &object(&objects, "StatefulSet")["spec"]["template"]["spec"]["containers"][0];
        serde_json::from_value(container["args"].clone()).unwrap()
    }

    #[test]
    fn disabled_prometheus_renders_nothing() {
        let mut spec = spec();
        spec.prometheus.enabled = false;
        assert!(prometheus(&spec, &RenderContext::offline()).is_empty());
    }

    #[test]
    fn rbac_and_config_come_before_the_workload() {
        let objects = prometheus(&spec(), &RenderContext::offline());
        let kinds: Vec<(Wave, &str)> = objects.iter().map(|(w, o)| (*w, o["kind"].as_str().unwrap())).collect();
        assert_eq!(
            kinds,
            [
                (Wave::Config, "ServiceAccount"),
                (Wave::Config, "Role"),
                (Wave::Config, "RoleBinding"),
                (Wave::Config, "ConfigMap"),
                (Wave::Workloads, "StatefulSet"),
                (Wave::Workloads, "Service"),
            ]
        );
    }

    #[test]
    fn retention_size_defaults_to_85_percent_of_the_volume() {
        let args = prometheus_args(&spec());
        assert!(
            args.contains(&"--storage.tsdb.retention.size=17GB".to_string()),
            "{args:?}"
        );
        assert!(
            args.contains(&"--storage.tsdb.retention.time=15d".to_string()),
            "{args:?}"
        );
    }

    #[test]
    fn the_lifecycle_api_that_could_stop_prometheus_is_off() {
        let args = prometheus_args(&spec());
        assert!(!args.iter().any(|a| a.contains("lifecycle")), "{args:?}");
    }

    #[test]
    fn an_existing_volume_keeps_its_template_and_caps_retention_at_what_it_holds() {
        // The spec asks for 100Gi; the StatefulSet was made with 50Gi and the
        // claim has not grown (yet): the template stays, the cap fits 50Gi.
        let mut spec = spec();
        spec.prometheus.storage.size = "100Gi".to_string();
        let ctx = RenderContext {
            prometheus_volume: Some(PrometheusVolume {
                template_size: Some("50Gi".to_string()),
                capacity: Some("50Gi".to_string()),
            }),
            ..RenderContext::offline()
        };
        let objects = prometheus(&spec, &ctx);
        let claim = &object(&objects, "StatefulSet")["spec"]["volumeClaimTemplates"][0];
        assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "50Gi");
        let args = prometheus_args_in(&spec, &ctx);
        assert!(
            args.contains(&"--storage.tsdb.retention.size=43520MB".to_string()),
            "{args:?}"
        );
        // Once the claim has grown, the cap follows it; the template still stays.
        let grown = RenderContext {
            prometheus_volume: Some(PrometheusVolume {
                template_size: Some("50Gi".to_string()),
                capacity: Some("100Gi".to_string()),
            }),
            ..RenderContext::offline()
        };
        let args = prometheus_args_in(&spec, &grown);
        assert!(
            args.contains(&"--storage.tsdb.retention.size=85GB".to_string()),
            "{args:?}"
        );
    }

    #[test]
    fn explicit_retention_size_wins() {
        let mut spec = spec();
        spec.prometheus.retention_size = Some("5GB".to_string());
        let args = prometheus_args(&spec);
        assert!(
            args.contains(&"--storage.tsdb.retention.size=5GB".to_string()),
            "{args:?}"
        );
    }

    #[test]
    fn prometheus_bytes_uses_whole_units() {
        assert_eq!(prometheus_bytes(17 << 30), "17GB");
        assert_eq!(prometheus_bytes((50u64 << 30) / 100 * 85), "43520MB");
        assert_eq!(prometheus_bytes(85_000_000_000), "81062MB");
    }

    #[test]
    fn config_change_changes_the_pod_template() {
        let checksum = |spec: &ClusterSpec| {
            let objects = prometheus(spec, &RenderContext::offline());
            object(&objects, "StatefulSet")["spec"]["template"]["metadata"]["annotations"][CONFIG_CHECKSUM_ANNOTATION]
                .clone()
        };
        let before = checksum(&spec());
        let mut changed = spec();
        changed.kafka_exporter.enabled = false;
        assert_ne!(before, checksum(&changed));
        assert_eq!(before, checksum(&spec()));
    }

    #[test]
    fn volume_claim_uses_the_specs_size_and_class() {
        let mut spec = spec();
        spec.prometheus.storage.class = Some("alicloud-disk-essd".to_string());
        let objects = prometheus(&spec, &RenderContext::offline());
        let claim = &object(&objects, "StatefulSet")["spec"]["volumeClaimTemplates"][0];
        assert_eq!(claim["metadata"]["name"], "data");
        assert_eq!(claim["spec"]["storageClassName"], "alicloud-disk-essd");
        assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "20Gi");
    }

    #[test]
    fn config_map_holds_both_files() {
        let objects = prometheus(&spec(), &RenderContext::offline());
        let config_map = object(&objects, "ConfigMap");
        assert_eq!(config_map["metadata"]["name"], "orders-prometheus-config");
        assert!(
            config_map["data"]["prometheus.yml"]
                .as_str()
                .unwrap()
                .contains("kafka-rules.yml")
        );
        assert!(
            config_map["data"]["kafka-rules.yml"]
                .as_str()
                .unwrap()
                .contains("UnderReplicatedPartitions")
        );
    }
}
