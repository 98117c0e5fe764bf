//! Re-creating a KRaft cluster on kept volumes. Kafka's brokers and
//! controllers refuse log directories whose `meta.properties` holds another
//! cluster ID, and Strimzi generates a new ID for a new Kafka resource unless
//! it finds one in `status.clusterId`. So `create` restores the ID the way
//! Strimzi documents for recovering a cluster from its volumes: the Kafka is
//! created with `strimzi.io/pause-reconciliation: "true"`, `status.clusterId`
//! is set through the status subresource once the operator has seen the
//! pause, then the pause is lifted — all before any broker starts. Without a
//! known ID, a `create` that would re-attach such volumes is refused.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::ResourceExt;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::runtime::wait::await_condition;
use serde_json::{Value, json};

use super::client::Connection;
use super::errors::{ApiError, Operation, api_error};
use super::resources::dynamic_api;
use crate::render::Plan;
use crate::spec::names::{self, CLUSTER_LABEL, FIELD_MANAGER, PAUSE_RECONCILIATION_ANNOTATION, STRIMZI_CLUSTER_LABEL};
use crate::spec::{ClusterSpec, StorageType};

/// Why `create` may not go on with the volumes it would re-attach. The facts only; the
/// commands that fix it are named at the command edge (`crate::error`).
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The spec's clusterId is not the existing cluster's: a cluster's ID never changes.
    #[error(
        "clusterId {wanted} in the spec is not the cluster ID of the existing cluster \"{cluster}\" ({live}); nothing was changed"
    )]
    ClusterIdMismatch {
        cluster: String,
        wanted: String,
        live: String,
    },
    /// Kept KRaft volumes would be re-attached, and the spec has no clusterId for them.
    #[error(
        "cluster \"{cluster}\" would re-attach {} kept data volume(s) ({}), formatted with the cluster ID of the cluster they \
         belonged to; the spec has no clusterId, so Strimzi would make a new one and Kafka would refuse to start on \
         them (Invalid cluster.id); nothing was created",
        .claims.len(),
        .claims.join(", ")
    )]
    KeptVolumesWithoutId {
        cluster: String,
        namespace: String,
        claims: Vec<String>,
    },
}

/// Why restoring the cluster ID stopped. Unless the Kafka went away, it stays paused and
/// no broker has started, so running the same `create` again finishes the restore.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("kafkactl does not know how to change Kafka {namespace}/{name}")]
    UnknownKind { namespace: String, name: String },
    #[error("Kafka {namespace}/{name} went away")]
    KafkaGone { namespace: String, name: String },
    #[error("cannot watch Kafka {namespace}/{name}: {source}")]
    WatchFailed {
        namespace: String,
        name: String,
        #[source]
        source: kube::runtime::wait::Error,
    },
    /// The operator did not acknowledge the pause in time.
    #[error("the Strimzi operator did not report Kafka {namespace}/{name} paused within {}s, so its cluster ID could not be restored", .waited.as_secs())]
    NotPaused {
        namespace: String,
        name: String,
        waited: std::time::Duration,
    },
    #[error(
        "status.clusterId of Kafka {namespace}/{name} did not keep {cluster_id} (something else writes the status)"
    )]
    StatusNotKept {
        namespace: String,
        name: String,
        cluster_id: String,
    },
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// A cluster ID to restore before the brokers start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub cluster_id: String,
}

/// Before `create` applies anything: refuse to re-attach kept KRaft volumes
/// without their cluster ID, refuse a spec whose ID is not the existing
/// cluster's, and when an ID must be restored, create the Kafka paused
/// (the annotation goes into `plan`). `existing` is the Kafka CR, if any.
pub async fn prepare(
    conn: &Connection,
    spec: &ClusterSpec,
    existing: Option<&Value>,
    plan: &mut Plan,
) -> Result<Option<Restore>, RecoveryError> {
    if spec.is_zookeeper() {
        // ZooKeeper keeps the cluster ID (on its own kept volumes).
        return Ok(None);
    }
    let live_id = existing
        .and_then(|k| k["status"]["clusterId"].as_str())
        .filter(|id| !id.is_empty());
    match (&spec.cluster_id, live_id, existing) {
        (Some(wanted), Some(live), _) if wanted != live => Err(RecoveryError::ClusterIdMismatch {
            cluster: spec.name.clone(),
            wanted: wanted.clone(),
            live: live.to_string(),
        }),
        (Some(_), Some(_), _) => Ok(None),
        (Some(wanted), None, _) => {
            pause_in_plan(plan, &spec.name);
            Ok(Some(Restore {
                cluster_id: wanted.clone(),
            }))
        }
        (None, _, Some(_)) => Ok(None),
        (None, _, None) => {
            // No claims to find in a namespace the plan creates, nor for pools without volumes.
            let new_namespace = plan.objects.iter().any(|o| o.kind() == "Namespace");
            let persistent = spec.pools.values().any(|p| p.storage.kind != StorageType::Ephemeral);
            if new_namespace || !persistent {
                return Ok(None);
            }
            let kept = kept_claims(conn, spec).await?;
            if kept.is_empty() {
                Ok(None)
            } else {
                Err(RecoveryError::KeptVolumesWithoutId {
                    cluster: spec.name.clone(),
                    namespace: spec.namespace.clone(),
                    claims: kept,
                })
            }
        }
    }
}

/// After the apply: set `status.clusterId` once the operator has seen the
/// pause, check it stuck, and lift the pause.
pub async fn restore(
    conn: &Connection,
    api_version: &str,
    spec: &ClusterSpec,
    restore: &Restore,
    timeout: std::time::Duration,
) -> Result<(), RestoreError> {
    let (ns, name) = (spec.namespace.as_str(), spec.name.as_str());
    let (namespace, owned_name) = (ns.to_string(), name.to_string());
    let target = format!("Kafka {ns}/{name}");
    let api: Api<DynamicObject> =
        dynamic_api(&conn.client, api_version, "Kafka", Some(ns)).ok_or_else(|| RestoreError::UnknownKind {
            namespace: namespace.clone(),
            name: owned_name.clone(),
        })?;
    // Strimzi acknowledges a pause with the ReconciliationPaused condition;
    // from then on it keeps the status it finds, so the ID written next stays.
    let paused = |k: Option<&DynamicObject>| k.is_some_and(|k| has_condition(&k.data, "ReconciliationPaused"));
    match tokio::time::timeout(timeout, await_condition(api.clone(), name, paused)).await {
        Ok(Ok(Some(_))) => {}
        Ok(Ok(None)) => {
            return Err(RestoreError::KafkaGone {
                namespace,
                name: owned_name,
            });
        }
        Ok(Err(source)) => {
            return Err(RestoreError::WatchFailed {
                namespace,
                name: owned_name,
                source,
            });
        }
        Err(_) => {
            return Err(RestoreError::NotPaused {
                namespace,
                name: owned_name,
                waited: timeout,
            });
        }
    }
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    };
    let patch = json!({"status": {"clusterId": restore.cluster_id}});
    let fail = |verb: &'static str| api_error(Operation::new(verb, target.clone()), &conn.server);
    let mut restored = false;
    // The operator may write the paused status at the same moment; a lost
    // write shows on reading back, and is made again.
    for _ in 0..5 {
        api.patch_status(name, &params, &Patch::Merge(&patch))
            .await
            .map_err(fail("set status.clusterId of"))?;
        let now = api.get(name).await.map_err(fail("get"))?;
        if now.data["status"]["clusterId"].as_str() == Some(restore.cluster_id.as_str()) {
            restored = true;
            break;
        }
    }
    if !restored {
        return Err(RestoreError::StatusNotKept {
            namespace,
            name: owned_name,
            cluster_id: restore.cluster_id.clone(),
        });
    }
    super::rollout::annotate(
        conn,
        api_version,
        "Kafka",
        ns,
        name,
        PAUSE_RECONCILIATION_ANNOTATION,
        None,
    )
    .await
    .map_err(RestoreError::Api)
}

fn has_condition(kafka: &Value, kind: &str) -> bool {
    kafka["status"]["conditions"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["type"] == kind && c["status"] == "True"))
}

fn pause_in_plan(plan: &mut Plan, cluster: &str) {
    for object in &mut plan.objects {
        if object.kind() == "Kafka" && object.name() == cluster {
            object.object["metadata"]["annotations"][PAUSE_RECONCILIATION_ANNOTATION] = json!("true");
        }
    }
}

/// Claims of the namespace with the names this spec's KafkaNodePools give
/// their volumes: what a new Kafka would re-attach.
async fn kept_claims(conn: &Connection, spec: &ClusterSpec) -> Result<Vec<String>, ApiError> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), &spec.namespace);
    let claims = api.list(&ListParams::default()).await.map_err(api_error(
        Operation::new("list", "PersistentVolumeClaims"),
        &conn.server,
    ))?;
    let pools: BTreeSet<String> = spec.pools.keys().map(|p| names::node_pool(spec, p)).collect();
    let mut out: Vec<String> = claims
        .items
        .iter()
        .filter(|c| !labelled_for_other(c, &spec.name))
        .map(|c| c.name_any())
        .filter(|claim| pools.iter().any(|pool| is_pool_claim(claim, &spec.name, pool)))
        .collect();
    out.sort();
    Ok(out)
}

fn labelled_for_other(claim: &PersistentVolumeClaim, cluster: &str) -> bool {
    [STRIMZI_CLUSTER_LABEL, CLUSTER_LABEL]
        .iter()
        .any(|key| claim.labels().get(*key).is_some_and(|v| v != cluster))
}

/// Strimzi's claim names of a node pool's nodes: `data-<c>-<pool>-<id>` and
/// (JBOD) `data-<volume>-<c>-<pool>-<id>`.
pub fn is_pool_claim(claim: &str, cluster: &str, pool: &str) -> bool {
    let Some(rest) = claim.strip_prefix("data-") else {
        return false;
    };
    let rest = match rest.split_once('-') {
        Some((volume, tail)) if !volume.is_empty() && volume.bytes().all(|b| b.is_ascii_digit()) => {
            if tail.starts_with(&format!("{cluster}-{pool}-")) {
                tail
            } else {
                rest
            }
        }
        _ => rest,
    };
    rest.strip_prefix(&format!("{cluster}-{pool}-"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_claims_are_recognised_with_and_without_a_jbod_volume_id() {
        for yes in [
            "data-c1-c1-brokers-0",
            "data-0-c1-c1-brokers-12",
            "data-7-c1-c1-brokers-3",
        ] {
            assert!(is_pool_claim(yes, "c1", "c1-brokers"), "{yes}");
        }
        for no in [
            "data-c1-c1-brokers-",
            "data-c1-c1-brokers-x",
            "data-c1-prometheus-0",
            "data-c1-c1-brokers-extra-0",
            "data-c2-c1-brokers-0",
            "logs-c1-c1-brokers-0",
        ] {
            assert!(!is_pool_claim(no, "c1", "c1-brokers"), "{no}");
        }
    }

    #[test]
    fn the_kafka_is_created_paused_when_an_id_is_restored() {
        let mut spec = crate::spec::build("c1", "dev", &Default::default()).unwrap().0;
        spec.cluster_id = Some("AAAAAAAAAAAAAAAAAAAAAA".into());
        let mut plan = crate::render::render(&spec, &crate::render::RenderContext::offline());
        pause_in_plan(&mut plan, "c1");
        let kafka = plan.objects.iter().find(|o| o.kind() == "Kafka").unwrap();
        assert_eq!(
            kafka.object["metadata"]["annotations"][PAUSE_RECONCILIATION_ANNOTATION],
            "true"
        );
        let pools = plan.objects.iter().filter(|o| o.kind() == "KafkaNodePool");
        assert!(pools.into_iter().all(|p| {
            p.object["metadata"]["annotations"]
                .get(PAUSE_RECONCILIATION_ANNOTATION)
                .is_none()
        }));
    }
}
