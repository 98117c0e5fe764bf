//! `expose --dry-run`: the objects that would change, rendered for the live cluster;
//! nothing is written.

use crate::actions::LoadedCluster;
use crate::cluster::apply::ObjectRef;
use crate::error::Failure;
use crate::render::{self, Plan, RenderContext};
use crate::spec::exposure_change::{self, Change, Target, UserChange};

use super::outcome::{DryRunChanges, ExposeOutcome, ExposeResult};

/// `--dry-run`: render the stored and the changed spec for the live cluster
/// and list the objects that differ; nothing is written.
pub(super) async fn dry_run(
    loaded: &LoadedCluster,
    change: &Change,
    ctx: &RenderContext,
    warnings: Vec<String>,
) -> Result<ExposeOutcome, Failure> {
    let old = render::render(&loaded.spec, ctx);
    let new = render::render(&change.spec, ctx);
    let mut changes = plan_changes(&old, &new);
    match (change.user, super::client_user(change), super::client_user_name(change)) {
        (UserChange::Apply, Some(user), _) => {
            let name = user["metadata"]["name"].as_str().unwrap_or_default();
            let current = crate::cluster::exposure::get_object(
                &loaded.conn,
                change.spec.strimzi_api.api_version(),
                "KafkaUser",
                &change.spec.namespace,
                name,
            )
            .await?;
            if current.is_none_or(|c| c["spec"] != user["spec"]) {
                changes.apply.push(user);
            }
        }
        (UserChange::Delete, _, Some(name)) => {
            let current = crate::cluster::exposure::get_object(
                &loaded.conn,
                change.spec.strimzi_api.api_version(),
                "KafkaUser",
                &change.spec.namespace,
                &name,
            )
            .await?;
            if current.is_some() {
                changes.delete.push(ObjectRef {
                    kind: "KafkaUser".to_string(),
                    namespace: Some(change.spec.namespace.clone()),
                    name,
                });
            }
        }
        _ => {}
    }
    Ok(ExposeOutcome {
        cluster: change.spec.name.clone(),
        namespace: change.spec.namespace.clone(),
        target: change.target.as_str(),
        listener: match &change.target {
            Target::Kafka { listener } => Some(listener.clone()),
            _ => None,
        },
        result: ExposeResult::DryRun,
        access: exposure_change::access(change, &[]),
        warnings,
        notes: change.notes.clone(),
        bootstrap_servers: None,
        addresses: Vec::new(),
        credentials: super::credentials(change),
        objects: Vec::new(),
        pruned: Vec::new(),
        dry_run: Some(changes),
    })
}

/// Objects of `new` that differ from (or are missing in) `old`, and objects
/// of `old` that `new` no longer has. The Namespace is never deleted.
fn plan_changes(old: &Plan, new: &Plan) -> DryRunChanges {
    let apply = new
        .objects
        .iter()
        .filter(|o| {
            old.find(o.kind(), o.name())
                .is_none_or(|before| before.object != o.object)
        })
        .map(|o| o.object.clone())
        .collect();
    let delete = old
        .objects
        .iter()
        .filter(|o| o.kind() != "Namespace" && new.find(o.kind(), o.name()).is_none())
        .map(ObjectRef::of)
        .collect();
    DryRunChanges { apply, delete }
}
