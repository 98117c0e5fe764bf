//! `kafkactl scale NAME`: stored spec → the size flags → the guards of every
//! change (`change::guard_change`: replication factors, min ISR, topics,
//! volumes grow only on expandable classes, the live brokers removed are
//! named and confirmed) → validate → `--dry-run` diff, or apply and wait until the new brokers
//! are ready or the rolling restart is done. `--rebalance` moves partitions
//! with Cruise Control around the change; Strimzi refusing to remove brokers
//! that host partitions ends the wait at once and the old size is restored.

use std::collections::BTreeSet;
use std::time::Instant;

use serde::Serialize;

use super::shared::change::{
    ChangeOptions, apply_change, confirm, confirm_change, dry_run_diff, load_cluster, summarize_actions,
};
use super::shared::preflight::enforce;
use super::shared::runner::SoFar;
use crate::actions::LoadedCluster;
use crate::actions::change::{guard_change, validated};
use crate::actions::lock::lock_loaded;
use crate::actions::preflight::{PreflightOptions, preflight};
use crate::cli::GlobalArgs;
use crate::cli::scale::{ScaleArgs, ScaleSizeArgs};
use crate::cluster::apply::{Action, AppliedObject, ApplyLog};
use crate::cluster::inventory::node_ids;
use crate::cluster::readiness::Observed;
use crate::cluster::rebalance::{ProposalSummary, Rebalance};
use crate::cluster::rollout::{annotate, is_scale_down_refusal, strimzi_refusal};
use crate::cluster::wait::{wait_until_ready, wait_until_ready_or_refused};
use crate::cluster::watch::WaitError;
use crate::error::Failure;
use crate::render::rebalance::{RebalanceMode, kafka_rebalance};
use crate::spec::changes::{SpecChange, spec_changes};
use crate::spec::guards::RemovedBrokers;
use crate::spec::names;
use crate::spec::{ClusterSpec, Report, SpecOverrides, StorageType};
use crate::ui;
use crate::ui::diff::{ObjectDiff, format_diffs};
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

/// Strimzi's annotation that lets it remove brokers which still host partitions.
const SKIP_SCALEDOWN_CHECK: &str = "strimzi.io/skip-broker-scaledown-check";

pub fn run(global: &GlobalArgs, args: ScaleArgs) -> anyhow::Result<()> {
    super::shared::runner::run_and_print(global, SoFar::Changing("scaling"), scale(global, &args))
}

/// What `scale` did, printed as text or as one JSON/YAML document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleOutcome {
    pub cluster: String,
    pub namespace: String,
    pub result: ScaleResult,
    pub changes: Vec<SpecChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_brokers: Vec<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_brokers: Vec<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rebalances: Vec<RebalanceRun>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<AppliedObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<Vec<ObjectDiff>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Data volumes of the removed brokers, kept by Strimzi's default `deleteClaim: false`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept_claims: Vec<String>,
    /// What to do next: delete the kept volumes, move partitions onto new brokers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
    pub timings: Timings,
}

/// How a scale ended (`result` in JSON and YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleResult {
    /// Applied and the cluster runs at the new size.
    Scaled,
    /// `--no-wait`: applied, not waited for.
    Applied,
    /// The cluster already had this size and every object was as applied.
    Unchanged,
    /// `--dry-run`: nothing was written.
    DryRun,
}

/// One KafkaRebalance kafkactl ran.
#[derive(Debug, Clone, Serialize)]
pub struct RebalanceRun {
    pub mode: RebalanceMode,
    pub brokers: Vec<i32>,
    pub proposal: ProposalSummary,
}

/// How long the phases took, from the start of the command.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_ms: Option<u64>,
}

impl TextOutput for ScaleOutcome {
    fn text(&self) -> String {
        if let Some(diff) = &self.diff {
            return format_diffs(diff);
        }
        let mut out = match self.result {
            ScaleResult::Unchanged => format!("{} is already this size; nothing changed\n", self.cluster),
            ScaleResult::Applied => format!("applied the change to {} (not waiting)\n", self.cluster),
            ScaleResult::Scaled | ScaleResult::DryRun => format!("scaled {}\n", self.cluster),
        };
        for change in &self.changes {
            out.push_str(&format!("  {change}\n"));
        }
        let ids = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
        if !self.removed_brokers.is_empty() {
            out.push_str(&format!("removed brokers: {}\n", ids(&self.removed_brokers)));
        }
        if !self.added_brokers.is_empty() {
            out.push_str(&format!("added brokers: {}\n", ids(&self.added_brokers)));
        }
        for r in &self.rebalances {
            out.push_str(&format!(
                "rebalance {} [{}]: {}\n",
                r.mode.as_str(),
                ids(&r.brokers),
                r.proposal
            ));
        }
        if !self.objects.is_empty() {
            out.push_str(&format!("{}\n", summarize_actions(&self.objects)));
        }
        for step in &self.next_steps {
            out.push_str(&format!("next: {step}\n"));
        }
        out
    }
}

/// After the new size is reached: the kept volumes of removed brokers (with how to delete
/// them) and, after a scale-up without `--rebalance`, that the new brokers hold nothing yet.
async fn next_steps(
    loaded: &LoadedCluster,
    target: &ClusterSpec,
    removed: &[RemovedBrokers],
    outcome: &mut ScaleOutcome,
) -> Result<(), Failure> {
    if !removed.is_empty() {
        let facts = crate::cluster::live::change_facts(&loaded.conn, loaded.api, target).await?;
        let pods: Vec<String> = removed
            .iter()
            .flat_map(|r| r.node_ids.iter().map(|id| names::pool_pod(target, &r.pool, *id)))
            .collect();
        outcome.kept_claims = facts
            .live
            .claims
            .values()
            .flatten()
            .map(|c| c.name.clone())
            .filter(|claim| pods.iter().any(|pod| claim.ends_with(&format!("-{pod}"))))
            .collect();
        if !outcome.kept_claims.is_empty() {
            outcome.next_steps.push(format!(
                "the volumes of the removed brokers are kept ({}); once you are sure nothing on them is needed: kubectl -n {} delete pvc {}",
                outcome.kept_claims.join(", "),
                target.namespace,
                outcome.kept_claims.join(" ")
            ));
        }
    }
    if !outcome.added_brokers.is_empty() && outcome.rebalances.is_empty() {
        let ids: Vec<String> = outcome.added_brokers.iter().map(i32::to_string).collect();
        outcome.next_steps.push(format!(
            "brokers {} hold no partitions yet: only new topics use them. To move some onto them, run the same scale \
             with --rebalance (Cruise Control), or kafka-reassign-partitions.sh",
            ids.join(", ")
        ));
    }
    Ok(())
}

async fn scale(global: &GlobalArgs, args: &ScaleArgs) -> Result<ScaleOutcome, Failure> {
    let started = Instant::now();
    let loaded = load_cluster(global, &args.name).await?;
    let old = loaded.spec.clone();
    let mut new = old.clone();
    let flag_report = apply_size_flags(&mut new, &args.size);
    if !flag_report.errors.is_empty() {
        return Err(Failure::invalid_spec(flag_report).with_hint("nothing was changed in the cluster"));
    }
    // The guards of every change: live brokers removed, replication
    // factors (stored and new) and topics, volumes that shrink or cannot grow.
    let verdict = guard_change(&loaded.conn, loaded.api, &old, &new).await?;
    let report = validated(&new)?;
    if args.safety.rebalance && old.broker_count() == new.broker_count() {
        return Err(Failure::usage(
            "--rebalance moves partitions when brokers are added or removed, but the broker count stays the same",
        )
        .with_hint("use it with --brokers (or --pool/--replicas for a broker pool)"));
    }
    let removed = verdict.removed_broker_ids();
    let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    let quiet = global.output.quiet;
    if !quiet {
        ui::errors::print_warnings(&report);
    }
    let view = ProgressView::new(quiet);
    let mut outcome = ScaleOutcome {
        cluster: old.name.clone(),
        namespace: old.namespace.clone(),
        result: ScaleResult::Scaled,
        changes: spec_changes(&old, &new),
        removed_brokers: removed.clone(),
        added_brokers: Vec::new(),
        rebalances: Vec::new(),
        objects: Vec::new(),
        diff: None,
        warnings,
        kept_claims: Vec::new(),
        next_steps: Vec::new(),
        timings: Timings::default(),
    };
    if !removed.is_empty() && !args.safety.rebalance {
        view.message(&format!(
            "brokers {} will be removed; Strimzi refuses to remove brokers that still host partition replicas (move them first with --rebalance)",
            join(&removed)
        ));
    }
    let mut target = new.clone();
    if args.safety.rebalance {
        target.cruise_control.enabled = true;
    }
    // The stored spec already has this size: a re-run after an interrupted
    // scale (the Kafka CR carrying the new spec may have gone in before its
    // node pools). Applying again is a no-op when everything is there, and the
    // wait below makes the re-run end where an uninterrupted scale ends.
    let already_stored = target == old;
    if !already_stored && !args.safety.skip_checks {
        // The new size must fit: RBAC for what scale writes, nodes and
        // resources for the larger pools, storage classes. (A re-run of a
        // stored size passed these when it was first asked for.)
        let report = preflight(&loaded.conn, &target, &PreflightOptions::scale()).await?;
        enforce(&report, quiet)?;
    }
    // After the preflight (reads only): a dry run says what the real run would do,
    // refusals included.
    if args.change.dry_run {
        outcome.result = ScaleResult::DryRun;
        outcome.changes = spec_changes(&old, &target);
        outcome.diff = Some(dry_run_diff(&loaded, &target).await?);
        return Ok(outcome);
    }
    confirm_change(global, &old.name, &verdict)?;
    let skip_check = args.safety.skip_scaledown_check && !removed.is_empty();
    if skip_check {
        confirm(
            global,
            &format!(
                "let Strimzi remove brokers {} even if they host partition replicas (those replicas are lost)?",
                join(&removed)
            ),
        )?;
    }
    lock_loaded(&loaded, "scale").await?;
    let log = ApplyLog::default();
    let options = ChangeOptions {
        force_conflicts: args.change.force_conflicts,
        no_wait: true,
        prune: true,
    };
    let brokers_before = broker_ids(&loaded, &old).await?;
    if args.safety.rebalance && !removed.is_empty() {
        enable_cruise_control(global, &loaded, &old, options, &view).await?;
        let run = rebalance(global, &loaded, RebalanceMode::RemoveBrokers, &removed, &view).await?;
        outcome.rebalances.push(run);
    }
    if skip_check {
        set_skip_check(&loaded, Some("true")).await?;
    }
    apply_change(global, &loaded, &target, options, &log).await?;
    outcome.objects = log.applied();
    if already_stored && outcome.objects.iter().all(|o| o.action == Action::Unchanged) {
        outcome.result = ScaleResult::Unchanged;
    }
    outcome.timings.applied_ms = Some(started.elapsed().as_millis() as u64);
    view.message(&format!("applied after {:.1}s", started.elapsed().as_secs_f64()));
    if args.change.no_wait {
        if outcome.result != ScaleResult::Unchanged {
            outcome.result = ScaleResult::Applied;
        }
        return Ok(outcome);
    }
    wait_for_new_size(global, &loaded, &target, &removed).await?;
    outcome.timings.ready_ms = Some(started.elapsed().as_millis() as u64);
    if skip_check {
        set_skip_check(&loaded, None).await?;
    }
    let brokers_after = broker_ids(&loaded, &target).await?;
    outcome.added_brokers = brokers_after.difference(&brokers_before).copied().collect();
    if brokers_after != brokers_before {
        // Objects made per broker (JMX and per-broker listener Services) are rendered from
        // the node ids Strimzi assigns, known only now: apply them again, so they follow this
        // scale and not the next one.
        let log = ApplyLog::default();
        apply_change(global, &loaded, &target, options, &log).await?;
        outcome
            .objects
            .extend(log.applied().into_iter().filter(|o| o.action != Action::Unchanged));
    }
    if args.safety.rebalance && !outcome.added_brokers.is_empty() {
        let added = outcome.added_brokers.clone();
        let run = rebalance(global, &loaded, RebalanceMode::AddBrokers, &added, &view).await?;
        outcome.rebalances.push(run);
    }
    next_steps(&loaded, &target, &verdict.removed_brokers, &mut outcome).await?;
    Ok(outcome)
}

/// The size flags on the spec: `--pool` aims --replicas and the sizing
/// flags at one pool; otherwise the flags mean what they mean for `create`.
fn apply_size_flags(spec: &mut ClusterSpec, size: &ScaleSizeArgs) -> Report {
    let counts = SpecOverrides {
        brokers: size.brokers,
        controllers: size.controllers,
        zookeepers: size.zookeepers,
        ..SpecOverrides::default()
    };
    let mut report = counts.apply(spec);
    let Some(pool_name) = &size.pool else {
        let sizing = SpecOverrides {
            cpu: size.cpu.clone(),
            memory: size.memory.clone(),
            heap: size.heap.clone(),
            storage_size: size.storage_size.clone(),
            ..SpecOverrides::default()
        };
        report.extend(sizing.apply(spec));
        return report;
    };
    let pools: Vec<String> = spec.pools.keys().cloned().collect();
    let Some(pool) = spec.pools.get_mut(pool_name) else {
        report.error(
            "--pool",
            format!(
                "the cluster has no pool \"{pool_name}\"; its pools are {}",
                pools.join(", ")
            ),
        );
        return report;
    };
    if let Some(n) = size.replicas {
        pool.replicas = n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    }
    if let Some(cpu) = &size.cpu {
        pool.resources.requests.cpu = Some(cpu.clone());
        pool.resources.limits.cpu = Some(cpu.clone());
    }
    if let Some(memory) = &size.memory {
        pool.resources.requests.memory = Some(memory.clone());
        pool.resources.limits.memory = Some(memory.clone());
    }
    if let Some(heap) = &size.heap {
        pool.jvm.xms = Some(heap.clone());
        pool.jvm.xmx = Some(heap.clone());
    }
    if let Some(storage) = &size.storage_size {
        pool.storage.size = Some(storage.clone());
        if pool.storage.kind == StorageType::Jbod {
            pool.storage.volumes.iter_mut().for_each(|v| v.size = storage.clone());
        }
    }
    report
}

/// Node ids kafkactl predicts for a pool (ZooKeeper mode: `0..n`).
fn current_ids(spec: &ClusterSpec, pool: &str) -> Vec<i32> {
    if spec.is_zookeeper() {
        let n = spec.pools.get(pool).map_or(0, |p| p.replicas.max(0));
        return (0..n).collect();
    }
    names::predicted_node_ids(spec, pool)
}

/// Broker node ids as the cluster has them now.
async fn broker_ids(loaded: &LoadedCluster, spec: &ClusterSpec) -> Result<BTreeSet<i32>, Failure> {
    let live = node_ids(&loaded.conn, loaded.api.as_str(), spec).await?;
    Ok(spec
        .broker_pools()
        .flat_map(|(name, _)| live.get(name).cloned().unwrap_or_else(|| current_ids(spec, name)))
        .collect())
}

/// Wait until the cluster has its new size; Strimzi refusing to remove
/// brokers stops the wait, and the old spec is applied again so that what is
/// stored matches what runs.
async fn wait_for_new_size(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    target: &ClusterSpec,
    removed: &[i32],
) -> Result<(), Failure> {
    let mut view = ProgressView::new(global.output.quiet);
    let refusal = |observed: &Observed| {
        let message = strimzi_refusal(observed)?;
        let about_ours =
            !is_scale_down_refusal(&message) || mentioned_ids(&message).iter().any(|id| removed.contains(id));
        about_ours.then_some(message)
    };
    let result = wait_until_ready_or_refused(
        &loaded.conn,
        target,
        loaded.api.as_str(),
        global.connection.timeout,
        |p| view.update(p),
        refusal,
    )
    .await;
    view.finish();
    match result {
        Ok(_) => Ok(()),
        Err(refused @ WaitError::Refused { .. }) => Err(restore_after_refusal(global, loaded, refused.into()).await),
        Err(other) => Err(other.into()),
    }
}

/// Put the stored spec back (Strimzi keeps the old size anyway) and say how
/// to get the brokers removed.
async fn restore_after_refusal(global: &GlobalArgs, loaded: &LoadedCluster, failure: Failure) -> Failure {
    let options = ChangeOptions {
        force_conflicts: false,
        no_wait: true,
        prune: true,
    };
    let restored = apply_change(global, loaded, &loaded.spec, options, &ApplyLog::default()).await;
    let name = &loaded.spec.name;
    let failure = failure
        .with_hint(format!(
            "move the partitions off those brokers first: kafkactl scale {name} … --rebalance (Cruise Control)"
        ))
        .with_hint(format!(
            "or let Strimzi remove them anyway, losing their replicas: kafkactl scale {name} … --skip-scaledown-check"
        ));
    match restored {
        Ok(_) => failure.with_hint("kafkactl applied the previous spec again; the cluster keeps its size"),
        Err(e) => failure.with_hint(format!("putting the previous spec back failed too: {}", e.message)),
    }
}

/// Numbers inside brackets of a Strimzi message: `[103, 104]`.
fn mentioned_ids(message: &str) -> Vec<i32> {
    message
        .split(['[', ']', ',', ' '])
        .filter_map(|t| t.trim().parse().ok())
        .collect()
}

async fn enable_cruise_control(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    old: &ClusterSpec,
    options: ChangeOptions,
    view: &ProgressView,
) -> Result<(), Failure> {
    if old.cruise_control.enabled {
        return Ok(());
    }
    let mut with_cc = old.clone();
    with_cc.cruise_control.enabled = true;
    view.message("enabling Cruise Control (spec.cruiseControl)");
    apply_change(global, loaded, &with_cc, options, &ApplyLog::default()).await?;
    let mut progress = ProgressView::new(global.output.quiet);
    wait_until_ready(
        &loaded.conn,
        &with_cc,
        loaded.api.as_str(),
        global.connection.timeout,
        |p| progress.update(p),
    )
    .await?;
    progress.finish();
    Ok(())
}

/// Create a KafkaRebalance, wait for its proposal, show it, approve it,
/// wait until it ran, and remove it.
async fn rebalance(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    mode: RebalanceMode,
    brokers: &[i32],
    view: &ProgressView,
) -> Result<RebalanceRun, Failure> {
    let spec = &loaded.spec;
    let object = kafka_rebalance(spec, mode, brokers);
    let name = names::rebalance(&spec.name, mode.as_str());
    let rebalance = Rebalance::new(&loaded.conn, loaded.api.as_str(), &spec.namespace, &name)?;
    let timeout = global.connection.timeout;
    view.message(&format!(
        "KafkaRebalance {name}: {} [{}], waiting for a proposal",
        mode.as_str(),
        join(brokers)
    ));
    rebalance.create(&object).await?;
    let proposal = ProposalSummary::of(&rebalance.wait_for("ProposalReady", timeout).await?);
    view.message(&format!("proposal: {proposal}; approving"));
    rebalance.approve().await?;
    rebalance.wait_for("Ready", timeout).await?;
    view.message(&format!("KafkaRebalance {name} done"));
    rebalance.delete().await?;
    Ok(RebalanceRun {
        mode,
        brokers: brokers.to_vec(),
        proposal,
    })
}

async fn set_skip_check(loaded: &LoadedCluster, value: Option<&str>) -> Result<(), Failure> {
    annotate(
        &loaded.conn,
        loaded.api.api_version(),
        "Kafka",
        &loaded.spec.namespace,
        &loaded.spec.name,
        SKIP_SCALEDOWN_CHECK,
        value,
    )
    .await
    .map_err(Failure::from)
}

fn join(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_strimzis_bracketed_lists() {
        assert_eq!(
            mentioned_ids("Cannot scale down brokers [103, 104] because brokers [104] are not empty"),
            vec![103, 104, 104]
        );
    }
}
