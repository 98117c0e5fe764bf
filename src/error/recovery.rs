//! A refused re-creation on kept volumes in the user's words: the commands that fix it.

use super::{Failure, FailureKind};
use crate::cluster::recovery::{RecoveryError, RestoreError};
use crate::spec::names::PAUSE_RECONCILIATION_ANNOTATION;

super::api::owned_into_failure!(RecoveryError, RestoreError);

impl From<&RecoveryError> for Failure {
    fn from(error: &RecoveryError) -> Self {
        let refused = Failure::new(FailureKind::Refused, error.to_string());
        match error {
            RecoveryError::Api(api) => api.into(),
            RecoveryError::ClusterIdMismatch { .. } => refused
                .with_hint("a cluster's ID never changes: remove clusterId from the preset, or set it to the cluster's own"),
            RecoveryError::KeptVolumesWithoutId {
                cluster: c,
                namespace: ns,
                ..
            } => refused
                .with_hint(format!(
                    "create it from the preset `kafkactl export {c}` wrote before the delete (it holds clusterId): kafkactl create {c} -n {ns} --preset {c}.yaml"
                ))
                .with_hint("or add the old ID to the preset as clusterId: <ID> (the ID is in meta.properties on the volumes)")
                .with_hint(format!(
                    "or, to start empty, delete the volumes first (their data is lost): kafkactl delete {c} -n {ns} --delete-data"
                )),
        }
    }
}

impl From<&RestoreError> for Failure {
    fn from(error: &RestoreError) -> Self {
        let message = error.to_string();
        let failure = match error {
            RestoreError::UnknownKind { .. } => return Failure::runtime(message),
            RestoreError::KafkaGone { .. } => return Failure::new(FailureKind::NotFound, message),
            RestoreError::NotPaused { namespace, name, .. } => Failure::new(FailureKind::Timeout, message).with_hint(
                format!("kubectl -n {namespace} get kafka {name} -o yaml shows its status"),
            ),
            RestoreError::Api(api) => api.into(),
            RestoreError::WatchFailed { .. } | RestoreError::StatusNotKept { .. } => Failure::runtime(message),
        };
        failure.with_hint(format!(
            "the Kafka is paused ({PAUSE_RECONCILIATION_ANNOTATION}) and no broker has started; running the same create again finishes the restore"
        ))
    }
}
