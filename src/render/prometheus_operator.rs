//! Monitoring through a prometheus-operator already in the cluster: PodMonitors
//! for the broker and ZooKeeper JMX exporters, ServiceMonitors for kafkactl's
//! exporter Services, and a PrometheusRule with the same alert rules as
//! kafkactl's own Prometheus. Series get the same labels (`job`, `cluster`,
//! `kind`, `node_id`, `pool`) as in standalone mode, so rules, dashboards and
//! `kafkactl monitor` read both alike.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::alert_rules::kafka_rules;
use super::kafka_exporter::METRICS_PORT_NAME;
use super::prometheus_config::{
    KAFKA_EXPORTER_JOB, KAFKA_JOB, SCRAPE_INTERVAL, SCRAPE_TIMEOUT, ZOOKEEPER_EXPORTER_JOB, ZOOKEEPER_JOB, node_labels,
};
use super::zookeeper_exporter::PORT_NAME as ZOOKEEPER_EXPORTER_PORT_NAME;
use crate::spec::ClusterSpec;
use crate::spec::names::{self, Component};

pub const MONITORING_GROUP: &str = "monitoring.coreos.com";
pub const MONITORING_API_VERSION: &str = "monitoring.coreos.com/v1";
/// The kinds operator mode needs the cluster to serve.
pub const OPERATOR_KINDS: &[&str] = &["PodMonitor", "ServiceMonitor", "PrometheusRule"];

/// Every monitoring.coreos.com object of the cluster; empty unless the spec
/// monitors through the operator.
pub fn prometheus_operator(spec: &ClusterSpec) -> Vec<Value> {
    if !spec.prometheus.operator() {
        return Vec::new();
    }
    let c = spec.name.as_str();
    let mut objects = Vec::new();
    if spec.metrics.kafka {
        let selector = strimzi_pods(c, &names::kafka_pods_name(c));
        objects.push(pod_monitor(spec, &names::kafka_pods_name(c), KAFKA_JOB, selector, true));
    }
    if spec.is_zookeeper() && spec.metrics.zookeeper {
        let selector = strimzi_pods(c, &names::zookeeper_pods_name(c));
        objects.push(pod_monitor(
            spec,
            &names::zookeeper_pods_name(c),
            ZOOKEEPER_JOB,
            selector,
            false,
        ));
    }
    if spec.kafka_exporter.enabled {
        objects.push(service_monitor(
            spec,
            &names::kafka_exporter_service(c),
            KAFKA_EXPORTER_JOB,
            Component::KafkaExporter,
            METRICS_PORT_NAME,
        ));
    }
    if spec.is_zookeeper() && spec.zookeeper_exporter.enabled {
        objects.push(service_monitor(
            spec,
            &names::zookeeper_exporter(c),
            ZOOKEEPER_EXPORTER_JOB,
            Component::ZookeeperExporter,
            ZOOKEEPER_EXPORTER_PORT_NAME,
        ));
    }
    objects.push(prometheus_rule(spec));
    objects
}

/// kafkactl's labels plus the ones the operator's Prometheus selects on.
fn metadata(spec: &ClusterSpec, name: &str) -> Value {
    let mut labels = names::common_labels(&spec.name, Component::Prometheus);
    labels.extend(spec.prometheus.monitor_labels.clone());
    json!({ "name": name, "namespace": spec.namespace, "labels": labels })
}

fn strimzi_pods(cluster: &str, strimzi_name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (names::STRIMZI_CLUSTER_LABEL.to_string(), cluster.to_string()),
        (names::STRIMZI_NAME_LABEL.to_string(), strimzi_name.to_string()),
    ])
}

/// The labels standalone mode's scrape jobs set. The operator already adds
/// `namespace` and `pod`, and names jobs after the monitor unless told otherwise.
fn relabelings(spec: &ClusterSpec, job: &str, node: Option<bool>) -> Vec<Value> {
    let mut rules = vec![
        json!({ "targetLabel": "job", "replacement": job }),
        json!({ "targetLabel": "cluster", "replacement": spec.name }),
        json!({ "targetLabel": "kind", "replacement": job }),
    ];
    if let Some(with_pool) = node {
        rules.extend(node_labels(spec, with_pool).iter().map(camel_case_keys));
    }
    rules
}

/// A `relabel_configs` entry of prometheus.yml in the operator's field names.
fn camel_case_keys(rule: &Value) -> Value {
    let Some(map) = rule.as_object() else {
        return rule.clone();
    };
    let renamed: Map<String, Value> = map
        .iter()
        .map(|(key, value)| {
            let key = match key.as_str() {
                "source_labels" => "sourceLabels",
                "target_label" => "targetLabel",
                other => other,
            };
            (key.to_string(), value.clone())
        })
        .collect();
    Value::Object(renamed)
}

fn pod_monitor(
    spec: &ClusterSpec,
    name: &str,
    job: &str,
    selector: BTreeMap<String, String>,
    with_pool: bool,
) -> Value {
    json!({
        "apiVersion": MONITORING_API_VERSION,
        "kind": "PodMonitor",
        "metadata": metadata(spec, name),
        "spec": {
            "selector": { "matchLabels": selector },
            "namespaceSelector": { "matchNames": [spec.namespace] },
            "podMetricsEndpoints": [{
                // Strimzi's name for the JMX exporter's container port (9404).
                "port": METRICS_PORT_NAME,
                "path": "/metrics",
                "interval": SCRAPE_INTERVAL,
                "scrapeTimeout": SCRAPE_TIMEOUT,
                "relabelings": relabelings(spec, job, Some(with_pool)),
            }],
        },
    })
}

fn service_monitor(spec: &ClusterSpec, name: &str, job: &str, component: Component, port: &str) -> Value {
    json!({
        "apiVersion": MONITORING_API_VERSION,
        "kind": "ServiceMonitor",
        "metadata": metadata(spec, name),
        "spec": {
            "selector": { "matchLabels": names::selector_labels(&spec.name, component) },
            "namespaceSelector": { "matchNames": [spec.namespace] },
            "endpoints": [{
                "port": port,
                "path": "/metrics",
                "interval": SCRAPE_INTERVAL,
                "scrapeTimeout": SCRAPE_TIMEOUT,
                "relabelings": relabelings(spec, job, None),
            }],
        },
    })
}

fn prometheus_rule(spec: &ClusterSpec) -> Value {
    json!({
        "apiVersion": MONITORING_API_VERSION,
        "kind": "PrometheusRule",
        "metadata": metadata(spec, &names::prometheus_rules(&spec.name)),
        "spec": kafka_rules(spec),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{MetadataMode, PrometheusMode};

    fn spec(metadata: MetadataMode) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "orders".to_string(),
            namespace: "team-a".to_string(),
            metadata,
            ..ClusterSpec::default()
        };
        spec.prometheus.mode = PrometheusMode::Operator;
        spec.zookeeper_exporter.enabled = true;
        spec
    }

    fn kinds_and_names(objects: &[Value]) -> Vec<(String, String)> {
        objects
            .iter()
            .map(|o| {
                (
                    o["kind"].as_str().unwrap().to_string(),
                    o["metadata"]["name"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn standalone_mode_renders_no_operator_objects() {
        let mut spec = spec(MetadataMode::Kraft);
        spec.prometheus.mode = PrometheusMode::Standalone;
        assert!(prometheus_operator(&spec).is_empty());
        spec.prometheus.mode = PrometheusMode::Operator;
        spec.prometheus.enabled = false;
        assert!(prometheus_operator(&spec).is_empty());
    }

    #[test]
    fn zookeeper_mode_monitors_every_exporter() {
        let objects = prometheus_operator(&spec(MetadataMode::Zookeeper));
        let expected = [
            ("PodMonitor", "orders-kafka"),
            ("PodMonitor", "orders-zookeeper"),
            ("ServiceMonitor", "orders-kafka-exporter"),
            ("ServiceMonitor", "orders-zookeeper-exporter"),
            ("PrometheusRule", "orders-prometheus-rules"),
        ];
        let expected: Vec<(String, String)> = expected.iter().map(|(k, n)| (k.to_string(), n.to_string())).collect();
        assert_eq!(kinds_and_names(&objects), expected);
    }

    #[test]
    fn broker_pod_monitor_keeps_standalone_labels() {
        let objects = prometheus_operator(&spec(MetadataMode::Kraft));
        let monitor = &objects[0];
        assert_eq!(
            monitor["spec"]["selector"]["matchLabels"]["strimzi.io/name"],
            "orders-kafka"
        );
        assert_eq!(monitor["spec"]["namespaceSelector"]["matchNames"], json!(["team-a"]));
        let endpoint = &monitor["spec"]["podMetricsEndpoints"][0];
        assert_eq!(endpoint["port"], "tcp-prometheus");
        let targets: Vec<&str> = endpoint["relabelings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["targetLabel"].as_str())
            .collect();
        assert_eq!(targets, ["job", "cluster", "kind", "node_id", "pool", "pool", "pool"]);
        assert!(endpoint["relabelings"].to_string().contains("sourceLabels"));
        assert!(!endpoint["relabelings"].to_string().contains("source_labels"));
        assert_eq!(endpoint["relabelings"][0]["replacement"], "kafka");
    }

    #[test]
    fn exporter_service_monitor_selects_kafkactls_service() {
        let objects = prometheus_operator(&spec(MetadataMode::Kraft));
        let monitor = objects.iter().find(|o| o["kind"] == "ServiceMonitor").unwrap();
        assert_eq!(
            monitor["spec"]["selector"]["matchLabels"],
            json!({ "kafkactl.io/cluster": "orders", "app.kubernetes.io/name": "kafka-exporter" })
        );
        assert_eq!(monitor["spec"]["endpoints"][0]["port"], "tcp-prometheus");
    }

    #[test]
    fn rule_holds_the_standalone_alert_rules_and_monitor_labels() {
        let mut spec = spec(MetadataMode::Kraft);
        spec.prometheus
            .monitor_labels
            .insert("release".to_string(), "kube-prometheus-stack".to_string());
        let objects = prometheus_operator(&spec);
        let rule = objects.iter().find(|o| o["kind"] == "PrometheusRule").unwrap();
        assert_eq!(rule["spec"], kafka_rules(&spec));
        for object in &objects {
            assert_eq!(object["metadata"]["labels"]["release"], "kube-prometheus-stack");
            assert_eq!(object["metadata"]["labels"]["kafkactl.io/cluster"], "orders");
        }
    }
}
