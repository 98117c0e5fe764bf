//! `ClusterSpec`: kafkactl's own model of one Kafka cluster.
//!
//! This is what presets describe, what flags change, what `validate()` checks,
//! what `render()` turns into Kubernetes objects, and what is stored on the
//! Kafka CR so later commands start from the same truth. Field names are
//! camelCase in YAML/JSON, like Kubernetes objects. Unknown fields are errors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One Kafka cluster as kafkactl understands it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClusterSpec {
    /// Cluster name (the Kafka CR's name, prefix of every derived name).
    pub name: String,
    /// Namespace the cluster lives in.
    pub namespace: String,
    /// Where Kafka keeps its metadata: KRaft controllers or ZooKeeper.
    pub metadata: MetadataMode,
    /// Strimzi API version to render for (`v1` for Strimzi >= 0.49, `v1beta2` for 0.45).
    pub strimzi_api: StrimziApi,
    /// Apache Kafka version, e.g. `4.3.1`.
    pub kafka_version: String,
    /// KRaft `metadataVersion`; derived from the Kafka version when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_version: Option<String>,
    /// Kafka's cluster ID (KRaft): what the brokers and controllers wrote to
    /// their volumes' `meta.properties`. `export` writes it; `create` restores
    /// it as Strimzi documents (Kafka paused, `status.clusterId` set, resumed)
    /// so a cluster re-created on kept volumes starts on them: Kafka refuses
    /// volumes that hold another ID. Unset: Strimzi generates one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    /// Node pools keyed by pool name. ZooKeeper mode has exactly one broker pool named `kafka`.
    pub pools: BTreeMap<String, PoolSpec>,
    /// How the KafkaNodePools (and so Strimzi's pods, claims and Services)
    /// are named after the pool names above.
    pub node_pool_names: NodePoolNames,
    /// Listeners keyed by listener name.
    pub listeners: BTreeMap<String, ListenerSpec>,
    /// Broker configuration (`spec.kafka.config`): key → string, number or bool.
    pub config: BTreeMap<String, ConfigValue>,
    /// ZooKeeper ensemble (ZooKeeper mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zookeeper: Option<ZookeeperSpec>,
    pub kafka_exporter: KafkaExporterSpec,
    pub jmx: JmxSpec,
    pub metrics: MetricsSpec,
    pub zoo_entrance: ZooEntranceSpec,
    pub zookeeper_exporter: ToggleSpec,
    /// Strimzi's Cruise Control (`spec.cruiseControl`), which moves partitions
    /// between brokers; `scale --rebalance` turns it on.
    #[serde(skip_serializing_if = "ToggleSpec::is_off")]
    pub cruise_control: ToggleSpec,
    pub prometheus: PrometheusSpec,
    pub images: ImagesSpec,
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            name: String::new(),
            namespace: DEFAULT_NAMESPACE.to_string(),
            metadata: MetadataMode::Kraft,
            strimzi_api: StrimziApi::V1,
            kafka_version: String::new(),
            metadata_version: None,
            cluster_id: None,
            pools: BTreeMap::new(),
            node_pool_names: NodePoolNames::default(),
            listeners: BTreeMap::new(),
            config: BTreeMap::new(),
            zookeeper: None,
            kafka_exporter: KafkaExporterSpec::default(),
            jmx: JmxSpec::default(),
            metrics: MetricsSpec::default(),
            zoo_entrance: ZooEntranceSpec::default(),
            zookeeper_exporter: ToggleSpec::default(),
            cruise_control: ToggleSpec::default(),
            prometheus: PrometheusSpec::default(),
            images: ImagesSpec::default(),
        }
    }
}

/// The namespace kafkactl uses when none is given (as in the original runbook).
pub const DEFAULT_NAMESPACE: &str = "kafka";

/// Pool name of the brokers in ZooKeeper mode; Strimzi names those pods `<c>-kafka-<n>`.
pub const ZOOKEEPER_MODE_POOL: &str = "kafka";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MetadataMode {
    #[default]
    Kraft,
    Zookeeper,
}

impl MetadataMode {
    pub fn as_str(self) -> &'static str {
        match self {
            MetadataMode::Kraft => "kraft",
            MetadataMode::Zookeeper => "zookeeper",
        }
    }
}

/// How a pool's KafkaNodePool is named. Strimzi names the pool's pods
/// `<cluster>-<KafkaNodePool>-<id>`, and KafkaNodePool names are unique in a
/// namespace, so bare pool names (`brokers`) of two clusters collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NodePoolNames {
    /// `<cluster>-<pool>` (pods `<cluster>-<cluster>-<pool>-<id>`): clusters
    /// can share a namespace. What new clusters get.
    #[default]
    Prefixed,
    /// `<pool>` (pods `<cluster>-<pool>-<id>`): shorter names, one cluster
    /// per namespace with these pool names. Clusters kafkactl created before
    /// it prefixed pool names keep this, since renaming a pool replaces its
    /// pods and volume claims.
    Bare,
}

impl NodePoolNames {
    pub fn as_str(self) -> &'static str {
        match self {
            NodePoolNames::Prefixed => "prefixed",
            NodePoolNames::Bare => "bare",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum StrimziApi {
    #[default]
    #[serde(rename = "v1")]
    V1,
    #[serde(rename = "v1beta2")]
    V1beta2,
}

impl StrimziApi {
    pub fn as_str(self) -> &'static str {
        match self {
            StrimziApi::V1 => "v1",
            StrimziApi::V1beta2 => "v1beta2",
        }
    }

    /// `apiVersion` of Strimzi's `kafka.strimzi.io` resources for this API.
    pub fn api_version(self) -> &'static str {
        match self {
            StrimziApi::V1 => "kafka.strimzi.io/v1",
            StrimziApi::V1beta2 => "kafka.strimzi.io/v1beta2",
        }
    }
}

/// What a node in a pool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Controller,
    Broker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Controller => "controller",
            Role::Broker => "broker",
        }
    }
}

/// One group of identical Kafka nodes (a KafkaNodePool in KRaft mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PoolSpec {
    pub roles: Vec<Role>,
    pub replicas: i32,
    pub resources: Resources,
    pub jvm: JvmSpec,
    pub storage: StorageSpec,
    pub scheduling: SchedulingSpec,
}

impl Default for PoolSpec {
    fn default() -> Self {
        PoolSpec {
            roles: vec![Role::Broker],
            replicas: 3,
            resources: Resources::default(),
            jvm: JvmSpec::default(),
            storage: StorageSpec::default(),
            scheduling: SchedulingSpec::default(),
        }
    }
}

impl PoolSpec {
    pub fn is_broker(&self) -> bool {
        self.roles.contains(&Role::Broker)
    }

    pub fn is_controller(&self) -> bool {
        self.roles.contains(&Role::Controller)
    }
}

/// CPU and memory requests and limits, as Kubernetes quantities (`500m`, `2`, `4Gi`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Resources {
    pub requests: CpuMemory,
    pub limits: CpuMemory,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.limits.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CpuMemory {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

impl CpuMemory {
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }
}

/// JVM heap sizes in Java's syntax (`-Xms`/`-Xmx` values such as `3072m`, `2g`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct JvmSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xms: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xmx: Option<String>,
}

impl JvmSpec {
    pub fn is_empty(&self) -> bool {
        self.xms.is_none() && self.xmx.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StorageType {
    Ephemeral,
    #[default]
    PersistentClaim,
    Jbod,
}

impl StorageType {
    pub fn as_str(self) -> &'static str {
        match self {
            StorageType::Ephemeral => "ephemeral",
            StorageType::PersistentClaim => "persistent-claim",
            StorageType::Jbod => "jbod",
        }
    }
}

/// Storage of one pool. `size`/`class`/`deleteClaim` apply to `persistent-claim`;
/// `jbod` lists its volumes; `ephemeral` may set `size` as the emptyDir size limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StorageSpec {
    #[serde(rename = "type")]
    pub kind: StorageType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub delete_claim: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<JbodVolume>,
}

impl Default for StorageSpec {
    fn default() -> Self {
        // No default size: a persistent claim must say how big it is, and an
        // ephemeral volume merged over this default must not inherit one.
        StorageSpec {
            kind: StorageType::PersistentClaim,
            size: None,
            class: None,
            delete_claim: false,
            volumes: Vec::new(),
        }
    }
}

/// One volume of a JBOD storage (always a persistent claim).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct JbodVolume {
    pub id: i32,
    pub size: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub delete_claim: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AntiAffinity {
    Required,
    #[default]
    Preferred,
    None,
}

/// Where a pool's pods may run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SchedulingSpec {
    pub anti_affinity: AntiAffinity,
    pub topology_key: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
}

impl Default for SchedulingSpec {
    fn default() -> Self {
        SchedulingSpec {
            anti_affinity: AntiAffinity::Preferred,
            topology_key: HOSTNAME_TOPOLOGY_KEY.to_string(),
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
        }
    }
}

pub const HOSTNAME_TOPOLOGY_KEY: &str = "kubernetes.io/hostname";

/// A Kubernetes toleration, in its own field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Toleration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ListenerType {
    /// Strimzi `internal`: headless per-broker addresses inside the cluster.
    #[default]
    Internal,
    /// Strimzi `cluster-ip`: one ClusterIP Service per broker.
    ClusterIp,
    Nodeport,
    Loadbalancer,
    Ingress,
    Route,
}

impl ListenerType {
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerType::Internal => "internal",
            ListenerType::ClusterIp => "cluster-ip",
            ListenerType::Nodeport => "nodeport",
            ListenerType::Loadbalancer => "loadbalancer",
            ListenerType::Ingress => "ingress",
            ListenerType::Route => "route",
        }
    }

    /// Reachable from outside the Kubernetes cluster.
    pub fn is_external(self) -> bool {
        !matches!(self, ListenerType::Internal | ListenerType::ClusterIp)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ListenerAuth {
    #[default]
    None,
    ScramSha512,
    Tls,
}

impl ListenerAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerAuth::None => "none",
            ListenerAuth::ScramSha512 => "scram-sha-512",
            ListenerAuth::Tls => "tls",
        }
    }
}

/// One Kafka listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListenerSpec {
    pub port: i32,
    #[serde(rename = "type")]
    pub kind: ListenerType,
    pub tls: bool,
    pub authentication: ListenerAuth,
    /// Fixed NodePort of the bootstrap Service (nodeport listeners).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_node_port: Option<i32>,
    /// Fixed NodePorts per broker node id (nodeport listeners).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub broker_node_ports: BTreeMap<i32, i32>,
    /// Host name of the bootstrap (ingress/route listeners).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Per-broker host names keyed by node id (ingress/route listeners).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub broker_hosts: BTreeMap<i32, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress_class: Option<String>,
    /// Annotations for the listener's Services (e.g. an internal load balancer).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Client CIDRs allowed in: loadBalancerSourceRanges of a load balancer;
    /// on a nodeport listener, the listener's NetworkPolicy (with the client
    /// address kept by `externalTrafficPolicy: Local`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow_from: Vec<String>,
}

/// A broker configuration value: Strimzi accepts strings, numbers and booleans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConfigValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
}

impl ConfigValue {
    /// Parse a `--config KEY=VALUE` value: booleans and numbers keep their type.
    pub fn parse(text: &str) -> ConfigValue {
        match text {
            "true" => ConfigValue::Bool(true),
            "false" => ConfigValue::Bool(false),
            _ => {
                if let Ok(n) = text.parse::<i64>() {
                    ConfigValue::Int(n)
                } else if let Ok(f) = text.parse::<f64>()
                    && f.is_finite()
                    && text.contains('.')
                {
                    ConfigValue::Float(f)
                } else {
                    ConfigValue::String(text.to_string())
                }
            }
        }
    }

    /// The value as an integer when it is one (or a string holding one).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ConfigValue::Int(n) => Some(*n),
            ConfigValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ConfigValue::Bool(b) => serde_json::Value::Bool(*b),
            ConfigValue::Int(n) => serde_json::Value::from(*n),
            ConfigValue::Float(f) => serde_json::Value::from(*f),
            ConfigValue::String(s) => serde_json::Value::String(s.clone()),
        }
    }
}

impl std::fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigValue::Bool(b) => write!(f, "{b}"),
            ConfigValue::Int(n) => write!(f, "{n}"),
            ConfigValue::Float(x) => write!(f, "{x}"),
            ConfigValue::String(s) => f.write_str(s),
        }
    }
}

/// The ZooKeeper ensemble of a ZooKeeper-mode cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ZookeeperSpec {
    pub replicas: i32,
    pub resources: Resources,
    pub jvm: JvmSpec,
    pub storage: StorageSpec,
    pub scheduling: SchedulingSpec,
}

impl Default for ZookeeperSpec {
    fn default() -> Self {
        ZookeeperSpec {
            replicas: 3,
            resources: Resources::default(),
            jvm: JvmSpec::default(),
            storage: StorageSpec {
                size: Some("50Gi".to_string()),
                ..StorageSpec::default()
            },
            scheduling: SchedulingSpec::default(),
        }
    }
}

/// Strimzi's kafka-exporter (consumer lag and topic metrics), plus our Service for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct KafkaExporterSpec {
    pub enabled: bool,
    pub topic_regex: String,
    pub group_regex: String,
}

impl Default for KafkaExporterSpec {
    fn default() -> Self {
        KafkaExporterSpec {
            enabled: true,
            topic_regex: ".*".to_string(),
            group_regex: ".*".to_string(),
        }
    }
}

/// JMX on the brokers (port 9999), optionally behind per-broker NodePort Services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct JmxSpec {
    pub enabled: bool,
    /// Password authentication (Strimzi creates the credentials Secret).
    pub password_auth: bool,
    /// Per-broker NodePort Services on 9999, selected by `strimzi.io/pod-name`.
    pub node_port_services: bool,
    /// Fixed NodePorts of those Services keyed by broker node id (`export`
    /// writes the allocated ones); Kubernetes picks the others.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub node_ports: BTreeMap<i32, i32>,
}

impl Default for JmxSpec {
    fn default() -> Self {
        JmxSpec {
            enabled: false,
            password_auth: true,
            node_port_services: false,
            node_ports: BTreeMap::new(),
        }
    }
}

/// JMX-exporter metrics (port 9404) for brokers and ZooKeeper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct MetricsSpec {
    pub kafka: bool,
    pub zookeeper: bool,
}

impl Default for MetricsSpec {
    fn default() -> Self {
        MetricsSpec {
            kafka: true,
            zookeeper: true,
        }
    }
}

/// A component that is simply on or off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ToggleSpec {
    pub enabled: bool,
}

/// zoo-entrance, the plain-TCP proxy in front of Strimzi's TLS-only ZooKeeper
/// (ZooKeeper mode), and how far beyond the namespace it is opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ZooEntranceSpec {
    pub enabled: bool,
    /// A Service outside the Kubernetes cluster (`expose … zookeeper`); when
    /// absent, a ClusterIP Service only pods of the namespace may reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expose: Option<ServiceExposure>,
}

/// How a component's Service is opened outside the Kubernetes cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ServiceExposure {
    #[serde(rename = "type")]
    pub kind: ExposureType,
    /// Annotations on the Service, e.g. a cloud's internal-load-balancer annotation.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Client CIDRs allowed in (loadBalancerSourceRanges, and the NetworkPolicy where there is one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow_from: Vec<String>,
    /// Open to anyone who reaches it, on purpose: no internal load balancer, no source ranges.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
    /// A fixed NodePort; Kubernetes picks one when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
}

/// The Service types an exposure uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExposureType {
    #[default]
    Loadbalancer,
    Nodeport,
}

impl ExposureType {
    pub fn as_str(self) -> &'static str {
        match self {
            ExposureType::Loadbalancer => "loadbalancer",
            ExposureType::Nodeport => "nodeport",
        }
    }

    /// The Service's `spec.type`.
    pub fn service_type(self) -> &'static str {
        match self {
            ExposureType::Loadbalancer => "LoadBalancer",
            ExposureType::Nodeport => "NodePort",
        }
    }
}

/// An Ingress in front of an HTTP component (Prometheus' web UI and API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct IngressSpec {
    pub host: String,
    /// `ingressClassName`; the cluster's default class when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Secret with the TLS certificate for the host; plain HTTP when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_secret: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ToggleSpec {
    /// Off: fields that are off by default are left out of the stored spec,
    /// so specs written before the field existed read back unchanged.
    pub fn is_off(&self) -> bool {
        !self.enabled
    }
}

/// kafkactl's own Prometheus for this cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PrometheusSpec {
    pub enabled: bool,
    /// How long samples are kept (Prometheus duration, e.g. `15d`).
    pub retention: String,
    /// Size cap of the TSDB (Prometheus byte size, e.g. `18GB`); derived from the volume when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_size: Option<String>,
    pub storage: PrometheusStorage,
    pub resources: Resources,
    pub image: String,
    /// Who scrapes and alerts: kafkactl's own Prometheus, or a prometheus-operator
    /// already in the cluster (PodMonitors, ServiceMonitors, a PrometheusRule).
    /// Left out of the stored spec when standalone, so older specs stay equal.
    #[serde(skip_serializing_if = "PrometheusMode::is_standalone")]
    pub mode: PrometheusMode,
    /// Labels for the monitoring.coreos.com objects, so that the operator's
    /// Prometheus selects them (e.g. `release: kube-prometheus-stack`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub monitor_labels: BTreeMap<String, String>,
    /// Grafana dashboards as ConfigMaps labelled for Grafana's sidecar.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub grafana_dashboards: bool,
    /// The Service opened outside the cluster (`expose … prometheus --type`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expose: Option<ServiceExposure>,
    /// An Ingress in front of the web UI and API (`expose … prometheus --ingress HOST`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressSpec>,
}

/// Who runs the Prometheus that scrapes a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PrometheusMode {
    /// kafkactl's own Prometheus StatefulSet next to the cluster.
    #[default]
    Standalone,
    /// The prometheus-operator of the Kubernetes cluster, through monitoring.coreos.com objects.
    Operator,
}

impl PrometheusMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PrometheusMode::Standalone => "standalone",
            PrometheusMode::Operator => "operator",
        }
    }

    fn is_standalone(&self) -> bool {
        *self == PrometheusMode::Standalone
    }
}

impl PrometheusSpec {
    /// kafkactl runs its own Prometheus (StatefulSet, volume, Service) for this cluster.
    pub fn standalone(&self) -> bool {
        self.enabled && self.mode == PrometheusMode::Standalone
    }

    /// Monitoring goes through a prometheus-operator's custom resources.
    pub fn operator(&self) -> bool {
        self.enabled && self.mode == PrometheusMode::Operator
    }
}

pub const DEFAULT_PROMETHEUS_IMAGE: &str = "quay.io/prometheus/prometheus:v2.53.2";

impl Default for PrometheusSpec {
    fn default() -> Self {
        PrometheusSpec {
            enabled: true,
            retention: "15d".to_string(),
            retention_size: None,
            storage: PrometheusStorage::default(),
            resources: Resources::default(),
            image: DEFAULT_PROMETHEUS_IMAGE.to_string(),
            mode: PrometheusMode::Standalone,
            monitor_labels: BTreeMap::new(),
            grafana_dashboards: false,
            expose: None,
            ingress: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PrometheusStorage {
    pub size: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

impl Default for PrometheusStorage {
    fn default() -> Self {
        PrometheusStorage {
            size: "20Gi".to_string(),
            class: None,
        }
    }
}

/// Image overrides for air-gapped clusters and custom Kafka builds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ImagesSpec {
    /// A custom Kafka image (an internal build) used instead of Strimzi's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka: Option<String>,
    /// A registry mirror prefix applied to every image kafkactl writes (e.g. `harbor.corp/mirror`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// Secrets used to pull images from a private registry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pull_secrets: Vec<String>,
    /// zoo-entrance proxy image.
    pub zoo_entrance: String,
    /// ZooKeeper exporter image.
    pub zookeeper_exporter: String,
}

pub const DEFAULT_ZOO_ENTRANCE_IMAGE: &str = "ghcr.io/scholzj/zoo-entrance:latest";
pub const DEFAULT_ZOOKEEPER_EXPORTER_IMAGE: &str = "dabealu/zookeeper-exporter:latest";

impl Default for ImagesSpec {
    fn default() -> Self {
        ImagesSpec {
            kafka: None,
            registry: None,
            pull_secrets: Vec::new(),
            zoo_entrance: DEFAULT_ZOO_ENTRANCE_IMAGE.to_string(),
            zookeeper_exporter: DEFAULT_ZOOKEEPER_EXPORTER_IMAGE.to_string(),
        }
    }
}

impl ClusterSpec {
    /// Pools that run brokers, in name order.
    pub fn broker_pools(&self) -> impl Iterator<Item = (&String, &PoolSpec)> {
        self.pools.iter().filter(|(_, p)| p.is_broker())
    }

    /// Pools that run KRaft controllers, in name order.
    pub fn controller_pools(&self) -> impl Iterator<Item = (&String, &PoolSpec)> {
        self.pools.iter().filter(|(_, p)| p.is_controller())
    }

    /// Total number of brokers across all broker pools.
    pub fn broker_count(&self) -> i32 {
        self.broker_pools().map(|(_, p)| p.replicas.max(0)).sum()
    }

    /// Total number of KRaft controllers across all controller pools.
    pub fn controller_count(&self) -> i32 {
        self.controller_pools().map(|(_, p)| p.replicas.max(0)).sum()
    }

    pub fn is_zookeeper(&self) -> bool {
        self.metadata == MetadataMode::Zookeeper
    }

    /// Every fixed NodePort the spec asks for, with what asks for it:
    /// nodeport listeners (bootstrap, per broker), the JMX Services, and the
    /// zoo-entrance and Prometheus exposures.
    pub fn pinned_node_ports(&self) -> Vec<(String, i32)> {
        let mut out = Vec::new();
        for (name, l) in &self.listeners {
            if l.kind != ListenerType::Nodeport {
                continue;
            }
            if let Some(port) = l.bootstrap_node_port {
                out.push((format!("listener {name} bootstrap"), port));
            }
            for (broker, port) in &l.broker_node_ports {
                out.push((format!("listener {name} broker {broker}"), *port));
            }
        }
        if self.jmx.enabled && self.jmx.node_port_services {
            for (broker, port) in &self.jmx.node_ports {
                out.push((format!("JMX of broker {broker}"), *port));
            }
        }
        for (what, exposure) in [
            (
                "zoo-entrance",
                self.zoo_entrance.expose.as_ref().filter(|_| self.zoo_entrance.enabled),
            ),
            (
                "Prometheus",
                self.prometheus.expose.as_ref().filter(|_| self.prometheus.standalone()),
            ),
        ] {
            if let Some(port) = exposure.and_then(|e| e.node_port) {
                out.push((what.to_string(), port));
            }
        }
        out
    }

    /// A broker config value parsed as an integer, when set.
    pub fn config_int(&self, key: &str) -> Option<i64> {
        self.config.get(key).and_then(ConfigValue::as_i64)
    }
}
