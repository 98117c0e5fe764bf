//! `kafkactl create NAME`: spec from preset and flags → validate → render →
//! print (`--dry-run`) or apply and wait.

use anyhow::Context;

use crate::cli::{CreateArgs, DryRun, GlobalArgs, OutputFormat};
use crate::error::Failure;
use crate::render::{self, RenderContext};
use crate::spec::{self, ClusterSpec, preset::DEFAULT_PRESET};
use crate::ui;

pub fn run(global: &GlobalArgs, args: CreateArgs) -> anyhow::Result<()> {
    let spec = spec_from_args(global, &args)?;
    match args.dry_run {
        Some(DryRun::Client) => print_offline_render(&spec, global.output.output),
        Some(DryRun::Server) | None => Err(Failure::runtime(
            "applying to a live cluster is not available in this build",
        )
        .with_hint("use --dry-run to print the objects")
        .into()),
    }
}

/// The validated spec of this `create`, or the problems with it (exit code 2).
pub fn spec_from_args(global: &GlobalArgs, args: &CreateArgs) -> anyhow::Result<ClusterSpec> {
    let Some(name) = args.name.as_deref() else {
        return Err(Failure::usage("the cluster name is missing")
            .with_hint("pass it as the first argument: kafkactl create my-cluster")
            .into());
    };
    let preset = args.preset.as_deref().unwrap_or(DEFAULT_PRESET);
    let overrides = args
        .spec
        .to_overrides(global.connection.namespace.as_deref());
    let (spec, report) = spec::build(name, preset, &overrides)
        .with_context(|| format!("cannot use preset \"{preset}\""))?;
    if !report.is_ok() {
        return Err(Failure::invalid_spec(report)
            .with_hint("fix the flags or the preset file; nothing was changed in the cluster")
            .into());
    }
    if !global.output.quiet {
        ui::errors::print_warnings(&report);
    }
    Ok(spec)
}

/// `--dry-run`: the objects as multi-document YAML, or one `List` with `-o json`.
fn print_offline_render(spec: &ClusterSpec, format: OutputFormat) -> anyhow::Result<()> {
    let plan = render::render(spec, &RenderContext::offline());
    let objects: Vec<serde_json::Value> = plan.objects.into_iter().map(|o| o.object).collect();
    let text = match format {
        OutputFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&ui::output::kubernetes_list(&objects))?
        ),
        OutputFormat::Text | OutputFormat::Yaml => ui::output::multi_document_yaml(&objects)?,
    };
    ui::output::print_stdout(&text);
    Ok(())
}
