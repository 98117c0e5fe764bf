//! The path every command that changes an existing cluster shares:
//! load the stored spec → (the command changes it) → validate → render →
//! apply and prune → wait. One implementation, so `scale`, `expose`,
//! `monitor` and `create --update` behave alike. The decisions are in
//! `actions`; here are the flags, the progress, the questions and the
//! messages around them.

use serde_json::Value;

use crate::actions::LoadedCluster;
use crate::actions::change::live_plan;
use crate::cli::GlobalArgs;
use crate::cluster::apply::{Action, AppliedObject, ApplyLog, ApplyOptions, ObjectRef, apply_plan, prune};
use crate::cluster::inventory::before_state;
use crate::cluster::readiness::Progress;
use crate::cluster::wait::wait_until_ready;
use crate::error::Failure;
use crate::spec::guards::Verdict;
use crate::spec::{ClusterSpec, DEFAULT_NAMESPACE};
use crate::ui;
use crate::ui::diff::{ObjectDiff, objects_diff};
use crate::ui::progress::ProgressView;

/// The namespace a command works in: `-n`, else the default.
pub fn namespace(global: &GlobalArgs) -> &str {
    global.connection.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
}

/// Connect, discover, and read cluster `name` (in `-n`, else the default)
/// with its stored spec. A missing cluster is a not-found failure (exit code 3).
pub async fn load_cluster(global: &GlobalArgs, name: &str) -> Result<LoadedCluster, Failure> {
    crate::actions::load_cluster(&global.connection.options(), namespace(global), name).await
}

/// How a change is applied.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChangeOptions {
    pub force_conflicts: bool,
    pub no_wait: bool,
    /// Delete kafkactl's objects of this cluster that the new plan no longer has.
    pub prune: bool,
}

/// What applying a changed spec did.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeOutcome {
    pub objects: Vec<AppliedObject>,
    pub pruned: Vec<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// Apply `spec` (already validated) to the cluster, prune what it no longer
/// has, and wait until ready unless told not to.
pub async fn apply_change(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    spec: &ClusterSpec,
    options: ChangeOptions,
    log: &ApplyLog,
) -> Result<ChangeOutcome, Failure> {
    let conn = &loaded.conn;
    let plan = live_plan(conn, loaded.api, spec).await?;
    let before = Some(before_state(conn, &plan, &spec.name).await?);
    let mut view = ProgressView::new(global.output.quiet);
    let apply_options = ApplyOptions {
        force_conflicts: options.force_conflicts,
        dry_run: false,
    };
    apply_plan(conn, &plan, apply_options, &before, log).await?;
    let pruned = if options.prune {
        prune(conn, &plan, &spec.name, &spec.namespace).await?
    } else {
        Vec::new()
    };
    let objects = log.applied();
    view.message(&format!("applied {}", summarize_actions(&objects)));
    for p in &pruned {
        view.message(&format!("deleted {p}"));
    }
    let progress = match options.no_wait {
        true => None,
        false => {
            let p = wait_until_ready(conn, spec, loaded.api.as_str(), global.connection.timeout, |p| {
                view.update(p)
            })
            .await?;
            view.finish();
            Some(p)
        }
    };
    Ok(ChangeOutcome {
        objects,
        pruned,
        progress,
    })
}

/// "17 objects: 13 created, 4 unchanged".
pub fn summarize_actions(objects: &[AppliedObject]) -> String {
    let count = |a: Action| objects.iter().filter(|o| o.action == a).count();
    let parts: Vec<String> = [Action::Created, Action::Configured, Action::Unchanged]
        .into_iter()
        .filter(|a| count(*a) > 0)
        .map(|a| format!("{} {}", count(a), a.as_str()))
        .collect();
    format!(
        "{} objects: {}",
        objects.len(),
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(", ")
        }
    )
}

/// Ask every question of a verdict (the live brokers removed, Pending claims
/// to delete); `--yes` answers them, and without a terminal a missing answer
/// is a refusal naming `--yes`. `--force-conflicts` answers nothing.
pub fn confirm_change(global: &GlobalArgs, cluster: &str, verdict: &Verdict) -> Result<(), Failure> {
    for question in verdict.questions(cluster) {
        confirm(global, &question)?;
    }
    Ok(())
}

/// `--dry-run`: the objects kafkactl would change, rendered for the live
/// cluster from the stored spec and from the changed one.
pub async fn dry_run_diff(loaded: &LoadedCluster, new: &ClusterSpec) -> Result<Vec<ObjectDiff>, Failure> {
    let objects = |plan: crate::render::Plan| -> Vec<Value> {
        plan.objects
            .into_iter()
            .filter(|o| o.kind() != "Namespace")
            .map(|o| o.object)
            .collect()
    };
    let before = objects(live_plan(&loaded.conn, loaded.api, &loaded.spec).await?);
    let after = objects(live_plan(&loaded.conn, loaded.api, new).await?);
    Ok(objects_diff(&before, &after))
}

/// Ask, or accept `--yes`; without a terminal a missing answer is a refusal
/// naming `--yes` (the one prompt helper, `ui::prompts`).
pub fn confirm(global: &GlobalArgs, question: &str) -> Result<(), Failure> {
    ui::prompts::require_confirmation(&global.prompt, question, "--yes")
}
