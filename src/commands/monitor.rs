//! `kafkactl monitor NAME [install|uninstall]`: turn monitoring on or off in
//! the stored spec and apply it, or show a health summary read from the
//! cluster's Prometheus through the API server's service proxy.
//!
//! Exit codes of the health view: 3 (not found) when the cluster does not
//! exist or has no monitoring installed, or no Prometheus to ask can be
//! found; 1 when Prometheus is not ready, answers no query at all, or some
//! panels failed (the view is still printed, with the failures in it).

use std::io::IsTerminal;
use std::time::Duration;

use serde::Serialize;

use super::common::{ChangeOptions, LoadedCluster, apply_change, load_cluster, validated};
use super::runner::{Runner, SoFar, run_and_print};
use crate::cli::monitor::{InstallArgs, MonitorAction, MonitorArgs, MonitorMode, UninstallArgs, ViewArgs};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::apply::{AppliedObject, ApplyLog, ObjectRef};
use crate::cluster::prometheus_query::{
    self, HealthView, Panel, PanelResult, PrometheusTarget, build_view, health_queries,
};
use crate::cluster::volumes;
use crate::error::{Failure, FailureKind};
use crate::spec::names::{self, COMPONENT_LABEL, Component};
use crate::spec::scaling::VolumeChange;
use crate::spec::{ClusterSpec, PrometheusMode};
use crate::ui;
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

pub fn run(global: &GlobalArgs, args: MonitorArgs) -> anyhow::Result<()> {
    let name = args.name.as_str();
    let log = ApplyLog::default();
    match args.action {
        Some(MonitorAction::Install(install_args)) => {
            run_and_print(global, SoFar::Applied(&log), install(global, name, &install_args, &log))
        }
        Some(MonitorAction::Uninstall(uninstall_args)) => run_and_print(
            global,
            SoFar::Applied(&log),
            uninstall(global, name, &uninstall_args, &log),
        ),
        None => Runner::new()?.run_until_ctrl_c(health(global, name, &args.view)),
    }
}

// ---------------------------------------------------------------- install

/// What `monitor install` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallOutcome {
    pub cluster: String,
    pub namespace: String,
    pub mode: PrometheusMode,
    /// The monitoring objects as applied (the rest of the cluster is applied too, usually unchanged).
    pub objects: Vec<AppliedObject>,
    pub pruned: Vec<ObjectRef>,
    /// The Service the health view asks (standalone mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// The Prometheus volume claim `--storage-size` grew.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grown_volume: Option<GrownVolume>,
    pub waited: bool,
}

/// A Prometheus volume claim asked for more storage.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrownVolume {
    pub claim: String,
    pub from: String,
    pub to: String,
    /// The claim has the new size (false with `--no-wait`, or when no
    /// Prometheus pod mounts it yet: it may still be growing).
    pub grown: bool,
}

impl TextOutput for InstallOutcome {
    fn text(&self) -> String {
        let mut out = format!(
            "Monitoring of {}/{} is installed ({} mode).\n",
            self.namespace,
            self.cluster,
            self.mode.as_str()
        );
        for object in &self.objects {
            out.push_str(&format!("  {} {}\n", object.object, object.action.as_str()));
        }
        for object in &self.pruned {
            out.push_str(&format!("  {object} deleted\n"));
        }
        if let Some(volume) = &self.grown_volume {
            out.push_str(&format!(
                "Volume {} {} from {} to {}; the TSDB size cap follows what it holds.\n",
                volume.claim,
                if volume.grown { "grew" } else { "is growing" },
                volume.from,
                volume.to
            ));
        }
        match (&self.prometheus, self.mode) {
            (Some(target), _) => out.push_str(&format!(
                "Prometheus: {target}{}\n",
                if self.waited { " (ready)" } else { "" }
            )),
            (None, PrometheusMode::Operator) => out.push_str(
                "The cluster's prometheus-operator scrapes it; its Prometheus must select these objects \
                 (see --monitor-label).\n",
            ),
            (None, PrometheusMode::Standalone) => {}
        }
        out.push_str(&format!(
            "Health: kafkactl monitor {} -n {}\n",
            self.cluster, self.namespace
        ));
        out
    }
}

async fn install(
    global: &GlobalArgs,
    name: &str,
    args: &InstallArgs,
    log: &ApplyLog,
) -> anyhow::Result<InstallOutcome> {
    let loaded = load_cluster(global, name).await?;
    let served = prometheus_query::operator_kinds_served(&loaded.conn).await?;
    let mode = resolve_mode(args.mode, served)?;
    let before = loaded.spec.prometheus.clone();
    let spec = with_monitoring(&loaded.spec, args, mode)?;
    validated(&spec)?;
    let growth = match (spec.prometheus.standalone(), &args.storage_size) {
        (true, Some(_)) => volume_growth(&loaded, &spec, args).await?,
        _ => None,
    };
    let verdict = super::change::guard_change(&loaded.conn, loaded.api, &loaded.spec, &spec).await?;
    super::change::confirm_change(global, &loaded.spec.name, &verdict)?;
    super::common::lock_loaded(&loaded, "monitor install").await?;
    // Switching modes leaves the other mode's objects behind: prune them
    // (never volumes). A plain install adds only.
    let prune = before.enabled && before.mode != mode;
    let options = ChangeOptions {
        force_conflicts: args.force_conflicts,
        no_wait: args.no_wait,
        prune,
    };
    let grown_volume = match growth {
        Some(growth) => Some(grow_volume(global, &loaded, &spec, growth, args.no_wait).await?),
        None => None,
    };
    let change = apply_change(global, &loaded, &spec, options, log).await?;
    Ok(InstallOutcome {
        cluster: spec.name.clone(),
        namespace: spec.namespace.clone(),
        mode,
        objects: change.objects.into_iter().filter(is_monitoring_object).collect(),
        pruned: change.pruned,
        prometheus: spec
            .prometheus
            .standalone()
            .then(|| PrometheusTarget::standalone(&spec).to_string()),
        grown_volume,
        waited: !args.no_wait,
    })
}

/// Prometheus exposed outside the cluster (`expose NAME prometheus`) goes first: removing it
/// under its exposure would leave a Service or Ingress pointing at nothing.
fn refuse_while_exposed(spec: &ClusterSpec) -> Result<(), Failure> {
    let p = &spec.prometheus;
    if p.expose.is_none() && p.ingress.is_none() {
        return Ok(());
    }
    let how = match (&p.expose, &p.ingress) {
        (Some(_), Some(_)) => "a Service and an Ingress",
        (Some(_), None) => "a Service",
        _ => "an Ingress",
    };
    Err(Failure::new(
        FailureKind::Refused,
        format!(
            "Prometheus of cluster \"{}\" is exposed outside the cluster ({how}); remove that exposure first; nothing was changed",
            spec.name
        ),
    )
    .with_hint(format!(
        "kafkactl expose {} prometheus --remove -n {}, then kafkactl monitor {} uninstall -n {}",
        spec.name, spec.namespace, spec.name, spec.namespace
    )))
}

/// A claim to grow: its name, the change, and whether a Prometheus
/// StatefulSet mounts it (only then can a resize that finishes on the node
/// complete before the install applies).
struct Growth {
    claim: String,
    change: VolumeChange,
    mounted: bool,
}

/// `--storage-size` on an existing Prometheus volume: the claim itself must
/// grow, since the StatefulSet's claim template cannot change (it is left as
/// it is). A shrink, another class, or a class that cannot expand volumes is
/// refused here, before anything is written.
async fn volume_growth(
    loaded: &LoadedCluster,
    spec: &ClusterSpec,
    args: &InstallArgs,
) -> Result<Option<Growth>, Failure> {
    let live = volumes::prometheus_volume(&loaded.conn, spec).await?;
    let Some(claim) = &live.claim else {
        return Ok(None);
    };
    let change = volumes::prometheus_claim_change(
        spec,
        claim,
        &spec.prometheus.storage.size,
        args.storage_class.as_deref(),
    )?;
    let Some(change) = change else {
        return Ok(None);
    };
    let classes = volumes::storage_classes(&loaded.conn).await?;
    volumes::check_expansion(std::slice::from_ref(&change), &classes)?;
    Ok(Some(Growth {
        claim: claim.name.clone(),
        change,
        mounted: live.template_size.is_some(),
    }))
}

/// Ask the claim for the new size and (unless `--no-wait`, or no pod mounts
/// it yet) wait until it has it, so that the TSDB size cap rendered next fits
/// the grown disk. Not waiting, the cap stays at what the claim holds now.
async fn grow_volume(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    spec: &ClusterSpec,
    growth: Growth,
    no_wait: bool,
) -> Result<GrownVolume, Failure> {
    let Growth { claim, change, mounted } = growth;
    let ns = &spec.namespace;
    volumes::grow_claim(&loaded.conn, ns, &claim, &change.to).await?;
    let wait = mounted && !no_wait;
    if wait {
        let view = ProgressView::new(global.output.quiet);
        view.message(&format!("growing volume {claim} to {}", change.to));
        volumes::wait_for_capacity(&loaded.conn, ns, &claim, &change.to, global.connection.timeout).await?;
        view.finish();
    }
    Ok(GrownVolume {
        claim,
        from: change.from.unwrap_or_default(),
        to: change.to,
        grown: wait,
    })
}

/// `auto` picks operator mode when the cluster serves the operator's kinds.
fn resolve_mode(asked: MonitorMode, served: bool) -> Result<PrometheusMode, Failure> {
    match (asked, served) {
        (MonitorMode::Standalone, _) | (MonitorMode::Auto, false) => Ok(PrometheusMode::Standalone),
        (MonitorMode::Operator, true) | (MonitorMode::Auto, true) => Ok(PrometheusMode::Operator),
        (MonitorMode::Operator, false) => Err(Failure::usage(
            "--mode operator needs a prometheus-operator, but this cluster does not serve monitoring.coreos.com/v1 \
             PodMonitor, ServiceMonitor and PrometheusRule",
        )
        .with_hint("install the prometheus-operator (e.g. kube-prometheus-stack) first, or use --mode standalone")),
    }
}

/// The stored spec with monitoring on and the flags applied.
fn with_monitoring(stored: &ClusterSpec, args: &InstallArgs, mode: PrometheusMode) -> Result<ClusterSpec, Failure> {
    let mut spec = stored.clone();
    let prometheus = &mut spec.prometheus;
    prometheus.enabled = true;
    prometheus.mode = mode;
    if let Some(retention) = &args.retention {
        prometheus.retention = retention.clone();
    }
    if let Some(size) = &args.retention_size {
        prometheus.retention_size = Some(size.clone());
    }
    if let Some(size) = &args.storage_size {
        prometheus.storage.size = size.clone();
    }
    if let Some(class) = &args.storage_class {
        prometheus.storage.class = Some(class.clone());
    }
    if let Some(cpu) = &args.cpu {
        prometheus.resources.requests.cpu = Some(cpu.clone());
        prometheus.resources.limits.cpu = Some(cpu.clone());
    }
    if let Some(memory) = &args.memory {
        prometheus.resources.requests.memory = Some(memory.clone());
        prometheus.resources.limits.memory = Some(memory.clone());
    }
    for label in &args.monitor_labels {
        let (key, value) = parse_label(label)?;
        prometheus.monitor_labels.insert(key, value);
    }
    if args.grafana_dashboards {
        prometheus.grafana_dashboards = true;
    }
    if spec.is_zookeeper() && !stored.prometheus.enabled {
        // The ZooKeeper exporter exists to be scraped; it comes with monitoring.
        spec.zookeeper_exporter.enabled = true;
    }
    Ok(spec)
}

fn parse_label(text: &str) -> Result<(String, String), Failure> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.trim().to_string())),
        _ => Err(Failure::usage(format!("--monitor-label \"{text}\" is not KEY=VALUE"))
            .with_hint("for example --monitor-label release=kube-prometheus-stack")),
    }
}

fn is_monitoring_object(object: &AppliedObject) -> bool {
    object.stored["metadata"]["labels"][COMPONENT_LABEL] == Component::Prometheus.as_str()
}

// ---------------------------------------------------------------- uninstall

/// What `monitor uninstall` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UninstallOutcome {
    pub cluster: String,
    pub namespace: String,
    /// Monitoring was on before.
    pub was_installed: bool,
    pub deleted: Vec<ObjectRef>,
    /// The Prometheus volume claim and what became of it: kept, deleted, absent.
    pub volume: String,
    pub volume_claim: String,
}

impl TextOutput for UninstallOutcome {
    fn text(&self) -> String {
        let mut out = if self.was_installed {
            format!("Monitoring of {}/{} is uninstalled.\n", self.namespace, self.cluster)
        } else {
            format!(
                "Monitoring of {}/{} was not installed; nothing to remove.\n",
                self.namespace, self.cluster
            )
        };
        for object in &self.deleted {
            out.push_str(&format!("  {object} deleted\n"));
        }
        match self.volume.as_str() {
            "kept" => out.push_str(&format!(
                "Volume {} is kept (its samples come back with `monitor install`); --delete-data deletes it.\n",
                self.volume_claim
            )),
            "deleted" => out.push_str(&format!("Volume {} is deleted.\n", self.volume_claim)),
            _ => {}
        }
        out
    }
}

async fn uninstall(
    global: &GlobalArgs,
    name: &str,
    args: &UninstallArgs,
    log: &ApplyLog,
) -> anyhow::Result<UninstallOutcome> {
    let loaded = load_cluster(global, name).await?;
    let claim = names::prometheus_data_claim(&loaded.spec.name);
    refuse_while_exposed(&loaded.spec)?;
    if args.delete_data {
        confirm_delete_data(global, &loaded, &claim)?;
    }
    let was_installed = loaded.spec.prometheus.enabled;
    let mut spec = loaded.spec.clone();
    spec.prometheus.enabled = false;
    validated(&spec)?;
    let verdict = super::change::guard_change(&loaded.conn, loaded.api, &loaded.spec, &spec).await?;
    super::change::confirm_change(global, &loaded.spec.name, &verdict)?;
    super::common::lock_loaded(&loaded, "monitor uninstall").await?;
    let options = ChangeOptions {
        force_conflicts: false,
        no_wait: args.no_wait,
        prune: true,
    };
    let change = apply_change(global, &loaded, &spec, options, log).await?;
    let volume = match args.delete_data {
        false => "kept",
        true => match prometheus_query::delete_prometheus_volume(&loaded.conn, &spec).await? {
            true => "deleted",
            false => "absent",
        },
    };
    Ok(UninstallOutcome {
        cluster: spec.name.clone(),
        namespace: spec.namespace.clone(),
        was_installed,
        deleted: change.pruned,
        volume: volume.to_string(),
        volume_claim: claim,
    })
}

/// Deleting samples cannot be undone: ask, or require `--yes`.
fn confirm_delete_data(global: &GlobalArgs, loaded: &LoadedCluster, claim: &str) -> Result<(), Failure> {
    let question =
        format!("--delete-data: delete Prometheus' volume {claim} and every sample on it? This cannot be undone");
    ui::prompts::require_confirmation(&global.prompt, &question, "--yes").map_err(|refused| {
        refused
            .with_hint(format!(
                "to delete it: kafkactl monitor {} uninstall -n {} --delete-data --yes",
                loaded.spec.name, loaded.spec.namespace
            ))
            .with_hint("run without --delete-data to remove monitoring and keep the volume")
    })
}

// ---------------------------------------------------------------- health view

/// One health summary.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthOutcome {
    pub cluster: String,
    pub namespace: String,
    pub mode: PrometheusMode,
    pub prometheus: String,
    #[serde(flatten)]
    pub view: HealthView,
}

async fn health(global: &GlobalArgs, name: &str, args: &ViewArgs) -> anyhow::Result<()> {
    let loaded = load_cluster(global, name).await?;
    let target = prometheus_target(&loaded, args).await?;
    if !args.watch {
        let outcome = health_once(&loaded, &target, args).await?;
        ui::output::print_outcome(&outcome, global.output.output)?;
        return match panels_failed(&outcome, &loaded) {
            None => Ok(()),
            Some(failure) => Err(failure.into()),
        };
    }
    watch(global, &loaded, &target, args).await
}

/// `--watch`: a fresh view every interval until `--timeout`. A failure that
/// may pass (Prometheus restarting) is reported and the watch goes on.
async fn watch(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    target: &PrometheusTarget,
    args: &ViewArgs,
) -> anyhow::Result<()> {
    let format = global.output.output;
    let redraw = format == OutputFormat::Text && std::io::stdout().is_terminal();
    let deadline = tokio::time::Instant::now() + global.connection.timeout;
    loop {
        // The watch ends as the single run of its last refresh would: a failure then is
        // the exit code (1), not a silent 0.
        let last = match health_once(loaded, target, args).await {
            Ok(outcome) => {
                ui::output::print_stdout(&watch_block(&outcome, format, redraw, args.interval)?);
                panels_failed(&outcome, loaded)
            }
            Err(failure) if failure.kind == FailureKind::NotFound => return Err(failure.into()),
            Err(failure) => {
                let message = failure.message.clone();
                ui::errors::print_error(&failure.into());
                Some(Failure::runtime(format!("the last refresh failed: {message}")))
            }
        };
        let next = tokio::time::Instant::now() + args.interval;
        if next >= deadline {
            return match last {
                Some(failure) => Err(failure.into()),
                None => Ok(()),
            };
        }
        tokio::time::sleep_until(next).await;
    }
}

/// The single run's verdict on one view: failed panels fail it.
fn panels_failed(outcome: &HealthOutcome, loaded: &LoadedCluster) -> Option<Failure> {
    match outcome.view.failed.len() {
        0 => None,
        n => Some(
            Failure::runtime(format!(
                "{n} of {} panels failed (shown above)",
                health_queries(&loaded.spec).len()
            ))
            .with_hint("the failed queries and their errors are listed under \"Failed panels\""),
        ),
    }
}

/// One refresh: redrawn over the last on a terminal, else appended (JSON as
/// one document per line, YAML as a multi-document stream).
fn watch_block(
    outcome: &HealthOutcome,
    format: OutputFormat,
    redraw: bool,
    interval: Duration,
) -> anyhow::Result<String> {
    Ok(match format {
        OutputFormat::Json => format!("{}\n", serde_json::to_string(outcome)?),
        OutputFormat::Yaml => format!("---\n{}", ui::output::to_yaml(outcome)?),
        OutputFormat::Text if redraw => format!(
            "\x1b[2J\x1b[HEvery {}s (Ctrl-C to stop)\n\n{}",
            interval.as_secs(),
            outcome.text()
        ),
        OutputFormat::Text => format!("{}\n", outcome.text()),
    })
}

/// Which Prometheus to ask: `--prometheus`, kafkactl's own (when it is
/// ready), or the operator's.
async fn prometheus_target(loaded: &LoadedCluster, args: &ViewArgs) -> Result<PrometheusTarget, Failure> {
    let spec = &loaded.spec;
    if let Some(text) = &args.prometheus {
        return PrometheusTarget::parse(text).map_err(|e| Failure::usage(format!("--prometheus: {e}")));
    }
    if !spec.prometheus.enabled {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!(
                "monitoring is not installed for Kafka cluster {}/{}",
                spec.namespace, spec.name
            ),
        )
        .with_hint(format!(
            "install it: kafkactl monitor {} install -n {}",
            spec.name, spec.namespace
        ))
        .with_hint("or ask another Prometheus that scrapes it: --prometheus NAMESPACE/SERVICE[:PORT]"));
    }
    match spec.prometheus.mode {
        PrometheusMode::Standalone => standalone_target(loaded).await,
        PrometheusMode::Operator => {
            let found = prometheus_query::operated_prometheus(&loaded.conn, &spec.namespace).await?;
            found.into_iter().next().ok_or_else(|| {
                Failure::new(
                    FailureKind::NotFound,
                    "monitoring is in operator mode, but no prometheus-operator Prometheus was found (no Service labelled operated-prometheus=true)",
                )
                .with_hint("name the Prometheus Service to ask: --prometheus NAMESPACE/SERVICE[:PORT]")
            })
        }
    }
}

/// kafkactl's own Prometheus, when it exists and is ready.
async fn standalone_target(loaded: &LoadedCluster) -> Result<PrometheusTarget, Failure> {
    let spec = &loaded.spec;
    let target = PrometheusTarget::standalone(spec);
    let install = format!("kafkactl monitor {} install -n {}", spec.name, spec.namespace);
    match prometheus_query::standalone_state(&loaded.conn, spec).await? {
        None => Err(Failure::new(
            FailureKind::NotFound,
            format!(
                "monitoring is on in the spec of {}/{}, but Prometheus (StatefulSet {}) does not exist",
                spec.namespace, spec.name, target.service
            ),
        )
        .with_hint(format!("re-create it: {install}"))),
        Some(state) if state.ready < state.wanted.max(1) => Err(Failure::runtime(format!(
            "Prometheus {}/{} is not ready ({}/{} pods ready)",
            spec.namespace,
            target.service,
            state.ready,
            state.wanted.max(1)
        ))
        .with_hint(format!("if it is starting, `{install}` waits until it is ready"))
        .with_hint(format!(
            "kubectl -n {} describe pod {}-0 shows why it is not",
            spec.namespace, target.service
        ))),
        Some(_) => Ok(target),
    }
}

/// Run every panel's query at once and build the view. When not one query
/// is answered, Prometheus as a whole is unusable: that is an error.
async fn health_once(
    loaded: &LoadedCluster,
    target: &PrometheusTarget,
    args: &ViewArgs,
) -> Result<HealthOutcome, Failure> {
    let spec = &loaded.spec;
    let queries = health_queries(spec);
    let answers = futures::future::join_all(queries.iter().map(|(panel, promql)| async move {
        let result = prometheus_query::query(&loaded.conn, target, promql, args.query_timeout).await;
        (*panel, promql.clone(), result)
    }))
    .await;
    if let Some(failure) = nothing_answered(&answers, target) {
        return Err(failure);
    }
    Ok(HealthOutcome {
        cluster: spec.name.clone(),
        namespace: spec.namespace.clone(),
        mode: spec.prometheus.mode,
        prometheus: target.to_string(),
        view: build_view(spec, answers),
    })
}

fn nothing_answered(answers: &[PanelResult], target: &PrometheusTarget) -> Option<Failure> {
    if answers.is_empty() || answers.iter().any(|(_, _, r)| r.is_ok()) {
        return None;
    }
    let first = answers.iter().find_map(|(_, _, r)| r.as_ref().err())?;
    Some(
        Failure::runtime(format!(
            "Prometheus {target} answered none of the health queries: {first}"
        ))
        .with_hint(format!(
            "kubectl -n {} get pods,endpoints shows whether Prometheus is running and has endpoints",
            target.namespace
        ))
        .with_hint("a slow Prometheus may need a longer --query-timeout"),
    )
}

impl TextOutput for HealthOutcome {
    fn text(&self) -> String {
        let v = &self.view;
        let mut out = format!(
            "Cluster {}/{} (Prometheus {}, {} mode)\n\n",
            self.namespace,
            self.cluster,
            self.prometheus,
            self.mode.as_str()
        );
        let mut rows: Vec<(Panel, String)> = Vec::new();
        if let Some(nodes) = &v.nodes_up {
            let down = match nodes.down.is_empty() {
                true => String::new(),
                false => format!(" (down: {})", nodes.down.join(", ")),
            };
            rows.push((Panel::NodesUp, format!("{}/{}{down}", nodes.up, nodes.expected)));
        }
        if let Some(controllers) = &v.active_controllers {
            let text = match controllers.len() {
                0 => "none".to_string(),
                1 => controllers[0].clone(),
                n => format!("{n} claim it: {}", controllers.join(", ")),
            };
            rows.push((Panel::ActiveController, text));
        }
        let counts = [
            (Panel::UnderReplicatedPartitions, v.under_replicated_partitions),
            (Panel::UnderMinIsrPartitions, v.under_min_isr_partitions),
            (Panel::OfflinePartitions, v.offline_partitions),
        ];
        rows.extend(counts.into_iter().filter_map(|(p, n)| Some((p, format_count(n?)))));
        let rates = [
            (Panel::BytesIn, v.bytes_in_per_second),
            (Panel::BytesOut, v.bytes_out_per_second),
        ];
        rows.extend(
            rates
                .into_iter()
                .filter_map(|(p, n)| Some((p, format!("{}/s", format_bytes(n?))))),
        );
        let width = rows.iter().map(|(p, _)| p.title().len()).max().unwrap_or(0) + 1;
        for (panel, value) in &rows {
            out.push_str(&format!("{:<width$} {value}\n", format!("{}:", panel.title())));
        }
        if let Some(lags) = &v.consumer_lag {
            out.push_str("\nConsumer group lag (largest first):\n");
            out.push_str(&section(
                &["GROUP", "TOPIC", "LAG"],
                lags.iter()
                    .map(|l| vec![l.group.clone(), l.topic.clone(), format_count(l.lag)])
                    .collect(),
                "no consumer groups",
            ));
        }
        if let Some(disks) = &v.disk_use {
            out.push_str("\nDisk use per broker (log segments):\n");
            out.push_str(&section(
                &["POD", "USED", "VOLUME", "USE"],
                disks
                    .iter()
                    .map(|d| {
                        vec![
                            d.pod.clone(),
                            format_bytes(d.bytes),
                            d.capacity_bytes
                                .map(|c| format_bytes(c as f64))
                                .unwrap_or_else(|| "-".into()),
                            d.percent().map(|p| format!("{p:.0}%")).unwrap_or_else(|| "-".into()),
                        ]
                    })
                    .collect(),
                "no log segments reported",
            ));
        }
        if let Some(alerts) = &v.firing_alerts {
            out.push_str("\nFiring alerts:\n");
            out.push_str(&section(
                &["ALERT", "SEVERITY", "SUBJECT"],
                alerts
                    .iter()
                    .map(|a| vec![a.name.clone(), a.severity.clone(), a.subject.clone()])
                    .collect(),
                "none",
            ));
        }
        if !v.failed.is_empty() {
            out.push_str("\nFailed panels:\n");
            for failed in &v.failed {
                out.push_str(&format!(
                    "  {}: {}\n    query: {}\n",
                    failed.panel.title(),
                    failed.error,
                    failed.query
                ));
            }
        }
        out
    }
}

fn section(header: &[&str], rows: Vec<Vec<String>>, empty: &str) -> String {
    if rows.is_empty() {
        return format!("  {empty}\n");
    }
    ui::output::table(header, &rows)
        .lines()
        .map(|line| format!("  {line}\n"))
        .collect()
}

/// Whole numbers as integers; anything else (NaN from a broken exporter) as is.
fn format_count(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

/// Bytes in binary units with one decimal (`1.5 MiB`).
fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if !bytes.is_finite() {
        return format!("{bytes}");
    }
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{value:.0} B"),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_mode_follows_what_the_cluster_serves() {
        assert_eq!(resolve_mode(MonitorMode::Auto, true).unwrap(), PrometheusMode::Operator);
        assert_eq!(
            resolve_mode(MonitorMode::Auto, false).unwrap(),
            PrometheusMode::Standalone
        );
        assert_eq!(
            resolve_mode(MonitorMode::Standalone, true).unwrap(),
            PrometheusMode::Standalone
        );
        let refused = resolve_mode(MonitorMode::Operator, false).unwrap_err();
        assert_eq!(refused.kind, FailureKind::Usage);
    }

    #[test]
    fn labels_must_be_key_value() {
        assert_eq!(parse_label("release=kps").unwrap(), ("release".into(), "kps".into()));
        assert!(parse_label("release").is_err());
        assert!(parse_label("=x").is_err());
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(format_count(12345.0), "12345");
        assert_eq!(format_count(f64::NAN), "NaN");
        assert_eq!(format_bytes(1_048_576.0), "1.0 MiB");
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(10.0 * 1024.0 * 1024.0 * 1024.0), "10.0 GiB");
    }
}
