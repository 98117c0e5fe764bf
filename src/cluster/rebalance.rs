//! Running a KafkaRebalance through Strimzi's states: create it, wait for
//! `ProposalReady`, approve it (`strimzi.io/rebalance: approve`), wait for
//! `Ready`, remove it. Waits on the watch engine; a `NotReady` rebalance
//! ends the wait with Strimzi's message.

use std::time::Duration;

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};

use super::client::Connection;
use super::errors::{ApiError, Operation};
use super::resources::strimzi;
use super::watch::{Check, Stalled, WaitError, Watches};
use crate::spec::names::FIELD_MANAGER;

/// Strimzi's annotation that moves a KafkaRebalance on.
const REBALANCE_ANNOTATION: &str = "strimzi.io/rebalance";

/// One KafkaRebalance of a namespace, at the served Strimzi API version.
pub struct Rebalance {
    api: Api<DynamicObject>,
    resource: ApiResource,
    conn: Connection,
    pub name: String,
    pub namespace: String,
}

/// The state of a KafkaRebalance: the type of its `True` condition.
pub fn rebalance_state(object: &Value) -> Option<&str> {
    object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["status"] == "True")
        .and_then(|c| c["type"].as_str())
}

impl Rebalance {
    pub fn new(conn: &Connection, strimzi_version: &str, namespace: &str, name: &str) -> Result<Self, ApiError> {
        let resource = strimzi(strimzi_version, "KafkaRebalance")
            .ok_or_else(|| ApiError::unexpected("unknown Strimzi kind KafkaRebalance"))?;
        Ok(Rebalance {
            api: Api::namespaced_with(conn.client.clone(), namespace, &resource),
            resource,
            conn: conn.clone(),
            name: name.to_string(),
            namespace: namespace.to_string(),
        })
    }

    fn fail(&self, verb: &'static str) -> impl Fn(kube::Error) -> ApiError + '_ {
        move |e| {
            ApiError::new(
                e,
                Operation::new(verb, format!("KafkaRebalance {}/{}", self.namespace, self.name)),
                &self.conn.server,
            )
        }
    }

    /// Create it fresh from `object` (a leftover of an earlier run is removed
    /// first: a finished KafkaRebalance does not start again).
    pub async fn create(&self, object: &Value) -> Result<(), ApiError> {
        self.delete().await?;
        let params = PatchParams::apply(FIELD_MANAGER);
        self.api
            .patch(&self.name, &params, &Patch::Apply(object))
            .await
            .map(|_| ())
            .map_err(self.fail("apply"))
    }

    /// Approve the proposal; Strimzi then runs it.
    pub async fn approve(&self) -> Result<(), ApiError> {
        let patch = json!({ "metadata": { "annotations": { REBALANCE_ANNOTATION: "approve" } } });
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        };
        self.api
            .patch(&self.name, &params, &Patch::Merge(&patch))
            .await
            .map(|_| ())
            .map_err(self.fail("approve"))
    }

    pub async fn delete(&self) -> Result<(), ApiError> {
        match self.api.delete(&self.name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if super::errors::is_not_found(&s) => Ok(()),
            Err(e) => Err(self.fail("delete")(e)),
        }
    }

    /// Wait until the rebalance reaches `state`; returns the object then.
    /// `NotReady` (Cruise Control could not make or run a proposal) fails.
    pub async fn wait_for(&self, state: &str, timeout: Duration) -> Result<Value, WaitError> {
        let mut watches = Watches::new(&self.conn);
        let rebalance = watches.object(self.api.clone(), &self.resource, Some(&self.namespace), &self.name);
        let stalled = |current: &str| Stalled::Rebalance {
            rebalance: format!("{}/{}", self.namespace, self.name),
            wanted: state.to_string(),
            state: current.to_string(),
        };
        let mut last_state = String::from("created");
        watches
            .until(timeout, stalled(&last_state), || {
                let Some(object) = rebalance.get().and_then(|o| serde_json::to_value(o).ok()) else {
                    return Check::Waiting(stalled(&last_state));
                };
                let Some(current) = rebalance_state(&object) else {
                    return Check::Waiting(stalled(&last_state));
                };
                last_state = current.to_string();
                if current == state {
                    return Check::Done(object);
                }
                if current == "NotReady" {
                    return Check::Stop(WaitError::RebalanceFailed {
                        rebalance: format!("{}/{}", self.namespace, self.name),
                        message: object["status"]["conditions"][0]["message"]
                            .as_str()
                            .unwrap_or("no message")
                            .to_string(),
                    });
                }
                Check::Waiting(stalled(&last_state))
            })
            .await
    }
}

/// The figures of a proposal (`status.optimizationResult`) worth showing.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalSummary {
    pub replica_movements: Option<i64>,
    pub leader_movements: Option<i64>,
    pub data_to_move_mb: Option<i64>,
    pub balancedness_before: Option<f64>,
    pub balancedness_after: Option<f64>,
}

impl ProposalSummary {
    pub fn of(rebalance: &Value) -> Self {
        let result = &rebalance["status"]["optimizationResult"];
        ProposalSummary {
            replica_movements: result["numReplicaMovements"].as_i64(),
            leader_movements: result["numLeaderMovements"].as_i64(),
            data_to_move_mb: result["dataToMoveMB"].as_i64(),
            balancedness_before: result["onDemandBalancednessScoreBefore"].as_f64(),
            balancedness_after: result["onDemandBalancednessScoreAfter"].as_f64(),
        }
    }
}

impl std::fmt::Display for ProposalSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |v: Option<i64>| v.map_or("?".to_string(), |v| v.to_string());
        write!(
            f,
            "{} replica movements, {} leader movements, {} MB to move",
            n(self.replica_movements),
            n(self.leader_movements),
            n(self.data_to_move_mb)
        )?;
        if let (Some(before), Some(after)) = (self.balancedness_before, self.balancedness_after) {
            write!(f, ", balancedness {before:.1} → {after:.1}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proposal_summary_reads_strimzis_optimization_result() {
        let kr = json!({"status": {"conditions": [{"type": "ProposalReady", "status": "True"}],
            "optimizationResult": {"numReplicaMovements": 24, "numLeaderMovements": 4, "dataToMoveMB": 128,
                "onDemandBalancednessScoreBefore": 78.5, "onDemandBalancednessScoreAfter": 92.1}}});
        assert_eq!(rebalance_state(&kr), Some("ProposalReady"));
        let summary = ProposalSummary::of(&kr);
        assert_eq!(
            summary.to_string(),
            "24 replica movements, 4 leader movements, 128 MB to move, balancedness 78.5 → 92.1"
        );
    }
}
