//! The JMX-exporter rules ConfigMap for brokers and ZooKeeper, and the names
//! of the metrics those rules export (what alerts and `monitor` query).
//!
//! The rules are kafkactl's own and deliberately narrow: only the beans
//! below are exported (the exporter drops what no rule matches), which keeps
//! the series count per broker small. The exporter lowercases every name.
//!
//! Kafka (`kafka-metrics-config.yml`), one series per broker unless noted:
//!
//! | metric | labels | meaning |
//! | --- | --- | --- |
//! | `kafka_server_replicamanager_underreplicatedpartitions` | | partitions led here with a replica out of sync |
//! | `kafka_server_replicamanager_underminisrpartitioncount` | | partitions led here below `min.insync.replicas` |
//! | `kafka_server_replicamanager_atminisrpartitioncount` | | partitions led here exactly at `min.insync.replicas` |
//! | `kafka_server_replicamanager_offlinereplicacount` | | replicas on this broker that are offline |
//! | `kafka_server_replicamanager_partitioncount` | | replicas hosted here |
//! | `kafka_server_replicamanager_leadercount` | | partitions led here |
//! | `kafka_controller_kafkacontroller_activecontrollercount` | | 1 on the active controller, 0 elsewhere |
//! | `kafka_controller_kafkacontroller_offlinepartitionscount` | | partitions without a leader (active controller only) |
//! | `kafka_controller_kafkacontroller_globalpartitioncount` | | partitions in the cluster (active controller only) |
//! | `kafka_controller_kafkacontroller_globaltopiccount` | | topics in the cluster (active controller only) |
//! | `kafka_server_brokertopicmetrics_bytesin_total` | `topic` or none | counter; the series without `topic` is the broker total |
//! | `kafka_server_brokertopicmetrics_bytesout_total` | `topic` or none | as above |
//! | `kafka_server_brokertopicmetrics_messagesin_total` | `topic` or none | as above |
//! | `kafka_network_requestmetrics_requests_total` | `request`, `version` | counter of requests by API |
//! | `kafka_network_requestmetrics_totaltimems` | `request`, `quantile` (0.50, 0.99, 0.999) | request latency in ms |
//! | `kafka_log_log_size` | `topic`, `partition` | bytes of each partition replica on this broker |
//! | `kafka_network_requestchannel_requestqueuesize` | | requests waiting for a handler thread |
//! | `kafka_network_requestchannel_responsequeuesize` | | responses waiting to be sent |
//! | `kafka_server_raftmetrics_current_leader` | | KRaft: node id of the metadata quorum leader (-1: none) |
//! | `kafka_server_raftmetrics_current_epoch` | | KRaft: quorum epoch (jumps on leader elections) |
//! | `kafka_server_raftmetrics_high_watermark` | | KRaft: metadata log high watermark |
//! | `kafka_server_raftmetrics_commit_latency_avg` | | KRaft: average commit latency in ms |
//!
//! Summing a `brokertopicmetrics` counter across `topic` counts twice: use
//! `{topic=""}` for broker totals, or `{topic!=""}` per topic.
//!
//! ZooKeeper (`zookeeper-metrics-config.yml`), per ZooKeeper node, with
//! `server_id` and `member_type` (`Leader`/`Follower`) labels in an ensemble:
//! `zookeeper_avgrequestlatency`, `zookeeper_maxrequestlatency`,
//! `zookeeper_minrequestlatency` (ticks, i.e. ms), `zookeeper_outstandingrequests`,
//! `zookeeper_numaliveconnections`, `zookeeper_packetsreceived`,
//! `zookeeper_packetssent`, `zookeeper_inmemorydatatree_nodecount`,
//! `zookeeper_inmemorydatatree_watchcount`.

use serde_json::{Value, json};

use super::meta::object_meta;
use crate::spec::ClusterSpec;
use crate::spec::names::{self, Component};

/// Key of the Kafka rules in the ConfigMap (`spec.kafka.metricsConfig` points here).
pub const KAFKA_METRICS_KEY: &str = "kafka-metrics-config.yml";
/// Key of the ZooKeeper rules in the ConfigMap (`spec.zookeeper.metricsConfig`).
pub const ZOOKEEPER_METRICS_KEY: &str = "zookeeper-metrics-config.yml";

/// Every metric name the Kafka rules can export (see the table above).
pub const KAFKA_METRICS: &[&str] = &[
    "kafka_server_replicamanager_underreplicatedpartitions",
    "kafka_server_replicamanager_underminisrpartitioncount",
    "kafka_server_replicamanager_atminisrpartitioncount",
    "kafka_server_replicamanager_offlinereplicacount",
    "kafka_server_replicamanager_partitioncount",
    "kafka_server_replicamanager_leadercount",
    "kafka_controller_kafkacontroller_activecontrollercount",
    "kafka_controller_kafkacontroller_offlinepartitionscount",
    "kafka_controller_kafkacontroller_globalpartitioncount",
    "kafka_controller_kafkacontroller_globaltopiccount",
    "kafka_server_brokertopicmetrics_bytesin_total",
    "kafka_server_brokertopicmetrics_bytesout_total",
    "kafka_server_brokertopicmetrics_messagesin_total",
    "kafka_network_requestmetrics_requests_total",
    "kafka_network_requestmetrics_totaltimems",
    "kafka_log_log_size",
    "kafka_network_requestchannel_requestqueuesize",
    "kafka_network_requestchannel_responsequeuesize",
    "kafka_server_raftmetrics_current_leader",
    "kafka_server_raftmetrics_current_epoch",
    "kafka_server_raftmetrics_high_watermark",
    "kafka_server_raftmetrics_commit_latency_avg",
];

/// Every metric name the ZooKeeper rules can export.
pub const ZOOKEEPER_METRICS: &[&str] = &[
    "zookeeper_avgrequestlatency",
    "zookeeper_maxrequestlatency",
    "zookeeper_minrequestlatency",
    "zookeeper_outstandingrequests",
    "zookeeper_numaliveconnections",
    "zookeeper_packetsreceived",
    "zookeeper_packetssent",
    "zookeeper_inmemorydatatree_nodecount",
    "zookeeper_inmemorydatatree_watchcount",
];

/// JMX-exporter rules for Kafka brokers and controllers. Patterns match the
/// exporter's `domain<key=value, ...><>attribute` form of each bean; Kafka
/// lists a bean's keys as type, name, then tags. A rule matches anywhere in
/// that string, so `><>` right after a name excludes the tagged variants.
const KAFKA_RULES: &str = r#"lowercaseOutputName: true
lowercaseOutputLabelNames: true
rules:
  # Replication health, per broker.
  - pattern: 'kafka.server<type=ReplicaManager, name=(UnderReplicatedPartitions|UnderMinIsrPartitionCount|AtMinIsrPartitionCount|OfflineReplicaCount|PartitionCount|LeaderCount)><>Value'
    name: kafka_server_replicamanager_$1
    type: GAUGE
  # Cluster-wide counts, reported by the active controller.
  - pattern: 'kafka.controller<type=KafkaController, name=(ActiveControllerCount|OfflinePartitionsCount|GlobalPartitionCount|GlobalTopicCount)><>Value'
    name: kafka_controller_kafkacontroller_$1
    type: GAUGE
  # Throughput per topic, then the broker totals (same name, no topic label).
  - pattern: 'kafka.server<type=BrokerTopicMetrics, name=(BytesIn|BytesOut|MessagesIn)PerSec, topic=(.+)><>Count'
    name: kafka_server_brokertopicmetrics_$1_total
    type: COUNTER
    labels:
      topic: '$2'
  - pattern: 'kafka.server<type=BrokerTopicMetrics, name=(BytesIn|BytesOut|MessagesIn)PerSec><>Count'
    name: kafka_server_brokertopicmetrics_$1_total
    type: COUNTER
  # Request rates and latencies of the APIs clients and followers use most.
  - pattern: 'kafka.network<type=RequestMetrics, name=RequestsPerSec, request=(Produce|Fetch|Metadata|OffsetCommit|OffsetFetch|JoinGroup|SyncGroup|Heartbeat|FindCoordinator|ListOffsets), version=(\d+)><>Count'
    name: kafka_network_requestmetrics_requests_total
    type: COUNTER
    labels:
      request: '$1'
      version: '$2'
  - pattern: 'kafka.network<type=RequestMetrics, name=TotalTimeMs, request=(Produce|FetchConsumer|FetchFollower|Metadata|OffsetCommit|OffsetFetch|JoinGroup|SyncGroup|Heartbeat|FindCoordinator|ListOffsets)><>(50|99|999)thPercentile'
    name: kafka_network_requestmetrics_totaltimems
    type: GAUGE
    labels:
      request: '$1'
      quantile: '0.$2'
  # Bytes on disk per partition replica.
  - pattern: 'kafka.log<type=Log, name=Size, topic=(.+), partition=(\d+)><>Value'
    name: kafka_log_log_size
    type: GAUGE
    labels:
      topic: '$1'
      partition: '$2'
  # Saturation of the request handlers (the totals, not per processor).
  - pattern: 'kafka.network<type=RequestChannel, name=(RequestQueueSize|ResponseQueueSize)><>Value'
    name: kafka_network_requestchannel_$1
    type: GAUGE
  # KRaft metadata quorum. Attribute names have dashes, so each gets its own rule.
  - pattern: 'kafka.server<type=raft-metrics><>current-leader'
    name: kafka_server_raftmetrics_current_leader
    type: GAUGE
  - pattern: 'kafka.server<type=raft-metrics><>current-epoch'
    name: kafka_server_raftmetrics_current_epoch
    type: GAUGE
  - pattern: 'kafka.server<type=raft-metrics><>high-watermark'
    name: kafka_server_raftmetrics_high_watermark
    type: GAUGE
  - pattern: 'kafka.server<type=raft-metrics><>commit-latency-avg'
    name: kafka_server_raftmetrics_commit_latency_avg
    type: GAUGE
"#;

/// JMX-exporter rules for ZooKeeper. An ensemble member's server beans sit
/// under `name0=ReplicatedServer_id<N>, name1=replica.<N>, name2=<Leader|Follower>`;
/// a standalone server's directly under `name0=StandaloneServer_port<P>`.
const ZOOKEEPER_RULES: &str = r#"lowercaseOutputName: true
lowercaseOutputLabelNames: true
rules:
  - pattern: 'org.apache.ZooKeeperService<name0=ReplicatedServer_id(\d+), name1=replica.(\d+), name2=(Leader|Follower)><>(AvgRequestLatency|MaxRequestLatency|MinRequestLatency|OutstandingRequests|NumAliveConnections|PacketsReceived|PacketsSent)'
    name: zookeeper_$4
    type: GAUGE
    labels:
      server_id: '$1'
      member_type: '$3'
  - pattern: 'org.apache.ZooKeeperService<name0=ReplicatedServer_id(\d+), name1=replica.(\d+), name2=(Leader|Follower), name3=InMemoryDataTree><>(NodeCount|WatchCount)'
    name: zookeeper_inmemorydatatree_$4
    type: GAUGE
    labels:
      server_id: '$1'
      member_type: '$3'
  - pattern: 'org.apache.ZooKeeperService<name0=StandaloneServer_port(\d+)><>(AvgRequestLatency|MaxRequestLatency|MinRequestLatency|OutstandingRequests|NumAliveConnections|PacketsReceived|PacketsSent)'
    name: zookeeper_$2
    type: GAUGE
  - pattern: 'org.apache.ZooKeeperService<name0=StandaloneServer_port(\d+), name1=InMemoryDataTree><>(NodeCount|WatchCount)'
    name: zookeeper_inmemorydatatree_$2
    type: GAUGE
"#;

/// The ConfigMap the Kafka CR's `metricsConfig` points at; None when neither
/// brokers nor ZooKeeper export metrics.
pub fn metrics_config_map(spec: &ClusterSpec) -> Option<Value> {
    let mut data = serde_json::Map::new();
    if spec.metrics.kafka {
        data.insert(KAFKA_METRICS_KEY.to_string(), json!(KAFKA_RULES));
    }
    if spec.is_zookeeper() && spec.metrics.zookeeper {
        data.insert(ZOOKEEPER_METRICS_KEY.to_string(), json!(ZOOKEEPER_RULES));
    }
    if data.is_empty() {
        return None;
    }
    Some(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": object_meta(spec, &names::metrics_config_map(&spec.name), Component::Metrics),
        "data": data,
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::spec::MetadataMode;

    fn spec(mode: MetadataMode, kafka: bool, zookeeper: bool) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "c".into(),
            metadata: mode,
            ..ClusterSpec::default()
        };
        spec.metrics.kafka = kafka;
        spec.metrics.zookeeper = zookeeper;
        spec
    }

    fn rules(text: &str) -> Vec<Value> {
        let parsed: Value = serde_saphyr::from_str(text).unwrap();
        assert_eq!(parsed["lowercaseOutputName"], json!(true));
        parsed["rules"].as_array().unwrap().clone()
    }

    /// The names a rule can produce: `$n` replaced by each alternative of the
    /// n-th group when that group is a list of literals, lowercased as the
    /// exporter does.
    fn exported_names(rule: &Value) -> BTreeSet<String> {
        let pattern = rule["pattern"].as_str().unwrap();
        let groups = capture_groups(pattern);
        let mut names = BTreeSet::from([rule["name"].as_str().unwrap().to_string()]);
        for (i, group) in groups.iter().enumerate() {
            let placeholder = format!("${}", i + 1);
            names = names
                .into_iter()
                .flat_map(|name| {
                    if name.contains(&placeholder) {
                        group
                            .split('|')
                            .map(|alt| name.replace(&placeholder, alt))
                            .collect::<Vec<_>>()
                    } else {
                        vec![name]
                    }
                })
                .collect();
        }
        names.into_iter().map(|n| n.to_lowercase()).collect()
    }

    /// Contents of the top-level `( … )` groups of a pattern (no nesting in our rules).
    fn capture_groups(pattern: &str) -> Vec<String> {
        let mut groups = Vec::new();
        let mut current: Option<String> = None;
        for c in pattern.chars() {
            match (c, current.as_mut()) {
                ('(', None) => current = Some(String::new()),
                (')', Some(_)) => groups.push(current.take().unwrap()),
                (c, Some(group)) => group.push(c),
                _ => {}
            }
        }
        groups
    }

    fn all_exported(text: &str) -> BTreeSet<String> {
        rules(text).iter().flat_map(exported_names).collect()
    }

    #[test]
    fn rules_are_valid_yaml_and_every_rule_has_a_pattern_name_and_type() {
        for text in [KAFKA_RULES, ZOOKEEPER_RULES] {
            for rule in rules(text) {
                assert!(rule["pattern"].as_str().is_some_and(|p| !p.is_empty()), "{rule}");
                assert!(rule["name"].as_str().is_some(), "{rule}");
                assert!(matches!(rule["type"].as_str(), Some("GAUGE" | "COUNTER")), "{rule}");
            }
        }
    }

    #[test]
    fn documented_kafka_metric_names_are_exactly_what_the_rules_export() {
        let documented: BTreeSet<String> = KAFKA_METRICS.iter().map(|s| s.to_string()).collect();
        assert_eq!(all_exported(KAFKA_RULES), documented);
    }

    #[test]
    fn documented_zookeeper_metric_names_are_exactly_what_the_rules_export() {
        let documented: BTreeSet<String> = ZOOKEEPER_METRICS.iter().map(|s| s.to_string()).collect();
        assert_eq!(all_exported(ZOOKEEPER_RULES), documented);
    }

    #[test]
    fn the_names_alerts_rely_on_are_exported() {
        let kafka = all_exported(KAFKA_RULES);
        for name in [
            "kafka_server_replicamanager_underreplicatedpartitions",
            "kafka_controller_kafkacontroller_activecontrollercount",
            "kafka_controller_kafkacontroller_offlinepartitionscount",
            "kafka_server_replicamanager_underminisrpartitioncount",
            "kafka_server_brokertopicmetrics_bytesin_total",
            "kafka_server_brokertopicmetrics_bytesout_total",
            "kafka_log_log_size",
        ] {
            assert!(kafka.contains(name), "{name}");
        }
        let zookeeper = all_exported(ZOOKEEPER_RULES);
        assert!(zookeeper.contains("zookeeper_avgrequestlatency"));
        assert!(zookeeper.contains("zookeeper_outstandingrequests"));
    }

    #[test]
    fn kraft_cluster_gets_only_the_kafka_rules() {
        let config_map = metrics_config_map(&spec(MetadataMode::Kraft, true, true)).unwrap();
        let keys: Vec<&String> = config_map["data"].as_object().unwrap().keys().collect();
        assert_eq!(keys, vec![KAFKA_METRICS_KEY]);
        assert_eq!(config_map["metadata"]["name"], json!("c-kafka-metrics"));
    }

    #[test]
    fn zookeeper_cluster_gets_both_rule_files() {
        let config_map = metrics_config_map(&spec(MetadataMode::Zookeeper, true, true)).unwrap();
        let keys: Vec<&String> = config_map["data"].as_object().unwrap().keys().collect();
        assert_eq!(keys, vec![KAFKA_METRICS_KEY, ZOOKEEPER_METRICS_KEY]);
    }

    #[test]
    fn no_metrics_means_no_config_map() {
        assert_eq!(metrics_config_map(&spec(MetadataMode::Zookeeper, false, false)), None);
        assert_eq!(metrics_config_map(&spec(MetadataMode::Kraft, false, true)), None);
    }
}
