//! `kafkactl upgrade NAME --kafka-version V`: the operator must support V;
//! then Strimzi's procedure in two steps. Step 1 changes `spec.kafka.version`
//! with the KRaft metadata version pinned where it is (ZooKeeper mode: an
//! `inter.broker.protocol.version` in the config stays), and waits until
//! every node pod was recreated and the Kafka CR reports V. Step 2 moves the
//! metadata version (or the protocol version) to the new release.

use std::cmp::Ordering;
use std::time::Instant;

use serde::Serialize;

use super::shared::change::{ChangeOptions, apply_change, confirm, confirm_change, dry_run_diff, load_cluster};
use super::shared::runner::SoFar;
use crate::actions::LoadedCluster;
use crate::actions::change::{guard_change, validated};
use crate::actions::lock::lock_loaded;
use crate::cli::GlobalArgs;
use crate::cli::scale::UpgradeArgs;
use crate::cluster::apply::{AppliedObject, ApplyLog};
use crate::cluster::rollout::{KafkaGoal, cluster_pods, targets, wait_for_rollout};
use crate::cluster::wait::wait_until_ready;
use crate::error::{Failure, FailureKind};
use crate::spec::changes::{SpecChange, spec_changes};
use crate::spec::scaling::{compare_kafka_versions, kafka_version, metadata_release};
use crate::spec::versions::metadata_version_for;
use crate::spec::{ClusterSpec, ConfigValue};
use crate::ui;
use crate::ui::diff::{ObjectDiff, format_diffs};
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

const PROTOCOL_VERSION: &str = "inter.broker.protocol.version";

pub fn run(global: &GlobalArgs, args: UpgradeArgs) -> anyhow::Result<()> {
    super::shared::runner::run_and_print(global, SoFar::Changing("upgrading"), upgrade(global, &args))
}

/// What `upgrade` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeOutcome {
    pub cluster: String,
    pub namespace: String,
    pub result: UpgradeResult,
    pub from: String,
    pub to: String,
    /// The steps, in order, with the spec fields each sets.
    pub steps: Vec<UpgradeStep>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<AppliedObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
}

/// How an upgrade ended (`result` in JSON and YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpgradeResult {
    /// Every step applied and rolled out, to a newer Kafka.
    Upgraded,
    /// The same, to an older Kafka.
    Downgraded,
    /// `--no-wait`: step 1 applied, not waited for.
    Applied,
    /// The cluster already ran this version.
    Unchanged,
    /// `--dry-run`: nothing was written.
    DryRun,
}

impl UpgradeResult {
    fn as_str(self) -> &'static str {
        match self {
            UpgradeResult::Upgraded => "upgraded",
            UpgradeResult::Downgraded => "downgraded",
            UpgradeResult::Applied => "applied",
            UpgradeResult::Unchanged => "unchanged",
            UpgradeResult::DryRun => "dry-run",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct UpgradeStep {
    pub description: String,
    pub changes: Vec<SpecChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<Vec<ObjectDiff>>,
}

impl TextOutput for UpgradeOutcome {
    fn text(&self) -> String {
        if self.result == UpgradeResult::DryRun {
            return self
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    format!(
                        "# step {}: {}\n{}",
                        i + 1,
                        s.description,
                        format_diffs(s.diff.as_deref().unwrap_or_default())
                    )
                })
                .collect();
        }
        let mut out = match self.result {
            UpgradeResult::Unchanged => format!("{} already runs Kafka {}; nothing changed\n", self.cluster, self.to),
            UpgradeResult::Applied => format!(
                "applied step 1 of the upgrade of {} to Kafka {} (not waiting); run the same command again after the rolling update to finish\n",
                self.cluster, self.to
            ),
            verb => format!(
                "{} {} from Kafka {} to {}\n",
                verb.as_str(),
                self.cluster,
                self.from,
                self.to
            ),
        };
        for (i, step) in self.steps.iter().enumerate() {
            out.push_str(&format!("  step {}: {}\n", i + 1, step.description));
        }
        out
    }
}

async fn upgrade(global: &GlobalArgs, args: &UpgradeArgs) -> Result<UpgradeOutcome, Failure> {
    let started = Instant::now();
    let loaded = load_cluster(global, &args.name).await?;
    let old = loaded.spec.clone();
    let version = args.kafka_version.trim().to_string();
    if kafka_version(&version).is_none() {
        return Err(Failure::usage(format!(
            "--kafka-version: \"{version}\" is not a Kafka version; write MAJOR.MINOR.PATCH, e.g. {}",
            old.kafka_version
        ))
        .with_hint("nothing was changed"));
    }
    check_operator_supports(&loaded, &version)?;
    check_metadata_mode(&old, &version)?;
    let image = args.kafka_image.as_deref().map(str::trim).map(str::to_string);
    let order = compare_kafka_versions(&version, &old.kafka_version).unwrap_or(Ordering::Equal);
    let current_metadata = current_metadata_version(&loaded);
    if order == Ordering::Less {
        check_downgrade(global, args, &old, &version, current_metadata.as_deref())?;
    }
    let (mut step1, mut step2) = plan_steps(&old, &version, order, current_metadata);
    if image.is_some() {
        // The new image comes with the new version, in step 1's roll.
        step1.images.kafka = image.clone();
        step2.images.kafka = image.clone();
    }
    validated(&step1)?;
    validated(&step2)?;
    // Applying the stored size again removes brokers a `kubectl patch` added:
    // the guards of every change name them (and the questions come below).
    let verdict = guard_change(&loaded.conn, loaded.api, &old, &step2).await?;
    let mut outcome = UpgradeOutcome {
        cluster: old.name.clone(),
        namespace: old.namespace.clone(),
        result: if order == Ordering::Less {
            UpgradeResult::Downgraded
        } else {
            UpgradeResult::Upgraded
        },
        from: old.kafka_version.clone(),
        to: version.clone(),
        steps: Vec::new(),
        objects: Vec::new(),
        elapsed_ms: None,
    };
    let step1_needed = step1 != old;
    let step2_needed = step2 != step1;
    if step1_needed {
        let description = match (&image, old.kafka_version == version) {
            (Some(image), true) => format!("Kafka {version} from image {image}: every node restarts with it"),
            (Some(image), false) => format!(
                "Kafka {} → {version} from image {image}: every node restarts with the new binaries",
                old.kafka_version
            ),
            (None, _) => format!(
                "Kafka {} → {version}: every node restarts with the new binaries",
                old.kafka_version
            ),
        };
        outcome.steps.push(UpgradeStep {
            description,
            changes: spec_changes(&old, &step1),
            diff: None,
        });
    }
    if step2_needed {
        outcome.steps.push(UpgradeStep {
            description: second_step_description(&step1, &step2),
            changes: spec_changes(&step1, &step2),
            diff: None,
        });
    }
    if !step1_needed && !step2_needed {
        outcome.result = UpgradeResult::Unchanged;
        return Ok(outcome);
    }
    if args.change.dry_run {
        outcome.result = UpgradeResult::DryRun;
        let mut index = 0;
        if step1_needed {
            outcome.steps[index].diff = Some(dry_run_diff(&loaded, &step1).await?);
            index += 1;
        }
        if step2_needed {
            let step1_loaded = LoadedCluster {
                spec: step1.clone(),
                conn: loaded.conn.clone(),
                info: loaded.info.clone(),
                api: loaded.api,
                kafka: loaded.kafka.clone(),
            };
            outcome.steps[index].diff = Some(dry_run_diff(&step1_loaded, &step2).await?);
        }
        return Ok(outcome);
    }
    if image.is_none() {
        confirm_kept_image(global, &old, &step1)?;
    }
    confirm_change(global, &old.name, &verdict)?;
    lock_loaded(&loaded, "upgrade").await?;
    let options = ChangeOptions {
        force_conflicts: args.change.force_conflicts,
        no_wait: true,
        prune: true,
    };
    let log = ApplyLog::default();
    if step1_needed {
        let pods = cluster_pods(&loaded.conn, &old).await?;
        let nodes = targets(&old, &pods, |g| g != "zookeeper");
        apply_change(global, &loaded, &step1, options, &log).await?;
        if args.change.no_wait {
            outcome.result = UpgradeResult::Applied;
            outcome.objects = log.applied();
            return Ok(outcome);
        }
        let mut view = ProgressView::new(global.output.quiet);
        view.message(&format!("rolling every node to Kafka {version}"));
        let goal = KafkaGoal {
            ready: true,
            kafka_version: Some(version.clone()),
        };
        wait_for_rollout(
            &loaded.conn,
            &step1,
            loaded.api.as_str(),
            &nodes,
            &goal,
            global.connection.timeout,
            |p| view.update(p),
        )
        .await?;
        view.finish();
    }
    if step2_needed {
        let view_text = second_step_description(&step1, &step2);
        apply_change(global, &loaded, &step2, options, &log).await?;
        if !args.change.no_wait {
            let mut view = ProgressView::new(global.output.quiet);
            view.message(&view_text);
            wait_until_ready(
                &loaded.conn,
                &step2,
                loaded.api.as_str(),
                global.connection.timeout,
                |p| view.update(p),
            )
            .await?;
            view.finish();
        }
    }
    outcome.objects = log.applied();
    outcome.elapsed_ms = Some(started.elapsed().as_millis() as u64);
    Ok(outcome)
}

/// The operator that runs the cluster must list V in its STRIMZI_KAFKA_IMAGES,
/// whatever the image: Strimzi looks every version up in the versions it
/// supports and refuses the others, custom image or not.
fn check_operator_supports(loaded: &LoadedCluster, version: &str) -> Result<(), Failure> {
    let spec = &loaded.spec;
    let Some(operator) = loaded.info.operator_for(&spec.namespace) else {
        return Err(Failure::usage(format!(
            "no Strimzi operator watches namespace \"{}\", so nothing would roll the cluster",
            spec.namespace
        ))
        .with_hint("kafkactl operator status shows the operators and what they watch"));
    };
    if operator.kafka_versions.is_empty() || operator.kafka_versions.iter().any(|v| v == version) {
        return Ok(());
    }
    let mut failure = Failure::usage(format!(
        "Kafka {version} is not supported by the Strimzi operator {}/{} ({}); it supports {}",
        operator.namespace,
        operator.name,
        operator.version.as_deref().unwrap_or("unknown version"),
        operator.kafka_versions.join(", ")
    ));
    if let Some(image) = &spec.images.kafka {
        failure = failure.with_hint(format!(
            "the cluster's custom image {image} does not change that: Strimzi refuses a version it does not support, whatever the image"
        ));
    }
    Err(failure.with_hint("pick one of those with --kafka-version, or upgrade the operator first; nothing was changed"))
}

/// ZooKeeper mode ends with Kafka 3.9: Kafka 4 has no ZooKeeper, so a
/// ZooKeeper-mode cluster cannot run it, whatever the image or the operator.
fn check_metadata_mode(old: &ClusterSpec, version: &str) -> Result<(), Failure> {
    match kafka_version(version) {
        Some((major, _, _)) if old.is_zookeeper() && major >= 4 => Err(Failure::usage(format!(
            "cluster {} keeps its metadata in ZooKeeper, and Kafka {version} has no ZooKeeper mode (Kafka 3.9 is the last release with ZooKeeper)",
            old.name
        ))
        .with_hint("pick a 3.x version with --kafka-version; Kafka 4 needs the cluster moved to KRaft first (Strimzi 0.45 migrates a ZooKeeper cluster to KRaft); nothing was changed")),
        _ => Ok(()),
    }
}

/// A custom Kafka image runs the Kafka it was built with: changing only the
/// version would tell Strimzi one version while the pods run another. Called
/// without `--kafka-image`: say plainly that the image stays and ask (`--yes`
/// in scripts).
fn confirm_kept_image(global: &GlobalArgs, old: &ClusterSpec, step1: &ClusterSpec) -> Result<(), Failure> {
    let Some(image) = &old.images.kafka else {
        return Ok(());
    };
    if step1.images.kafka.as_ref() != Some(image) || step1.kafka_version == old.kafka_version {
        return Ok(());
    }
    let question = format!(
        "{} runs the custom image {image}, which runs Kafka {}; the image stays, so the pods keep running Kafka {} while Strimzi is told Kafka {}. Keep that image?",
        old.name, old.kafka_version, old.kafka_version, step1.kafka_version
    );
    ui::prompts::require_confirmation(&global.prompt, &question, "--yes").map_err(|refused| {
        refused
            .with_hint(format!(
                "pass the image that runs Kafka {} with --kafka-image IMAGE (kafkactl image dockerfile builds one)",
                step1.kafka_version
            ))
            .with_hint(ui::prompts::same_command_with("--yes"))
    })
}

/// The metadata version the cluster runs: what Strimzi reports, else the spec's.
fn current_metadata_version(loaded: &LoadedCluster) -> Option<String> {
    if loaded.spec.is_zookeeper() {
        return None;
    }
    loaded.kafka["status"]["kafkaMetadataVersion"]
        .as_str()
        .map(str::to_string)
        .or_else(|| loaded.spec.metadata_version.clone())
        .or_else(|| metadata_version_for(&loaded.spec.kafka_version))
}

/// A downgrade needs `--allow-downgrade` and a confirmation; in KRaft the
/// metadata version cannot go back, so it must be one V still understands.
fn check_downgrade(
    global: &GlobalArgs,
    args: &UpgradeArgs,
    old: &ClusterSpec,
    version: &str,
    metadata: Option<&str>,
) -> Result<(), Failure> {
    if !args.allow_downgrade {
        return Err(Failure::new(
            FailureKind::Refused,
            format!(
                "Kafka {version} is older than the {} the cluster runs: that is a downgrade",
                old.kafka_version
            ),
        )
        .with_hint(
            "pass --allow-downgrade to downgrade anyway (check Kafka's downgrade notes first); nothing was changed",
        ));
    }
    if let (Some(metadata), Some((major, minor, _))) = (metadata, kafka_version(version))
        && metadata_release(metadata).is_some_and(|release| release > (major, minor))
    {
        return Err(Failure::new(
            FailureKind::Refused,
            format!(
                "the cluster's KRaft metadata version is {metadata}, newer than Kafka {version} understands; Kafka cannot lower a metadata version"
            ),
        )
        .with_hint("a downgrade is only possible to a Kafka release of the same metadata version; nothing was changed"));
    }
    confirm(
        global,
        &format!("downgrade {} from Kafka {} to {version}?", old.name, old.kafka_version),
    )
}

/// Step 1: the new version with the metadata (or protocol) version pinned;
/// step 2: the metadata version follows (upgrades only).
fn plan_steps(
    old: &ClusterSpec,
    version: &str,
    order: Ordering,
    current_metadata: Option<String>,
) -> (ClusterSpec, ClusterSpec) {
    let mut step1 = old.clone();
    step1.kafka_version = version.to_string();
    if !old.is_zookeeper() && old.kafka_version != version {
        step1.metadata_version = current_metadata.or_else(|| old.metadata_version.clone());
    }
    let mut step2 = step1.clone();
    if order == Ordering::Less {
        return (step1, step2);
    }
    if old.is_zookeeper() {
        if old.config.contains_key(PROTOCOL_VERSION)
            && let Some(release) = metadata_version_for(version)
        {
            step2
                .config
                .insert(PROTOCOL_VERSION.to_string(), ConfigValue::String(release));
        }
    } else {
        // Unset follows the Kafka version, as the user had it; a pinned one moves to the new release.
        step2.metadata_version = old
            .metadata_version
            .as_ref()
            .and_then(|_| metadata_version_for(version));
    }
    if old.kafka_version == version && step2 == step1 {
        // Nothing pinned to release: re-running a finished upgrade changes nothing.
        return (old.clone(), old.clone());
    }
    (step1, step2)
}

fn second_step_description(step1: &ClusterSpec, step2: &ClusterSpec) -> String {
    if step1.is_zookeeper() {
        return format!(
            "{PROTOCOL_VERSION} → {}",
            step2
                .config
                .get(PROTOCOL_VERSION)
                .map(ToString::to_string)
                .unwrap_or_default()
        );
    }
    match &step2.metadata_version {
        Some(v) => format!("KRaft metadata version → {v}"),
        None => format!(
            "KRaft metadata version follows Kafka {} (Strimzi moves it to that release's default)",
            step2.kafka_version
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;

    #[test]
    fn result_words_in_text_are_the_json_ones() {
        use UpgradeResult::*;
        for result in [Upgraded, Downgraded, Applied, Unchanged, DryRun] {
            assert_eq!(serde_json::to_value(result).unwrap(), result.as_str());
        }
    }

    fn spec(name: &str, version: &str) -> ClusterSpec {
        let mut s = preset::resolve(&preset::find(name).unwrap()).unwrap();
        s.kafka_version = version.into();
        s
    }

    #[test]
    fn kraft_upgrade_pins_the_metadata_version_then_lets_it_follow() {
        let old = spec("production", "4.2.1");
        let (step1, step2) = plan_steps(&old, "4.3.1", Ordering::Greater, Some("4.2-IV1".into()));
        assert_eq!(step1.kafka_version, "4.3.1");
        assert_eq!(step1.metadata_version.as_deref(), Some("4.2-IV1"));
        assert_eq!(step2.metadata_version, None, "unset before, unset after");
        let mut pinned = old.clone();
        pinned.metadata_version = Some("4.2".into());
        let (_, step2) = plan_steps(&pinned, "4.3.1", Ordering::Greater, Some("4.2-IV1".into()));
        assert_eq!(step2.metadata_version.as_deref(), Some("4.3"));
    }

    #[test]
    fn zookeeper_upgrade_moves_a_pinned_protocol_version_in_step_two() {
        let mut old = spec("zookeeper-classic", "3.8.1");
        let (step1, step2) = plan_steps(&old, "3.9.2", Ordering::Greater, None);
        assert_eq!(step1, step2, "nothing pinned: one step");
        old.config
            .insert(PROTOCOL_VERSION.into(), ConfigValue::String("3.8".into()));
        let (step1, step2) = plan_steps(&old, "3.9.2", Ordering::Greater, None);
        assert_eq!(step1.config[PROTOCOL_VERSION], ConfigValue::String("3.8".into()));
        assert_eq!(step2.config[PROTOCOL_VERSION], ConfigValue::String("3.9".into()));
    }

    #[test]
    fn a_finished_upgrade_plans_nothing() {
        let old = spec("production", "4.3.1");
        let (step1, step2) = plan_steps(&old, "4.3.1", Ordering::Equal, Some("4.3-IV0".into()));
        assert_eq!((&step1, &step2), (&old, &old));
    }
}
