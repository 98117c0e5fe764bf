//! The cluster report shared by `create` (at the end) and `status`: health,
//! pools, listeners with their addresses, components, and how to connect.
//! Read from the cluster and built here; `ui::cluster_report` prints it.

use serde::Serialize;
use serde_json::Value;

use crate::cluster::client::Connection;
use crate::cluster::errors::ApiError;
use crate::cluster::inventory::observe;
use crate::cluster::readiness::{ComponentProgress, Diagnostic, Observed, evaluate, kafka_condition, pod_ready};
use crate::cluster::rollout::pod_group;
use crate::spec::ClusterSpec;
use crate::spec::names;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterReport {
    pub name: String,
    pub namespace: String,
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    pub metadata: String,
    pub kafka_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    pub listeners: Vec<ListenerReport>,
    pub components: Vec<ComponentProgress>,
    /// Every Kafka and ZooKeeper pod, in pool and id order.
    pub nodes: Vec<NodeReport>,
    pub diagnostics: Vec<Diagnostic>,
    pub connect: Vec<String>,
    /// Why no Strimzi operator reconciles the cluster, when none does: its status is then
    /// only what Strimzi last wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmanaged: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    pub reason: String,
    pub message: String,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenerReport {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub port: i32,
    pub tls: bool,
    pub authentication: String,
    /// From the Kafka status; empty until Strimzi publishes it.
    pub bootstrap_servers: String,
}

/// One Kafka node (or ZooKeeper server) pod: which pool, which id, where.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    pub pod: String,
    /// The spec's pool name (`zookeeper` for ZooKeeper servers).
    pub pool: String,
    pub node_id: i32,
    /// `controller`, `broker` (or both), or `zookeeper`.
    pub roles: Vec<String>,
    pub ready: bool,
    pub restarts: i32,
    /// The Kubernetes node it runs on, once scheduled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// Read the cluster now and build its report.
pub async fn cluster_report(conn: &Connection, version: &str, spec: &ClusterSpec) -> Result<ClusterReport, ApiError> {
    let observed = observe(conn, version, spec).await?;
    Ok(build_report(spec, &observed))
}

/// The report from what was observed (pure).
pub fn build_report(spec: &ClusterSpec, observed: &Observed) -> ClusterReport {
    let progress = evaluate(spec, observed);
    let kafka = observed.kafka.as_ref();
    let condition = kafka
        .and_then(kafka_condition)
        .map(|(kind, reason, message, current)| Condition {
            kind,
            reason,
            message,
            current,
        });
    let status = kafka.map(|k| &k["status"]);
    let listeners: Vec<ListenerReport> = spec
        .listeners
        .iter()
        .map(|(name, l)| ListenerReport {
            name: name.clone(),
            kind: l.kind.as_str().to_string(),
            port: l.port,
            tls: l.tls,
            authentication: l.authentication.as_str().to_string(),
            bootstrap_servers: status.map(|s| bootstrap_servers(s, name)).unwrap_or_default(),
        })
        .collect();
    ClusterReport {
        name: spec.name.clone(),
        namespace: spec.namespace.clone(),
        ready: progress.ready,
        condition,
        metadata: spec.metadata.as_str().to_string(),
        kafka_version: status
            .and_then(|s| s["kafkaVersion"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| spec.kafka_version.clone()),
        cluster_id: status.and_then(|s| s["clusterId"].as_str()).map(str::to_string),
        connect: connect_hints(spec, &listeners),
        listeners,
        components: progress.components,
        nodes: node_reports(spec, observed),
        diagnostics: progress.diagnostics,
        unmanaged: None,
    }
}

/// The cluster's Kafka and ZooKeeper pods, recognised by Strimzi's names
/// (`<c>-<KafkaNodePool>-<id>`, `<c>-zookeeper-<n>`).
fn node_reports(spec: &ClusterSpec, observed: &Observed) -> Vec<NodeReport> {
    let mut nodes: Vec<NodeReport> = observed
        .pods
        .iter()
        .filter_map(|(name, pod)| {
            let pool = pod_group(spec, name)?;
            let node_id = name.rsplit_once('-')?.1.parse().ok()?;
            let roles = match spec.pools.get(&pool) {
                Some(p) => p.roles.iter().map(|r| r.as_str().to_string()).collect(),
                None => vec![pool.clone()],
            };
            let restarts = pod
                .status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .map_or(0, |c| c.iter().map(|c| c.restart_count).sum());
            Some(NodeReport {
                pod: name.clone(),
                pool,
                node_id,
                roles,
                ready: pod_ready(pod),
                restarts,
                node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
            })
        })
        .collect();
    nodes.sort_by(|a, b| (&a.pool, a.node_id).cmp(&(&b.pool, b.node_id)));
    nodes
}

fn bootstrap_servers(status: &Value, listener: &str) -> String {
    status["listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["name"] == listener)
        .and_then(|l| l["bootstrapServers"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// How clients connect: inside the cluster through the bootstrap Service,
/// outside through the external listeners' addresses.
fn connect_hints(spec: &ClusterSpec, listeners: &[ListenerReport]) -> Vec<String> {
    let mut hints = Vec::new();
    if let Some(internal) = listeners.iter().find(|l| !spec.listeners[&l.name].kind.is_external()) {
        hints.push(format!(
            "inside the cluster: --bootstrap-server {}.{}.svc:{}{}",
            names::bootstrap_service(&spec.name),
            spec.namespace,
            internal.port,
            if internal.tls {
                format!(
                    " (TLS: trust the CA in Secret {})",
                    names::cluster_ca_cert_secret(&spec.name)
                )
            } else {
                String::new()
            }
        ));
    }
    for l in listeners.iter().filter(|l| spec.listeners[&l.name].kind.is_external()) {
        let address = if l.bootstrap_servers.is_empty() {
            "(address not assigned yet)".to_string()
        } else {
            l.bootstrap_servers.clone()
        };
        hints.push(format!(
            "outside the cluster ({} listener {}): --bootstrap-server {address}",
            l.kind, l.name
        ));
    }
    hints
}
