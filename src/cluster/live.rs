//! What the guards of a change read from the cluster, in one concurrent
//! round: the node ids each pool runs now (KafkaNodePool status, else the
//! pods), the KafkaTopics' replicas, the data claims and the StorageClasses.
//! Judging is `spec::guards`'; this module also deletes the Pending claims a
//! StorageClass fix replaces, once the user said yes.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, DeleteParams, ListParams};

use super::client::Connection;
use super::errors::{ApiError, Operation, api_error};
use super::resources::{dynamic_api, strimzi};
use super::rollout::pod_group;
use super::volumes::storage_classes;
use crate::spec::guards::{LiveClaim, LiveFacts, LivePool};
use crate::spec::names::{self, STRIMZI_CLUSTER_LABEL};
use crate::spec::scaling::TopicReplicas;
use crate::spec::{ClusterSpec, StrimziApi};

const REMOVE_NODE_IDS: &str = "strimzi.io/remove-node-ids";
const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

/// The live facts, and the StorageClasses (or why they could not be read:
/// only growing a volume needs them, and namespaced users may not list them).
pub struct ChangeFacts {
    pub live: LiveFacts,
    pub classes: Result<Vec<StorageClass>, ApiError>,
}

/// Read what the guards judge a change of the cluster `spec` (the stored spec) by.
pub async fn change_facts(conn: &Connection, api: StrimziApi, spec: &ClusterSpec) -> Result<ChangeFacts, ApiError> {
    let selector = format!("{STRIMZI_CLUSTER_LABEL}={}", spec.name);
    let params = ListParams::default().labels(&selector);
    let pools = async {
        if spec.is_zookeeper() {
            return Ok(Vec::new());
        }
        let Some(resource) = strimzi(api.as_str(), "KafkaNodePool") else {
            return Ok(Vec::new());
        };
        kube::Api::<kube::api::DynamicObject>::namespaced_with(conn.client.clone(), &spec.namespace, &resource)
            .list(&params)
            .await
            .map(|l| l.items)
            .map_err(api_error(Operation::new("list", "KafkaNodePools"), &conn.server))
    };
    let pods = async {
        Api::<Pod>::namespaced(conn.client.clone(), &spec.namespace)
            .list(&params)
            .await
            .map(|l| l.items)
            .map_err(api_error(Operation::new("list", "the cluster's pods"), &conn.server))
    };
    let claims = async {
        Api::<PersistentVolumeClaim>::namespaced(conn.client.clone(), &spec.namespace)
            .list(&params)
            .await
            .map(|l| l.items)
            .map_err(api_error(
                Operation::new("list", "PersistentVolumeClaims"),
                &conn.server,
            ))
    };
    let topics = async {
        let Some(api) = dynamic_api(&conn.client, api.api_version(), "KafkaTopic", Some(&spec.namespace)) else {
            return Vec::new();
        };
        // Topics only sharpen the broker-count guard: a user who may not list
        // them (or a cluster without the CRD) still gets the others.
        api.list(&params).await.map(|l| l.items).unwrap_or_default()
    };
    let (read, topics, classes) = futures::join!(
        async { futures::try_join!(pools, pods, claims) },
        topics,
        storage_classes(conn)
    );
    let (pools, pods, claims) = read?;

    let mut live_pools: BTreeMap<String, LivePool> = BTreeMap::new();
    for pool in &pools {
        let Some(key) = pool.metadata.name.as_deref().and_then(|n| names::pool_key(spec, n)) else {
            continue;
        };
        let Some(ids) = pool.data["status"]["nodeIds"].as_array() else {
            continue;
        };
        live_pools.insert(
            key.to_string(),
            LivePool {
                node_ids: ids.iter().filter_map(|v| v.as_i64()).map(|v| v as i32).collect(),
                remove_node_ids: pool
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(REMOVE_NODE_IDS).cloned()),
            },
        );
    }
    // Pools without a status yet, and ZooKeeper mode's `kafka` group: the pods.
    let mut from_pods: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for pod in &pods {
        let Some(name) = pod.metadata.name.as_deref() else {
            continue;
        };
        let Some(group) = pod_group(spec, name).filter(|g| spec.pools.contains_key(g)) else {
            continue;
        };
        if let Some(id) = name.rsplit('-').next().and_then(|id| id.parse().ok()) {
            from_pods.entry(group).or_default().push(id);
        }
    }
    for (group, mut ids) in from_pods {
        ids.sort_unstable();
        live_pools.entry(group).or_insert(LivePool {
            node_ids: ids,
            remove_node_ids: None,
        });
    }

    let mut live_claims: BTreeMap<String, Vec<LiveClaim>> = BTreeMap::new();
    for claim in &claims {
        let Some(name) = claim.metadata.name.clone() else {
            continue;
        };
        let Some(field) = claim_field(spec, &name) else {
            continue;
        };
        live_claims.entry(field).or_default().push(LiveClaim {
            pending: claim.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending"),
            class: claim.spec.as_ref().and_then(|s| s.storage_class_name.clone()),
            name,
        });
    }

    let default_class = classes.as_ref().ok().and_then(|classes| {
        classes
            .iter()
            .find(|c| {
                c.metadata
                    .annotations
                    .as_ref()
                    .is_some_and(|a| a.get(DEFAULT_CLASS).map(String::as_str) == Some("true"))
            })
            .and_then(|c| c.metadata.name.clone())
    });
    let topics = topics
        .into_iter()
        .filter_map(|t| {
            Some(TopicReplicas {
                replicas: t.data["spec"]["replicas"].as_i64()?,
                name: t.data["spec"]["topicName"]
                    .as_str()
                    .map(str::to_string)
                    .or(t.metadata.name)?,
            })
        })
        .collect();
    Ok(ChangeFacts {
        live: LiveFacts {
            pools: live_pools,
            topics,
            claims: live_claims,
            default_class,
        },
        classes,
    })
}

/// The spec field of the storage a data claim belongs to, from Strimzi's
/// claim names: `data-<pod>` and `data-<volume id>-<pod>`.
fn claim_field(spec: &ClusterSpec, claim: &str) -> Option<String> {
    let rest = claim.strip_prefix("data-")?;
    let jbod = rest
        .split_once('-')
        .filter(|(id, _)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .map(|(_, pod)| pod);
    let group = [Some(rest), jbod]
        .into_iter()
        .flatten()
        .find_map(|pod| pod_group(spec, pod))?;
    Some(match group.as_str() {
        "zookeeper" if spec.is_zookeeper() => "zookeeper.storage".to_string(),
        pool => format!("pools.{pool}.storage"),
    })
}

/// Delete claims by name (Pending ones a StorageClass fix replaces); a claim
/// already gone counts as deleted.
pub async fn delete_claims(conn: &Connection, namespace: &str, claims: &[String]) -> Result<(), ApiError> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), namespace);
    for claim in claims {
        match api.delete(claim, &DeleteParams::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.is_not_found() => {}
            Err(e) => {
                return Err(ApiError::new(
                    e,
                    Operation::new("delete", format!("PersistentVolumeClaim {namespace}/{claim}")),
                    &conn.server,
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;

    #[test]
    fn claims_are_told_apart_by_pool_and_jbod_volume() {
        let mut spec = preset::resolve(&preset::find("production").unwrap()).unwrap();
        spec.name = "c".into();
        assert_eq!(
            claim_field(&spec, "data-c-c-brokers-0").as_deref(),
            Some("pools.brokers.storage")
        );
        assert_eq!(
            claim_field(&spec, "data-0-c-c-controllers-100").as_deref(),
            Some("pools.controllers.storage")
        );
        assert_eq!(claim_field(&spec, "data-c-prometheus-0"), None);
        assert_eq!(claim_field(&spec, "data-other-other-brokers-0"), None);
    }
}
