//! `kafkactl upgrade-plan [--to VERSION] [--bundles DIR]`: the shortest safe
//! sequence of kafkactl commands from the running Strimzi operator and its
//! Kafka clusters to a target release (`operator::path`), each with what it
//! rolls and how available the clusters stay. Reads only.

use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::cli::upgrade_plan::UpgradePlanArgs;
use crate::cluster::client::connect;
use crate::cluster::discovery::discover;
use crate::cluster::upgrade_state;
use crate::error::{Failure, FailureKind};
use crate::operator::path::{self, Plan, ReleaseSource, Start};
use crate::operator::releases::{self, ReleaseFacts};
use crate::operator::source;
use crate::ui;
use crate::ui::output::TextOutput;

pub fn run(global: &GlobalArgs, args: UpgradePlanArgs) -> anyhow::Result<()> {
    let (available, releases_from) = available_releases(&args)?;
    let outcome = super::runtime()?.block_on(plan_live(global, &args, &available, &releases_from))?;
    if !outcome.plan.blockers.is_empty() {
        return Err(blocked(&outcome.plan).into());
    }
    ui::output::print_outcome(&outcome, global.output.output)
}

/// The plan, and whose cluster it is for.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanOutcome {
    /// `namespace/name` of the operator Deployment.
    pub operator: String,
    pub clusters: Vec<String>,
    #[serde(flatten)]
    pub plan: Plan,
}

impl TextOutput for PlanOutcome {
    fn text(&self) -> String {
        let mut out = format!(
            "Upgrade plan: Strimzi {} to {} (operator {}; clusters: {})\n",
            self.plan.from,
            self.plan.to,
            self.operator,
            if self.clusters.is_empty() {
                "none".to_string()
            } else {
                self.clusters.join(", ")
            }
        );
        if self.plan.steps.is_empty() {
            out.push_str("\nNothing to do: the operator runs this release already.\n");
            return out;
        }
        for (number, step) in self.plan.steps.iter().enumerate() {
            let command = step.command.as_deref().unwrap_or("(not a kafkactl command)");
            out.push_str(&format!(
                "\n{:>2}. {command}\n    {}\n    rolls:        {}\n    availability: {}\n",
                number + 1,
                step.what,
                step.rolls,
                step.availability
            ));
        }
        out.push_str("\nRun the steps in order; each one refuses to start until the ones before it are done.\n");
        out
    }
}

async fn plan_live(
    global: &GlobalArgs,
    args: &UpgradePlanArgs,
    available: &[ReleaseFacts],
    releases_from: &ReleaseSource,
) -> Result<PlanOutcome, Failure> {
    let conn = connect(&global.connection.options()).await?;
    let info = discover(&conn).await?;
    let served = crate::actions::served_api(&info)?;
    let operator = info.operators.first().ok_or_else(|| {
        Failure::usage("no Strimzi cluster operator runs in this Kubernetes cluster, so there is nothing to upgrade")
            .with_hint("install one: kafkactl operator install")
    })?;
    let version = operator.version.clone().ok_or_else(|| {
        Failure::new(
            FailureKind::Refused,
            format!(
                "the Strimzi operator {}/{} runs image {}, whose tag names no release",
                operator.namespace, operator.name, operator.image
            ),
        )
        .with_hint("kafkactl plans from a released operator image (quay.io/strimzi/operator:X.Y.Z)")
    })?;
    let state = upgrade_state::read(&conn, served.api_version().rsplit('/').next().unwrap_or("v1")).await?;
    let watched: Vec<serde_json::Value> = state
        .kafkas
        .into_iter()
        .filter(|k| {
            operator
                .watches
                .includes(k["metadata"]["namespace"].as_str().unwrap_or_default())
        })
        .collect();
    let start = Start {
        operator: releases::facts_for(&version, operator.kafka_versions.clone()),
        operator_namespace: operator.namespace.clone(),
        installed_by_other_tool: !operator.installed_by_kafkactl
            || state
                .crds
                .iter()
                .any(|c| c.spec_managers.iter().any(|m| m != crate::spec::names::FIELD_MANAGER)),
        kubernetes_minor: state.kubernetes_minor,
        stored_as_v1: state
            .crds
            .iter()
            .filter(|c| c.name.ends_with(".strimzi.io"))
            .all(|c| c.stored_versions == ["v1"]),
        clusters: path::clusters_now(&watched),
    };
    let target = args
        .to
        .clone()
        .or_else(|| available.last().map(|r| r.version.clone()))
        .unwrap_or_else(|| releases::newest().version.to_string());
    let plan = path::plan(&start, &target, available, releases_from);
    Ok(PlanOutcome {
        operator: format!("{}/{}", operator.namespace, operator.name),
        clusters: start
            .clusters
            .iter()
            .map(|c| format!("{}/{}", c.namespace, c.name))
            .collect(),
        plan,
    })
}

/// `--bundles DIR`: the releases unpacked there (their Kafka versions from
/// each bundle); else every release kafkactl knows, installed by `--version`.
fn available_releases(args: &UpgradePlanArgs) -> Result<(Vec<ReleaseFacts>, ReleaseSource), Failure> {
    match &args.bundles {
        Some(dir) => {
            let bundles = source::load_bundles(dir)?;
            let facts = bundles
                .iter()
                .map(|b| {
                    let versions = b.kafka_images().into_iter().map(|(v, _)| v).collect();
                    releases::facts_for(&b.version, versions)
                })
                .collect();
            Ok((facts, ReleaseSource::Bundles(dir.display().to_string())))
        }
        None => Ok((
            releases::RELEASES.iter().map(|r| r.facts()).collect(),
            ReleaseSource::Downloads,
        )),
    }
}

fn blocked(plan: &Plan) -> Failure {
    Failure::new(
        FailureKind::Refused,
        format!(
            "no safe way from Strimzi {} to {}:\n  {}",
            plan.from,
            plan.to,
            plan.blockers.join("\n  ")
        ),
    )
    .with_hint("kafkactl operator status and kafkactl status NAME show what runs now")
}
