//! `kafkactl migrate NAME --to kraft`: Strimzi 0.45's ZooKeeper → KRaft
//! migration, driven one step at a time from the state the cluster reports
//! (`spec::migration::next`), so that Ctrl-C at any point and a re-run go on
//! from where the cluster is. `--rollback` goes back while Strimzi allows it.

use serde::Serialize;

use super::shared::change::{ChangeOptions, apply_change, load_cluster};
use super::shared::preflight::enforce;
use super::shared::runner::{SoFar, run_and_print};
use crate::actions::LoadedCluster;
use crate::actions::change::{live_plan, validated};
use crate::actions::lock::lock_loaded;
use crate::actions::preflight::{PreflightOptions, preflight};
use crate::cli::GlobalArgs;
use crate::cli::migrate::MigrateArgs;
use crate::cluster::apply::{ApplyLog, ApplyOptions, apply_plan};
use crate::cluster::inventory::{before_state, get_kafka, parse_stored_spec};
use crate::cluster::migration::{KafkaHandle, MigrationView};
use crate::error::{Failure, FailureKind};
use crate::operator::releases;
use crate::render::{Plan, Wave};
use crate::spec::ClusterSpec;
use crate::spec::migration::{
    self, ControllerRequest, Goal, KRAFT_ANNOTATION, MetadataState, NODE_POOLS_ANNOTATION, Next, Observed,
};
use crate::spec::names;
use crate::ui;
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

/// Where the spec the cluster gets once migrated waits meanwhile (written when
/// the migration starts, so a re-run finishes with the same controllers).
const MIGRATED_SPEC_ANNOTATION: &str = "kafkactl.io/migrated-spec";

pub fn run(global: &GlobalArgs, args: MigrateArgs) -> anyhow::Result<()> {
    let log = ApplyLog::default();
    run_and_print(global, SoFar::Applied(&log), migrate(global, &args, &log))
}

crate::result_word! {
    /// How a `migrate` ended.
    pub enum MigrateResult {
        Migrated => "migrated",
        /// Stopped before finalizing, in KRaftPostMigration.
        PostMigration => "post-migration",
        RolledBack => "rolled-back",
        Unchanged => "unchanged",
    }
}

/// What `migrate` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrateOutcome {
    pub cluster: String,
    pub namespace: String,
    pub result: MigrateResult,
    /// The metadata states seen, in order.
    pub states: Vec<String>,
    /// ZooKeeper volumes left in place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept_claims: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
}

impl TextOutput for MigrateOutcome {
    fn text(&self) -> String {
        let what = match self.result {
            MigrateResult::Migrated => {
                "is in KRaft mode: ZooKeeper and kafkactl's ZooKeeper objects are gone".to_string()
            }
            MigrateResult::PostMigration => {
                "is migrated and still writes to ZooKeeper (KRaftPostMigration): the last state that can be rolled back"
                    .to_string()
            }
            MigrateResult::RolledBack => "is back on ZooKeeper; the controllers are gone".to_string(),
            MigrateResult::Unchanged => "needed nothing".to_string(),
        };
        let mut out = format!("Kafka cluster {}/{} {what}\n", self.namespace, self.cluster);
        if !self.states.is_empty() {
            out.push_str(&format!("  states: {}\n", self.states.join(" → ")));
        }
        for claim in &self.kept_claims {
            out.push_str(&format!("  kept volume: {claim}\n"));
        }
        for step in &self.next_steps {
            out.push_str(&format!("  next: {step}\n"));
        }
        out
    }
}

async fn migrate(global: &GlobalArgs, args: &MigrateArgs, log: &ApplyLog) -> Result<MigrateOutcome, Failure> {
    let mut loaded = load_cluster(global, &args.name).await?;
    let mut locked = false;
    if !args.rollback && align_versions(global, &loaded, log).await? {
        locked = true;
        // The stored spec changed: the migration starts from the new one.
        loaded = load_cluster(global, &args.name).await?;
    }
    let (ns, name) = (loaded.spec.namespace.clone(), loaded.spec.name.clone());
    if args.delete_data && !args.rollback {
        confirm_delete_data(global, &loaded)?;
    }
    let handle = KafkaHandle::new(&loaded.conn, loaded.api.as_str(), &ns, &name)
        .ok_or_else(|| Failure::runtime("the API server serves no Kafka kind kafkactl knows"))?;
    let goal = if args.rollback {
        Goal::Rollback
    } else {
        Goal::Kraft {
            finalize: args.finalize,
        }
    };
    let mut outcome = MigrateOutcome {
        cluster: name.clone(),
        namespace: ns.clone(),
        result: MigrateResult::Unchanged,
        states: Vec::new(),
        kept_claims: Vec::new(),
        next_steps: Vec::new(),
    };
    let view = ProgressView::new(global.output.quiet);
    let mut consented = false;
    loop {
        let kafka = get_kafka(&loaded.conn, loaded.api.as_str(), &ns, &name)
            .await?
            .ok_or_else(|| crate::actions::not_found(&name, &ns))?;
        let observed = observe(&handle, &kafka).await?;
        let step = migration::next(&observed, goal);
        if !matches!(step, Next::Done(_) | Next::Refused(_)) && !locked {
            check_operator(&loaded, &step)?;
            lock_loaded(&loaded, "migrate").await?;
            locked = true;
        }
        let mut on_state = |seen: &MigrationView| {
            if outcome.states.last() != Some(&seen.state) {
                outcome.states.push(seen.state.clone());
            }
            let doing = MetadataState::parse(&seen.state)
                .map(MetadataState::doing)
                .unwrap_or("");
            let rolled = if seen.rolled > 0 {
                format!("; {} of {} pods rolled", seen.rolled, seen.pods)
            } else {
                String::new()
            };
            view.message(&format!(
                "{ns}/{name}: {}{}{rolled}{}",
                seen.state,
                if doing.is_empty() {
                    String::new()
                } else {
                    format!(" ({doing})")
                },
                if seen.ready { ", ready" } else { "" }
            ));
        };
        let timeout = global.connection.timeout;
        match step {
            Next::Done(why) => {
                if outcome.result == MigrateResult::Unchanged {
                    view.message(&format!("{ns}/{name}: {why}"));
                }
                return Ok(outcome);
            }
            Next::Refused(why) => return Err(Failure::new(FailureKind::Refused, why)),
            Next::NodePools => {
                let migrated = migrated_spec(&loaded, &kafka, args)?;
                check_start(global, &loaded, &migrated).await?;
                consented = true;
                apply_pools(&loaded, &migrated, &[migration::BROKER_POOL], log).await?;
                handle.annotate(&[(NODE_POOLS_ANNOTATION, Some("enabled"))]).await?;
                view.message(&format!(
                    "{ns}/{name}: brokers moved onto the node pool {} (no roll)",
                    migration::BROKER_POOL
                ));
                handle
                    .wait_for_state(MetadataState::ZooKeeper, false, true, timeout, &mut on_state)
                    .await?;
            }
            Next::StartMigration => {
                let migrated = migrated_spec(&loaded, &kafka, args)?;
                // Checked and asked once per run, before the first write (the node-pool move).
                let controllers = match consented {
                    true => controller_pool(&migrated, &loaded.spec)?,
                    false => check_start(global, &loaded, &migrated).await?,
                };
                let text = serde_json::to_string(&migrated)
                    .map_err(|e| Failure::runtime(format!("cannot write the migrated spec: {e}")))?;
                handle.annotate(&[(MIGRATED_SPEC_ANNOTATION, Some(&text))]).await?;
                apply_pools(&loaded, &migrated, &[&controllers.name], log).await?;
                handle.annotate(&[(KRAFT_ANNOTATION, Some("migration"))]).await?;
                // Until Strimzi sees the annotation it refuses the controller pool
                // (a ZooKeeper cluster has none): not a refusal of the migration.
                handle
                    .wait_for_state(MetadataState::KRaftMigration, false, false, timeout, &mut on_state)
                    .await?;
                handle
                    .wait_for_state(MetadataState::KRaftPostMigration, false, true, timeout, &mut on_state)
                    .await?;
                outcome.result = MigrateResult::PostMigration;
            }
            Next::Wait { until } => {
                let backwards = matches!(goal, Goal::Rollback);
                handle
                    .wait_for_state(until, backwards, true, timeout, &mut on_state)
                    .await?;
                if until == MetadataState::KRaftPostMigration {
                    outcome.result = MigrateResult::PostMigration;
                }
            }
            Next::AskToFinalize => {
                let question = format!(
                    "finalize the migration of {ns}/{name}? Strimzi removes ZooKeeper; there is no way back after this"
                );
                if !ui::terminal::interactive(global.prompt.yes, global.prompt.no_input) {
                    outcome.result = MigrateResult::PostMigration;
                    outcome.next_steps = vec![
                        format!("kafkactl migrate {name} -n {ns} --to kraft --finalize (no way back)"),
                        format!("kafkactl migrate {name} -n {ns} --rollback (back to ZooKeeper)"),
                    ];
                    return Ok(outcome);
                }
                ui::prompts::require_confirmation(&global.prompt, &question, "--finalize")?;
                handle.annotate(&[(KRAFT_ANNOTATION, Some("enabled"))]).await?;
            }
            Next::Finalize => {
                handle.annotate(&[(KRAFT_ANNOTATION, Some("enabled"))]).await?;
                handle
                    .wait_for_state(MetadataState::KRaft, false, true, timeout, &mut on_state)
                    .await?;
            }
            Next::CleanUp => {
                let migrated = migrated_spec(&loaded, &kafka, args)?;
                validated(&migrated)?;
                apply_change(
                    global,
                    &loaded,
                    &migrated,
                    ChangeOptions {
                        force_conflicts: false,
                        no_wait: false,
                        prune: true,
                    },
                    log,
                )
                .await?;
                handle.annotate(&[(MIGRATED_SPEC_ANNOTATION, None)]).await?;
                outcome.kept_claims = zookeeper_claims(&loaded.spec);
                if args.delete_data && !outcome.kept_claims.is_empty() {
                    // Confirmed before anything was written (confirm_delete_data).
                    crate::cluster::live::delete_claims(&loaded.conn, &ns, &outcome.kept_claims).await?;
                    outcome.kept_claims.clear();
                }
                outcome.result = MigrateResult::Migrated;
                return Ok(outcome);
            }
            Next::Rollback => {
                let question = format!(
                    "roll {ns}/{name} back to ZooKeeper? The controllers and their volumes are deleted; brokers roll"
                );
                ui::prompts::require_confirmation(&global.prompt, &question, "--yes")?;
                handle.annotate(&[(KRAFT_ANNOTATION, Some("rollback"))]).await?;
                handle
                    .wait_for_state(MetadataState::KRaftDualWriting, true, true, timeout, &mut on_state)
                    .await?;
            }
            Next::ReturnToZooKeeper => {
                for pool in controller_pools(&handle.node_pools().await?) {
                    handle.delete_node_pool(&pool).await?;
                    let claims = controller_claims(&loaded.spec, &pool, &kafka);
                    crate::cluster::live::delete_claims(&loaded.conn, &ns, &claims).await?;
                }
                handle
                    .annotate(&[(KRAFT_ANNOTATION, Some("disabled")), (MIGRATED_SPEC_ANNOTATION, None)])
                    .await?;
                handle
                    .wait_for_state(MetadataState::ZooKeeper, true, true, timeout, &mut on_state)
                    .await?;
                outcome.result = MigrateResult::RolledBack;
                return Ok(outcome);
            }
        }
    }
}

/// Strimzi migrates only when the metadata, protocol and message format
/// versions name one release: when they do not (and the migration has not
/// started), raise them to the Kafka release first, with consent; the brokers
/// roll once. Whether it changed anything (the cluster is locked then).
async fn align_versions(global: &GlobalArgs, loaded: &LoadedCluster, log: &ApplyLog) -> Result<bool, Failure> {
    let state = loaded.kafka["status"]["kafkaMetadataState"].as_str();
    if loaded.spec.zookeeper.is_none() || !matches!(state, None | Some("ZooKeeper")) {
        return Ok(false);
    }
    let Some(aligned) = migration::aligned_versions(&loaded.spec) else {
        return Ok(false);
    };
    let changes: Vec<String> = crate::spec::changes::spec_changes(&loaded.spec, &aligned)
        .iter()
        .map(ToString::to_string)
        .collect();
    let question = format!(
        "Strimzi migrates only when the metadata, protocol and message format versions name one release: set {} first? The brokers roll once",
        changes.join(", ")
    );
    ui::prompts::require_confirmation(&global.prompt, &question, "--yes")?;
    validated(&aligned)?;
    lock_loaded(loaded, "migrate").await?;
    let options = ChangeOptions {
        force_conflicts: false,
        no_wait: false,
        prune: false,
    };
    apply_change(global, loaded, &aligned, options, log).await?;
    Ok(true)
}

/// What `migration::next` decides from.
async fn observe(handle: &KafkaHandle, kafka: &serde_json::Value) -> Result<Observed, Failure> {
    let annotation = |key: &str| kafka["metadata"]["annotations"][key].as_str().map(str::to_string);
    let pools = handle.node_pools().await?;
    Ok(Observed {
        state: kafka["status"]["kafkaMetadataState"]
            .as_str()
            .and_then(MetadataState::parse),
        annotation: annotation(KRAFT_ANNOTATION),
        node_pools: annotation(NODE_POOLS_ANNOTATION).as_deref() == Some("enabled")
            && pools.iter().any(|p| p["metadata"]["name"] == migration::BROKER_POOL),
        controller_pool: !controller_pools(&pools).is_empty(),
        zookeeper_spec: kafka["spec"]["zookeeper"].is_object(),
    })
}

fn controller_pools(pools: &[serde_json::Value]) -> Vec<String> {
    pools
        .iter()
        .filter(|p| {
            p["spec"]["roles"]
                .as_array()
                .is_some_and(|roles| roles.iter().any(|r| r == "controller"))
        })
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

/// Migration steps run on a Strimzi release that still has ZooKeeper (0.45).
fn check_operator(loaded: &LoadedCluster, step: &Next) -> Result<(), Failure> {
    if matches!(step, Next::CleanUp) {
        return Ok(());
    }
    let Some(operator) = loaded.info.operator_for(&loaded.spec.namespace) else {
        return Err(Failure::new(
            FailureKind::Refused,
            format!(
                "no Strimzi operator watches namespace {}, so nothing would migrate the cluster",
                loaded.spec.namespace
            ),
        )
        .with_hint("install Strimzi 0.45.2 to watch it: kafkactl operator install --version 0.45.2"));
    };
    let version = operator.version.clone().unwrap_or_default();
    let facts = releases::facts_for(&version, operator.kafka_versions.clone());
    if facts.zookeeper {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Refused,
        format!("the running Strimzi operator is {version}, which no longer migrates ZooKeeper clusters; nothing was changed"),
    )
    .with_hint("Strimzi 0.45 is the last release that migrates to KRaft: install 0.45.2 again (kafkactl operator install --version 0.45.2), migrate, then upgrade"))
}

/// The spec once migrated: the one written when the migration started, else
/// made now from the stored spec and the flags.
fn migrated_spec(
    loaded: &LoadedCluster,
    kafka: &serde_json::Value,
    args: &MigrateArgs,
) -> Result<ClusterSpec, Failure> {
    if let Some(text) = kafka["metadata"]["annotations"][MIGRATED_SPEC_ANNOTATION].as_str() {
        return parse_stored_spec(text).map_err(|e| {
            Failure::runtime(format!(
                "the annotation {MIGRATED_SPEC_ANNOTATION} on the Kafka is not a spec kafkactl wrote: {e}"
            ))
        });
    }
    let mut controllers = migration::controllers_like_zookeeper(&loaded.spec, args.controllers).ok_or_else(|| {
        Failure::new(
            FailureKind::Refused,
            format!(
                "{} has no ZooKeeper ensemble in its stored spec: it runs KRaft already",
                loaded.spec.name
            ),
        )
    })?;
    if let Some(pool) = &args.controller_pool {
        controllers.name = pool.clone();
    }
    size_controllers(&mut controllers, args);
    let migrated = migration::migrated(&loaded.spec, &controllers);
    // A bad size is named by its spec field before anything is written.
    validated(&migrated)?;
    Ok(migrated)
}

/// The sizing flags over the controllers taken from ZooKeeper.
fn size_controllers(controllers: &mut ControllerRequest, args: &MigrateArgs) {
    let pool = &mut controllers.pool;
    if let Some(cpu) = &args.controller_cpu {
        pool.resources.requests.cpu = Some(cpu.clone());
        pool.resources.limits.cpu = Some(cpu.clone());
    }
    if let Some(memory) = &args.controller_memory {
        pool.resources.requests.memory = Some(memory.clone());
        pool.resources.limits.memory = Some(memory.clone());
    }
    if let Some(heap) = &args.controller_heap {
        pool.jvm.xms = Some(heap.clone());
        pool.jvm.xmx = Some(heap.clone());
    }
    if let Some(size) = &args.controller_storage_size {
        pool.storage.size = Some(size.clone());
    }
    if let Some(class) = &args.controller_storage_class {
        pool.storage.class = Some(class.clone());
    }
}

fn controller_pool(migrated: &ClusterSpec, stored: &ClusterSpec) -> Result<ControllerRequest, Failure> {
    migrated
        .pools
        .iter()
        .find(|(name, pool)| pool.roles == [crate::spec::Role::Controller] && !stored.pools.contains_key(*name))
        .map(|(name, pool)| ControllerRequest {
            name: name.clone(),
            replicas: pool.replicas,
            pool: pool.clone(),
        })
        .ok_or_else(|| Failure::runtime("the migrated spec has no controller pool"))
}

/// Everything that must hold before the migration writes anything: Strimzi's
/// preconditions, the controllers' own checks, the preflight of the cluster
/// as it runs once migrated (enough schedulable nodes for brokers and
/// controllers, storage classes, the operator's rules), and the user's yes.
async fn check_start(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    migrated: &ClusterSpec,
) -> Result<ControllerRequest, Failure> {
    let controllers = controller_pool(migrated, &loaded.spec)?;
    check_preconditions(&loaded.spec, &controllers)?;
    let report = preflight(&loaded.conn, migrated, &PreflightOptions::scale()).await?;
    enforce(&report, global.output.quiet)?;
    let (ns, name) = (&loaded.spec.namespace, &loaded.spec.name);
    let question = format!(
        "migrate {ns}/{name} from ZooKeeper to KRaft? Strimzi adds {} controllers ({}) and rolls every broker three times; until you finalize, `kafkactl migrate {name} -n {ns} --rollback` goes back",
        controllers.replicas, controllers.name
    );
    ui::prompts::require_confirmation(&global.prompt, &question, "--yes")?;
    Ok(controllers)
}

/// Strimzi's preconditions and the controllers' own checks, all listed.
fn check_preconditions(stored: &ClusterSpec, controllers: &ControllerRequest) -> Result<(), Failure> {
    let mut problems = migration::version_problems(stored);
    problems.extend(migration::controller_problems(controllers, stored));
    if problems.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Refused,
        format!(
            "the migration cannot start; nothing was changed:\n  {}",
            problems.join("\n  ")
        ),
    ))
}

/// Apply the KafkaNodePools `pools` of the migrated spec (server-side apply).
async fn apply_pools(
    loaded: &LoadedCluster,
    migrated: &ClusterSpec,
    pools: &[&str],
    log: &ApplyLog,
) -> Result<(), Failure> {
    let full = live_plan(&loaded.conn, loaded.api, migrated).await?;
    let mut plan = Plan::default();
    for object in full.objects {
        let is_pool =
            object.object["kind"] == "KafkaNodePool" && pools.iter().any(|p| object.object["metadata"]["name"] == *p);
        if is_pool {
            plan.push(Wave::Workloads, object.object);
        }
    }
    let before = Some(before_state(&loaded.conn, &plan, &migrated.name).await?);
    let options = ApplyOptions {
        force_conflicts: false,
        dry_run: false,
    };
    apply_plan(&loaded.conn, &plan, options, &before, log).await?;
    Ok(())
}

/// `--delete-data` is asked first, before the migration writes anything: a no
/// then leaves everything as it was, rather than a finished migration whose
/// ZooKeeper volumes no later run would delete.
fn confirm_delete_data(global: &GlobalArgs, loaded: &LoadedCluster) -> Result<(), Failure> {
    let claims = zookeeper_claims(&loaded.spec);
    if claims.is_empty() {
        return Ok(());
    }
    let question = format!(
        "--delete-data: once the migration is done, delete ZooKeeper's volumes {} and the metadata copy on them? This cannot be undone",
        claims.join(", ")
    );
    ui::prompts::require_confirmation(&global.prompt, &question, "--yes")
}

/// ZooKeeper's claims (`data-<cluster>-zookeeper-<n>`), kept after a migration.
fn zookeeper_claims(stored: &ClusterSpec) -> Vec<String> {
    let replicas = stored.zookeeper.as_ref().map_or(0, |z| z.replicas);
    (0..replicas)
        .map(|n| format!("data-{}", names::zookeeper_pod(&stored.name, n)))
        .collect()
}

/// The claims of a controller pool's nodes (`data-<cluster>-<pool>-<id>`),
/// from the node ids its status reports.
fn controller_claims(stored: &ClusterSpec, pool: &str, kafka: &serde_json::Value) -> Vec<String> {
    kafka["status"]["kafkaNodePools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["name"] == pool)
        .flat_map(|p| p["nodeIds"].as_array().cloned().unwrap_or_default())
        .filter_map(|id| id.as_i64())
        .map(|id| format!("data-{}-{pool}-{id}", stored.name))
        .collect()
}
