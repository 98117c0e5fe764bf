//! Asking a cluster's Prometheus through the API server's service proxy
//! (`/api/v1/namespaces/{ns}/services/{svc}:{port}/proxy/...`), so no
//! port-forward is needed: finding which Prometheus to ask (kafkactl's own,
//! or a prometheus-operator's) and whether it is ready, the queries of the
//! health view, the I/O that sends them, and the pure parsing of
//! Prometheus' answers into a view.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroup, APIResourceList};
use kube::api::{Api, DeleteParams, ListParams};

use super::client::Connection;
use super::errors::{Operation, describe};
use crate::error::Failure;
use crate::render::prometheus_config::{KAFKA_JOB, PROMETHEUS_PORT};
use crate::render::prometheus_operator::{MONITORING_GROUP, OPERATOR_KINDS};
use crate::spec::names;
use crate::spec::quantity::parse_storage_bytes;
use crate::spec::{ClusterSpec, PoolSpec, StorageType};

/// The Service a Prometheus answers behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrometheusTarget {
    pub namespace: String,
    pub service: String,
    pub port: u16,
}

impl PrometheusTarget {
    /// kafkactl's own Prometheus of `spec`.
    pub fn standalone(spec: &ClusterSpec) -> Self {
        PrometheusTarget {
            namespace: spec.namespace.clone(),
            service: names::prometheus(&spec.name),
            port: PROMETHEUS_PORT as u16,
        }
    }

    /// `NAMESPACE/NAME[:PORT]` (port 9090 when left out).
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid =
            || format!("\"{text}\" is not NAMESPACE/SERVICE[:PORT], e.g. monitoring/prometheus-operated:9090");
        let (namespace, rest) = text.split_once('/').ok_or_else(invalid)?;
        let (service, port) = match rest.split_once(':') {
            Some((service, port)) => (service, port.parse::<u16>().map_err(|_| invalid())?),
            None => (rest, PROMETHEUS_PORT as u16),
        };
        if namespace.is_empty() || service.is_empty() || port == 0 {
            return Err(invalid());
        }
        Ok(PrometheusTarget {
            namespace: namespace.to_string(),
            service: service.to_string(),
            port,
        })
    }

    /// The API server path that proxies `api_path` (e.g. `api/v1/query`) to this Service.
    pub fn proxy_path(&self, api_path: &str) -> String {
        format!(
            "/api/v1/namespaces/{}/services/{}:{}/proxy/{}",
            self.namespace, self.service, self.port, api_path
        )
    }
}

impl std::fmt::Display for PrometheusTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}:{}", self.namespace, self.service, self.port)
    }
}

/// Label prometheus-operator puts on the governing Service of each Prometheus it runs.
pub const OPERATED_PROMETHEUS_SELECTOR: &str = "operated-prometheus=true";

/// Whether the cluster serves every prometheus-operator kind operator mode
/// needs, at the version kafkactl renders (`monitoring.coreos.com/v1`).
pub async fn operator_kinds_served(conn: &Connection) -> Result<bool, Failure> {
    let Some(group) = get_discovery::<APIGroup>(conn, &format!("/apis/{MONITORING_GROUP}")).await? else {
        return Ok(false);
    };
    if !group.versions.iter().any(|v| v.version == "v1") {
        return Ok(false);
    }
    let Some(resources) = get_discovery::<APIResourceList>(conn, &format!("/apis/{MONITORING_GROUP}/v1")).await? else {
        return Ok(false);
    };
    Ok(OPERATOR_KINDS
        .iter()
        .all(|kind| resources.resources.iter().any(|r| r.kind == *kind)))
}

/// A discovery document, or `None` when the API server does not serve it.
async fn get_discovery<T: serde::de::DeserializeOwned>(conn: &Connection, path: &str) -> Result<Option<T>, Failure> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| Failure::runtime(format!("cannot build a discovery request: {e}")))?;
    match conn.client.request::<T>(request).await {
        Ok(document) => Ok(Some(document)),
        Err(kube::Error::Api(status)) if super::errors::is_not_found(&status) => Ok(None),
        Err(e) => Err(describe(e, &Operation::new("discover", path.to_string()), &conn.server)),
    }
}

/// The Prometheus Services a prometheus-operator runs, those in `namespace` first.
pub async fn operated_prometheus(conn: &Connection, namespace: &str) -> Result<Vec<PrometheusTarget>, Failure> {
    let api: Api<Service> = Api::all(conn.client.clone());
    let list = match api
        .list(&ListParams::default().labels(OPERATED_PROMETHEUS_SELECTOR))
        .await
    {
        Ok(list) => list.items,
        Err(kube::Error::Api(status)) if status.is_forbidden() => Vec::new(),
        Err(e) => {
            return Err(describe(
                e,
                &Operation::new("list", "prometheus-operator Services"),
                &conn.server,
            ));
        }
    };
    let mut targets: Vec<PrometheusTarget> = list
        .iter()
        .filter_map(|service| {
            let port = service
                .spec
                .as_ref()?
                .ports
                .as_ref()?
                .iter()
                .find(|p| p.name.as_deref() == Some("web"))
                .map_or(PROMETHEUS_PORT, |p| p.port);
            Some(PrometheusTarget {
                namespace: service.metadata.namespace.clone()?,
                service: service.metadata.name.clone()?,
                port: u16::try_from(port).ok()?,
            })
        })
        .collect();
    targets.sort_by_key(|t| (t.namespace != namespace, t.namespace.clone(), t.service.clone()));
    Ok(targets)
}

/// How far kafkactl's own Prometheus is: `None` when its StatefulSet is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandaloneState {
    pub ready: i32,
    pub wanted: i32,
}

pub async fn standalone_state(conn: &Connection, spec: &ClusterSpec) -> Result<Option<StandaloneState>, Failure> {
    let api: Api<StatefulSet> = Api::namespaced(conn.client.clone(), &spec.namespace);
    let name = names::prometheus(&spec.name);
    let found = crate::cluster::errors::get_opt(&api, &name).await.map_err(|e| {
        describe(
            e,
            &Operation::new("get", format!("StatefulSet {}/{name}", spec.namespace)),
            &conn.server,
        )
    })?;
    Ok(found.map(|sts| StandaloneState {
        ready: sts.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0),
        wanted: sts.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
    }))
}

/// Delete the volume claim of kafkactl's Prometheus; false when there was none.
pub async fn delete_prometheus_volume(conn: &Connection, spec: &ClusterSpec) -> Result<bool, Failure> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), &spec.namespace);
    let name = names::prometheus_data_claim(&spec.name);
    match api.delete(&name, &DeleteParams::background()).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if super::errors::is_not_found(&status) => Ok(false),
        Err(e) => Err(describe(
            e,
            &Operation::new("delete", format!("PersistentVolumeClaim {}/{name}", spec.namespace)),
            &conn.server,
        )),
    }
}

/// One series of an instant vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    fn label(&self, name: &str) -> &str {
        self.labels.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// Why a query gave no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// Prometheus itself refused or failed the query.
    #[error("Prometheus answered {error_type}: {message}")]
    Prometheus { error_type: String, message: String },
    /// The API server or its proxy said no (404: no such Service, 503: no ready endpoints).
    #[error("the API server's service proxy answered {code}: {message}")]
    Proxy { code: u16, message: String },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the answer is not a Prometheus query result: {0}")]
    Malformed(String),
    #[error("the request failed: {0}")]
    Transport(String),
}

/// Percent-encode a query parameter value (RFC 3986 unreserved characters stay).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Parse an `/api/v1/query` answer: an instant vector (or a scalar, as one
/// unlabelled sample). Values are strings in the API: `"1"`, `"NaN"`, `"+Inf"`.
pub fn parse_query_answer(body: &str) -> Result<Vec<Sample>, QueryError> {
    let answer: Value =
        serde_json::from_str(body).map_err(|e| QueryError::Malformed(format!("{e}: {}", excerpt(body))))?;
    if answer["status"] != "success" {
        return Err(prometheus_error(&answer).unwrap_or_else(|| QueryError::Malformed(excerpt(body))));
    }
    let data = &answer["data"];
    match data["resultType"].as_str() {
        Some("vector") => data["result"]
            .as_array()
            .ok_or_else(|| QueryError::Malformed("data.result is not a list".to_string()))?
            .iter()
            .map(parse_sample)
            .collect(),
        Some("scalar") => Ok(vec![Sample {
            labels: BTreeMap::new(),
            value: parse_value(&data["result"])?,
        }]),
        other => Err(QueryError::Malformed(format!(
            "expected an instant vector, got resultType {}",
            other.unwrap_or("(none)")
        ))),
    }
}

fn parse_sample(item: &Value) -> Result<Sample, QueryError> {
    let labels = item["metric"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    Ok(Sample {
        labels,
        value: parse_value(&item["value"])?,
    })
}

/// `[<unix time>, "<value>"]`.
fn parse_value(pair: &Value) -> Result<f64, QueryError> {
    let text = pair[1]
        .as_str()
        .ok_or_else(|| QueryError::Malformed(format!("a sample value is not [time, \"value\"]: {pair}")))?;
    text.parse::<f64>()
        .map_err(|_| QueryError::Malformed(format!("\"{text}\" is not a number")))
}

/// `{"status":"error","errorType":"…","error":"…"}`, Prometheus' error shape.
fn prometheus_error(answer: &Value) -> Option<QueryError> {
    (answer["status"] == "error").then(|| QueryError::Prometheus {
        error_type: answer["errorType"].as_str().unwrap_or("error").to_string(),
        message: answer["error"].as_str().unwrap_or_default().to_string(),
    })
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

/// A failed proxy request: Prometheus' own error when the body is one
/// (kube keeps a body it cannot read as a Kubernetes Status as the message).
fn from_kube_error(error: kube::Error) -> QueryError {
    match error {
        kube::Error::Api(status) => {
            if let Ok(answer) = serde_json::from_str::<Value>(&status.message)
                && let Some(error) = prometheus_error(&answer)
            {
                return error;
            }
            QueryError::Proxy {
                code: status.code,
                message: status.message.clone(),
            }
        }
        other => QueryError::Transport(super::errors::error_chain(&other)),
    }
}

/// Run one instant query, giving up after `timeout` (Prometheus is told the
/// same limit, so it stops working on it too).
pub async fn query(
    conn: &Connection,
    target: &PrometheusTarget,
    promql: &str,
    timeout: Duration,
) -> Result<Vec<Sample>, QueryError> {
    let uri = format!(
        "{}?query={}&timeout={}ms",
        target.proxy_path("api/v1/query"),
        encode_component(promql),
        timeout.as_millis()
    );
    let request = http::Request::get(uri)
        .body(Vec::new())
        .map_err(|e| QueryError::Transport(e.to_string()))?;
    match tokio::time::timeout(timeout, conn.client.request_text(request)).await {
        Err(_) => Err(QueryError::Timeout(timeout)),
        Ok(Err(e)) => Err(from_kube_error(e)),
        Ok(Ok(body)) => parse_query_answer(&body),
    }
}

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
    spec.pools.get(&super::rollout::pod_group(spec, pod)?)
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
    use super::*;
    use crate::spec::PrometheusMode;

    fn spec() -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "orders".to_string(),
            namespace: "kafka".to_string(),
            ..ClusterSpec::default()
        };
        let mut brokers = PoolSpec::default();
        brokers.storage.size = Some("100Gi".to_string());
        spec.pools.insert("brokers".to_string(), brokers);
        spec
    }

    fn vector(samples: &[(&[(&str, &str)], &str)]) -> String {
        let result: Vec<Value> = samples
            .iter()
            .map(|(labels, value)| {
                let metric: serde_json::Map<String, Value> =
                    labels.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
                serde_json::json!({ "metric": metric, "value": [1_700_000_000.123, value] })
            })
            .collect();
        serde_json::json!({ "status": "success", "data": { "resultType": "vector", "result": result } }).to_string()
    }

    fn ok(panel: Panel, body: &str) -> PanelResult {
        (panel, String::new(), parse_query_answer(body))
    }

    #[test]
    fn vector_answers_parse_labels_and_string_values() {
        let body = vector(&[
            (&[("pod", "orders-brokers-0")], "1"),
            (&[("pod", "orders-brokers-1")], "NaN"),
        ]);
        let samples = parse_query_answer(&body).unwrap();
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[0].labels["pod"], "orders-brokers-0");
        assert_eq!(samples[0].value, 1.0);
        assert!(samples[1].value.is_nan());
        let inf = vector(&[(&[], "+Inf")]);
        assert_eq!(parse_query_answer(&inf).unwrap()[0].value, f64::INFINITY);
    }

    #[test]
    fn scalar_answers_are_one_unlabelled_sample() {
        let body = r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}"#;
        assert_eq!(parse_query_answer(body).unwrap()[0].value, 42.0);
    }

    #[test]
    fn prometheus_errors_are_kept() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#;
        assert_eq!(
            parse_query_answer(body),
            Err(QueryError::Prometheus {
                error_type: "bad_data".to_string(),
                message: "parse error at char 4".to_string()
            })
        );
        assert!(matches!(parse_query_answer("<html>"), Err(QueryError::Malformed(_))));
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(matches!(parse_query_answer(matrix), Err(QueryError::Malformed(m)) if m.contains("matrix")));
    }

    #[test]
    fn proxy_errors_carrying_a_prometheus_body_become_prometheus_errors() {
        let status = kube::core::Status::failure(
            r#"{"status":"error","errorType":"timeout","error":"query timed out"}"#,
            "Failed to parse error data",
        )
        .with_code(503);
        assert_eq!(
            from_kube_error(kube::Error::Api(status.boxed())),
            QueryError::Prometheus {
                error_type: "timeout".to_string(),
                message: "query timed out".to_string()
            }
        );
        let status = kube::core::Status::failure("no endpoints available for service \"x\"", "ServiceUnavailable")
            .with_code(503);
        assert!(matches!(
            from_kube_error(kube::Error::Api(status.boxed())),
            QueryError::Proxy { code: 503, .. }
        ));
    }

    #[test]
    fn queries_are_percent_encoded() {
        assert_eq!(
            encode_component("up{job=\"kafka\"} > 0"),
            "up%7Bjob%3D%22kafka%22%7D%20%3E%200"
        );
        let target = PrometheusTarget::standalone(&spec());
        assert_eq!(
            target.proxy_path("api/v1/query"),
            "/api/v1/namespaces/kafka/services/orders-prometheus:9090/proxy/api/v1/query"
        );
    }

    #[test]
    fn targets_parse_with_a_default_port() {
        assert_eq!(
            PrometheusTarget::parse("monitoring/prometheus-operated")
                .unwrap()
                .to_string(),
            "monitoring/prometheus-operated:9090"
        );
        assert_eq!(PrometheusTarget::parse("m/p:9091").unwrap().port, 9091);
        for bad in ["prometheus", "/p", "m/", "m/p:x", "m/p:0"] {
            assert!(PrometheusTarget::parse(bad).is_err(), "{bad}");
        }
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
