//! `kafkactl delete NAME`: find everything of the cluster, print the plan,
//! confirm, delete, and wait for its pods to stop. Data volumes stay unless
//! `--delete-data` (confirmed a second time).

use serde::Serialize;

use super::shared::runner::{Runner, SoFar};
use crate::cli::GlobalArgs;
use crate::cli::delete::DeleteArgs;
use crate::cluster::apply::ObjectRef;
use crate::cluster::client::{Connection, connect};
use crate::cluster::discovery::discover;
use crate::cluster::readiness::Progress;
use crate::cluster::teardown::{
    Claim, ClaimFate, DeleteLog, Teardown, classify, delete_claims, delete_objects, list_cluster, release_claims,
    wait_for_pods_gone,
};
use crate::error::{Failure, FailureKind};
use crate::ui;
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

pub fn run(global: &GlobalArgs, args: DeleteArgs) -> anyhow::Result<()> {
    // One Ctrl-C listener from the first request to the last, so that a
    // signal between reading the cluster and deleting is not lost.
    let mut runner = Runner::new()?;
    let log = DeleteLog::default();
    let (conn, teardown) = runner.run(SoFar::Deleted(&log), plan(global, &args))?;
    let warnings = warnings(&teardown);
    if !global.output.quiet {
        for w in &warnings {
            crate::eprintln_safe!("{} {w}", console::style("warning:").for_stderr().yellow().bold());
        }
    }
    if args.dry_run {
        let outcome = DeleteOutcome::new(DeleteResult::DryRun, teardown, Vec::new(), warnings, None);
        return ui::output::print_outcome(&outcome, global.output.output);
    }
    // A re-run after an interrupted delete that had removed everything but the kept
    // volumes: the job is done; say so (exit 0) rather than "not found".
    if teardown.nothing_to_delete() && !args.delete_data {
        let outcome = DeleteOutcome::new(DeleteResult::Deleted, teardown, Vec::new(), warnings, None);
        return ui::output::print_outcome(&outcome, global.output.output);
    }
    confirm(global, &args, &teardown)?;
    let outcome = runner.run(
        SoFar::Deleted(&log),
        execute(global, &args, &conn, teardown, warnings, &log),
    )?;
    ui::output::print_outcome(&outcome, global.output.output)
}

/// Read the cluster and decide what goes; refuse what must not be deleted.
async fn plan(global: &GlobalArgs, args: &DeleteArgs) -> Result<(Connection, Teardown), Failure> {
    let conn = connect(&global.connection.options()).await?;
    let info = discover(&conn).await?;
    let version = info.api().map(|a| a.as_str());
    let ns = super::shared::change::namespace(global);
    let listing = list_cluster(&conn, version, ns, &args.name).await?;
    let teardown = classify(&listing, &args.name, ns, args.delete_data);
    if !teardown.created_by_kafkactl {
        return Err(Failure::new(
            FailureKind::Refused,
            format!(
                "Kafka {ns}/{} was not created by kafkactl; nothing was deleted",
                args.name
            ),
        )
        .with_hint(format!(
            "kafkactl deletes only clusters it created; `kubectl -n {ns} delete kafka {}` deletes this one",
            args.name
        )));
    }
    // Nothing at all: not found. Only kept volumes: an earlier delete did the job (the
    // caller says so), or `--delete-data` deletes them now.
    if teardown.nothing_to_delete() && teardown.claims.is_empty() {
        return Err(crate::actions::not_found(&teardown.cluster, &teardown.namespace));
    }
    Ok((conn, teardown))
}

fn warnings(teardown: &Teardown) -> Vec<String> {
    let mut out = Vec::new();
    let topics = &teardown.user_topics;
    if !topics.is_empty() {
        let fate = if teardown.claims_with(ClaimFate::Kept).next().is_some() {
            "their data stays on the kept volumes"
        } else {
            "their data goes with the volumes"
        };
        out.push(format!(
            "cluster \"{}\" still holds {} user topic(s): {} ({fate})",
            teardown.cluster,
            topics.len(),
            topics.join(", ")
        ));
    }
    out
}

/// Typing the cluster name when interactive, `--yes` otherwise; `--delete-data`
/// asks once more. The plan is shown first (unless `-q` without a terminal).
fn confirm(global: &GlobalArgs, args: &DeleteArgs, teardown: &Teardown) -> Result<(), Failure> {
    let prompt = &global.prompt;
    if prompt.yes {
        return Ok(());
    }
    let interactive = ui::terminal::interactive(prompt.yes, prompt.no_input);
    if interactive || !global.output.quiet {
        crate::eprint_safe!("{}", plan_text(teardown));
    }
    let question = format!(
        "Delete cluster \"{}\" in namespace \"{}\"?",
        teardown.cluster, teardown.namespace
    );
    ui::prompts::require_typed_name(prompt, &teardown.cluster, &question, "--yes").map_err(|refused| {
        let data = if args.delete_data { " --delete-data" } else { "" };
        refused
            .with_hint(format!(
                "nothing was deleted; to delete it: kafkactl delete {} -n {} --yes{data}",
                teardown.cluster, teardown.namespace
            ))
            .with_hint("--dry-run prints the plan only")
    })?;
    confirm_deleting_data(teardown)
}

/// `--delete-data` at a terminal: the volumes, by name, once more.
fn confirm_deleting_data(teardown: &Teardown) -> Result<(), Failure> {
    let doomed: Vec<&Claim> = teardown.claims_with(ClaimFate::Deleted).collect();
    if doomed.is_empty() {
        return Ok(());
    }
    let question = format!(
        "--delete-data: also delete {} data volume(s) ({})? Their data cannot be recovered",
        doomed.len(),
        doomed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
    );
    match ui::prompts::confirm(&question, "--yes", true)? {
        true => Ok(()),
        false => Err(ui::prompts::not_confirmed()
            .with_hint("run without --delete-data to delete the cluster and keep its volumes")),
    }
}

async fn execute(
    global: &GlobalArgs,
    args: &DeleteArgs,
    conn: &Connection,
    teardown: Teardown,
    warnings: Vec<String>,
    log: &DeleteLog,
) -> Result<DeleteOutcome, Failure> {
    crate::actions::lock::lock(conn, &teardown.namespace, &teardown.cluster, "delete").await?;
    let mut view = ProgressView::new(global.output.quiet);
    // Before the owners go: garbage collection would take claims they own.
    let released = release_claims(conn, &teardown)
        .await
        .map_err(|f| deleted_so_far(f.into(), log))?;
    if released > 0 {
        view.message(&format!(
            "released {released} data volume(s) from the cluster's ownership (deleteClaim: true) so that they are kept"
        ));
    }
    delete_objects(conn, &teardown, log)
        .await
        .map_err(|f| deleted_so_far(f.into(), log))?;
    view.message(&format!(
        "deleted {} object(s); garbage collection removes {} more",
        log.deleted().len(),
        teardown.garbage_collected.len()
    ));
    let progress = match args.no_wait {
        true => None,
        false => {
            let p = wait_for_pods_gone(conn, &teardown, global.connection.timeout, |p| view.update(p)).await?;
            view.finish();
            Some(p)
        }
    };
    // After the pods: a claim still mounted would wait for them anyway (pvc-protection).
    delete_claims(conn, &teardown, log)
        .await
        .map_err(|f| deleted_so_far(f.into(), log))?;
    let result = if args.no_wait {
        DeleteResult::Deleting
    } else {
        DeleteResult::Deleted
    };
    Ok(DeleteOutcome::new(result, teardown, log.deleted(), warnings, progress))
}

fn deleted_so_far(failure: Failure, log: &DeleteLog) -> Failure {
    match log.deleted().len() {
        0 => failure.with_hint("nothing was deleted; fix the cause and run the same command again"),
        n => failure.with_hint(format!(
            "{n} object(s) were deleted before the failure; running the same command again finishes the job"
        )),
    }
}

/// What `delete` did (or, with `--dry-run`, would do).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteOutcome {
    pub result: DeleteResult,
    pub plan: Teardown,
    /// Objects kafkactl deleted (the plan's `delete`, and claims with `--delete-data`).
    pub deleted: Vec<ObjectRef>,
    pub kept_claims: Vec<Claim>,
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// How a delete ended (`result` in JSON and YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeleteResult {
    /// Deleted, and its pods are gone.
    Deleted,
    /// `--no-wait`: deleted, its pods not waited for.
    Deleting,
    /// `--dry-run`: nothing was deleted.
    DryRun,
}

impl DeleteOutcome {
    fn new(
        result: DeleteResult,
        plan: Teardown,
        deleted: Vec<ObjectRef>,
        warnings: Vec<String>,
        progress: Option<Progress>,
    ) -> Self {
        let kept_claims = plan.claims_with(ClaimFate::Kept).cloned().collect();
        DeleteOutcome {
            result,
            plan,
            deleted,
            kept_claims,
            warnings,
            progress,
        }
    }
}

impl TextOutput for DeleteOutcome {
    fn text(&self) -> String {
        let t = &self.plan;
        if self.result == DeleteResult::DryRun {
            return format!("{}\nDry run: nothing was deleted.\n", plan_text(t));
        }
        let verb = if self.result == DeleteResult::Deleting {
            "is being deleted (not waiting for its pods)"
        } else {
            "deleted"
        };
        let claims_gone = t.claims_with(ClaimFate::Deleted).count();
        if self.deleted.is_empty() && t.nothing_to_delete() {
            let mut out = format!(
                "Cluster \"{}\" in namespace \"{}\" is already deleted: only its kept data volumes are left.\n",
                t.cluster, t.namespace
            );
            out.push_str(&kept_claims_text(t));
            return out;
        }
        let mut out = format!(
            "Cluster \"{}\" in namespace \"{}\" {verb}: {} object(s) deleted by kafkactl, {} removed by Strimzi/garbage collection, {} pod(s) stopped, {} data volume(s) deleted.\n",
            t.cluster,
            t.namespace,
            self.deleted.len().saturating_sub(claims_of(&self.deleted)),
            t.garbage_collected.len(),
            t.pods.len(),
            claims_gone,
        );
        out.push_str(&kept_claims_text(t));
        out
    }
}

fn claims_of(deleted: &[ObjectRef]) -> usize {
    deleted.iter().filter(|r| r.kind == "PersistentVolumeClaim").count()
}

/// The plan as text: what goes, what stays.
pub fn plan_text(t: &Teardown) -> String {
    let mut out = format!("Cluster \"{}\" in namespace \"{}\"\n", t.cluster, t.namespace);
    if t.kafka_found {
        out.push('\n');
    } else {
        out.push_str("(no Kafka CR: an unfinished create; its objects are found by their labels)\n\n");
    }
    section(&mut out, "Deleted by kafkactl", &t.delete);
    section(&mut out, "Removed by Strimzi/garbage collection", &t.garbage_collected);
    if !t.pods.is_empty() {
        out.push_str(&format!("Pods that stop ({}): {}\n\n", t.pods.len(), t.pods.join(", ")));
    }
    let doomed: Vec<&Claim> = t.claims_with(ClaimFate::Deleted).collect();
    if !doomed.is_empty() {
        out.push_str(&format!(
            "Data volumes DELETED, their data is lost ({}):\n",
            doomed.len()
        ));
        out.push_str(&indent(&claims_table(&doomed)));
        out.push('\n');
    }
    let kept: Vec<&Claim> = t.claims_with(ClaimFate::Kept).collect();
    if !kept.is_empty() {
        out.push_str(&format!("Data volumes kept ({}):\n", kept.len()));
        out.push_str(&indent(&claims_table(&kept)));
        let owned = t.claims_to_release().count();
        if owned > 0 {
            out.push_str(&format!(
                "  {owned} of them are owned by the cluster (storage with deleteClaim: true), so garbage collection would \
                 delete them with it: kafkactl pauses the cluster and removes that ownership first. \
                 --delete-data deletes them instead.\n"
            ));
        }
        if t.kafka_found {
            out.push_str(&format!(
                "  To re-create the cluster on them later, save its spec first: kafkactl export {} -n {} > {}.yaml\n",
                t.cluster, t.namespace, t.cluster
            ));
        }
        out.push('\n');
    }
    if t.kept_topics + t.kept_users > 0 {
        out.push_str(&format!(
            "Kept: {} KafkaTopic(s), {} KafkaUser(s) (`kubectl -n {} delete kafkatopics,kafkausers -l strimzi.io/cluster={}` removes them)\n",
            t.kept_topics, t.kept_users, t.namespace, t.cluster
        ));
    }
    out
}

fn section(out: &mut String, title: &str, objects: &[ObjectRef]) {
    if objects.is_empty() {
        return;
    }
    out.push_str(&format!("{title} ({}):\n", objects.len()));
    for o in objects {
        out.push_str(&format!("  {} {}\n", o.kind, o.name));
    }
    out.push('\n');
}

fn claims_table(claims: &[&Claim]) -> String {
    let rows: Vec<Vec<String>> = claims
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.size.clone().unwrap_or_else(|| "-".into()),
                c.storage_class.clone().unwrap_or_else(|| "-".into()),
                c.volume.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    ui::output::table(&["NAME", "SIZE", "STORAGECLASS", "VOLUME"], &rows)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// After deleting: the kept volumes and how to reuse or remove them.
fn kept_claims_text(t: &Teardown) -> String {
    let kept: Vec<&Claim> = t.claims_with(ClaimFate::Kept).collect();
    if kept.is_empty() {
        return String::new();
    }
    let (c, ns) = (&t.cluster, &t.namespace);
    format!(
        "\nKept data volumes (PersistentVolumeClaims):\n{}\n\
         To reuse them, re-create the cluster with the same name, namespace and node pools, from the preset \
         `kafkactl export {c}` printed before deleting:\n  kafkactl create {c} -n {ns} --preset {c}.yaml\n\
         To delete them: kafkactl delete {c} -n {ns} --delete-data\n",
        indent(&claims_table(&kept)).trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(name: &str, fate: ClaimFate) -> Claim {
        Claim {
            name: name.into(),
            uid: None,
            size: Some("100Gi".into()),
            storage_class: Some("standard".into()),
            volume: None,
            fate,
            owned_by_cluster: false,
            going_owners: Vec::new(),
        }
    }

    fn teardown() -> Teardown {
        Teardown {
            cluster: "c1".into(),
            namespace: "kafka".into(),
            kafka_found: true,
            created_by_kafkactl: true,
            delete: vec![ObjectRef {
                kind: "Kafka".into(),
                namespace: Some("kafka".into()),
                name: "c1".into(),
            }],
            claims: vec![
                claim("data-c1-brokers-100", ClaimFate::Kept),
                claim("data-c1-prometheus-0", ClaimFate::Kept),
            ],
            user_topics: vec!["orders".into()],
            ..Teardown::default()
        }
    }

    #[test]
    fn plan_text_lists_what_goes_and_the_kept_volumes_with_the_export_hint() {
        let text = plan_text(&teardown());
        assert!(text.contains("Deleted by kafkactl (1):\n  Kafka c1"), "{text}");
        assert!(text.contains("Data volumes kept (2):"), "{text}");
        assert!(text.contains("data-c1-prometheus-0"), "{text}");
        assert!(text.contains("kafkactl export c1 -n kafka > c1.yaml"), "{text}");
        assert!(!text.contains("DELETED"), "{text}");
    }

    #[test]
    fn outcome_text_says_how_to_reuse_kept_volumes() {
        let outcome = DeleteOutcome::new(DeleteResult::Deleted, teardown(), Vec::new(), Vec::new(), None);
        let text = outcome.text();
        assert!(text.contains("kafkactl create c1 -n kafka --preset c1.yaml"), "{text}");
        assert!(text.contains("--delete-data"), "{text}");
        assert_eq!(outcome.kept_claims.len(), 2);
    }

    #[test]
    fn user_topics_are_warned_about() {
        let w = warnings(&teardown());
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("1 user topic(s): orders"), "{}", w[0]);
        let mut quiet = teardown();
        quiet.user_topics.clear();
        assert!(warnings(&quiet).is_empty());
    }
}
