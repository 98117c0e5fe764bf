//! `prometheus.yml` of kafkactl's Prometheus: which pods of one cluster it
//! scrapes (Kubernetes pod discovery limited to the cluster's namespace, kept
//! by Strimzi's and kafkactl's labels) and the labels every series carries
//! (`cluster`, `namespace`, `pod`, `node_id`, `pool`, `kind`). Pure text builder.

use serde_json::{Value, json};

use super::kafka_exporter::KAFKA_EXPORTER_PORT;
use super::zookeeper_exporter::PORT_NAME as ZOOKEEPER_EXPORTER_PORT_NAME;
use crate::spec::names::{self, Component};
use crate::spec::{ClusterSpec, NodePoolNames};

/// File names inside the ConfigMap (and the mounted config directory).
pub const CONFIG_FILE: &str = "prometheus.yml";
pub const RULES_FILE: &str = "kafka-rules.yml";
pub const SCRAPE_INTERVAL: &str = "30s";
pub const SCRAPE_TIMEOUT: &str = "10s";
pub const EVALUATION_INTERVAL: &str = "30s";
/// The port Prometheus listens on (its own scrape target).
pub const PROMETHEUS_PORT: i32 = 9090;

/// Scrape job names; the alert rules select on them.
pub const KAFKA_JOB: &str = "kafka";
pub const ZOOKEEPER_JOB: &str = "zookeeper";
pub const KAFKA_EXPORTER_JOB: &str = "kafka-exporter";
pub const ZOOKEEPER_EXPORTER_JOB: &str = "zookeeper-exporter";
pub const PROMETHEUS_JOB: &str = "prometheus";

/// Strimzi's JMX exporter serves 9404 on broker and ZooKeeper pods, as does its
/// kafka-exporter; Strimzi forbids 9404 for listeners, so the number is unambiguous.
const STRIMZI_METRICS_PORT: i32 = KAFKA_EXPORTER_PORT;

/// The `prometheus.yml` text for `spec`. Rule files are named relative to the
/// config file, which Prometheus (and promtool) resolve from its directory.
pub fn prometheus_yml(spec: &ClusterSpec) -> String {
    to_yaml(&prometheus_config(spec))
}

/// YAML of a JSON tree. JSON is itself YAML, so the unreachable serialiser
/// error still yields a file Prometheus reads.
pub(super) fn to_yaml(tree: &Value) -> String {
    serde_saphyr::to_string(tree).unwrap_or_else(|_| tree.to_string())
}

/// The configuration as a JSON tree.
pub fn prometheus_config(spec: &ClusterSpec) -> Value {
    json!({
        "global": {
            "scrape_interval": SCRAPE_INTERVAL,
            "scrape_timeout": SCRAPE_TIMEOUT,
            "evaluation_interval": EVALUATION_INTERVAL,
        },
        "rule_files": [RULES_FILE],
        "scrape_configs": scrape_configs(spec),
    })
}

fn scrape_configs(spec: &ClusterSpec) -> Vec<Value> {
    let c = spec.name.as_str();
    let mut jobs = Vec::new();
    if spec.metrics.kafka {
        let keep = [
            keep(&pod_label(names::STRIMZI_CLUSTER_LABEL), c),
            keep(&pod_label(names::STRIMZI_NAME_LABEL), &names::kafka_pods_name(c)),
            keep_port_number(STRIMZI_METRICS_PORT),
        ];
        jobs.push(pod_job(spec, KAFKA_JOB, &keep, &node_labels(spec, true)));
    }
    if spec.is_zookeeper() && spec.metrics.zookeeper {
        let keep = [
            keep(&pod_label(names::STRIMZI_CLUSTER_LABEL), c),
            keep(&pod_label(names::STRIMZI_NAME_LABEL), &names::zookeeper_pods_name(c)),
            keep_port_number(STRIMZI_METRICS_PORT),
        ];
        jobs.push(pod_job(spec, ZOOKEEPER_JOB, &keep, &node_labels(spec, false)));
    }
    if spec.kafka_exporter.enabled {
        let keep = [
            keep(&pod_label(names::STRIMZI_CLUSTER_LABEL), c),
            keep(
                &pod_label(names::STRIMZI_NAME_LABEL),
                &names::kafka_exporter_deployment(c),
            ),
            keep_port_number(KAFKA_EXPORTER_PORT),
        ];
        jobs.push(pod_job(spec, KAFKA_EXPORTER_JOB, &keep, &[]));
    }
    if spec.is_zookeeper() && spec.zookeeper_exporter.enabled {
        let keep = [
            keep(&pod_label(names::CLUSTER_LABEL), c),
            keep(&pod_label(names::NAME_LABEL), Component::ZookeeperExporter.as_str()),
            keep(
                "__meta_kubernetes_pod_container_port_name",
                ZOOKEEPER_EXPORTER_PORT_NAME,
            ),
        ];
        jobs.push(pod_job(spec, ZOOKEEPER_EXPORTER_JOB, &keep, &[]));
    }
    jobs.push(self_job(spec));
    jobs
}

/// A job over the namespace's pods: keep rules first (all must match), then
/// the labels every series of this cluster carries.
fn pod_job(spec: &ClusterSpec, job: &str, keep: &[Value], extra: &[Value]) -> Value {
    let mut relabel = keep.to_vec();
    relabel.push(json!({
        "action": "drop",
        "source_labels": ["__meta_kubernetes_pod_phase"],
        "regex": "Succeeded|Failed",
    }));
    relabel.push(set_label("cluster", &spec.name));
    relabel.push(copy_label("__meta_kubernetes_namespace", "namespace"));
    relabel.push(copy_label("__meta_kubernetes_pod_name", "pod"));
    relabel.push(set_label("kind", job));
    relabel.extend_from_slice(extra);
    json!({
        "job_name": job,
        "kubernetes_sd_configs": [{
            "role": "pod",
            "namespaces": { "names": [spec.namespace] },
        }],
        "relabel_configs": relabel,
    })
}

/// `node_id` from the pod name's ordinal (`<c>-<pool>-<id>`, `<c>-zookeeper-<n>`)
/// and, for Kafka nodes, `pool`: from the pod name, then Strimzi's
/// `strimzi.io/pool-name` label where the pod has one.
pub(super) fn node_labels(spec: &ClusterSpec, with_pool: bool) -> Vec<Value> {
    let mut rules = vec![json!({
        "source_labels": ["__meta_kubernetes_pod_name"],
        "regex": ".*-([0-9]+)",
        "target_label": "node_id",
        "replacement": "$1",
    })];
    if with_pool {
        rules.push(json!({
            "source_labels": ["__meta_kubernetes_pod_name"],
            "regex": format!("{}-(.+)-[0-9]+", regex_escape(&spec.name)),
            "target_label": "pool",
            "replacement": "$1",
        }));
        rules.push(json!({
            "source_labels": [pod_label(names::STRIMZI_POOL_LABEL)],
            "regex": "(.+)",
            "target_label": "pool",
            "replacement": "$1",
        }));
        if spec.node_pool_names == NodePoolNames::Prefixed && !spec.is_zookeeper() {
            // `pool` is the spec's pool name, whatever the KafkaNodePool is called.
            rules.push(json!({
                "source_labels": ["pool"],
                "regex": format!("{}-(.+)", regex_escape(&spec.name)),
                "target_label": "pool",
                "replacement": "$1",
            }));
        }
    }
    rules
}

fn self_job(spec: &ClusterSpec) -> Value {
    json!({
        "job_name": PROMETHEUS_JOB,
        "static_configs": [{
            "targets": [format!("localhost:{PROMETHEUS_PORT}")],
            "labels": {
                "cluster": spec.name,
                "namespace": spec.namespace,
                "kind": PROMETHEUS_JOB,
            },
        }],
    })
}

fn keep(source: &str, value: &str) -> Value {
    json!({
        "action": "keep",
        "source_labels": [source],
        "regex": regex_escape(value),
    })
}

fn keep_port_number(port: i32) -> Value {
    keep("__meta_kubernetes_pod_container_port_number", &port.to_string())
}

fn set_label(target: &str, value: &str) -> Value {
    json!({ "target_label": target, "replacement": value })
}

fn copy_label(source: &str, target: &str) -> Value {
    json!({ "source_labels": [source], "target_label": target })
}

/// The discovery meta label of a pod label: Prometheus turns every character
/// that may not appear in a label name into `_`.
pub fn pod_label(label: &str) -> String {
    let sanitised: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("__meta_kubernetes_pod_label_{sanitised}")
}

/// `text` as a literal inside an RE2 regex (Prometheus anchors them whole).
pub fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MetadataMode;
    use std::collections::BTreeMap;

    fn spec(metadata: MetadataMode) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "orders".to_string(),
            namespace: "team-a".to_string(),
            metadata,
            ..ClusterSpec::default()
        };
        spec.zookeeper_exporter.enabled = true;
        spec
    }

    fn job<'a>(config: &'a Value, name: &str) -> Option<&'a Value> {
        config["scrape_configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["job_name"] == name)
    }

    fn job_names(config: &Value) -> Vec<&str> {
        config["scrape_configs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["job_name"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn zookeeper_mode_scrapes_every_component() {
        let config = prometheus_config(&spec(MetadataMode::Zookeeper));
        assert_eq!(
            job_names(&config),
            [
                "kafka",
                "zookeeper",
                "kafka-exporter",
                "zookeeper-exporter",
                "prometheus"
            ]
        );
    }

    #[test]
    fn kraft_mode_has_no_zookeeper_jobs() {
        let config = prometheus_config(&spec(MetadataMode::Kraft));
        assert_eq!(job_names(&config), ["kafka", "kafka-exporter", "prometheus"]);
    }

    #[test]
    fn discovery_is_limited_to_the_clusters_namespace() {
        let config = prometheus_config(&spec(MetadataMode::Zookeeper));
        for job in config["scrape_configs"].as_array().unwrap() {
            if let Some(sd) = job.get("kubernetes_sd_configs") {
                assert_eq!(sd, &json!([{ "role": "pod", "namespaces": { "names": ["team-a"] } }]));
            }
        }
    }

    #[test]
    fn kafka_job_keeps_only_this_clusters_broker_pods_on_9404() {
        let config = prometheus_config(&spec(MetadataMode::Kraft));
        let relabel = job(&config, "kafka").unwrap()["relabel_configs"].as_array().unwrap();
        let keeps: Vec<(&str, &str)> = relabel
            .iter()
            .filter(|r| r["action"] == "keep")
            .map(|r| (r["source_labels"][0].as_str().unwrap(), r["regex"].as_str().unwrap()))
            .collect();
        assert_eq!(
            keeps,
            [
                ("__meta_kubernetes_pod_label_strimzi_io_cluster", "orders"),
                ("__meta_kubernetes_pod_label_strimzi_io_name", "orders-kafka"),
                ("__meta_kubernetes_pod_container_port_number", "9404"),
            ]
        );
        let targets: Vec<&str> = relabel.iter().filter_map(|r| r["target_label"].as_str()).collect();
        for label in ["cluster", "namespace", "pod", "node_id", "pool", "kind"] {
            assert!(targets.contains(&label), "{label} missing from {targets:?}");
        }
    }

    #[test]
    fn zookeeper_exporter_job_selects_kafkactls_labels() {
        let config = prometheus_config(&spec(MetadataMode::Zookeeper));
        let text = job(&config, "zookeeper-exporter").unwrap().to_string();
        assert!(
            text.contains("__meta_kubernetes_pod_label_kafkactl_io_cluster"),
            "{text}"
        );
        assert!(
            text.contains("__meta_kubernetes_pod_label_app_kubernetes_io_name"),
            "{text}"
        );
        assert!(text.contains("\"zookeeper-exporter\""), "{text}");
    }

    #[test]
    fn disabled_exporter_has_no_job() {
        let mut spec = spec(MetadataMode::Kraft);
        spec.kafka_exporter.enabled = false;
        assert!(job(&prometheus_config(&spec), "kafka-exporter").is_none());
    }

    #[test]
    fn regex_metacharacters_are_escaped() {
        assert_eq!(regex_escape("a.b-c"), "a\\.b-c");
        assert_eq!(
            pod_label("strimzi.io/pool-name"),
            "__meta_kubernetes_pod_label_strimzi_io_pool_name"
        );
    }

    #[test]
    fn yaml_round_trips_to_the_same_tree() {
        let config = prometheus_config(&spec(MetadataMode::Zookeeper));
        let parsed: Value = serde_saphyr::from_str(&prometheus_yml(&spec(MetadataMode::Zookeeper))).unwrap();
        assert_eq!(parsed, config);
    }

    /// Prometheus's `replace` relabeling: source labels joined by `;`, the
    /// regex anchored at both ends, the target set from the replacement.
    fn relabel(rules: &[Value], mut labels: BTreeMap<String, String>) -> BTreeMap<String, String> {
        for rule in rules {
            let source: Vec<&str> = rule["source_labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| labels.get(l.as_str().unwrap()).map_or("", String::as_str))
                .collect();
            let value = source.join(";");
            let regex = regex::Regex::new(&format!("^(?:{})$", rule["regex"].as_str().unwrap())).unwrap();
            if let Some(captures) = regex.captures(&value) {
                let mut out = String::new();
                captures.expand(rule["replacement"].as_str().unwrap(), &mut out);
                labels.insert(rule["target_label"].as_str().unwrap().to_string(), out);
            }
        }
        labels
    }

    fn pod(name: &str, pool_label: Option<&str>) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::from([("__meta_kubernetes_pod_name".to_string(), name.to_string())]);
        if let Some(pool) = pool_label {
            labels.insert(pod_label(names::STRIMZI_POOL_LABEL), pool.to_string());
        }
        labels
    }

    #[test]
    fn node_id_and_pool_label_are_the_specs_whatever_the_pool_naming() {
        let mut kraft = spec(MetadataMode::Kraft);
        let prefixed = relabel(
            &node_labels(&kraft, true),
            pod("orders-orders-brokers-102", Some("orders-brokers")),
        );
        assert_eq!(
            (prefixed["pool"].as_str(), prefixed["node_id"].as_str()),
            ("brokers", "102")
        );
        kraft.node_pool_names = NodePoolNames::Bare;
        let bare = relabel(&node_labels(&kraft, true), pod("orders-brokers-3", Some("brokers")));
        assert_eq!((bare["pool"].as_str(), bare["node_id"].as_str()), ("brokers", "3"));
        let zookeeper_mode = relabel(
            &node_labels(&spec(MetadataMode::Zookeeper), true),
            pod("orders-kafka-2", None),
        );
        assert_eq!(
            (zookeeper_mode["pool"].as_str(), zookeeper_mode["node_id"].as_str()),
            ("kafka", "2")
        );
    }
}
