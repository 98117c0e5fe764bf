//! `kafkactl operator install`: the bundle's objects with `--dry-run`, else
//! the shared install (`shared::operator_install`) and its outcome.

use crate::cli::operator::OperatorInstallArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::apply::ApplyLog;
use crate::cluster::client::connect;
use crate::cluster::discovery::discover;
use crate::commands::shared::change::{namespace, summarize_actions};
use crate::commands::shared::operator_install::{
    InstallOutcome, InstallRequest, InstallResult, asked_watch, bundle_source, install_operator, own_only, settings,
    transform_failure,
};
use crate::commands::shared::runner::{SoFar, run_and_print};
use crate::error::Failure;
use crate::operator::bundle::OPERATOR_NAME;
use crate::operator::source;
use crate::operator::transform;
use crate::ui;
use crate::ui::output::TextOutput;

impl TextOutput for InstallOutcome {
    fn text(&self) -> String {
        let what = match self.result {
            InstallResult::Upgraded | InstallResult::Downgraded => format!(
                "{} from {}",
                self.result,
                self.previous_version.as_deref().unwrap_or("an unknown version")
            ),
            other => other.to_string(),
        };
        format!(
            "Strimzi operator {}/{OPERATOR_NAME} {}: {what}\n  image:   {}\n  watches: {}\n{}\n",
            self.namespace,
            self.version,
            self.image,
            self.watches,
            summarize_actions(&self.objects)
        )
    }
}

pub(super) fn install(global: &GlobalArgs, args: OperatorInstallArgs) -> anyhow::Result<()> {
    check_settings(&args.settings)?;
    let request = InstallRequest {
        source: args.source.clone(),
        settings: args.settings.clone(),
        namespace: namespace(global).to_string(),
        force_conflicts: args.force_conflicts,
        no_wait: args.no_wait,
    };
    if args.dry_run {
        return print_dry_run(&request, global.output.output);
    }
    let log = ApplyLog::default();
    run_and_print(global, SoFar::Applied(&log), install_live(global, &request, &log))
}

fn check_settings(settings: &crate::cli::operator::OperatorSettingsArgs) -> Result<(), Failure> {
    let mut problems = Vec::new();
    if let Some(registry) = &settings.registry
        && let Some(problem) = crate::spec::validate::registry_problem(registry)
    {
        problems.push(format!(
            "--registry: \"{registry}\" is not a registry mirror: it {problem}; write a registry host with an optional path, e.g. harbor.corp/mirror"
        ));
    }
    for secret in &settings.image_pull_secrets {
        let violations = crate::spec::validate::subdomain_violations(secret);
        if !violations.is_empty() {
            problems.push(format!(
                "--image-pull-secret: \"{secret}\" is not a Secret name: it {}; e.g. regcred",
                violations.join(", ")
            ));
        }
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(Failure::usage(problems.join("\n")).with_hint("nothing was changed in the cluster")),
    }
}

/// `--dry-run`: the transformed bundle, without a cluster.
fn print_dry_run(request: &InstallRequest, format: OutputFormat) -> anyhow::Result<()> {
    let bundle = source::load(&bundle_source(&request.source, None))?;
    let watch = asked_watch(&request.settings).unwrap_or_else(|| own_only(&request.namespace));
    let settings = settings(&request.namespace, watch, &request.settings, None);
    let plan = transform::install_plan(&bundle, &settings).map_err(transform_failure)?;
    let objects: Vec<serde_json::Value> = plan.objects.into_iter().map(|o| o.object).collect();
    let text = match format {
        OutputFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&ui::output::kubernetes_list(&objects))?
        ),
        // -o yaml is one document, like -o json; text stays a stream for kubectl apply -f.
        OutputFormat::Yaml => ui::output::to_yaml(&ui::output::kubernetes_list(&objects))?,
        OutputFormat::Text => ui::output::multi_document_yaml(&objects)?,
    };
    ui::output::print_stdout(&text);
    Ok(())
}

async fn install_live(
    global: &GlobalArgs,
    request: &InstallRequest,
    log: &ApplyLog,
) -> Result<InstallOutcome, Failure> {
    let conn = connect(&global.connection.options()).await?;
    let info = discover(&conn).await?;
    install_operator(global, &conn, &info, request, log).await
}
