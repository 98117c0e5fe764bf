//! Grafana dashboards for one cluster, written here: a Kafka overview and, in
//! ZooKeeper mode, a ZooKeeper one. Each is a ConfigMap labelled
//! `grafana_dashboard: "1"`, which Grafana's dashboard sidecar (as in the
//! Grafana and kube-prometheus-stack Helm charts) loads. Panels query only
//! metrics the cluster's scrape jobs produce (`scraped_metrics`).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::metrics_config::{KAFKA_METRICS, ZOOKEEPER_METRICS};
use super::prometheus_config::{KAFKA_JOB, ZOOKEEPER_EXPORTER_JOB, ZOOKEEPER_JOB};
use super::{Wave, object_meta};
use crate::spec::ClusterSpec;
use crate::spec::names::{self, Component};

/// The label (and value) Grafana's sidecar looks for.
pub const DASHBOARD_LABEL: &str = "grafana_dashboard";
pub const DASHBOARD_LABEL_VALUE: &str = "1";

/// Metrics of Strimzi's kafka-exporter (danielqsj/kafka_exporter) that the dashboards use.
pub const KAFKA_EXPORTER_METRICS: &[&str] = &["kafka_consumergroup_lag", "kafka_brokers", "kafka_topic_partitions"];
/// Metrics of the ZooKeeper exporter (dabealu/zookeeper-exporter) that the dashboards use.
pub const ZOOKEEPER_EXPORTER_METRICS: &[&str] = &["zk_up"];

/// Every metric name the cluster's scrape jobs produce and dashboards may use.
pub fn scraped_metrics(spec: &ClusterSpec) -> BTreeSet<&'static str> {
    let mut metrics = BTreeSet::from(["up"]);
    if spec.metrics.kafka {
        metrics.extend(KAFKA_METRICS);
    }
    if spec.is_zookeeper() && spec.metrics.zookeeper {
        metrics.extend(ZOOKEEPER_METRICS);
    }
    if spec.kafka_exporter.enabled {
        metrics.extend(KAFKA_EXPORTER_METRICS);
    }
    if spec.is_zookeeper() && spec.zookeeper_exporter.enabled {
        metrics.extend(ZOOKEEPER_EXPORTER_METRICS);
    }
    metrics
}

/// The dashboard ConfigMaps; empty unless monitoring and dashboards are on.
pub fn dashboards(spec: &ClusterSpec) -> Vec<(Wave, Value)> {
    if !(spec.prometheus.enabled && spec.prometheus.grafana_dashboards) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if spec.metrics.kafka {
        out.push((Wave::Config, config_map(spec, "kafka", &kafka_dashboard(spec))));
    }
    if spec.is_zookeeper() && spec.metrics.zookeeper {
        out.push((Wave::Config, config_map(spec, "zookeeper", &zookeeper_dashboard(spec))));
    }
    out
}

fn config_map(spec: &ClusterSpec, dashboard: &str, json: &Value) -> Value {
    let name = names::grafana_dashboard(&spec.name, dashboard);
    let mut metadata = object_meta(spec, &name, Component::Prometheus);
    metadata["labels"][DASHBOARD_LABEL] = json!(DASHBOARD_LABEL_VALUE);
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": { format!("{name}.json"): json.to_string() },
    })
}

/// `cluster="…",namespace="…"`: a shared (operator) Prometheus holds many clusters.
fn selector(spec: &ClusterSpec, extra: &str) -> String {
    let mut selector = format!(
        "cluster={},namespace={}",
        promql_string(&spec.name),
        promql_string(&spec.namespace)
    );
    if !extra.is_empty() {
        selector.push(',');
        selector.push_str(extra);
    }
    selector
}

fn promql_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// How a panel shows its numbers.
#[derive(Clone, Copy)]
enum Kind {
    Stat,
    Series,
}

struct Panel {
    title: &'static str,
    kind: Kind,
    unit: &'static str,
    expr: String,
    legend: &'static str,
}

fn stat(title: &'static str, expr: String) -> Panel {
    Panel {
        title,
        kind: Kind::Stat,
        unit: "short",
        expr,
        legend: "",
    }
}

fn series(title: &'static str, unit: &'static str, expr: String, legend: &'static str) -> Panel {
    Panel {
        title,
        kind: Kind::Series,
        unit,
        expr,
        legend,
    }
}

/// Kafka overview: health first (stats), then throughput, requests, lag, disk.
pub fn kafka_dashboard(spec: &ClusterSpec) -> Value {
    let sel = |extra: &str| selector(spec, extra);
    let job = format!("job={}", promql_string(KAFKA_JOB));
    let mut panels = vec![
        stat("Brokers up", format!("count(up{{{}}} == 1)", sel(&job))),
        stat(
            "Active controllers",
            format!(
                "sum(kafka_controller_kafkacontroller_activecontrollercount{{{}}})",
                sel("")
            ),
        ),
        stat(
            "Under-replicated partitions",
            format!(
                "sum(kafka_server_replicamanager_underreplicatedpartitions{{{}}})",
                sel("")
            ),
        ),
        stat(
            "Under min ISR partitions",
            format!(
                "sum(kafka_server_replicamanager_underminisrpartitioncount{{{}}})",
                sel("")
            ),
        ),
        stat(
            "Offline partitions",
            format!(
                "sum(kafka_controller_kafkacontroller_offlinepartitionscount{{{}}})",
                sel("")
            ),
        ),
        stat(
            "Partitions",
            format!(
                "max(kafka_controller_kafkacontroller_globalpartitioncount{{{}}})",
                sel("")
            ),
        ),
        series(
            "Bytes in per broker",
            "Bps",
            format!(
                "sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesin_total{{{}}}[5m]))",
                sel("topic=\"\"")
            ),
            "{{pod}}",
        ),
        series(
            "Bytes out per broker",
            "Bps",
            format!(
                "sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesout_total{{{}}}[5m]))",
                sel("topic=\"\"")
            ),
            "{{pod}}",
        ),
        series(
            "Messages in per topic",
            "short",
            format!(
                "sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesin_total{{{}}}[5m]))",
                sel("topic!=\"\"")
            ),
            "{{topic}}",
        ),
        series(
            "Requests per second",
            "reqps",
            format!(
                "sum by (request) (rate(kafka_network_requestmetrics_requests_total{{{}}}[5m]))",
                sel("")
            ),
            "{{request}}",
        ),
        series(
            "Request latency p99",
            "ms",
            format!(
                "max by (request) (kafka_network_requestmetrics_totaltimems{{{}}})",
                sel("quantile=\"0.99\"")
            ),
            "{{request}}",
        ),
        series(
            "Request queue",
            "short",
            format!("kafka_network_requestchannel_requestqueuesize{{{}}}", sel("")),
            "{{pod}}",
        ),
    ];
    if spec.kafka_exporter.enabled {
        panels.push(series(
            "Consumer group lag (largest 10)",
            "short",
            format!(
                "topk(10, sum by (consumergroup, topic) (kafka_consumergroup_lag{{{}}}))",
                sel("")
            ),
            "{{consumergroup}} / {{topic}}",
        ));
    }
    panels.push(series(
        "Disk use per broker (log segments)",
        "bytes",
        format!("sum by (pod) (kafka_log_log_size{{{}}})", sel("")),
        "{{pod}}",
    ));
    dashboard(
        spec,
        "kafka",
        &format!("Kafka {}/{}", spec.namespace, spec.name),
        panels,
    )
}

/// ZooKeeper: nodes up, latency, load, data tree.
pub fn zookeeper_dashboard(spec: &ClusterSpec) -> Value {
    let sel = |extra: &str| selector(spec, extra);
    let job = format!("job={}", promql_string(ZOOKEEPER_JOB));
    let mut panels = vec![
        stat("ZooKeeper nodes up", format!("count(up{{{}}} == 1)", sel(&job))),
        series(
            "Average request latency",
            "ms",
            format!("zookeeper_avgrequestlatency{{{}}}", sel("")),
            "{{pod}}",
        ),
        series(
            "Maximum request latency",
            "ms",
            format!("zookeeper_maxrequestlatency{{{}}}", sel("")),
            "{{pod}}",
        ),
        series(
            "Outstanding requests",
            "short",
            format!("zookeeper_outstandingrequests{{{}}}", sel("")),
            "{{pod}}",
        ),
        series(
            "Alive connections",
            "short",
            format!("zookeeper_numaliveconnections{{{}}}", sel("")),
            "{{pod}}",
        ),
        series(
            "Znodes",
            "short",
            format!("zookeeper_inmemorydatatree_nodecount{{{}}}", sel("")),
            "{{pod}}",
        ),
        series(
            "Watches",
            "short",
            format!("zookeeper_inmemorydatatree_watchcount{{{}}}", sel("")),
            "{{pod}}",
        ),
    ];
    if spec.zookeeper_exporter.enabled {
        let job = format!("job={}", promql_string(ZOOKEEPER_EXPORTER_JOB));
        panels.insert(
            1,
            stat("Reachable through zoo-entrance", format!("min(zk_up{{{}}})", sel(&job))),
        );
    }
    dashboard(
        spec,
        "zookeeper",
        &format!("ZooKeeper {}/{}", spec.namespace, spec.name),
        panels,
    )
}

/// The dashboard document. The data source is a variable, so the dashboard
/// works with whichever Prometheus data source Grafana has.
fn dashboard(spec: &ClusterSpec, which: &str, title: &str, panels: Vec<Panel>) -> Value {
    let datasource = json!({ "type": "prometheus", "uid": "${datasource}" });
    let mut layout = Layout::default();
    let panels: Vec<Value> = panels
        .iter()
        .enumerate()
        .map(|(i, p)| panel_json(i + 1, p, layout.place(p.kind), &datasource))
        .collect();
    json!({
        "uid": dashboard_uid(spec, which),
        "title": title,
        "tags": ["kafka", "kafkactl", which],
        "timezone": "browser",
        "editable": true,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": { "from": "now-6h", "to": "now" },
        "templating": { "list": [{
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
        }]},
        "annotations": { "list": [] },
        "panels": panels,
    })
}

fn panel_json(id: usize, panel: &Panel, grid: Value, datasource: &Value) -> Value {
    let kind = match panel.kind {
        Kind::Stat => "stat",
        Kind::Series => "timeseries",
    };
    json!({
        "id": id,
        "type": kind,
        "title": panel.title,
        "gridPos": grid,
        "datasource": datasource,
        "targets": [{
            "refId": "A",
            "datasource": datasource,
            "expr": panel.expr,
            "legendFormat": panel.legend,
        }],
        "fieldConfig": { "defaults": { "unit": panel.unit }, "overrides": [] },
        "options": {},
    })
}

/// Stats four to a row, time series two to a row, on Grafana's 24-column grid.
#[derive(Default)]
struct Layout {
    x: u32,
    y: u32,
    row_height: u32,
}

impl Layout {
    fn place(&mut self, kind: Kind) -> Value {
        let (w, h) = match kind {
            Kind::Stat => (4, 4),
            Kind::Series => (12, 8),
        };
        if self.x + w > 24 {
            self.x = 0;
            self.y += self.row_height;
            self.row_height = 0;
        }
        let grid = json!({ "x": self.x, "y": self.y, "w": w, "h": h });
        self.x += w;
        self.row_height = self.row_height.max(h);
        grid
    }
}

/// Grafana uids are at most 40 characters: a hash of namespace and cluster.
fn dashboard_uid(spec: &ClusterSpec, which: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in spec.namespace.bytes().chain([0]).chain(spec.name.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("kafkactl-{hash:016x}-{which}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MetadataMode;

    fn spec(metadata: MetadataMode) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "orders".to_string(),
            namespace: "team-a".to_string(),
            metadata,
            ..ClusterSpec::default()
        };
        spec.prometheus.grafana_dashboards = true;
        spec.zookeeper_exporter.enabled = true;
        spec
    }

    #[test]
    fn dashboards_only_when_asked_for() {
        let mut spec = spec(MetadataMode::Kraft);
        assert_eq!(dashboards(&spec).len(), 1);
        spec.prometheus.grafana_dashboards = false;
        assert!(dashboards(&spec).is_empty());
    }

    #[test]
    fn config_maps_carry_the_sidecar_label_and_parseable_json() {
        let objects = dashboards(&spec(MetadataMode::Zookeeper));
        assert_eq!(objects.len(), 2);
        for (wave, object) in &objects {
            assert_eq!(*wave, Wave::Config);
            assert_eq!(object["metadata"]["labels"]["grafana_dashboard"], "1");
            let (key, text) = object["data"].as_object().unwrap().iter().next().unwrap();
            assert!(key.ends_with(".json"), "{key}");
            let parsed: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
            assert!(parsed["panels"].as_array().unwrap().len() >= 5);
        }
    }

    #[test]
    fn uids_fit_grafanas_limit_and_differ_per_cluster() {
        let a = dashboard_uid(&spec(MetadataMode::Kraft), "zookeeper");
        let mut other = spec(MetadataMode::Kraft);
        other.namespace = "team-b".to_string();
        assert!(a.len() <= 40, "{a}");
        assert_ne!(a, dashboard_uid(&other, "zookeeper"));
    }

    #[test]
    fn panels_do_not_overlap() {
        let dashboard = kafka_dashboard(&spec(MetadataMode::Kraft));
        let cells: Vec<(u64, u64, u64, u64)> = dashboard["panels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let g = &p["gridPos"];
                let n = |k: &str| g[k].as_u64().unwrap();
                (n("x"), n("y"), n("w"), n("h"))
            })
            .collect();
        for (i, a) in cells.iter().enumerate() {
            assert!(a.0 + a.2 <= 24);
            for b in &cells[i + 1..] {
                let apart = a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }
}
