//! What a user sees when a wait ends without reaching its goal: the one place
//! where `cluster::watch::WaitError` becomes a `Failure` (message, hints, exit
//! code). Hints that name flags of the CLI belong here, not in `cluster/`.

use crate::cluster::watch::{Stalled, WaitError, Watched};

use super::{Failure, FailureKind};

impl From<WaitError> for Failure {
    fn from(error: WaitError) -> Self {
        match error {
            WaitError::Forbidden {
                verb,
                watched,
                reason,
                last,
                ..
            } => forbidden(verb, &watched, &reason, &last),
            WaitError::LostContact { server, why, last } => lost_contact(&server, &why, &last),
            WaitError::TimedOut { after, last } => timed_out(after.as_secs(), &last),
            WaitError::WatchesEnded { last } => Failure::runtime(format!("{} ended unexpectedly", watches_of(&last))),
            WaitError::Refused { message, kafka } => {
                let failure = Failure::new(FailureKind::Refused, format!("Strimzi refused the change: {message}"));
                match kafka {
                    Some((namespace, name)) => {
                        failure.with_hint(format!("kubectl -n {namespace} get kafka {name} -o yaml shows its status"))
                    }
                    None => failure,
                }
            }
            WaitError::UnknownKind { kind } => Failure::runtime(format!("unknown Strimzi kind {kind}")),
            WaitError::RebalanceFailed { rebalance, message } => {
                Failure::runtime(format!("Cruise Control could not rebalance ({rebalance}): {message}"))
            }
        }
    }
}

fn forbidden(verb: &str, watched: &Watched, reason: &str, last: &Stalled) -> Failure {
    let scope = match &watched.namespace {
        Some(ns) => format!(" -n {ns}"),
        None => " --all-namespaces".to_string(),
    };
    let failure = Failure::runtime(format!("cannot {verb} {watched}: {reason}")).with_hint(format!(
        "kafkactl needs get, list and watch on what it waits for; `kubectl auth can-i {verb} {}{scope}` checks it, \
         a cluster admin can grant it (RBAC)",
        watched.resource
    ));
    match last {
        Stalled::Operator(_) => failure
            .with_hint("installing Strimzi needs cluster-admin rights (CRDs, ClusterRoles, watches on them)")
            .with_hint("--no-wait skips waiting"),
        // The rebalance must be watched: there is no way around waiting for it.
        Stalled::Rebalance { .. } => failure,
        Stalled::Cluster(_) | Stalled::Rollout(_) | Stalled::PodsGone { .. } => {
            failure.with_hint("--no-wait skips waiting")
        }
    }
}

fn lost_contact(server: &str, why: &str, last: &Stalled) -> Failure {
    let kept = match last {
        Stalled::PodsGone { .. } => "what was deleted stays deleted",
        _ => "what was applied stays applied",
    };
    Failure::runtime(format!(
        "lost contact with the API server at {server} while waiting ({why}); last seen: {}",
        last.summary()
    ))
    .with_hint(format!(
        "{kept}; run the same command again when the API server is back: it converges"
    ))
}

fn timed_out(seconds: u64, last: &Stalled) -> Failure {
    let timeout = |message: String| Failure::new(FailureKind::Timeout, message);
    let with_diagnostics = |failure: Failure, progress: &crate::cluster::readiness::Progress| {
        progress
            .diagnostics
            .iter()
            .fold(failure, |f, d| f.with_hint(d.to_string()))
    };
    match last {
        Stalled::Cluster(progress) => with_diagnostics(
            timeout(format!(
                "the cluster was not ready after {seconds}s: {}",
                progress.summary()
            )),
            progress,
        )
        .with_hint("the objects stay applied; `kafkactl status NAME` shows how far it got, and re-running waits again"),
        Stalled::Rollout(progress) => with_diagnostics(
            timeout(format!(
                "the rolling update had not finished after {seconds}s: {}",
                progress.summary()
            )),
            progress,
        )
        .with_hint("Strimzi goes on rolling the pods; `kafkactl status NAME` shows how far it got"),
        Stalled::Operator(progress) => with_diagnostics(
            timeout(format!(
                "the Strimzi operator was not ready after {seconds}s: {}",
                progress.summary()
            )),
            progress,
        )
        .with_hint(
            "the objects stay applied; `kafkactl operator status` shows how far it got, and re-running waits again",
        ),
        Stalled::PodsGone { left, .. } => timeout(format!(
            "{} pod(s) of the cluster were still there after {seconds}s: {}",
            left.len(),
            left.join(", ")
        ))
        .with_hint("the objects are deleted; pods with finalizers or on unreachable nodes can take longer")
        .with_hint("`kubectl get pods -l strimzi.io/cluster=NAME` shows them; re-running `kafkactl delete` waits again"),
        Stalled::Rebalance {
            rebalance,
            wanted,
            state,
        } => timeout(format!(
            "KafkaRebalance {rebalance} did not reach {wanted} within {seconds}s (it is {state})"
        ))
        .with_hint("Cruise Control needs time to collect metrics after it starts; re-run later, or raise --timeout"),
    }
}

/// "the watches on the cluster", for a wait that ended without its watches.
fn watches_of(last: &Stalled) -> &'static str {
    match last {
        Stalled::Cluster(_) | Stalled::Rollout(_) => "the watches on the cluster",
        Stalled::Operator(_) => "the watches on the operator's objects",
        Stalled::PodsGone { .. } => "the watch on the cluster's pods",
        Stalled::Rebalance { .. } => "the watch on the KafkaRebalance",
    }
}
