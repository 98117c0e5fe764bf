//! `kafka-rules.yml`: the alert rules kafkactl's Prometheus evaluates for one
//! cluster, built from what that cluster runs (only rules whose metrics are
//! scraped) and sized from the spec (expected brokers, volume sizes).

use serde_json::{Value, json};

use super::prometheus_config::{
    KAFKA_EXPORTER_JOB, KAFKA_JOB, ZOOKEEPER_EXPORTER_JOB, ZOOKEEPER_JOB, regex_escape, to_yaml,
};
use super::workload::storage_bytes;
use crate::spec::{ClusterSpec, PoolSpec, StorageType, names};

/// Total lag of a consumer group on one topic (messages) above which it is
/// reported. A starting point: tune per workload with your own rules.
pub const CONSUMER_LAG_THRESHOLD: u64 = 10_000;
/// Share of a broker's volume filled with log segments above which it is reported.
/// Segments are most of a broker's disk; indexes and snapshots take the rest,
/// which is why this stops short of full.
pub const DISK_USAGE_THRESHOLD: f64 = 0.8;
/// ZooKeeper's average request latency (ms) above which it is reported.
pub const ZOOKEEPER_LATENCY_THRESHOLD_MS: u64 = 10;

/// Who exports a metric the rules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricSource {
    /// Prometheus itself (`up`).
    Prometheus,
    /// The JMX-exporter rules of `render::metrics_config` (brokers, ZooKeeper).
    JmxExporter,
    /// Strimzi's kafka-exporter (danielqsj/kafka_exporter).
    KafkaExporter,
    /// dabealu/zookeeper-exporter (`mntr` through zoo-entrance).
    ZookeeperExporter,
}

/// Every metric name the rules rely on, with who must export it: the contract
/// with `metrics_config.rs` and the exporters.
pub const RULE_METRICS: &[(&str, MetricSource)] = &[
    ("up", MetricSource::Prometheus),
    (
        "kafka_server_replicamanager_underreplicatedpartitions",
        MetricSource::JmxExporter,
    ),
    (
        "kafka_server_replicamanager_underminisrpartitioncount",
        MetricSource::JmxExporter,
    ),
    (
        "kafka_controller_kafkacontroller_offlinepartitionscount",
        MetricSource::JmxExporter,
    ),
    (
        "kafka_controller_kafkacontroller_activecontrollercount",
        MetricSource::JmxExporter,
    ),
    ("kafka_log_log_size", MetricSource::JmxExporter),
    ("zookeeper_avgrequestlatency", MetricSource::JmxExporter),
    ("kafka_consumergroup_lag", MetricSource::KafkaExporter),
    ("zk_up", MetricSource::ZookeeperExporter),
];

/// The rules file text for `spec`.
pub fn kafka_rules_yml(spec: &ClusterSpec) -> String {
    to_yaml(&kafka_rules(spec))
}

/// The rules file as a JSON tree: one group with the rules that apply.
pub fn kafka_rules(spec: &ClusterSpec) -> Value {
    let mut rules = Vec::new();
    if spec.metrics.kafka {
        rules.extend(kafka_rules_of(spec));
    }
    if spec.kafka_exporter.enabled {
        rules.push(consumer_group_lag());
    }
    if let Some(rule) = exporter_down(spec) {
        rules.push(rule);
    }
    if spec.is_zookeeper() && spec.metrics.zookeeper {
        rules.push(zookeeper_down());
        rules.push(zookeeper_latency_high());
    }
    if spec.is_zookeeper() && spec.zookeeper_exporter.enabled {
        rules.push(zookeeper_unreachable());
    }
    json!({ "groups": [{ "name": "kafka", "rules": rules }] })
}

#[derive(Clone, Copy)]
enum Severity {
    Warning,
    Critical,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

fn rule(name: &str, expr: &str, for_: &str, severity: Severity, summary: &str, description: &str) -> Value {
    json!({
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": { "severity": severity.as_str() },
        "annotations": { "summary": summary, "description": description },
    })
}

/// A PromQL string literal holding `text`.
fn promql_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn kafka_rules_of(spec: &ClusterSpec) -> Vec<Value> {
    let mut rules = vec![
        rule(
            "UnderReplicatedPartitions",
            "kafka_server_replicamanager_underreplicatedpartitions > 0",
            "10m",
            Severity::Warning,
            "Kafka broker {{ $labels.pod }} has under-replicated partitions",
            "{{ $value }} partitions led by {{ $labels.pod }} (cluster {{ $labels.cluster }}) have fewer in-sync replicas than replicas.",
        ),
        rule(
            "UnderMinIsrPartitions",
            "kafka_server_replicamanager_underminisrpartitioncount > 0",
            "5m",
            Severity::Critical,
            "Kafka broker {{ $labels.pod }} has partitions below min.insync.replicas",
            "{{ $value }} partitions led by {{ $labels.pod }} (cluster {{ $labels.cluster }}) are below min.insync.replicas: producers with acks=all fail.",
        ),
        rule(
            "OfflinePartitions",
            "sum by (cluster) (kafka_controller_kafkacontroller_offlinepartitionscount) > 0",
            "1m",
            Severity::Critical,
            "Kafka cluster {{ $labels.cluster }} has offline partitions",
            "{{ $value }} partitions of {{ $labels.cluster }} have no leader: nobody can read or write them.",
        ),
        rule(
            "NoActiveController",
            "sum by (cluster) (kafka_controller_kafkacontroller_activecontrollercount) == 0",
            "2m",
            Severity::Critical,
            "Kafka cluster {{ $labels.cluster }} has no active controller",
            "No node of {{ $labels.cluster }} reports itself as the active controller: metadata changes are stuck.",
        ),
        rule(
            "MultipleActiveControllers",
            "sum by (cluster) (kafka_controller_kafkacontroller_activecontrollercount) > 1",
            "2m",
            Severity::Critical,
            "Kafka cluster {{ $labels.cluster }} has more than one active controller",
            "{{ $value }} nodes of {{ $labels.cluster }} claim to be the active controller (split brain).",
        ),
        rule(
            "BrokerDown",
            &format!("up{{job={}}} == 0", promql_string(KAFKA_JOB)),
            "5m",
            Severity::Critical,
            "Kafka node {{ $labels.pod }} does not answer scrapes",
            "The metrics endpoint of {{ $labels.pod }} (cluster {{ $labels.cluster }}) has been unreachable for 5 minutes.",
        ),
    ];
    if let Some(rule) = brokers_missing(spec) {
        rules.push(rule);
    }
    if let Some(rule) = disk_filling_up(spec) {
        rules.push(rule);
    }
    rules
}

/// `pod=~"…"` matching the broker pods of the given pools (`<c>-<KafkaNodePool>-<id>`).
fn pods_of_pools<'a>(spec: &ClusterSpec, pools: impl IntoIterator<Item = &'a String>) -> String {
    let alternatives: Vec<String> = pools
        .into_iter()
        .map(|pool| regex_escape(&names::node_pool(spec, pool)))
        .collect();
    let regex = format!("{}-({})-[0-9]+", regex_escape(&spec.name), alternatives.join("|"));
    format!("pod=~{}", promql_string(&regex))
}

/// Fewer broker pods answer than the spec asks for. Catches brokers that are
/// gone altogether (no `up` series at all), which `BrokerDown` cannot see.
fn brokers_missing(spec: &ClusterSpec) -> Option<Value> {
    let expected = spec.broker_count();
    if expected == 0 {
        return None;
    }
    let pods = pods_of_pools(spec, spec.broker_pools().map(|(name, _)| name));
    let expr = format!(
        "(count(up{{job={job}, {pods}}} == 1) or vector(0)) < {expected}",
        job = promql_string(KAFKA_JOB)
    );
    Some(rule(
        "BrokersMissing",
        &expr,
        "5m",
        Severity::Critical,
        "Fewer Kafka brokers answer than expected",
        &format!("Only {{{{ $value }}}} of {expected} brokers answer scrapes."),
    ))
}

/// Bytes of one broker's log volumes, when they have a known size.
fn broker_volume_bytes(pool: &PoolSpec) -> Option<u64> {
    match pool.storage.kind {
        StorageType::PersistentClaim | StorageType::Ephemeral => storage_bytes(pool.storage.size.as_deref()?),
        StorageType::Jbod => pool
            .storage
            .volumes
            .iter()
            .map(|v| storage_bytes(&v.size))
            .sum::<Option<u64>>()
            .filter(|total| *total > 0),
    }
}

/// Log segments per broker against the volume size the spec gives its pool
/// (kafkactl does not scrape the kubelet's volume statistics). One term per
/// pool, since pools may have different volumes; pools of unbounded
/// ephemeral storage have nothing to compare with and are left out.
fn disk_filling_up(spec: &ClusterSpec) -> Option<Value> {
    let terms: Vec<String> = spec
        .broker_pools()
        .filter_map(|(name, pool)| {
            let bytes = broker_volume_bytes(pool)?;
            Some(format!(
                "sum by (cluster, pod) (kafka_log_log_size{{job={job}, {pods}}}) / {bytes} > {DISK_USAGE_THRESHOLD}",
                job = promql_string(KAFKA_JOB),
                pods = pods_of_pools(spec, [name]),
            ))
        })
        .collect();
    if terms.is_empty() {
        return None;
    }
    Some(rule(
        "DiskFillingUp",
        &terms.join(" or "),
        "15m",
        Severity::Warning,
        "Kafka broker {{ $labels.pod }} is running out of disk",
        "Log segments fill {{ $value | humanizePercentage }} of the volume of {{ $labels.pod }}: add storage (kafkactl scale --storage) or shorten retention.",
    ))
}

fn consumer_group_lag() -> Value {
    rule(
        "ConsumerGroupLag",
        &format!("sum by (cluster, consumergroup, topic) (kafka_consumergroup_lag) > {CONSUMER_LAG_THRESHOLD}"),
        "15m",
        Severity::Warning,
        "Consumer group {{ $labels.consumergroup }} lags on {{ $labels.topic }}",
        "Consumer group {{ $labels.consumergroup }} is {{ $value }} messages behind on topic {{ $labels.topic }}.",
    )
}

fn exporter_down(spec: &ClusterSpec) -> Option<Value> {
    let mut jobs = Vec::new();
    if spec.kafka_exporter.enabled {
        jobs.push(KAFKA_EXPORTER_JOB);
    }
    if spec.is_zookeeper() && spec.zookeeper_exporter.enabled {
        jobs.push(ZOOKEEPER_EXPORTER_JOB);
    }
    if jobs.is_empty() {
        return None;
    }
    Some(rule(
        "ExporterDown",
        &format!("up{{job=~{}}} == 0", promql_string(&jobs.join("|"))),
        "5m",
        Severity::Warning,
        "Exporter {{ $labels.job }} does not answer scrapes",
        "{{ $labels.pod }} ({{ $labels.job }}) has been unreachable for 5 minutes; its metrics and alerts are blind.",
    ))
}

fn zookeeper_down() -> Value {
    rule(
        "ZooKeeperDown",
        &format!("up{{job={}}} == 0", promql_string(ZOOKEEPER_JOB)),
        "5m",
        Severity::Critical,
        "ZooKeeper node {{ $labels.pod }} does not answer scrapes",
        "The metrics endpoint of {{ $labels.pod }} (cluster {{ $labels.cluster }}) has been unreachable for 5 minutes.",
    )
}

fn zookeeper_latency_high() -> Value {
    rule(
        "ZooKeeperLatencyHigh",
        &format!("zookeeper_avgrequestlatency > {ZOOKEEPER_LATENCY_THRESHOLD_MS}"),
        "5m",
        Severity::Warning,
        "ZooKeeper node {{ $labels.pod }} answers slowly",
        "Average request latency of {{ $labels.pod }} is {{ $value }}ms.",
    )
}

fn zookeeper_unreachable() -> Value {
    rule(
        "ZooKeeperUnreachable",
        "zk_up == 0",
        "5m",
        Severity::Critical,
        "ZooKeeper is unreachable through zoo-entrance",
        "The ZooKeeper exporter cannot reach {{ $labels.zk_host }}: zoo-entrance or ZooKeeper is down.",
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::render::metrics_config;
    use crate::spec::{JbodVolume, MetadataMode, Role};

    fn spec(metadata: MetadataMode) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "orders".to_string(),
            metadata,
            ..ClusterSpec::default()
        };
        spec.zookeeper_exporter.enabled = true;
        let mut brokers = PoolSpec::default();
        brokers.storage.size = Some("100Gi".to_string());
        spec.pools.insert("brokers".to_string(), brokers);
        spec
    }

    fn rules(spec: &ClusterSpec) -> Vec<Value> {
        kafka_rules(spec)["groups"][0]["rules"].as_array().unwrap().clone()
    }

    fn alert<'a>(rules: &'a [Value], name: &str) -> Option<&'a Value> {
        rules.iter().find(|r| r["alert"] == name)
    }

    fn metric_names(expr: &str) -> BTreeSet<String> {
        expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| ["kafka_", "zookeeper_", "zk_"].iter().any(|p| w.starts_with(p)) || *w == "up")
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_rule_has_for_severity_and_annotations() {
        for rule in rules(&spec(MetadataMode::Zookeeper)) {
            let name = rule["alert"].as_str().unwrap();
            assert!(rule["for"].is_string(), "{name}");
            assert!(
                ["warning", "critical"].contains(&rule["labels"]["severity"].as_str().unwrap()),
                "{name}"
            );
            assert!(rule["annotations"]["summary"].is_string(), "{name}");
            assert!(rule["annotations"]["description"].is_string(), "{name}");
        }
    }

    #[test]
    fn rules_use_exactly_the_listed_metrics() {
        let used: BTreeSet<String> = rules(&spec(MetadataMode::Zookeeper))
            .iter()
            .flat_map(|r| metric_names(r["expr"].as_str().unwrap()))
            .collect();
        let listed: BTreeSet<String> = RULE_METRICS.iter().map(|(m, _)| m.to_string()).collect();
        assert_eq!(used, listed);
    }

    #[test]
    fn zookeeper_rules_only_in_zookeeper_mode() {
        let kraft = rules(&spec(MetadataMode::Kraft));
        assert!(alert(&kraft, "ZooKeeperLatencyHigh").is_none());
        assert!(alert(&kraft, "ZooKeeperUnreachable").is_none());
        let zookeeper = rules(&spec(MetadataMode::Zookeeper));
        assert!(alert(&zookeeper, "ZooKeeperLatencyHigh").is_some());
        let exporters = alert(&zookeeper, "ExporterDown").unwrap();
        assert_eq!(exporters["expr"], "up{job=~\"kafka-exporter|zookeeper-exporter\"} == 0");
    }

    #[test]
    fn brokers_missing_expects_the_specs_broker_count() {
        let mut spec = spec(MetadataMode::Kraft);
        spec.pools.get_mut("brokers").unwrap().replicas = 5;
        spec.pools.insert(
            "controllers".to_string(),
            PoolSpec {
                roles: vec![Role::Controller],
                ..PoolSpec::default()
            },
        );
        let rules = rules(&spec);
        let expr = alert(&rules, "BrokersMissing").unwrap()["expr"].as_str().unwrap();
        assert_eq!(
            expr,
            "(count(up{job=\"kafka\", pod=~\"orders-(orders-brokers)-[0-9]+\"} == 1) or vector(0)) < 5"
        );
    }

    #[test]
    fn disk_rule_divides_by_each_pools_volume() {
        let mut spec = spec(MetadataMode::Kraft);
        spec.pools.insert(
            "big".to_string(),
            PoolSpec {
                storage: crate::spec::StorageSpec {
                    kind: StorageType::Jbod,
                    size: None,
                    volumes: vec![
                        JbodVolume {
                            id: 0,
                            size: "1Ti".to_string(),
                            ..JbodVolume::default()
                        },
                        JbodVolume {
                            id: 1,
                            size: "1Ti".to_string(),
                            ..JbodVolume::default()
                        },
                    ],
                    ..crate::spec::StorageSpec::default()
                },
                ..PoolSpec::default()
            },
        );
        let rules = rules(&spec);
        let expr = alert(&rules, "DiskFillingUp").unwrap()["expr"].as_str().unwrap();
        assert!(
            expr.contains("pod=~\"orders-(orders-big)-[0-9]+\"}) / 2199023255552 > 0.8"),
            "{expr}"
        );
        assert!(
            expr.contains("pod=~\"orders-(orders-brokers)-[0-9]+\"}) / 107374182400 > 0.8"),
            "{expr}"
        );
    }

    #[test]
    fn unbounded_ephemeral_storage_has_no_disk_rule() {
        let mut spec = spec(MetadataMode::Kraft);
        let storage = &mut spec.pools.get_mut("brokers").unwrap().storage;
        storage.kind = StorageType::Ephemeral;
        storage.size = None;
        assert!(alert(&rules(&spec), "DiskFillingUp").is_none());
    }

    #[test]
    fn jmx_exporter_metrics_are_ones_metrics_config_exports() {
        let exported: Vec<&str> = metrics_config::KAFKA_METRICS
            .iter()
            .chain(metrics_config::ZOOKEEPER_METRICS)
            .copied()
            .collect();
        for (metric, source) in RULE_METRICS {
            if *source == MetricSource::JmxExporter {
                assert!(
                    exported.contains(metric),
                    "{metric} is not exported by metrics_config.rs"
                );
            }
        }
    }

    #[test]
    fn no_broker_metrics_no_broker_rules() {
        let mut spec = spec(MetadataMode::Kraft);
        spec.metrics.kafka = false;
        spec.kafka_exporter.enabled = false;
        assert!(rules(&spec).is_empty());
    }
}
