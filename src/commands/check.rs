//! `kafkactl check [NAME]`: the preflight checklist for a spec built as
//! `create` builds it (the preflight itself is `actions::preflight`, which
//! `create` and `scale` run before they apply anything).

use serde_json::Value;

use super::shared::preflight::failed;
use super::shared::spec::accepted;
use crate::actions::preflight::{PreflightOptions, preflight};
use crate::actions::requested_spec::{SpecRequest, requested_spec};
use crate::check::{CheckReport, Intent};
use crate::cli::GlobalArgs;
use crate::cli::check::CheckArgs;
use crate::cluster::client::{Connection, connect};
use crate::cluster::discovery::discover;
use crate::cluster::inventory::get_kafka;
use crate::spec::preset::target_namespace;
use crate::spec::{ClusterSpec, StrimziApi};
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
    let existing = existing_kafka(&conn, global, args, served).await;
    let spec = spec_from_args(global, args, served, existing.as_ref())?;
    let options = PreflightOptions {
        intent: Intent::Check,
        named: args.name.is_some(),
    };
    Ok(preflight(&conn, &spec, &options).await?)
}

/// The validated spec, built as `create` builds it (`actions::requested_spec`),
/// named `PLACEHOLDER_NAME` when no name was given.
fn spec_from_args(
    global: &GlobalArgs,
    args: &CheckArgs,
    live_api: Option<StrimziApi>,
    existing: Option<&Value>,
) -> anyhow::Result<ClusterSpec> {
    let (spec, report) = requested_spec(SpecRequest {
        name: args.name.as_deref().unwrap_or(PLACEHOLDER_NAME),
        preset: args.preset.as_deref(),
        overrides: args.spec.to_overrides(global.connection.namespace.as_deref()),
        served_api: live_api,
        existing,
        update: false,
    })?;
    let hint = "fix the flags or the preset file; the preflight checks need a valid spec";
    Ok(accepted(global, spec, report, hint)?)
}

/// The existing cluster NAME, whose pool naming `create` would keep.
/// Unknown (no name, no Strimzi, no answer) leaves the preset's: the
/// checklist itself reports what could not be read.
async fn existing_kafka(
    conn: &Connection,
    global: &GlobalArgs,
    args: &CheckArgs,
    served: Option<StrimziApi>,
) -> Option<Value> {
    let (name, api) = (args.name.as_deref()?, served?);
    let namespace = target_namespace(global.connection.namespace.as_deref(), args.preset.as_deref()).ok()?;
    get_kafka(conn, api.as_str(), &namespace, name).await.ok()?
}
