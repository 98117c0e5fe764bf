//! `kafkactl check [NAME]`: the preflight checklist for a spec built as
//! `create` builds it (the preflight itself is `actions::preflight`, which
//! `create` and `scale` run before they apply anything).

use anyhow::Context;

use super::shared::preflight::failed;
use crate::actions::preflight::{PreflightOptions, preflight};
use crate::check::{CheckReport, Intent};
use crate::cli::GlobalArgs;
use crate::cli::check::CheckArgs;
use crate::cluster::client::{Connection, connect};
use crate::cluster::discovery::discover;
use crate::cluster::inventory::{get_kafka, stored_pool_naming};
use crate::error::Failure;
use crate::spec::preset::{DEFAULT_PRESET, target_namespace};
use crate::spec::versions::api_supports;
use crate::spec::{self, ClusterSpec, NodePoolNames, StrimziApi};
use crate::ui;
use crate::ui::terminal::Mark;

/// The cluster name the spec gets when `check` is run without one.
pub const PLACEHOLDER_NAME: &str = "preflight";

pub fn run(global: &GlobalArgs, args: CheckArgs) -> anyhow::Result<()> {
    let runtime = super::runtime()?;
    let report = runtime.block_on(check_live(global, &args))?;
    ui::output::print_outcome(&report, global.output.output)?;
    if report.ok {
        Ok(())
    } else {
        Err(failed(&report)
            .with_hint(format!(
                "each {} line above says what to do; nothing was changed in the cluster",
                Mark::Fail.on_stderr().trim_end()
            ))
            .into())
    }
}

async fn check_live(global: &GlobalArgs, args: &CheckArgs) -> anyhow::Result<CheckReport> {
    let conn = connect(&global.connection.options()).await?;
    // The spec is rendered for the API the cluster serves; without Strimzi (or
    // without an answer) it keeps the preset's, and the checklist says why.
    let served = discover(&conn).await.ok().and_then(|info| info.api());
    let naming = existing_pool_naming(&conn, global, args, served).await;
    let spec = spec_from_args(global, args, served, naming)?;
    let options = PreflightOptions {
        intent: Intent::Check,
        named: args.name.is_some(),
    };
    Ok(preflight(&conn, &spec, &options).await?)
}

/// The validated spec, built as `create` builds it (preset, then flags, the
/// served Strimzi API), named `PLACEHOLDER_NAME` when no name was given.
fn spec_from_args(
    global: &GlobalArgs,
    args: &CheckArgs,
    live_api: Option<StrimziApi>,
    pool_naming: Option<NodePoolNames>,
) -> anyhow::Result<ClusterSpec> {
    let name = args.name.as_deref().unwrap_or(PLACEHOLDER_NAME);
    let preset = args.preset.as_deref().unwrap_or(DEFAULT_PRESET);
    let mut overrides = args.spec.to_overrides(global.connection.namespace.as_deref());
    overrides.node_pool_names = pool_naming;
    let build = |overrides: &spec::SpecOverrides| {
        spec::build(name, preset, overrides).with_context(|| format!("cannot use preset \"{preset}\""))
    };
    let (mut spec, mut report) = build(&overrides)?;
    if let Some(served) = live_api {
        if let Some(asked) = overrides.strimzi_api.filter(|a| *a != served) {
            return Err(Failure::usage(format!(
                "--strimzi-api {} was given, but this cluster serves kafka.strimzi.io/{}",
                asked.as_str(),
                served.as_str()
            ))
            .with_hint("leave --strimzi-api out when a cluster is connected: kafkactl checks for what it serves")
            .into());
        }
        // As create does, render for what is served — unless that API cannot run
        // the metadata mode: then the spec stays as asked and the checklist says why.
        if spec.strimzi_api != served && api_supports(served, spec.metadata) {
            overrides.strimzi_api = Some(served);
            (spec, report) = build(&overrides)?;
        }
    }
    if !report.is_ok() {
        return Err(Failure::invalid_spec(report)
            .with_hint("fix the flags or the preset file; the preflight checks need a valid spec")
            .into());
    }
    if !global.output.quiet {
        ui::errors::print_warnings(&report);
    }
    Ok(spec)
}

/// The pool naming of the existing cluster NAME, which `create` would keep.
/// Unknown (no name, no Strimzi, no answer) leaves the preset's: the
/// checklist itself reports what could not be read.
async fn existing_pool_naming(
    conn: &Connection,
    global: &GlobalArgs,
    args: &CheckArgs,
    served: Option<StrimziApi>,
) -> Option<NodePoolNames> {
    let (name, api) = (args.name.as_deref()?, served?);
    let namespace = target_namespace(global.connection.namespace.as_deref(), args.preset.as_deref()).ok()?;
    let kafka = get_kafka(conn, api.as_str(), &namespace, name).await.ok()??;
    stored_pool_naming(&kafka)
}
