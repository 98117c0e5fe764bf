//! `kafkactl operator install`: the bundle's objects with `--dry-run`, else
//! the shared install (`shared::operator_install`) and its outcome.

use crate::cli::operator::OperatorInstallArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::apply::ApplyLog;
use crate::cluster::client::{ConnectError, connect};
use crate::cluster::discovery::discover;
use crate::commands::shared::change::{namespace, summarize_actions};
use crate::commands::shared::operator_install::{
    InstallOutcome, InstallRequest, InstallResult, asked_watch, bundle_source, install_operator, own_only,
    release_change_refused, release_findings, running_operator, settings, transform_failure,
};
use crate::commands::shared::runner::{SoFar, run_and_print};
use crate::error::Failure;
use crate::operator::bundle::{Bundle, OPERATOR_NAME};
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
        let bundle = print_dry_run(&request, global.output.output)?;
        return check_against_cluster(global, &request, &bundle);
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
fn print_dry_run(request: &InstallRequest, format: OutputFormat) -> anyhow::Result<Bundle> {
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
    Ok(bundle)
}

/// `--dry-run` with a cluster at hand: what the install would find there (the
/// refusals and cautions of another release over the running operator), on
/// stderr; a refusal exits 4 as the real install would. Without a configured
/// cluster the dry run stays offline.
fn check_against_cluster(global: &GlobalArgs, request: &InstallRequest, bundle: &Bundle) -> anyhow::Result<()> {
    let findings = crate::commands::runtime()?.block_on(async {
        let conn = match connect(&global.connection.options()).await {
            Ok(conn) => conn,
            Err(ConnectError::NoCluster { .. }) => return Ok(None),
            Err(e) => return Err(Failure::from(e)),
        };
        let info = discover(&conn).await?;
        let existing = running_operator(&info, &request.namespace, global.connection.namespace.is_some())?;
        let asked = asked_watch(&request.settings);
        let watch = match existing {
            Some(op) => transform::merge_watch(&op.watches, asked.as_ref().unwrap_or(&op.watches)),
            None => asked.unwrap_or_else(|| own_only(&request.namespace)),
        };
        let findings = release_findings(&conn, &info, existing, bundle, &watch).await?;
        Ok::<_, Failure>(Some((conn.server.clone(), existing.cloned(), findings)))
    });
    let (server, existing, findings) = match findings {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(()),
        Err(failure) => {
            ui::errors::print_warning(&format!(
                "--dry-run: the cluster could not be checked ({}); the objects above are what would be applied",
                failure.message
            ));
            return Ok(());
        }
    };
    let Some(findings) = findings else {
        if !global.output.quiet {
            crate::eprintln_safe!("--dry-run: no Strimzi CRDs at {server}: nothing there stands in the way");
        }
        return Ok(());
    };
    if !findings.refusals.is_empty() {
        return Err(release_change_refused(bundle, existing.as_ref(), &findings.refusals)
            .with_hint("--dry-run: checked against the cluster, as the install would")
            .into());
    }
    for caution in &findings.cautions {
        ui::errors::print_warning(&format!("{} {} (then: {})", caution.subject, caution.why, caution.fix));
    }
    if !global.output.quiet {
        crate::eprintln_safe!(
            "--dry-run: checked against {server}: Strimzi {} can replace what runs there",
            bundle.version
        );
    }
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
