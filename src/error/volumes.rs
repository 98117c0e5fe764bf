//! A refused or stuck volume change in the user's words: the flags and commands that fix it.

use super::{Failure, FailureKind};
use crate::cluster::volumes::VolumeError;

super::api::owned_into_failure!(VolumeError);

impl From<&VolumeError> for Failure {
    fn from(error: &VolumeError) -> Self {
        let message = error.to_string();
        match error {
            VolumeError::Api(api) => api.into(),
            VolumeError::NoSuchClass { .. } => Failure::new(FailureKind::Refused, message)
                .with_hint("kubectl get storageclass shows the classes this cluster has"),
            VolumeError::ExpansionNotAllowed { class, .. } => Failure::new(FailureKind::Refused, message)
                .with_hint(format!(
                    "a cluster admin can set allowVolumeExpansion: true on \"{class}\" when its provisioner can resize volumes"
                ))
                .with_hint("nothing was changed"),
            VolumeError::ClassChange {
                cluster,
                namespace,
                claim,
                asked,
                have,
            } => Failure::new(
                FailureKind::Refused,
                format!(
                    "--storage-class {asked}: Prometheus' volume {claim} was provisioned from StorageClass \"{have}\", and a volume cannot change its class; nothing was changed"
                ),
            )
            .with_hint(format!("leave --storage-class out (or pass --storage-class {have})"))
            .with_hint(start_over(cluster, namespace, "on another class")),
            VolumeError::Shrink {
                cluster,
                namespace,
                claim,
                current,
                asked,
            } => Failure::new(
                FailureKind::Refused,
                format!(
                    "--storage-size {asked} is smaller than Prometheus' volume {claim} ({current}), and a volume cannot shrink; nothing was changed"
                ),
            )
            .with_hint(format!(
                "keep the volume: kafkactl monitor {cluster} install -n {namespace} --storage-size {current} (or larger)"
            ))
            .with_hint(start_over(cluster, namespace, "with a smaller volume")),
            VolumeError::ClaimGone { .. } => Failure::new(FailureKind::NotFound, message),
            VolumeError::WatchFailed { .. } => Failure::runtime(message),
            VolumeError::NotGrown { namespace, claim, .. } => Failure::new(FailureKind::Timeout, message).with_hint(format!(
                "kubectl -n {namespace} describe pvc {claim} shows the resize events (some drivers finish when the pod restarts); re-running the same command waits again and then raises the cap"
            )),
        }
    }
}

fn start_over(cluster: &str, namespace: &str, how: &str) -> String {
    format!(
        "to start over {how} (the samples are lost): kafkactl monitor {cluster} uninstall -n {namespace} --delete-data --yes, then install again"
    )
}
