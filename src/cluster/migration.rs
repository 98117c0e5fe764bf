//! The API side of `kafkactl migrate`: the Kafka's annotations that drive
//! Strimzi's ZooKeeper → KRaft migration, and the wait for each metadata
//! state on the one wait engine (`watch`).

use std::time::Duration;

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::runtime::reflector::Store;
use kube::runtime::watcher;
use serde_json::{Value, json};

use super::client::Connection;
use super::errors::{ApiError, Operation};
use super::resources::strimzi;
use super::watch::{Check, Stalled, WaitError, Watches};
use crate::spec::migration::MetadataState;
use crate::spec::names::FIELD_MANAGER;

/// What a migration wait shows: the metadata state, whether the Kafka is
/// Ready, and how many of the cluster's pods were rolled since the wait began.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationView {
    pub state: String,
    pub ready: bool,
    pub rolled: usize,
    pub pods: usize,
}

/// The Kafka CR `namespace/name` at `version` (`v1beta2` on Strimzi 0.45).
pub struct KafkaHandle {
    conn: Connection,
    api: Api<DynamicObject>,
    resource: kube::api::ApiResource,
    pub namespace: String,
    pub name: String,
}

impl KafkaHandle {
    pub fn new(conn: &Connection, version: &str, namespace: &str, name: &str) -> Option<Self> {
        let resource = strimzi(version, "Kafka")?;
        Some(KafkaHandle {
            conn: conn.clone(),
            api: Api::namespaced_with(conn.client.clone(), namespace, &resource),
            resource,
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Set (or with `None` remove) annotations on the Kafka; a merge patch,
    /// so nothing else of the object changes hands.
    pub async fn annotate(&self, annotations: &[(&str, Option<&str>)]) -> Result<(), ApiError> {
        let values: serde_json::Map<String, Value> = annotations
            .iter()
            .map(|(key, value)| {
                (
                    key.to_string(),
                    value.map_or(Value::Null, |v| Value::String(v.to_string())),
                )
            })
            .collect();
        let patch = json!({"metadata": {"annotations": values}});
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        };
        self.api
            .patch(&self.name, &params, &Patch::Merge(&patch))
            .await
            .map(|_| ())
            .map_err(|e| {
                ApiError::new(
                    e,
                    Operation::new("annotate", format!("Kafka {}", self.id())),
                    &self.conn.server,
                )
            })
    }

    /// The KafkaNodePools of this cluster (label `strimzi.io/cluster`).
    pub async fn node_pools(&self) -> Result<Vec<Value>, ApiError> {
        let Some(resource) = strimzi(&self.resource.version, "KafkaNodePool") else {
            return Ok(Vec::new());
        };
        let api: Api<DynamicObject> = Api::namespaced_with(self.conn.client.clone(), &self.namespace, &resource);
        let params = ListParams::default().labels(&format!("strimzi.io/cluster={}", self.name));
        match api.list(&params).await {
            Ok(list) => Ok(list
                .items
                .into_iter()
                .filter_map(|o| serde_json::to_value(o).ok())
                .collect()),
            Err(kube::Error::Api(status)) if super::errors::is_not_found(&status) => Ok(Vec::new()),
            Err(e) => Err(ApiError::new(
                e,
                Operation::new("list", format!("KafkaNodePools of {}", self.id())),
                &self.conn.server,
            )),
        }
    }

    /// Delete one KafkaNodePool (a rollback removes the controllers).
    pub async fn delete_node_pool(&self, pool: &str) -> Result<(), ApiError> {
        let Some(resource) = strimzi(&self.resource.version, "KafkaNodePool") else {
            return Ok(());
        };
        let api: Api<DynamicObject> = Api::namespaced_with(self.conn.client.clone(), &self.namespace, &resource);
        match api.delete(pool, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if super::errors::is_not_found(&status) => Ok(()),
            Err(e) => Err(ApiError::new(
                e,
                Operation::new("delete", format!("KafkaNodePool {}/{pool}", self.namespace)),
                &self.conn.server,
            )),
        }
    }

    /// Wait until Strimzi reports `until` (or, going forward, a later state)
    /// and the Kafka is Ready for its current generation; a rollback
    /// (`backwards`) waits for exactly `until`. Strimzi's refusals end the
    /// wait when `refusals_fatal`; right after a step starts they can be
    /// stale (the controller pool is refused until the annotation is seen); `on_state` hears each new state.
    /// A NotReady condition whose reason is an invalid resource or
    /// configuration is Strimzi refusing the step: it ends the wait.
    pub async fn wait_for_state(
        &self,
        until: MetadataState,
        backwards: bool,
        refusals_fatal: bool,
        timeout: Duration,
        mut on_change: impl FnMut(&MigrationView),
    ) -> Result<Value, WaitError> {
        let mut watches = Watches::new(&self.conn);
        let kafka = watches.object(self.api.clone(), &self.resource, Some(&self.namespace), &self.name);
        let pods: Store<Pod> = watches.store(
            Api::namespaced(self.conn.client.clone(), &self.namespace),
            (),
            Some(&self.namespace),
            watcher::Config::default().labels(&format!("strimzi.io/cluster={}", self.name)),
        );
        let stalled = |state: &str| Stalled::Migration {
            cluster: self.id(),
            wanted: until.as_str().to_string(),
            state: state.to_string(),
        };
        // The pods as this wait first saw them: one Ready under a new uid was rolled.
        let mut first_seen: Option<BTreeSet<String>> = None;
        let mut last = MigrationView::default();
        watches
            .until(timeout, stalled("unknown"), || {
                let Some(object) = kafka.get().and_then(|o| serde_json::to_value(o).ok()) else {
                    return Check::Waiting(stalled(&last.state));
                };
                let state_text = object["status"]["kafkaMetadataState"]
                    .as_str()
                    .unwrap_or("unknown")
                    .to_string();
                let now: Vec<(String, bool)> = pods
                    .state()
                    .iter()
                    .filter(|p| p.labels().get("strimzi.io/kind").is_some_and(|k| k == "Kafka"))
                    .map(|p| (p.uid().unwrap_or_default(), crate::cluster::readiness::pod_ready(p)))
                    .collect();
                let initial = first_seen.get_or_insert_with(|| now.iter().map(|(uid, _)| uid.clone()).collect());
                let view = MigrationView {
                    state: state_text.clone(),
                    ready: ready_now(&object),
                    rolled: now.iter().filter(|(uid, up)| *up && !initial.contains(uid)).count(),
                    pods: now.len(),
                };
                if view != last {
                    on_change(&view);
                    last = view;
                }
                if let Some(message) = refused(&object).filter(|_| refusals_fatal) {
                    return Check::Stop(WaitError::MigrationRefused {
                        cluster: self.id(),
                        message,
                    });
                }
                match MetadataState::parse(&state_text) {
                    Some(state) if last.ready && (state == until || (!backwards && state > until)) => {
                        Check::Done(object)
                    }
                    _ => Check::Waiting(stalled(&state_text)),
                }
            })
            .await
    }
}

/// Ready, and for the generation the spec is at (as `kubectl wait` judges it).
fn ready_now(kafka: &Value) -> bool {
    let generation = kafka["metadata"]["generation"].as_i64().unwrap_or(0);
    let observed = kafka["status"]["observedGeneration"].as_i64().unwrap_or(-1);
    observed >= generation && condition(kafka, "Ready") == Some("True")
}

fn condition<'a>(kafka: &'a Value, kind: &str) -> Option<&'a str> {
    kafka["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
        .and_then(|c| c["status"].as_str())
}

/// Strimzi's refusal of a step: NotReady with an invalid-resource or
/// invalid-configuration reason, for the current generation.
fn refused(kafka: &Value) -> Option<String> {
    let generation = kafka["metadata"]["generation"].as_i64().unwrap_or(0);
    let observed = kafka["status"]["observedGeneration"].as_i64().unwrap_or(-1);
    if observed < generation {
        return None;
    }
    kafka["status"]["conditions"]
        .as_array()?
        .iter()
        .filter(|c| c["type"] == "NotReady" && c["status"] == "True")
        .find(|c| {
            c["reason"]
                .as_str()
                .is_some_and(|r| r.contains("InvalidResource") || r.contains("InvalidConfiguration"))
        })
        .map(|c| c["message"].as_str().unwrap_or("no message").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_counts_only_for_the_current_generation_and_refusals_are_read_from_not_ready() {
        let mut kafka = json!({"metadata": {"generation": 3},
            "status": {"observedGeneration": 2, "conditions": [{"type": "Ready", "status": "True"}]}});
        assert!(!ready_now(&kafka));
        kafka["status"]["observedGeneration"] = json!(3);
        assert!(ready_now(&kafka));
        kafka["status"]["conditions"] = json!([{"type": "NotReady", "status": "True",
            "reason": "InvalidResourceException", "message": "Migration cannot be performed with Kafka version 3.6.0"}]);
        assert_eq!(
            refused(&kafka).as_deref(),
            Some("Migration cannot be performed with Kafka version 3.6.0")
        );
        kafka["metadata"]["generation"] = json!(4);
        assert_eq!(
            refused(&kafka),
            None,
            "a refusal of an older generation is not this step's"
        );
    }
}
