//! `kafkactl monitor NAME install`: monitoring turned on in the stored spec
//! and applied (growing the Prometheus volume when asked).

use serde::Serialize;

use crate::actions::LoadedCluster;
use crate::actions::change::{guard_change, validated};
use crate::actions::lock::lock_loaded;
use crate::cli::GlobalArgs;
use crate::cli::monitor::{InstallArgs, MonitorMode};
use crate::cluster::apply::{AppliedObject, ApplyLog, ObjectRef};
use crate::cluster::prometheus_query::{self, PrometheusTarget};
use crate::cluster::volumes;
use crate::commands::shared::change::{ChangeOptions, apply_change, confirm_change, load_cluster};
use crate::error::{Failure, FailureKind};
use crate::spec::names::{COMPONENT_LABEL, Component};
use crate::spec::scaling::VolumeChange;
use crate::spec::{ClusterSpec, PrometheusMode};
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

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

pub(super) async fn install(
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
    let verdict = guard_change(&loaded.conn, loaded.api, &loaded.spec, &spec).await?;
    confirm_change(global, &loaded.spec.name, &verdict)?;
    lock_loaded(&loaded, "monitor install").await?;
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
pub(super) fn refuse_while_exposed(spec: &ClusterSpec) -> Result<(), Failure> {
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
}
