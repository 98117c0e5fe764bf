//! A refused re-creation on kept volumes in the user's words: the commands that fix it.

use super::{Failure, FailureKind};
use crate::cluster::recovery::RecoveryError;

super::api::owned_into_failure!(RecoveryError);

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
