//! The health view: its panels, the PromQL each asks (always selecting this
//! cluster), and the pure building of the view from the answers.

use serde::Serialize;

use crate::render::prometheus_config::KAFKA_JOB;
use crate::spec::quantity::parse_storage_bytes;
use crate::spec::{ClusterSpec, PoolSpec, StorageType};

use super::query::{QueryError, Sample};

/// The panels of the health view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Panel {
    NodesUp,
    ActiveController,
    UnderReplicatedPartitions,
    UnderMinIsrPartitions,
    OfflinePartitions,
    BytesIn,
    BytesOut,
    ConsumerLag,
    DiskUse,
    FiringAlerts,
}

impl Panel {
    pub fn title(self) -> &'static str {
        match self {
            Panel::NodesUp => "Kafka nodes up",
            Panel::ActiveController => "Active controller",
            Panel::UnderReplicatedPartitions => "Under-replicated partitions",
            Panel::UnderMinIsrPartitions => "Under min ISR partitions",
            Panel::OfflinePartitions => "Offline partitions",
            Panel::BytesIn => "Bytes in",
            Panel::BytesOut => "Bytes out",
            Panel::ConsumerLag => "Consumer group lag",
            Panel::DiskUse => "Disk use per broker",
            Panel::FiringAlerts => "Firing alerts",
        }
    }
}

/// How many consumer-group lags the view shows.
pub const TOP_LAGS: usize = 10;

/// `cluster="…",namespace="…"`: the labels every series of this cluster carries
/// in both modes (a shared operator Prometheus holds other clusters too).
fn cluster_selector(spec: &ClusterSpec) -> String {
    format!(
        "cluster={},namespace={}",
        promql_string(&spec.name),
        promql_string(&spec.namespace)
    )
}

fn promql_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The PromQL of every panel the cluster's metrics can answer, in display order.
pub fn health_queries(spec: &ClusterSpec) -> Vec<(Panel, String)> {
    let sel = cluster_selector(spec);
    let mut queries = Vec::new();
    if spec.metrics.kafka {
        queries.extend([
            (Panel::NodesUp, format!("up{{job={},{sel}}}", promql_string(KAFKA_JOB))),
            (
                Panel::ActiveController,
                format!("kafka_controller_kafkacontroller_activecontrollercount{{{sel}}} > 0"),
            ),
            (
                Panel::UnderReplicatedPartitions,
                format!("sum(kafka_server_replicamanager_underreplicatedpartitions{{{sel}}})"),
            ),
            (
                Panel::UnderMinIsrPartitions,
                format!("sum(kafka_server_replicamanager_underminisrpartitioncount{{{sel}}})"),
            ),
            (
                Panel::OfflinePartitions,
                format!("sum(kafka_controller_kafkacontroller_offlinepartitionscount{{{sel}}})"),
            ),
            (
                Panel::BytesIn,
                format!("sum(rate(kafka_server_brokertopicmetrics_bytesin_total{{{sel},topic=\"\"}}[5m]))"),
            ),
            (
                Panel::BytesOut,
                format!("sum(rate(kafka_server_brokertopicmetrics_bytesout_total{{{sel},topic=\"\"}}[5m]))"),
            ),
        ]);
    }
    if spec.kafka_exporter.enabled {
        queries.push((
            Panel::ConsumerLag,
            format!("topk({TOP_LAGS}, sum by (consumergroup, topic) (kafka_consumergroup_lag{{{sel}}}))"),
        ));
    }
    if spec.metrics.kafka {
        queries.push((Panel::DiskUse, format!("sum by (pod) (kafka_log_log_size{{{sel}}})")));
    }
    let alerts = if spec.prometheus.operator() {
        format!("ALERTS{{alertstate=\"firing\",{sel}}}")
    } else {
        // kafkactl's own Prometheus holds this cluster only, and some alerts
        // (BrokersMissing) aggregate the cluster label away.
        "ALERTS{alertstate=\"firing\"}".to_string()
    };
    queries.push((Panel::FiringAlerts, alerts));
    queries
}

/// A query's outcome, as the view builder takes it.
pub type PanelResult = (Panel, String, Result<Vec<Sample>, QueryError>);

/// The health summary: `None` for a panel that was not asked or failed (the
/// failures are listed in `failed`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthView {
    pub nodes_up: Option<NodesUp>,
    pub active_controllers: Option<Vec<String>>,
    pub under_replicated_partitions: Option<f64>,
    pub under_min_isr_partitions: Option<f64>,
    pub offline_partitions: Option<f64>,
    pub bytes_in_per_second: Option<f64>,
    pub bytes_out_per_second: Option<f64>,
    pub consumer_lag: Option<Vec<ConsumerLag>>,
    pub disk_use: Option<Vec<DiskUse>>,
    pub firing_alerts: Option<Vec<FiringAlert>>,
    pub failed: Vec<FailedPanel>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodesUp {
    pub up: u32,
    /// Kafka nodes the spec asks for (brokers and controllers).
    pub expected: u32,
    /// Scrape targets that do not answer.
    pub down: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerLag {
    pub group: String,
    pub topic: String,
    pub lag: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiskUse {
    pub pod: String,
    pub bytes: f64,
    /// The pool's volume size from the spec, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_bytes: Option<u64>,
}

impl DiskUse {
    pub fn percent(&self) -> Option<f64> {
        self.capacity_bytes
            .filter(|c| *c > 0)
            .map(|c| self.bytes / c as f64 * 100.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FiringAlert {
    pub name: String,
    pub severity: String,
    /// The pod, job or cluster the alert is about.
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedPanel {
    pub panel: Panel,
    pub query: String,
    pub error: String,
}

/// Build the view from the answers. Pure: no I/O.
pub fn build_view(spec: &ClusterSpec, results: Vec<PanelResult>) -> HealthView {
    let mut view = HealthView::default();
    for (panel, query, result) in results {
        match result {
            Ok(samples) => fill(&mut view, spec, panel, &samples),
            Err(error) => view.failed.push(FailedPanel {
                panel,
                query,
                error: error.to_string(),
            }),
        }
    }
    view
}

fn fill(view: &mut HealthView, spec: &ClusterSpec, panel: Panel, samples: &[Sample]) {
    // A sum over no series is an empty vector: nothing is wrong, so 0.
    let total = || samples.iter().map(|s| s.value).sum::<f64>();
    match panel {
        Panel::NodesUp => view.nodes_up = Some(nodes_up(spec, samples)),
        Panel::ActiveController => view.active_controllers = Some(pods(samples)),
        Panel::UnderReplicatedPartitions => view.under_replicated_partitions = Some(total()),
        Panel::UnderMinIsrPartitions => view.under_min_isr_partitions = Some(total()),
        Panel::OfflinePartitions => view.offline_partitions = Some(total()),
        Panel::BytesIn => view.bytes_in_per_second = Some(total()),
        Panel::BytesOut => view.bytes_out_per_second = Some(total()),
        Panel::ConsumerLag => view.consumer_lag = Some(consumer_lag(samples)),
        Panel::DiskUse => view.disk_use = Some(disk_use(spec, samples)),
        Panel::FiringAlerts => view.firing_alerts = Some(alerts(samples)),
    }
}

fn nodes_up(spec: &ClusterSpec, samples: &[Sample]) -> NodesUp {
    let mut down: Vec<String> = samples
        .iter()
        .filter(|s| s.value < 1.0)
        .map(|s| s.label("pod").to_string())
        .collect();
    down.sort();
    NodesUp {
        up: samples.iter().filter(|s| s.value >= 1.0).count() as u32,
        expected: spec.pools.values().map(|p| p.replicas.max(0) as u32).sum(),
        down,
    }
}

fn pods(samples: &[Sample]) -> Vec<String> {
    let mut pods: Vec<String> = samples.iter().map(|s| s.label("pod").to_string()).collect();
    pods.sort();
    pods
}

fn consumer_lag(samples: &[Sample]) -> Vec<ConsumerLag> {
    let mut lags: Vec<ConsumerLag> = samples
        .iter()
        .map(|s| ConsumerLag {
            group: s.label("consumergroup").to_string(),
            topic: s.label("topic").to_string(),
            lag: s.value,
        })
        .collect();
    lags.sort_by(|a, b| b.lag.total_cmp(&a.lag).then_with(|| a.group.cmp(&b.group)));
    lags.truncate(TOP_LAGS);
    lags
}

fn disk_use(spec: &ClusterSpec, samples: &[Sample]) -> Vec<DiskUse> {
    let mut disks: Vec<DiskUse> = samples
        .iter()
        .map(|s| {
            let pod = s.label("pod").to_string();
            DiskUse {
                capacity_bytes: pool_of_pod(spec, &pod).and_then(volume_bytes),
                pod,
                bytes: s.value,
            }
        })
        .collect();
    disks.sort_by(|a, b| a.pod.cmp(&b.pod));
    disks
}

/// The pool of a Kafka pod, from Strimzi's `<cluster>-<KafkaNodePool>-<id>` name.
fn pool_of_pod<'a>(spec: &'a ClusterSpec, pod: &str) -> Option<&'a PoolSpec> {
    spec.pools.get(&crate::cluster::rollout::pod_group(spec, pod)?)
}

fn volume_bytes(pool: &PoolSpec) -> Option<u64> {
    match pool.storage.kind {
        StorageType::PersistentClaim | StorageType::Ephemeral => {
            parse_storage_bytes(pool.storage.size.as_deref()?).ok()
        }
        StorageType::Jbod => pool
            .storage
            .volumes
            .iter()
            .map(|v| parse_storage_bytes(&v.size).ok())
            .sum::<Option<u64>>(),
    }
}

fn alerts(samples: &[Sample]) -> Vec<FiringAlert> {
    let mut alerts: Vec<FiringAlert> = samples
        .iter()
        .map(|s| {
            let subject = ["pod", "consumergroup", "job", "cluster"]
                .iter()
                .map(|l| s.label(l))
                .find(|v| !v.is_empty())
                .unwrap_or_default();
            FiringAlert {
                name: s.label("alertname").to_string(),
                severity: s.label("severity").to_string(),
                subject: subject.to_string(),
            }
        })
        .collect();
    // Critical first, then by name.
    alerts.sort_by(|a, b| {
        (a.severity != "critical", &a.name, &a.subject).cmp(&(b.severity != "critical", &b.name, &b.subject))
    });
    alerts
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cluster::prometheus_query::parse_query_answer;
    use crate::cluster::prometheus_query::test_support::{spec, vector};
    use crate::spec::PrometheusMode;

    fn ok(panel: Panel, body: &str) -> PanelResult {
        (panel, String::new(), parse_query_answer(body))
    }

    #[test]
    fn every_query_selects_this_cluster() {
        for (panel, query) in health_queries(&spec()) {
            if panel != Panel::FiringAlerts {
                assert!(query.contains("cluster=\"orders\",namespace=\"kafka\""), "{query}");
            }
        }
        let mut operator = spec();
        operator.prometheus.mode = PrometheusMode::Operator;
        let alerts = health_queries(&operator).pop().unwrap().1;
        assert_eq!(
            alerts,
            "ALERTS{alertstate=\"firing\",cluster=\"orders\",namespace=\"kafka\"}"
        );
    }

    #[test]
    fn no_exporter_no_lag_panel() {
        let mut spec = spec();
        spec.kafka_exporter.enabled = false;
        assert!(health_queries(&spec).iter().all(|(p, _)| *p != Panel::ConsumerLag));
    }

    #[test]
    fn view_counts_nodes_and_names_the_down_ones() {
        let body = vector(&[
            (&[("pod", "orders-brokers-1")], "0"),
            (&[("pod", "orders-brokers-0")], "1"),
            (&[("pod", "orders-brokers-2")], "1"),
        ]);
        let view = build_view(&spec(), vec![ok(Panel::NodesUp, &body)]);
        assert_eq!(
            view.nodes_up,
            Some(NodesUp {
                up: 2,
                expected: 3,
                down: vec!["orders-brokers-1".to_string()]
            })
        );
    }

    #[test]
    fn empty_sums_are_zero_not_missing() {
        let view = build_view(&spec(), vec![ok(Panel::OfflinePartitions, &vector(&[]))]);
        assert_eq!(view.offline_partitions, Some(0.0));
        assert_eq!(view.under_replicated_partitions, None);
    }

    #[test]
    fn lags_are_largest_first_and_disks_know_their_volume() {
        let lags = vector(&[
            (&[("consumergroup", "a"), ("topic", "t")], "5"),
            (&[("consumergroup", "b"), ("topic", "t")], "500"),
        ]);
        let disks = vector(&[
            (&[("pod", "orders-orders-brokers-0")], "10737418240"),
            (&[("pod", "stranger")], "1"),
        ]);
        let view = build_view(&spec(), vec![ok(Panel::ConsumerLag, &lags), ok(Panel::DiskUse, &disks)]);
        let lags = view.consumer_lag.unwrap();
        assert_eq!((lags[0].group.as_str(), lags[0].lag), ("b", 500.0));
        let disks = view.disk_use.unwrap();
        assert_eq!(disks[0].capacity_bytes, Some(100 << 30));
        assert_eq!(disks[0].percent(), Some(10.0));
        assert_eq!(disks[1].capacity_bytes, None);
    }

    #[test]
    fn failed_panels_are_listed_with_query_and_reason() {
        let view = build_view(
            &spec(),
            vec![(
                Panel::BytesIn,
                "q".to_string(),
                Err(QueryError::Timeout(Duration::from_secs(2))),
            )],
        );
        assert_eq!(view.bytes_in_per_second, None);
        assert_eq!(view.failed[0].panel, Panel::BytesIn);
        assert_eq!(view.failed[0].query, "q");
        assert!(
            view.failed[0].error.contains("no answer within 2s"),
            "{}",
            view.failed[0].error
        );
    }

    #[test]
    fn critical_alerts_come_first() {
        let body = vector(&[
            (
                &[
                    ("alertname", "ConsumerGroupLag"),
                    ("severity", "warning"),
                    ("consumergroup", "g"),
                ],
                "1",
            ),
            (
                &[
                    ("alertname", "BrokerDown"),
                    ("severity", "critical"),
                    ("pod", "orders-brokers-1"),
                ],
                "1",
            ),
        ]);
        let alerts = build_view(&spec(), vec![ok(Panel::FiringAlerts, &body)])
            .firing_alerts
            .unwrap();
        assert_eq!(alerts[0].name, "BrokerDown");
        assert_eq!(alerts[0].subject, "orders-brokers-1");
        assert_eq!(alerts[1].subject, "g");
    }
}
