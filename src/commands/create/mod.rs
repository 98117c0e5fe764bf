//! `kafkactl create NAME`: spec from preset and flags → validate → render →
//! print (`--dry-run`) or apply in waves and wait until ready. The wizard,
//! which completes missing flags on a terminal, is `create`'s own (`wizard`).

mod wizard;

use serde::Serialize;

use super::shared::change::{confirm_change, summarize_actions};
use super::shared::operator_install::install_for_create;
use super::shared::preflight::enforce;
use super::shared::runner::{Runner, SoFar};
use super::shared::spec::accepted;
use crate::actions::change::{delete_stale_claims, guard_change};
use crate::actions::lock::lock_for_create;
use crate::actions::preflight::{PreflightOptions, preflight};
use crate::actions::requested_spec::{SpecRequest, requested_spec};
use crate::check::strimzi::{
    KafkaVersionFit, Unwatched, kafka_version_fit, watching_operator, zookeeper_on_kraft_only,
};
use crate::cli::{CreateArgs, DryRun, GlobalArgs, OutputFormat};
use crate::cluster::apply::{Action, AppliedObject, ApplyLog, ApplyOptions, apply_plan};
use crate::cluster::client::{Connection, connect};
use crate::cluster::discovery::{StrimziInfo, discover};
use crate::cluster::inventory::{before_state, get_kafka, namespace_exists, stored_spec};
use crate::cluster::recovery;
use crate::cluster::report::{ClusterReport, cluster_report};
use crate::cluster::wait::wait_until_ready;
use crate::error::{Failure, FailureKind};
use crate::render::{self, RenderContext};
use crate::spec::changes::{SpecChange, spec_changes};
use crate::spec::guards::Verdict;
use crate::spec::{self, ClusterSpec, StrimziApi};
use crate::ui;
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

pub fn run(global: &GlobalArgs, args: CreateArgs) -> anyhow::Result<()> {
    let (global, args) = wizard::complete(global, args)?;
    let global = &global;
    if args.dry_run == Some(DryRun::Client) {
        let spec = spec_from_args(global, &args, None, None)?;
        save_preset(global, &args, &spec)?;
        return print_offline_render(&spec, global.output.output);
    }
    let log = ApplyLog::default();
    let outcome = Runner::new()?.run(SoFar::Applied(&log), create_live(global, &args, &log))?;
    if outcome.result == CreateResult::DryRun {
        return print_objects(&outcome.dry_run_objects, global.output.output);
    }
    ui::output::print_outcome(&outcome, global.output.output)
}

/// `--save-preset FILE`, once the spec is valid (before anything is applied).
fn save_preset(global: &GlobalArgs, args: &CreateArgs, spec: &ClusterSpec) -> anyhow::Result<()> {
    match &args.save_preset {
        Some(path) => {
            crate::actions::preset::save_preset(path, spec)?;
            if !global.output.quiet {
                crate::eprintln_safe!("saved the spec as preset {}", path.display());
            }
            Ok(())
        }
        None => Ok(()),
    }
}

/// Name and namespace of the cluster to create, before the API is known.
fn target(global: &GlobalArgs, args: &CreateArgs) -> anyhow::Result<(String, String)> {
    let Some(name) = args.name.clone() else {
        return Err(Failure::usage("the cluster name is missing")
            .with_hint("pass it as the first argument: kafkactl create my-cluster")
            .into());
    };
    Ok((
        name,
        spec::preset::target_namespace(global.connection.namespace.as_deref(), args.preset.as_deref())?,
    ))
}

/// The validated spec of this `create`, or the problems with it (exit code 2).
/// `live_api` is the Strimzi API the cluster serves, when connected;
/// `existing` the Kafka CR of the same name, whose pool naming is kept.
/// `--update` without `--preset` starts from the spec stored on it, so that
/// what earlier changes set stays set; with `--preset` the preset replaces it
/// (the changes are listed, and the guards judge them alike).
pub fn spec_from_args(
    global: &GlobalArgs,
    args: &CreateArgs,
    live_api: Option<StrimziApi>,
    existing: Option<&serde_json::Value>,
) -> anyhow::Result<ClusterSpec> {
    let Some(name) = args.name.as_deref() else {
        return Err(Failure::usage("the cluster name is missing")
            .with_hint("pass it as the first argument: kafkactl create my-cluster")
            .into());
    };
    let (spec, report) = requested_spec(SpecRequest {
        name,
        preset: args.preset.as_deref(),
        overrides: args.spec.to_overrides(global.connection.namespace.as_deref()),
        served_api: live_api,
        existing,
        update: args.apply.update,
    })?;
    let hint = "fix the flags or the preset file; nothing was changed in the cluster";
    Ok(accepted(global, spec, report, hint)?)
}

/// `--dry-run`: the objects as multi-document YAML, or one `List` with `-o json`.
fn print_offline_render(spec: &ClusterSpec, format: OutputFormat) -> anyhow::Result<()> {
    let plan = render::render(spec, &RenderContext::offline());
    let objects: Vec<serde_json::Value> = plan.objects.into_iter().map(|o| o.object).collect();
    print_objects(&objects, format)
}

fn print_objects(objects: &[serde_json::Value], format: OutputFormat) -> anyhow::Result<()> {
    let text = match format {
        OutputFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&ui::output::kubernetes_list(objects))?
        ),
        // -o yaml is one document, like -o json; text stays a stream for kubectl apply -f.
        OutputFormat::Yaml => ui::output::to_yaml(&ui::output::kubernetes_list(objects))?,
        OutputFormat::Text => ui::output::multi_document_yaml(objects)?,
    };
    ui::output::print_stdout(&text);
    Ok(())
}

crate::result_word! {
    /// How a `create` ended.
    pub enum CreateResult {
        Created => "created",
        Unchanged => "unchanged",
        Updated => "updated",
        DryRun => "dry-run",
    }
}

/// What `create` did, printed as text or as one JSON/YAML document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOutcome {
    pub result: CreateResult,
    /// With an existing cluster: every spec field this run changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<SpecChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_brokers: Vec<i32>,
    /// Pending claims deleted so that Strimzi makes them with a new StorageClass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deleted_claims: Vec<String>,
    pub objects: Vec<AppliedObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterReport>,
    #[serde(skip)]
    dry_run_objects: Vec<serde_json::Value>,
}

impl TextOutput for CreateOutcome {
    fn text(&self) -> String {
        let mut out = String::new();
        if let Some(cluster) = &self.cluster {
            out.push_str(&cluster.text());
            out.push('\n');
        }
        if !self.changes.is_empty() {
            out.push_str("changed:\n");
            for change in &self.changes {
                out.push_str(&format!("  {change}\n"));
            }
        }
        if !self.removed_brokers.is_empty() {
            let ids: Vec<String> = self.removed_brokers.iter().map(i32::to_string).collect();
            out.push_str(&format!("removed brokers: {}\n", ids.join(", ")));
        }
        if !self.deleted_claims.is_empty() {
            out.push_str(&format!(
                "deleted Pending claims (Strimzi makes them with the new StorageClass): {}\n",
                self.deleted_claims.join(", ")
            ));
        }
        out.push_str(&format!("{}\n", summarize_actions(&self.objects)));
        out
    }
}

async fn create_live(global: &GlobalArgs, args: &CreateArgs, log: &ApplyLog) -> anyhow::Result<CreateOutcome> {
    let conn = connect(&global.connection.options()).await?;
    let (name, namespace) = target(global, args)?;
    // One round trip before rendering: what the cluster serves, its operators,
    // the Kafka CR under either Strimzi API, and the namespace.
    let (info, kafka_v1, kafka_v1beta2, namespace_exists) = futures::try_join!(
        futures::TryFutureExt::map_err(discover(&conn), Failure::from),
        futures::TryFutureExt::map_err(
            get_kafka(&conn, StrimziApi::V1.as_str(), &namespace, &name),
            Failure::from
        ),
        futures::TryFutureExt::map_err(
            get_kafka(&conn, StrimziApi::V1beta2.as_str(), &namespace, &name),
            Failure::from
        ),
        futures::TryFutureExt::map_err(namespace_exists(&conn, &namespace), Failure::from),
    )?;
    let info = install_for_create(global, args, &conn, info).await?;
    let api = crate::actions::served_api(&info)?;
    let existing = match api {
        StrimziApi::V1 => kafka_v1,
        StrimziApi::V1beta2 => kafka_v1beta2,
    };
    let spec = spec_from_args(global, args, Some(api), existing.as_ref())?;
    save_preset(global, args, &spec)?;
    check_operator(&info, &spec)?;
    let stored = match &existing {
        Some(kafka) => Some(check_existing(kafka, &spec, args.apply.update)?),
        None => None,
    };
    let rerun = stored.is_some();
    // An existing cluster changes through the guards of every change: what
    // would lose data is refused, the live brokers removed are named.
    let verdict = match &stored {
        Some(stored) => guard_change(&conn, api, stored, &spec).await?,
        None => Verdict::default(),
    };
    let changes = stored.as_ref().map(|s| spec_changes(s, &spec)).unwrap_or_default();
    let ctx = RenderContext {
        // An existing namespace is left alone: one wave (a round trip) less.
        include_namespace: !namespace_exists,
        // A re-run keeps an existing Prometheus volume's claim template (immutable).
        prometheus_volume: match (&existing, spec.prometheus.standalone()) {
            (Some(_), true) => crate::cluster::volumes::prometheus_volume(&conn, &spec)
                .await?
                .for_render(),
            _ => None,
        },
        ..RenderContext::offline()
    };
    let mut plan = render::render(&spec, &ctx);
    let dry_run = args.dry_run == Some(DryRun::Server);
    if dry_run {
        let mut outcome = server_dry_run(&conn, &plan, args.apply.force_conflicts, log, &spec).await?;
        outcome.changes = changes;
        outcome.removed_brokers = verdict.removed_broker_ids();
        return Ok(outcome);
    }
    if !args.apply.skip_checks {
        let options = PreflightOptions::create(args.apply.update);
        let report = preflight(&conn, &spec, &options).await?;
        enforce(&report, global.output.quiet)?;
    }
    let mut view = ProgressView::new(global.output.quiet);
    if !verdict.removed_brokers.is_empty() {
        let ids: Vec<String> = verdict.removed_broker_ids().iter().map(i32::to_string).collect();
        view.message(&format!(
            "brokers {} will be removed; Strimzi refuses to remove brokers that still host partition replicas",
            ids.join(", ")
        ));
    }
    confirm_change(global, &spec.name, &verdict)?;
    let restore = recovery::prepare(&conn, &spec, existing.as_ref(), &mut plan).await?;
    let before = match existing {
        Some(_) => Some(before_state(&conn, &plan, &spec.name).await?),
        None => None,
    };
    let options = ApplyOptions {
        force_conflicts: args.apply.force_conflicts,
        dry_run: false,
    };
    lock_for_create(&conn, api, &mut plan, &spec, existing.as_ref(), options, log).await?;
    apply_plan(&conn, &plan, options, &before, log)
        .await
        .map_err(|f| applied_so_far(f.into(), log))?;
    if let Some(restore) = &restore {
        recovery::restore(&conn, api.api_version(), &spec, restore, global.connection.timeout).await?;
        view.message(&format!(
            "restored cluster ID {} before the brokers start",
            restore.cluster_id
        ));
    }
    let objects = log.applied();
    view.message(&format!("applied {}", summarize_actions(&objects)));
    // After the apply, so that Strimzi makes them again from the new class.
    let deleted_claims = delete_stale_claims(&conn, &spec.namespace, &verdict).await?;
    for claim in &deleted_claims {
        view.message(&format!("deleted Pending claim {claim}"));
    }
    let all_unchanged = rerun && objects.iter().all(|o| o.action == Action::Unchanged);
    let result = match (existing_result(rerun, all_unchanged), args.apply.no_wait) {
        (r, true) => r,
        (r, false) => {
            wait_until_ready(&conn, &spec, api.as_str(), global.connection.timeout, |p| {
                view.update(p)
            })
            .await
            .map_err(Failure::from)?;
            view.finish();
            r
        }
    };
    let cluster = match args.apply.no_wait {
        true => None,
        false => Some(cluster_report(&conn, api.as_str(), &spec).await?),
    };
    Ok(CreateOutcome {
        result,
        changes,
        removed_brokers: verdict.removed_broker_ids(),
        deleted_claims,
        objects,
        cluster,
        dry_run_objects: Vec::new(),
    })
}

fn existing_result(rerun: bool, all_unchanged: bool) -> CreateResult {
    match (rerun, all_unchanged) {
        (false, _) => CreateResult::Created,
        (true, true) => CreateResult::Unchanged,
        (true, false) => CreateResult::Updated,
    }
}

/// An operator must watch the namespace, support the Kafka version, and
/// speak the metadata mode (the rules of `check::strimzi`, refused here on
/// the first one broken, before anything is applied).
fn check_operator(info: &StrimziInfo, spec: &ClusterSpec) -> Result<(), Failure> {
    if zookeeper_on_kraft_only(info, spec) {
        let version = info
            .operators
            .first()
            .and_then(|o| o.version.clone())
            .unwrap_or_else(|| ">= 1.0".into());
        return Err(Failure::usage(format!(
            "ZooKeeper mode was asked for, but the Strimzi operator in this cluster ({version}) is KRaft-only"
        ))
        .with_hint("use --metadata kraft, or run ZooKeeper clusters on a Strimzi 0.45 operator (API v1beta2)"));
    }
    let operator = match watching_operator(info, &spec.namespace) {
        Ok(operator) => operator,
        Err(Unwatched::NoOperator) => {
            return Err(Failure::usage("no Strimzi cluster operator was found in this cluster (no Deployment labelled strimzi.io/kind=cluster-operator)")
                .with_hint(format!("install it: kafkactl operator install -n {} --from PATH|--version X.Y.Z (or create --install-operator)", spec.namespace)));
        }
        Err(Unwatched::NotWatched) => {
            let list: Vec<String> = info
                .operators
                .iter()
                .map(|o| format!("{}/{} watches {}", o.namespace, o.name, o.watches))
                .collect();
            return Err(Failure::usage(format!(
                "no Strimzi operator watches namespace \"{}\" ({})",
                spec.namespace,
                list.join("; ")
            ))
            .with_hint(format!(
                "kafkactl operator install --watch {ns} extends the operator to it (adds it to STRIMZI_NAMESPACE and creates its RoleBindings in {ns}); or use -n with a watched namespace",
                ns = spec.namespace
            )));
        }
    };
    if kafka_version_fit(operator, spec) == KafkaVersionFit::Unsupported {
        return Err(Failure::usage(format!(
            "Kafka {} is not supported by the Strimzi operator {}/{} ({}); it supports {}",
            spec.kafka_version,
            operator.namespace,
            operator.name,
            operator.version.as_deref().unwrap_or("unknown version"),
            operator.kafka_versions.join(", ")
        ))
        .with_hint("pass --kafka-version with one of those, or --kafka-image for a custom build"));
    }
    Ok(())
}

/// A cluster of this name exists: the same spec is a re-run (converge and
/// say "unchanged"); a different spec needs `--update`. Returns the stored spec.
fn check_existing(kafka: &serde_json::Value, spec: &ClusterSpec, update: bool) -> Result<ClusterSpec, Failure> {
    let name = &spec.name;
    match stored_spec(kafka) {
        None => Err(Failure::new(
            FailureKind::Refused,
            format!(
                "a Kafka cluster named \"{name}\" already exists in namespace \"{}\" and was not created by kafkactl",
                spec.namespace
            ),
        )
        .with_hint("pick another name; kafkactl does not take over clusters it did not create")),
        Some(Err(e)) => Err(Failure::new(
            FailureKind::Refused,
            format!("the spec stored on Kafka {name} cannot be read: {e}"),
        )),
        Some(Ok(stored)) if stored == *spec || update => Ok(stored),
        Some(Ok(stored)) => Err(Failure::new(
            FailureKind::Refused,
            format!(
                "cluster \"{name}\" already exists with a different spec ({})",
                changed_fields(&stored, spec).join(", ")
            ),
        )
        .with_hint(format!(
            "change it with `kafkactl scale {name}` or `kafkactl expose {name}`"
        ))
        .with_hint(format!(
            "or add --update: `kafkactl create {name} --update` applies the flags to the stored spec (with --preset, the preset replaces it); the same safety checks as scale apply"
        ))),
    }
}

/// Top-level spec fields that differ, for the refusal message.
fn changed_fields(old: &ClusterSpec, new: &ClusterSpec) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return vec!["spec".to_string()];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.to_string())
        .collect()
}

async fn server_dry_run(
    conn: &Connection,
    plan: &render::Plan,
    force: bool,
    log: &ApplyLog,
    spec: &ClusterSpec,
) -> anyhow::Result<CreateOutcome> {
    let options = ApplyOptions {
        force_conflicts: force,
        dry_run: true,
    };
    apply_plan(conn, plan, options, &None, log)
        .await
        .map_err(Failure::from)
        .map_err(|f| {
            match f.kind {
        FailureKind::NotFound => f.with_hint(format!(
            "--dry-run=server needs namespace \"{}\" to exist; create it, or use --dry-run to render without a cluster",
            spec.namespace
        )),
        _ => f,
    }
        })?;
    let applied = log.applied();
    Ok(CreateOutcome {
        result: CreateResult::DryRun,
        changes: Vec::new(),
        removed_brokers: Vec::new(),
        deleted_claims: Vec::new(),
        dry_run_objects: applied.iter().map(|o| o.stored.clone()).collect(),
        objects: applied,
        cluster: None,
    })
}

/// A failed apply says which objects were applied before it failed.
fn applied_so_far(failure: Failure, log: &ApplyLog) -> Failure {
    let applied = log.applied();
    if applied.is_empty() {
        return failure.with_hint("nothing was applied; fix the cause and run the same command again");
    }
    failure.with_hint(format!(
        "{} were applied before the failure; running the same command again converges",
        summarize_actions(&applied)
    ))
}
