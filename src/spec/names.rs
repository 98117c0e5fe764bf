//! Names and labels derived from a cluster name: the one place that knows how
//! kafkactl and Strimzi name the objects of a cluster, so that render, wait,
//! status, delete and the name-length check agree.

use std::collections::BTreeMap;

use super::model::ClusterSpec;

/// Label every kafkactl object carries (`app.kubernetes.io/managed-by`).
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "kafkactl";
/// Label naming the Kafka cluster an object belongs to.
pub const CLUSTER_LABEL: &str = "kafkactl.io/cluster";
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
pub const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";

/// Annotation on the Kafka CR holding the applied ClusterSpec as JSON.
pub const SPEC_ANNOTATION: &str = "kafkactl.io/spec";
/// The server-side apply field manager of every kafkactl write.
pub const FIELD_MANAGER: &str = "kafkactl";

/// Strimzi's labels on the pods it makes.
pub const STRIMZI_CLUSTER_LABEL: &str = "strimzi.io/cluster";
pub const STRIMZI_KIND_LABEL: &str = "strimzi.io/kind";
pub const STRIMZI_NAME_LABEL: &str = "strimzi.io/name";
pub const STRIMZI_POOL_LABEL: &str = "strimzi.io/pool-name";
pub const STRIMZI_POD_NAME_LABEL: &str = "strimzi.io/pod-name";
pub const STRIMZI_BROKER_ROLE_LABEL: &str = "strimzi.io/broker-role";
pub const STRIMZI_CONTROLLER_ROLE_LABEL: &str = "strimzi.io/controller-role";

/// Longest name Kubernetes accepts for Services, labels and pod host names.
pub const MAX_NAME_LEN: usize = 63;

/// The components kafkactl itself deploys next to Strimzi's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    Kafka,
    Metrics,
    KafkaExporter,
    Jmx,
    ZooEntrance,
    ZookeeperExporter,
    Prometheus,
}

impl Component {
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Kafka => "kafka",
            Component::Metrics => "metrics",
            Component::KafkaExporter => "kafka-exporter",
            Component::Jmx => "jmx",
            Component::ZooEntrance => "zoo-entrance",
            Component::ZookeeperExporter => "zookeeper-exporter",
            Component::Prometheus => "prometheus",
        }
    }
}

/// The labels every kafkactl object of `cluster` carries.
pub fn common_labels(cluster: &str, component: Component) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string()),
        (PART_OF_LABEL.to_string(), "kafka".to_string()),
        (CLUSTER_LABEL.to_string(), cluster.to_string()),
        (INSTANCE_LABEL.to_string(), cluster.to_string()),
        (NAME_LABEL.to_string(), component.as_str().to_string()),
        (COMPONENT_LABEL.to_string(), component.as_str().to_string()),
    ])
}

/// Labels that select the pods of one of kafkactl's own components.
pub fn selector_labels(cluster: &str, component: Component) -> BTreeMap<String, String> {
    BTreeMap::from([
        (CLUSTER_LABEL.to_string(), cluster.to_string()),
        (NAME_LABEL.to_string(), component.as_str().to_string()),
    ])
}

/// Label selector (as a string) that finds every kafkactl object of a cluster.
pub fn cluster_selector(cluster: &str) -> String {
    format!("{MANAGED_BY_LABEL}={MANAGED_BY},{CLUSTER_LABEL}={cluster}")
}

pub fn metrics_config_map(cluster: &str) -> String {
    format!("{cluster}-kafka-metrics")
}
pub fn kafka_exporter_service(cluster: &str) -> String {
    format!("{cluster}-kafka-exporter")
}
/// Strimzi's kafka-exporter Deployment (and its pods' `strimzi.io/name`).
pub fn kafka_exporter_deployment(cluster: &str) -> String {
    format!("{cluster}-kafka-exporter")
}
pub fn entity_operator_deployment(cluster: &str) -> String {
    format!("{cluster}-entity-operator")
}
/// Per-broker JMX NodePort Service, named after the broker pod it selects.
pub fn jmx_service(pod: &str) -> String {
    format!("{pod}-jmx")
}
/// Strimzi's Secret with the JMX username and password.
pub fn jmx_secret(cluster: &str) -> String {
    format!("{cluster}-kafka-jmx")
}
pub fn zoo_entrance(cluster: &str) -> String {
    format!("{cluster}-zoo-entrance")
}
pub fn zookeeper_exporter(cluster: &str) -> String {
    format!("{cluster}-zookeeper-exporter")
}
pub fn prometheus(cluster: &str) -> String {
    format!("{cluster}-prometheus")
}
pub fn prometheus_config(cluster: &str) -> String {
    format!("{cluster}-prometheus-config")
}
pub fn prometheus_rules(cluster: &str) -> String {
    format!("{cluster}-prometheus-rules")
}
/// ConfigMap holding one Grafana dashboard (`kafka`, `zookeeper`) of a cluster.
pub fn grafana_dashboard(cluster: &str, dashboard: &str) -> String {
    format!("{cluster}-grafana-{dashboard}")
}
/// The volume claim of kafkactl's Prometheus pod: StatefulSet claim template
/// `data`, pod ordinal 0. Kept when Prometheus is removed, unless asked.
pub fn prometheus_data_claim(cluster: &str) -> String {
    format!("data-{}-0", prometheus(cluster))
}
/// Strimzi's name for a node pool's pods: `<cluster>-<pool>-<id>`.
pub fn pool_pod(cluster: &str, pool: &str, node_id: i32) -> String {
    format!("{cluster}-{pool}-{node_id}")
}
pub fn zookeeper_pod(cluster: &str, index: i32) -> String {
    format!("{cluster}-zookeeper-{index}")
}
pub fn zookeeper_client_service(cluster: &str) -> String {
    format!("{cluster}-zookeeper-client")
}
pub fn bootstrap_service(cluster: &str) -> String {
    format!("{cluster}-kafka-bootstrap")
}
pub fn brokers_service(cluster: &str) -> String {
    format!("{cluster}-kafka-brokers")
}
pub fn listener_bootstrap_service(cluster: &str, listener: &str) -> String {
    format!("{cluster}-kafka-{listener}-bootstrap")
}
pub fn cluster_ca_cert_secret(cluster: &str) -> String {
    format!("{cluster}-cluster-ca-cert")
}
pub fn cluster_operator_certs_secret(cluster: &str) -> String {
    format!("{cluster}-cluster-operator-certs")
}
/// Strimzi's `strimzi.io/name` for the broker pods of every pool.
pub fn kafka_pods_name(cluster: &str) -> String {
    format!("{cluster}-kafka")
}
pub fn zookeeper_pods_name(cluster: &str) -> String {
    format!("{cluster}-zookeeper")
}
/// The KafkaRebalance `scale --rebalance` creates, per mode (`add-brokers`, `remove-brokers`).
pub fn rebalance(cluster: &str, mode: &str) -> String {
    format!("{cluster}-{mode}")
}
/// Strimzi's StrimziPodSet of a node pool (ZooKeeper mode: `<c>-kafka`, `<c>-zookeeper`).
pub fn pod_set(cluster: &str, pool: &str) -> String {
    format!("{cluster}-{pool}")
}

/// Node ids a pool gets: kafkactl pins each pool to its own id range with
/// Strimzi's `strimzi.io/next-node-ids` annotation so ids are known before
/// the operator runs (JMX Services name pods by id). Pool `k` (in name order)
/// owns `[k*100, k*100+99]`; ZooKeeper mode has one pool, ids `0..n`.
pub fn pool_id_range(spec: &ClusterSpec, pool: &str) -> Option<(i32, i32)> {
    let index = spec.pools.keys().position(|name| name == pool)? as i32;
    Some((index * POOL_ID_RANGE, index * POOL_ID_RANGE + POOL_ID_RANGE - 1))
}

/// How many node ids each pool owns, and so the most replicas a pool can have.
pub const POOL_ID_RANGE: i32 = 100;

/// The node ids kafkactl expects a pool to have when nothing else is known.
pub fn predicted_node_ids(spec: &ClusterSpec, pool: &str) -> Vec<i32> {
    let (Some((first, _)), Some(pool_spec)) = (pool_id_range(spec, pool), spec.pools.get(pool)) else {
        return Vec::new();
    };
    (first..first.saturating_add(pool_spec.replicas.clamp(0, POOL_ID_RANGE))).collect()
}

/// Every name derived from the cluster name that must fit in 63 characters,
/// with what it names, for the name-length check.
pub fn derived_names(spec: &ClusterSpec) -> Vec<(String, &'static str)> {
    let c = spec.name.as_str();
    let mut names = vec![
        (bootstrap_service(c), "Strimzi bootstrap Service"),
        (brokers_service(c), "Strimzi brokers Service"),
        (entity_operator_deployment(c), "Strimzi entity operator"),
        (
            cluster_operator_certs_secret(c),
            "Strimzi cluster-operator certs Secret",
        ),
        (kafka_exporter_service(c), "kafka-exporter Service"),
        (metrics_config_map(c), "metrics ConfigMap"),
    ];
    for pool in spec.pools.keys() {
        let last = predicted_node_ids(spec, pool).last().copied().unwrap_or(0);
        let pod = pool_pod(c, pool, last);
        if spec.jmx.enabled && spec.jmx.node_port_services {
            names.push((jmx_service(&pod), "JMX Service"));
        }
        names.push((pod, "pod host name"));
    }
    for listener in spec.listeners.keys() {
        names.push((listener_bootstrap_service(c, listener), "listener bootstrap Service"));
    }
    if spec.is_zookeeper() {
        names.push((zookeeper_client_service(c), "Strimzi ZooKeeper client Service"));
        names.push((zoo_entrance(c), "zoo-entrance"));
        names.push((zookeeper_exporter(c), "ZooKeeper exporter"));
    }
    if spec.prometheus.standalone() {
        // StatefulSet pods carry `controller-revision-hash: <sts>-<10 chars>`, a label value.
        names.push((
            format!("{}-0123456789", prometheus(c)),
            "Prometheus StatefulSet revision label",
        ));
        names.push((prometheus_config(c), "Prometheus ConfigMap"));
    }
    names
}
