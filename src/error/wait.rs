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
                    Some((namespace, name)) => failure.with_hint(format!(
                        "kubectl -n {namespace} get kafka {name} -o yaml shows its status"
                    )),
                    None => failure,
                }
            }
            WaitError::UnknownKind { kind } => Failure::runtime(format!("unknown Strimzi kind {kind}")),
            WaitError::MigrationRefused { cluster, message } => Failure::new(
                FailureKind::Refused,
                format!("Strimzi refused the migration of {cluster}: {message}"),
            )
            .with_hint(
                "fix what it names and run the same migrate command again: it goes on from the state the cluster is in",
            ),
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
        Stalled::Rebalance { .. } | Stalled::Migration { .. } => failure,
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
        .with_hint(
            "`kubectl get pods -l strimzi.io/cluster=NAME` shows them; re-running `kafkactl delete` waits again",
        ),
        Stalled::Rebalance {
            rebalance,
            wanted,
            state,
        } => timeout(format!(
            "KafkaRebalance {rebalance} did not reach {wanted} within {seconds}s (it is {state})"
        ))
        .with_hint("Cruise Control needs time to collect metrics after it starts; re-run later, or raise --timeout"),
        Stalled::Migration { cluster, wanted, state } => timeout(format!(
            "Kafka {cluster} did not reach metadata state {wanted} within {seconds}s (it is in {state})"
        ))
        .with_hint("Strimzi goes on migrating; re-running the same migrate command follows it from where it is"),
    }
}

/// "the watches on the cluster", for a wait that ended without its watches.
fn watches_of(last: &Stalled) -> &'static str {
    match last {
        Stalled::Cluster(_) | Stalled::Rollout(_) => "the watches on the cluster",
        Stalled::Operator(_) => "the watches on the operator's objects",
        Stalled::PodsGone { .. } => "the watch on the cluster's pods",
        Stalled::Rebalance { .. } => "the watch on the KafkaRebalance",
        Stalled::Migration { .. } => "the watch on the Kafka",
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kube::core::Status;
    use kube::runtime::watcher;

    use super::*;
    use crate::cluster::readiness::{ComponentProgress, Progress};

    fn progress() -> Progress {
        Progress {
            components: vec![ComponentProgress {
                name: "brokers".into(),
                ready: 2,
                total: 3,
                done: false,
                phase: "2/3 ready".into(),
            }],
            ready: false,
            diagnostics: Vec::new(),
        }
    }

    fn denied() -> watcher::Error {
        let status = Status::failure(
            "pods is forbidden: User \"u\" cannot watch resource \"pods\"",
            "Forbidden",
        )
        .with_code(403);
        watcher::Error::WatchStartFailed(kube::Error::Api(Box::new(status)))
    }

    #[test]
    fn a_timeout_exits_5_with_the_last_state_and_everything_else_exits_1() {
        let timed_out = Failure::from(WaitError::TimedOut {
            after: Duration::from_secs(60),
            last: Box::new(Stalled::Cluster(progress())),
        });
        assert_eq!(timed_out.kind, FailureKind::Timeout);
        assert_eq!(
            timed_out.message,
            "the cluster was not ready after 60s: brokers 2/3 (not ready)"
        );
        let lost = Failure::from(WaitError::LostContact {
            server: "https://k".into(),
            why: "no answer to GET /version for 10s".into(),
            last: Box::new(Stalled::Rollout(progress())),
        });
        assert_eq!(lost.kind, FailureKind::Runtime);
        assert!(
            lost.message
                .starts_with("lost contact with the API server at https://k"),
            "{}",
            lost.message
        );
        assert!(
            lost.message.ends_with("last seen: brokers 2/3 (not ready)"),
            "{}",
            lost.message
        );
    }

    #[test]
    fn a_forbidden_watch_names_verb_resource_and_namespace_and_the_flag_hint_is_added_here() {
        let failure = Failure::from(WaitError::Forbidden {
            verb: "watch",
            watched: Watched {
                resource: "pods".into(),
                namespace: Some("kafka".into()),
            },
            reason: "pods is forbidden".into(),
            last: Box::new(Stalled::PodsGone {
                progress: progress(),
                left: vec!["c1-dual-0".into()],
            }),
            source: Box::new(denied()),
        });
        assert_eq!(failure.kind, FailureKind::Runtime);
        assert_eq!(
            failure.message,
            "cannot watch pods in namespace kafka: pods is forbidden"
        );
        assert!(
            failure
                .hints
                .iter()
                .any(|h| h.contains("kubectl auth can-i watch pods -n kafka"))
        );
        assert!(
            failure.hints.iter().any(|h| h == "--no-wait skips waiting"),
            "{:?}",
            failure.hints
        );
    }

    #[test]
    fn a_rebalance_timeout_says_which_state_it_waited_for_and_which_it_saw() {
        let failure = Failure::from(WaitError::TimedOut {
            after: Duration::from_secs(30),
            last: Box::new(Stalled::Rebalance {
                rebalance: "kafka/c1-full".into(),
                wanted: "ProposalReady".into(),
                state: "PendingProposal".into(),
            }),
        });
        assert_eq!(failure.kind, FailureKind::Timeout);
        assert_eq!(
            failure.message,
            "KafkaRebalance kafka/c1-full did not reach ProposalReady within 30s (it is PendingProposal)"
        );
        assert!(failure.hints[0].contains("raise --timeout"));
    }
}
