//! `kafkactl check [NAME]`: the preflight checklist for a spec built as
//! `create` builds it; and `preflight` + `enforce`, which `create` (and
//! `scale`) run before they apply anything.

use anyhow::Context;
use console::style;

use crate::check::{self, CheckReport, CheckResult, Intent, Status, Target};
use crate::cli::GlobalArgs;
use crate::cli::check::CheckArgs;
use crate::cluster::client::{Connection, connect};
use crate::cluster::discovery::discover;
use crate::cluster::facts::gather;
use crate::cluster::inventory::{get_kafka, stored_pool_naming};
use crate::error::{Failure, FailureKind};
use crate::render::{self, RenderContext};
use crate::spec::preset::DEFAULT_PRESET;
use crate::spec::versions::api_supports;
use crate::spec::{self, ClusterSpec, NodePoolNames, StrimziApi};
use crate::ui;
use crate::ui::output::TextOutput;
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
    let conn = connect(&global.connection).await?;
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
    let namespace = super::create::target_namespace(global, args.preset.as_deref()).ok()?;
    let kafka = get_kafka(conn, api.as_str(), &namespace, name).await.ok()??;
    stored_pool_naming(&kafka)
}

/// What the command running the preflight is about to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreflightOptions {
    pub intent: Intent,
    /// The spec's name is the real cluster name (not `check`'s placeholder).
    pub named: bool,
}

impl PreflightOptions {
    pub fn create(update: bool) -> Self {
        PreflightOptions {
            intent: Intent::Create { update },
            named: true,
        }
    }

    pub fn scale() -> Self {
        PreflightOptions {
            intent: Intent::Scale,
            named: true,
        }
    }
}

/// Render `spec`, read the cluster's facts in one concurrent round, and judge
/// them. `spec` must be validated. The checklist itself never fails here: a
/// failed read is a line of it.
pub async fn preflight(
    conn: &Connection,
    spec: &ClusterSpec,
    options: &PreflightOptions,
) -> Result<CheckReport, Failure> {
    let plan = render::render(spec, &RenderContext::offline());
    let target = Target {
        spec,
        plan: &plan,
        intent: options.intent,
        named: options.named,
    };
    let facts = gather(conn, &spec.namespace, &check::access_requests(&target)).await;
    Ok(check::evaluate(&facts, &target))
}

/// Before applying: print the warnings (unless quiet) and go ahead, or print
/// the failures and refuse (exit code 4) so that nothing is written.
pub fn enforce(report: &CheckReport, quiet: bool) -> Result<(), Failure> {
    let mut lines = String::new();
    for result in report.checks.iter().filter(|c| c.status != Status::Pass) {
        if result.status == Status::Fail || !quiet {
            lines.push_str(&format_line(result, ui::terminal::stderr_is_tty()));
        }
    }
    if !lines.is_empty() {
        crate::eprintln_safe!("{}{lines}", style("preflight:").bold());
    }
    if report.ok {
        return Ok(());
    }
    Err(failed(report)
        .with_hint(format!(
            "nothing was applied; fix the {} lines above and run the same command again",
            Mark::Fail.on_stderr().trim_end()
        ))
        .with_hint("kafkactl check NAME with the same flags shows the whole checklist; --skip-checks applies anyway"))
}

fn failed(report: &CheckReport) -> Failure {
    let n = report.failures;
    let what = if n == 1 {
        "1 preflight check failed".to_string()
    } else {
        format!("{n} preflight checks failed")
    };
    Failure::new(
        FailureKind::Refused,
        format!("{what}: this Kubernetes cluster cannot run this spec as it is"),
    )
}

/// The status mark for a line on a terminal (`on_terminal`) or elsewhere.
fn symbol(status: Status, on_terminal: bool) -> String {
    let s = status.mark().render(on_terminal);
    match status {
        Status::Pass => style(s).green().to_string(),
        Status::Warn => style(s).yellow().bold().to_string(),
        Status::Fail => style(s).red().bold().to_string(),
    }
}

/// `✗ name: detail` and, under problems, the indented hint.
fn format_line(result: &CheckResult, on_terminal: bool) -> String {
    let mut out = format!(
        "\n{} {}: {}",
        symbol(result.status, on_terminal),
        result.name,
        result.detail
    );
    if let Some(hint) = &result.hint
        && result.status != Status::Pass
    {
        out.push_str(&format!("\n    {} {hint}", style("hint:").cyan()));
    }
    out
}

impl TextOutput for CheckReport {
    fn text(&self) -> String {
        let on_terminal = ui::terminal::stdout_is_tty();
        let mut out = String::new();
        let mut section = None;
        for result in &self.checks {
            if section != Some(result.section) {
                if section.is_some() {
                    out.push_str("\n\n");
                }
                let title = result.section.title();
                out.push_str(&format!("{title}\n{}", "-".repeat(title.chars().count())));
                section = Some(result.section);
            }
            out.push_str(&format_line(result, on_terminal));
        }
        let verdict = if self.ok {
            "this cluster can run this spec"
        } else {
            "this cluster cannot run this spec as it is"
        };
        let warnings = match self.warnings {
            1 => "1 warning".to_string(),
            n => format!("{n} warnings"),
        };
        out.push_str(&format!(
            "\n\nSummary: {} failed, {warnings}, {} passed: {verdict}\n",
            self.failures, self.passed
        ));
        out
    }
}
