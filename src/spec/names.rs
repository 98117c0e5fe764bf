//! Names and labels derived from a cluster name: the one place that knows how
//! kafkactl and Strimzi name the objects of a cluster, so that render, wait,
//! status, delete and the name-length check agree.

use std::collections::BTreeMap;

use super::model::{ClusterSpec, ListenerType, NodePoolNames};

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
/// On a Kafka CR: the operator leaves the cluster alone while it is `"true"`.
pub const PAUSE_RECONCILIATION_ANNOTATION: &str = "strimzi.io/pause-reconciliation";
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
/// Strimzi's name of pool `pool` (a key of `spec.pools`): the KafkaNodePool's
/// name and its pods' `strimzi.io/pool-name`. Strimzi names the pool's pods,
/// StrimziPodSet and per-broker Services after it. ZooKeeper mode has no
/// KafkaNodePool: its one pool is Strimzi's `kafka` group.
pub fn node_pool(spec: &ClusterSpec, pool: &str) -> String {
    match spec.node_pool_names {
        NodePoolNames::Prefixed if !spec.is_zookeeper() => format!("{}-{pool}", spec.name),
        _ => pool.to_string(),
    }
}

/// The key in `spec.pools` of a Strimzi pool name (the inverse of [`node_pool`]).
pub fn pool_key<'a>(spec: &'a ClusterSpec, strimzi_pool: &str) -> Option<&'a str> {
    spec.pools
        .keys()
        .find(|pool| node_pool(spec, pool) == strimzi_pool)
        .map(String::as_str)
}

/// Strimzi's name for a node pool's pods: `<cluster>-<KafkaNodePool>-<id>`.
pub fn pool_pod(spec: &ClusterSpec, pool: &str, node_id: i32) -> String {
    format!("{}-{}-{node_id}", spec.name, node_pool(spec, pool))
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
/// Strimzi's per-broker Service of a listener other than `internal`:
/// `<cluster>-<KafkaNodePool>-<listener>-<id>`.
pub fn broker_listener_service(spec: &ClusterSpec, pool: &str, listener: &str, node_id: i32) -> String {
    format!("{}-{}-{listener}-{node_id}", spec.name, node_pool(spec, pool))
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
/// Strimzi's StrimziPodSet of a node pool (ZooKeeper mode: `<c>-kafka`).
pub fn pod_set(spec: &ClusterSpec, pool: &str) -> String {
    format!("{}-{}", spec.name, node_pool(spec, pool))
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
        let pod = pool_pod(spec, pool, last);
        if spec.jmx.enabled && spec.jmx.node_port_services {
            names.push((jmx_service(&pod), "JMX Service"));
        }
        names.push((pod, "pod host name"));
    }
    for (listener, l) in &spec.listeners {
        names.push((listener_bootstrap_service(c, listener), "listener bootstrap Service"));
        if l.kind != ListenerType::Internal {
            for pool in spec.broker_pools().map(|(name, _)| name) {
                let last = predicted_node_ids(spec, pool).last().copied().unwrap_or(0);
                names.push((
                    broker_listener_service(spec, pool, listener, last),
                    "per-broker listener Service",
                ));
            }
        }
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

/// The longest cluster name with which every derived name of `spec` fits in
/// 63 characters; `None` when the pool and listener names leave no room.
/// A derived name holds the cluster name once, or twice (pods of prefixed
/// pools: `<c>-<c>-<pool>-<id>`), so its length is judged per name.
pub fn longest_cluster_name(spec: &ClusterSpec) -> Option<usize> {
    let with_name = |len: usize| {
        let mut probe = spec.clone();
        probe.name = "a".repeat(len);
        derived_names(&probe)
    };
    with_name(1)
        .iter()
        .zip(with_name(2).iter())
        .map(|((one, _), (two, _))| {
            let per_char = two.len().saturating_sub(one.len()).max(1);
            let fixed = one.len().saturating_sub(per_char);
            MAX_NAME_LEN.saturating_sub(fixed) / per_char
        })
        .min()
        .filter(|max| *max > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MetadataMode;

    fn spec(naming: NodePoolNames) -> ClusterSpec {
        let mut spec = crate::spec::preset::resolve(&crate::spec::preset::find("production").unwrap()).unwrap();
        spec.name = "orders".to_string();
        spec.node_pool_names = naming;
        spec
    }

    #[test]
    fn prefixed_pools_carry_the_cluster_name_twice_in_their_pods() {
        let spec = spec(NodePoolNames::Prefixed);
        assert_eq!(node_pool(&spec, "brokers"), "orders-brokers");
        assert_eq!(pool_pod(&spec, "brokers", 3), "orders-orders-brokers-3");
        assert_eq!(pod_set(&spec, "brokers"), "orders-orders-brokers");
        assert_eq!(pool_key(&spec, "orders-brokers"), Some("brokers"));
        assert_eq!(pool_key(&spec, "brokers"), None, "another cluster's bare pool");
    }

    #[test]
    fn bare_pools_are_named_by_the_pool_alone() {
        let spec = spec(NodePoolNames::Bare);
        assert_eq!(node_pool(&spec, "brokers"), "brokers");
        assert_eq!(pool_pod(&spec, "brokers", 3), "orders-brokers-3");
        assert_eq!(pool_key(&spec, "brokers"), Some("brokers"));
        assert_eq!(pool_key(&spec, "orders-brokers"), None);
    }

    #[test]
    fn zookeeper_mode_brokers_are_strimzis_kafka_group_whatever_the_naming() {
        let mut spec = spec(NodePoolNames::Prefixed);
        spec.metadata = MetadataMode::Zookeeper;
        assert_eq!(node_pool(&spec, "kafka"), "kafka");
        assert_eq!(pool_pod(&spec, "kafka", 0), "orders-kafka-0");
        assert_eq!(pod_set(&spec, "kafka"), "orders-kafka");
    }

    #[test]
    fn the_longest_cluster_name_fits_every_derived_name_and_one_more_does_not() {
        for naming in [NodePoolNames::Prefixed, NodePoolNames::Bare] {
            let mut spec = spec(naming);
            let longest = longest_cluster_name(&spec).unwrap();
            spec.name = "k".repeat(longest);
            assert!(
                derived_names(&spec).iter().all(|(n, _)| n.len() <= MAX_NAME_LEN),
                "{naming:?}"
            );
            spec.name.push('k');
            assert!(
                derived_names(&spec).iter().any(|(n, _)| n.len() > MAX_NAME_LEN),
                "{naming:?}"
            );
        }
        assert!(
            longest_cluster_name(&spec(NodePoolNames::Prefixed)) < longest_cluster_name(&spec(NodePoolNames::Bare))
        );
    }
}
