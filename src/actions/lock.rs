//! The cluster lock of every changing command (a Lease, see
//! `cluster::lease`), and the check under it that the cluster is still what
//! the command read.

use serde_json::Value;

use super::load::LoadedCluster;
use crate::cluster::apply::{ApplyLog, ApplyOptions, apply_plan};
use crate::cluster::client::Connection;
use crate::cluster::inventory::get_kafka;
use crate::cluster::lease::{self, LockError};
use crate::error::{Failure, FailureKind};
use crate::render::{self, Plan};
use crate::spec::names::SPEC_ANNOTATION;
use crate::spec::{ClusterSpec, StrimziApi};

/// Lock `cluster` for a changing `command` (a Lease, see `cluster::lease`):
/// a second writer is refused at once, naming the holder. The command
/// runtime releases the lock when the command ends.
pub async fn lock(conn: &Connection, namespace: &str, cluster: &str, command: &str) -> Result<(), Failure> {
    lease::acquire(conn, namespace, cluster, command)
        .await
        .map_err(|e| lock_failure(e, command))
}

/// Lock a loaded cluster right before the command's first write (after its
/// refusals and `--dry-run`, which change nothing), and make sure it is still
/// what the command read: a writer that read the stored spec before another
/// writer changed it stops instead of overwriting that change with its own,
/// older, view.
pub async fn lock_loaded(loaded: &LoadedCluster, command: &str) -> Result<(), Failure> {
    let spec = &loaded.spec;
    lock(&loaded.conn, &spec.namespace, &spec.name, command).await?;
    unchanged_since(
        &loaded.conn,
        loaded.api,
        &spec.namespace,
        &spec.name,
        Some(&loaded.kafka),
    )
    .await
}

/// `create`'s lock. When the plan makes the namespace, its first wave is
/// applied here (into `log`, and taken out of `plan`): the Lease lives in it.
/// Then the Kafka CR must still be as `create` read it (absent, or the same
/// cluster with the same stored spec).
pub async fn lock_for_create(
    conn: &Connection,
    api: StrimziApi,
    plan: &mut Plan,
    spec: &ClusterSpec,
    existing: Option<&Value>,
    options: ApplyOptions,
    log: &ApplyLog,
) -> Result<(), Failure> {
    let (namespace, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut plan.objects)
        .into_iter()
        .partition(|o| o.wave == render::Wave::Namespace);
    plan.objects = rest;
    if !namespace.is_empty() {
        apply_plan(conn, &Plan { objects: namespace }, options, &None, log).await?;
    }
    lock(conn, &spec.namespace, &spec.name, "create").await?;
    unchanged_since(conn, api, &spec.namespace, &spec.name, existing).await
}

fn lock_failure(error: LockError, command: &str) -> Failure {
    match error {
        LockError::Held {
            namespace,
            cluster,
            holder,
        } => {
            let when = |t: Option<k8s_openapi::jiff::Timestamp>| {
                t.map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_else(|| "an unknown time".into())
            };
            let by = match &holder.command {
                Some(c) => format!("`kafkactl {c}` run by {}", holder.identity),
                None => holder.identity.clone(),
            };
            Failure::new(
                FailureKind::Refused,
                format!(
                    "cluster {namespace}/{cluster} is being changed by another command: {by}, since {}; nothing was changed",
                    when(holder.acquired)
                ),
            )
            .with_hint(format!(
                "wait until it ends, then run `kafkactl {command}` again; if that command is gone, its lock expires by itself at {}",
                when(holder.expires)
            ))
            .with_hint(format!(
                "kubectl -n {namespace} get lease {} -o yaml shows the lock",
                lease::lease_name(&cluster)
            ))
        }
        LockError::NoNamespace(namespace) => Failure::new(
            FailureKind::NotFound,
            format!("namespace \"{namespace}\" does not exist"),
        )
        .with_hint("kafkactl list -A shows the namespaces that have clusters"),
        LockError::Api(failure) => {
            Failure::from(failure).with_hint("nothing was changed; the cluster lock (a Lease) could not be taken")
        }
        contended @ LockError::Contended { .. } => Failure::runtime(contended.to_string())
            .with_hint("another command is taking the lock right now; run the same command again"),
    }
}

/// Read the Kafka CR again under the lock and refuse when it is not the one
/// the command started from.
async fn unchanged_since(
    conn: &Connection,
    api: StrimziApi,
    namespace: &str,
    name: &str,
    seen: Option<&Value>,
) -> Result<(), Failure> {
    let now = get_kafka(conn, api.as_str(), namespace, name).await?;
    match changed_since(seen, now.as_ref()) {
        None => Ok(()),
        Some(what) => Err(Failure::new(
            FailureKind::Refused,
            format!(
                "cluster {namespace}/{name} was changed by another command while this one prepared its change ({what}); nothing was changed"
            ),
        )
        .with_hint("run the same command again: it starts from the cluster as it is now")),
    }
}

/// How the Kafka CR differs from the one read before, for a writer's check:
/// created, deleted, replaced, or its spec or stored kafkactl spec changed.
/// Status updates (Strimzi's) do not count.
pub fn changed_since(seen: Option<&Value>, now: Option<&Value>) -> Option<&'static str> {
    let field = |k: &Value, pointer: &str| k.pointer(pointer).cloned();
    match (seen, now) {
        (None, None) => None,
        (None, Some(_)) => Some("another command created it"),
        (Some(_), None) => Some("another command deleted it"),
        (Some(a), Some(b)) if field(a, "/metadata/uid") != field(b, "/metadata/uid") => {
            Some("it was deleted and created again")
        }
        (Some(a), Some(b)) => {
            let annotation = format!("/metadata/annotations/{}", SPEC_ANNOTATION.replace('/', "~1"));
            let same = field(a, &annotation) == field(b, &annotation)
                && field(a, "/metadata/generation") == field(b, "/metadata/generation");
            (!same).then_some("its spec changed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kafka(uid: &str, generation: i64, spec: &str, status: &str) -> Value {
        json!({"metadata": {"uid": uid, "generation": generation, "resourceVersion": status,
            "annotations": {SPEC_ANNOTATION: spec}}, "status": {"observedGeneration": status}})
    }

    #[test]
    fn a_writer_sees_what_another_changed_since_it_read_the_cluster() {
        let read = kafka("u1", 3, "{a}", "10");
        // Strimzi writing the status changes the resourceVersion only.
        assert_eq!(changed_since(Some(&read), Some(&kafka("u1", 3, "{a}", "11"))), None);
        assert_eq!(changed_since(None, None), None);
        assert_eq!(
            changed_since(Some(&read), Some(&kafka("u1", 3, "{b}", "12"))),
            Some("its spec changed")
        );
        assert_eq!(
            changed_since(Some(&read), Some(&kafka("u1", 4, "{a}", "12"))),
            Some("its spec changed")
        );
        assert_eq!(
            changed_since(Some(&read), Some(&kafka("u2", 3, "{a}", "12"))),
            Some("it was deleted and created again")
        );
        assert_eq!(changed_since(None, Some(&read)), Some("another command created it"));
        assert_eq!(changed_since(Some(&read), None), Some("another command deleted it"));
    }
}
