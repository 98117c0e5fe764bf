//! Pure rendering: a validated `ClusterSpec` (+ what is known about the live
//! cluster) → the ordered list of Kubernetes objects that make up the cluster.
//! This is the only place that knows Strimzi's and Kubernetes' object shapes.
//! No I/O, no client: plain data in, plain data out.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::spec::ClusterSpec;

/// Apply waves: everything in one wave is applied concurrently, waves in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wave {
    /// The namespace itself.
    Namespace,
    /// ConfigMaps, Secrets, ServiceAccounts and RBAC that later objects reference.
    Config,
    /// Strimzi resources, workloads and Services.
    Workloads,
}

/// One object of the plan, as the JSON that is sent with server-side apply.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedObject {
    pub wave: Wave,
    pub object: Value,
}

impl RenderedObject {
    pub fn new(wave: Wave, object: Value) -> Self {
        RenderedObject { wave, object }
    }
    pub fn api_version(&self) -> &str {
        self.object["apiVersion"].as_str().unwrap_or_default()
    }
    pub fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or_default()
    }
    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }
    pub fn namespace(&self) -> Option<&str> {
        self.object["metadata"]["namespace"].as_str()
    }
}

/// Every object of one cluster, in apply order (by wave, then as rendered).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub objects: Vec<RenderedObject>,
}

impl Plan {
    pub fn push(&mut self, wave: Wave, object: Value) {
        self.objects.push(RenderedObject::new(wave, object));
    }

    /// Objects of one wave, in order.
    pub fn wave(&self, wave: Wave) -> impl Iterator<Item = &RenderedObject> {
        self.objects.iter().filter(move |o| o.wave == wave)
    }

    pub fn find(&self, kind: &str, name: &str) -> Option<&RenderedObject> {
        self.objects.iter().find(|o| o.kind() == kind && o.name() == name)
    }
}

/// What is known about the live cluster that changes what is rendered.
/// Offline (`--dry-run`), everything is predicted from the spec.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderContext {
    /// Actual node ids per pool (from KafkaNodePool status), when known.
    pub node_ids: BTreeMap<String, Vec<i32>>,
    /// Render the Namespace object too (create it when missing).
    pub include_namespace: bool,
    /// kafkactl's Prometheus volume as the cluster has it, when it exists.
    pub prometheus_volume: Option<PrometheusVolume>,
}

/// kafkactl's Prometheus volume as it is in the cluster. A StatefulSet's
/// volume claim template cannot change once created (the API server refuses
/// it), and the TSDB size cap must fit the disk the claim really has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrometheusVolume {
    /// The size in the existing StatefulSet's volume claim template, rendered as it is.
    pub template_size: Option<String>,
    /// What the claim holds: its `status.capacity`, else its request.
    pub capacity: Option<String>,
}

impl RenderContext {
    /// Context for rendering without a cluster.
    pub fn offline() -> Self {
        RenderContext {
            node_ids: BTreeMap::new(),
            include_namespace: true,
            prometheus_volume: None,
        }
    }

    /// Node ids of a pool: the known ones, or the ones kafkactl pins it to.
    pub fn node_ids(&self, spec: &ClusterSpec, pool: &str) -> Vec<i32> {
        match self.node_ids.get(pool) {
            Some(ids) => ids.clone(),
            None => crate::spec::names::predicted_node_ids(spec, pool),
        }
    }
}

pub mod alert_rules;
mod exposure;
pub mod grafana;
mod images;
mod jmx;
mod kafka;
mod kafka_exporter;
pub mod kafka_user;
mod meta;
mod metrics_config;
pub mod namespace;
mod node_pools;
mod prometheus;
pub mod prometheus_config;
pub mod prometheus_operator;
pub mod rebalance;
mod strimzi_common;
mod workload;
mod zoo_entrance;
mod zookeeper_exporter;

pub use images::image_ref;
pub use meta::object_meta;
pub use metrics_config::{KAFKA_METRICS, ZOOKEEPER_METRICS};

/// Render every object of the cluster described by `spec`, in apply order.
/// `spec` must have passed `validate()`.
pub fn render(spec: &ClusterSpec, ctx: &RenderContext) -> Plan {
    let mut plan = Plan::default();
    if ctx.include_namespace {
        plan.push(Wave::Namespace, namespace::namespace(spec));
    }
    if let Some(config_map) = metrics_config::metrics_config_map(spec) {
        plan.push(Wave::Config, config_map);
    }
    for (wave, object) in prometheus::prometheus(spec, ctx) {
        plan.push(wave, object);
    }
    for (wave, object) in grafana::dashboards(spec) {
        plan.push(wave, object);
    }
    plan.push(Wave::Workloads, kafka::kafka(spec, ctx));
    for pool in node_pools::node_pools(spec, ctx) {
        plan.push(Wave::Workloads, pool);
    }
    if let Some(service) = kafka_exporter::kafka_exporter_service(spec) {
        plan.push(Wave::Workloads, service);
    }
    for service in jmx::jmx_services(spec, ctx) {
        plan.push(Wave::Workloads, service);
    }
    for object in zoo_entrance::zoo_entrance(spec) {
        plan.push(Wave::Workloads, object);
    }
    for object in zookeeper_exporter::zookeeper_exporter(spec) {
        plan.push(Wave::Workloads, object);
    }
    for object in prometheus_operator::prometheus_operator(spec) {
        plan.push(Wave::Workloads, object);
    }
    plan.objects.sort_by_key(|o| o.wave);
    plan
}
