//! KafkaNodePool custom resources (KRaft mode): one per pool, each pinned to
//! its own node id range so that pod names are known before Strimzi runs.

use serde_json::{Map, Value, json};

use super::RenderContext;
use super::strimzi_common::{PodSelector, jvm_options, pod_template, resources, storage};
use crate::spec::names::{self, Component};
use crate::spec::{ClusterSpec, PoolSpec};

/// Strimzi takes the ids of new nodes from this annotation, in its own
/// syntax: a bracketed list of ids and inclusive ranges, e.g. `[100-199]`.
pub(super) const NEXT_NODE_IDS_ANNOTATION: &str = "strimzi.io/next-node-ids";

/// Every pool's KafkaNodePool; none in ZooKeeper mode, where Strimzi 0.45
/// keeps the brokers in `spec.kafka`.
pub fn node_pools(spec: &ClusterSpec, _ctx: &RenderContext) -> Vec<Value> {
    if spec.is_zookeeper() {
        return Vec::new();
    }
    spec.pools
        .iter()
        .map(|(name, pool)| node_pool(spec, name, pool))
        .collect()
}

fn node_pool(spec: &ClusterSpec, name: &str, pool: &PoolSpec) -> Value {
    json!({
        "apiVersion": spec.strimzi_api.api_version(),
        "kind": "KafkaNodePool",
        "metadata": metadata(spec, name),
        "spec": pool_spec(spec, name, pool),
    })
}

fn metadata(spec: &ClusterSpec, name: &str) -> Value {
    let mut labels = names::common_labels(&spec.name, Component::Kafka);
    labels.insert(names::STRIMZI_CLUSTER_LABEL.to_string(), spec.name.clone());
    let mut metadata = json!({ "name": names::node_pool(spec, name), "namespace": spec.namespace, "labels": labels });
    if let Some(ids) = next_node_ids(spec, name) {
        metadata["annotations"] = json!({ NEXT_NODE_IDS_ANNOTATION: ids });
    }
    metadata
}

/// The `strimzi.io/next-node-ids` value for a pool: its whole id range.
fn next_node_ids(spec: &ClusterSpec, pool: &str) -> Option<String> {
    names::pool_id_range(spec, pool).map(|(first, last)| format!("[{first}-{last}]"))
}

fn pool_spec(spec: &ClusterSpec, name: &str, pool: &PoolSpec) -> Value {
    let mut out = Map::new();
    out.insert("replicas".to_string(), json!(pool.replicas));
    out.insert("roles".to_string(), json!(pool.roles));
    out.insert("storage".to_string(), storage(&pool.storage, true));
    if let Some(resources) = resources(&pool.resources) {
        out.insert("resources".to_string(), resources);
    }
    if let Some(jvm) = jvm_options(&pool.jvm) {
        out.insert("jvmOptions".to_string(), jvm);
    }
    // A pool's template replaces the Kafka CR's template whole, so it
    // carries the pull secrets as well as the scheduling.
    if let Some(pod) = pod_template(spec, &pool.scheduling, &pool_selector(spec, name)) {
        out.insert("template".to_string(), json!({ "pod": pod }));
    }
    Value::Object(out)
}

/// The labels Strimzi puts on one pool's pods: anti-affinity spreads those.
fn pool_selector(spec: &ClusterSpec, pool: &str) -> PodSelector {
    PodSelector::from([
        (names::STRIMZI_CLUSTER_LABEL.to_string(), spec.name.clone()),
        (names::STRIMZI_POOL_LABEL.to_string(), names::node_pool(spec, pool)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{AntiAffinity, MetadataMode, Role};

    fn spec_with_pools(pools: &[(&str, &[Role], i32)]) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "c".into(),
            ..ClusterSpec::default()
        };
        for (name, roles, replicas) in pools {
            spec.pools.insert(
                name.to_string(),
                PoolSpec {
                    roles: roles.to_vec(),
                    replicas: *replicas,
                    ..PoolSpec::default()
                },
            );
        }
        spec
    }

    fn annotation(pool: &Value) -> &str {
        pool["metadata"]["annotations"][NEXT_NODE_IDS_ANNOTATION]
            .as_str()
            .unwrap()
    }

    #[test]
    fn each_pool_gets_its_own_next_node_ids_range_in_name_order() {
        let spec = spec_with_pools(&[("brokers", &[Role::Broker], 3), ("controllers", &[Role::Controller], 3)]);
        let pools = node_pools(&spec, &RenderContext::offline());
        let ranges: Vec<(&str, &str)> = pools
            .iter()
            .map(|p| (p["metadata"]["name"].as_str().unwrap(), annotation(p)))
            .collect();
        assert_eq!(ranges, vec![("c-brokers", "[0-99]"), ("c-controllers", "[100-199]")]);
    }

    #[test]
    fn zookeeper_mode_has_no_node_pools() {
        let mut spec = spec_with_pools(&[("kafka", &[Role::Broker], 3)]);
        spec.metadata = MetadataMode::Zookeeper;
        assert!(node_pools(&spec, &RenderContext::offline()).is_empty());
    }

    #[test]
    fn pool_carries_cluster_label_roles_and_replicas() {
        let spec = spec_with_pools(&[("dual", &[Role::Controller, Role::Broker], 1)]);
        let pool = &node_pools(&spec, &RenderContext::offline())[0];
        assert_eq!(pool["metadata"]["labels"]["strimzi.io/cluster"], json!("c"));
        assert_eq!(
            pool["metadata"]["labels"][names::MANAGED_BY_LABEL],
            json!(names::MANAGED_BY)
        );
        assert_eq!(pool["spec"]["roles"], json!(["controller", "broker"]));
        assert_eq!(pool["spec"]["replicas"], json!(1));
    }

    #[test]
    fn pool_anti_affinity_selects_the_pools_own_pods() {
        let mut spec = spec_with_pools(&[("brokers", &[Role::Broker], 3)]);
        spec.pools.get_mut("brokers").unwrap().scheduling.anti_affinity = AntiAffinity::Required;
        let pool = &node_pools(&spec, &RenderContext::offline())[0];
        let term = &pool["spec"]["template"]["pod"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            [0];
        assert_eq!(
            term["labelSelector"]["matchLabels"],
            json!({ "strimzi.io/cluster": "c", "strimzi.io/pool-name": "c-brokers" })
        );
        assert_eq!(term["topologyKey"], json!("kubernetes.io/hostname"));
    }

    #[test]
    fn pool_template_carries_pull_secrets_because_it_replaces_the_kafka_template() {
        let mut spec = spec_with_pools(&[("brokers", &[Role::Broker], 3)]);
        spec.images.pull_secrets = vec!["regcred".into()];
        let pool = &node_pools(&spec, &RenderContext::offline())[0];
        assert_eq!(
            pool["spec"]["template"]["pod"]["imagePullSecrets"],
            json!([{ "name": "regcred" }])
        );
    }
}
