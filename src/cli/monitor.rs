//! clap arguments of `kafkactl monitor`: the health view, `install` and `uninstall`.

use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

/// `kafkactl monitor NAME [install|uninstall]`
#[derive(Debug, Args)]
#[command(
    long_about = "Without a subcommand: a health summary of the cluster read from its Prometheus \
through the API server's service proxy (no port-forward): Kafka nodes up, the active controller, \
under-replicated, under-min-ISR and offline partitions, bytes in/out per second, the largest consumer-group \
lags, disk use per broker and firing alerts.\n\n\
`install` deploys monitoring (kafkactl's own Prometheus, or PodMonitors/ServiceMonitors/PrometheusRule for a \
prometheus-operator); `uninstall` removes it and keeps the Prometheus volume unless --delete-data.\n\n\
Examples:\n  kafkactl monitor orders install --retention 7d --storage-size 50Gi\n  kafkactl monitor orders\n  \
kafkactl monitor orders --watch --interval 10s\n  kafkactl monitor orders -o json"
)]
pub struct MonitorArgs {
    /// Name of the Kafka cluster.
    pub name: String,
    #[command(subcommand)]
    pub action: Option<MonitorAction>,
    #[command(flatten)]
    pub view: ViewArgs,
}

#[derive(Debug, Subcommand)]
pub enum MonitorAction {
    /// Deploy monitoring for the cluster and wait until Prometheus is ready.
    #[command(
        long_about = "Turn monitoring on in the cluster's stored spec and apply it. Standalone mode \
    runs kafkactl's own Prometheus (StatefulSet with a volume, RBAC for pod discovery, scrape jobs and alert \
    rules); operator mode creates PodMonitors, ServiceMonitors and a PrometheusRule for an existing \
    prometheus-operator. Flags left out keep the stored values (defaults: retention 15d, volume 20Gi, size cap \
    85% of the volume).\n\nExamples:\n  kafkactl monitor orders install\n  kafkactl monitor orders install \
    --mode standalone --retention 30d --storage-size 100Gi --storage-class fast-ssd\n  kafkactl monitor orders \
    install --mode operator --monitor-label release=kube-prometheus-stack --grafana-dashboards"
    )]
    Install(InstallArgs),
    /// Remove monitoring; the Prometheus volume is kept unless --delete-data.
    #[command(
        long_about = "Turn monitoring off in the cluster's stored spec and apply it: kafkactl's \
    Prometheus (or the PodMonitors, ServiceMonitors and PrometheusRule) and the dashboards are deleted. The \
    Prometheus volume (PVC data-NAME-prometheus-0) is kept unless --delete-data, which asks for confirmation \
    (--yes when not interactive).\n\nExamples:\n  kafkactl monitor orders uninstall\n  kafkactl monitor \
    orders uninstall --delete-data --yes"
    )]
    Uninstall(UninstallArgs),
}

/// Options of the health view.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Health view")]
pub struct ViewArgs {
    /// Refresh the view every --interval until --timeout (redrawn in place on a terminal).
    #[arg(short, long)]
    pub watch: bool,
    /// Time between refreshes with --watch (e.g. 5s, 1m).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::cli::parse_duration)]
    pub interval: Duration,
    /// How long one Prometheus query may take before it is reported as timed out.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::cli::parse_duration)]
    pub query_timeout: Duration,
    /// The Prometheus Service to ask, NAMESPACE/SERVICE[:PORT] [default: kafkactl's own; in operator mode the
    /// Service labelled operated-prometheus=true].
    #[arg(long, value_name = "NS/SERVICE[:PORT]")]
    pub prometheus: Option<String>,
}

/// Who runs Prometheus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MonitorMode {
    /// operator when the cluster serves monitoring.coreos.com PodMonitors, ServiceMonitors and PrometheusRules, else standalone.
    Auto,
    /// PodMonitors, ServiceMonitors and a PrometheusRule for the cluster's prometheus-operator.
    Operator,
    /// kafkactl's own Prometheus StatefulSet with a volume.
    Standalone,
}

#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    /// Who runs Prometheus: auto, operator or standalone.
    #[arg(long, value_enum, default_value_t = MonitorMode::Auto)]
    pub mode: MonitorMode,
    /// How long samples are kept (Prometheus duration, e.g. 15d, 12h).
    #[arg(long, value_name = "DURATION", help_heading = "Standalone Prometheus")]
    pub retention: Option<String>,
    /// Size cap of the stored samples (Prometheus size, e.g. 18GB) [default: 85% of what the volume holds].
    #[arg(long, value_name = "SIZE", help_heading = "Standalone Prometheus")]
    pub retention_size: Option<String>,
    /// Size of Prometheus' volume (e.g. 50Gi); an installed one grows its claim, never shrinks.
    #[arg(long, value_name = "QUANTITY", help_heading = "Standalone Prometheus")]
    pub storage_size: Option<String>,
    /// StorageClass of Prometheus' volume.
    #[arg(long, value_name = "NAME", help_heading = "Standalone Prometheus")]
    pub storage_class: Option<String>,
    /// CPU of Prometheus, request and limit (e.g. 500m, 1).
    #[arg(long, value_name = "QUANTITY", help_heading = "Standalone Prometheus")]
    pub cpu: Option<String>,
    /// Memory of Prometheus, request and limit (e.g. 2Gi).
    #[arg(long, value_name = "QUANTITY", help_heading = "Standalone Prometheus")]
    pub memory: Option<String>,
    /// Label for the PodMonitors, ServiceMonitors and PrometheusRule, repeatable, so the operator's Prometheus
    /// selects them (e.g. release=kube-prometheus-stack).
    #[arg(long = "monitor-label", value_name = "KEY=VALUE", help_heading = "Operator mode")]
    pub monitor_labels: Vec<String>,
    /// Also create Grafana dashboards (ConfigMaps labelled grafana_dashboard=1 for Grafana's sidecar).
    #[arg(long)]
    pub grafana_dashboards: bool,
    /// Take over fields another field manager owns (server-side apply force).
    #[arg(long, help_heading = "Apply and wait")]
    pub force_conflicts: bool,
    /// Return after applying; do not wait for Prometheus to be ready.
    #[arg(long, help_heading = "Apply and wait")]
    pub no_wait: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UninstallArgs {
    /// Also delete Prometheus' volume and the samples on it.
    #[arg(long)]
    pub delete_data: bool,
    /// Return after deleting; do not wait for the cluster to settle.
    #[arg(long)]
    pub no_wait: bool,
}
