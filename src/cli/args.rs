//! clap structs: the whole command surface of kafkactl.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::spec::{MetadataMode, SpecOverrides, StrimziApi};

/// Provision and run Apache Kafka on Kubernetes through the Strimzi operator.
#[derive(Debug, Parser)]
#[command(
    name = "kafkactl",
    version,
    propagate_version = true,
    after_help = "Exit codes: 0 ok, 1 failure, 2 usage or invalid spec, 3 not found, 4 refused or conflict, 5 timeout, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a Kafka cluster: render, apply with server-side apply, wait until ready.
    Create(Box<CreateArgs>),
    /// Change a cluster's size: brokers, controllers, ZooKeepers, CPU, memory, heap, storage.
    Scale(crate::cli::scale::ScaleArgs),
    /// Rolling restart of brokers, a pool, or ZooKeeper.
    Restart(crate::cli::scale::RestartArgs),
    /// Upgrade the Kafka version of a cluster.
    Upgrade(crate::cli::scale::UpgradeArgs),
    /// Move a ZooKeeper cluster to KRaft on Strimzi 0.45 (Strimzi's migration, followed state by state).
    Migrate(crate::cli::migrate::MigrateArgs),
    /// The safe sequence of kafkactl commands to another Strimzi release (from ZooKeeper on 0.45 to KRaft on 1.2).
    UpgradePlan(crate::cli::upgrade_plan::UpgradePlanArgs),
    /// Open Kafka, JMX, ZooKeeper or Prometheus outside the cluster.
    Expose(crate::cli::expose::ExposeArgs),
    /// Deploy or remove monitoring, and show a live health summary.
    Monitor(crate::cli::monitor::MonitorArgs),
    /// Delete a cluster (data volumes are kept unless --delete-data).
    Delete(crate::cli::delete::DeleteArgs),
    /// Print a cluster's spec as a preset file that re-creates it.
    Export(crate::cli::delete::ExportArgs),
    /// Preflight: can this cluster run this spec?
    Check(Box<crate::cli::check::CheckArgs>),
    /// Show one cluster: conditions, pools, listeners and addresses, components.
    Status(StatusArgs),
    /// List the Kafka clusters in the namespace (or all namespaces with -A).
    List(ListArgs),
    /// Install, inspect and remove the Strimzi cluster operator.
    #[command(subcommand)]
    Operator(crate::cli::operator::OperatorCommand),
    /// Build context for custom Kafka images.
    #[command(subcommand)]
    Image(crate::cli::image::ImageCommand),
    /// List and show the built-in presets.
    #[command(subcommand)]
    Presets(PresetsCommand),
    /// Print a shell completion script (cluster names complete from the current namespace).
    Completions(CompletionsArgs),
    /// Write man pages generated from the command definitions.
    Man(ManArgs),
    /// Print the cluster names of the current namespace, one per line (for shell completion).
    #[command(name = "__complete-clusters", hide = true)]
    CompleteClusters,
}

impl Command {
    /// Whether the command talks to a cluster under `--timeout`; the others never read it.
    pub fn waits(&self) -> bool {
        match self {
            Command::Presets(_) | Command::Completions(_) | Command::Man(_) | Command::Image(_) => false,
            Command::Create(args) => args.dry_run != Some(DryRun::Client),
            _ => true,
        }
    }
}

/// Options every command takes, in kubectl's words.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub prompt: PromptArgs,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cluster connection")]
pub struct ConnectionArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster).
    #[arg(long, global = true, env = "KAFKACTL_KUBECONFIG", value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, global = true, env = "KAFKACTL_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,
    /// Namespace of the Kafka cluster [default: the preset's, else kafka].
    #[arg(short = 'n', long, global = true, env = "KAFKACTL_NAMESPACE", value_name = "NS")]
    pub namespace: Option<String>,
    /// How long to wait for a command to finish (e.g. 90s, 15m, 1h).
    #[arg(long, global = true, env = "KAFKACTL_TIMEOUT", value_name = "DURATION", default_value = "15m", value_parser = crate::cli::parse_timeout)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format of the result on stdout.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Text, env = "KAFKACTL_OUTPUT")]
    pub output: OutputFormat,
    /// Print no progress (only the result and errors).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Show each API request on stderr (-vv: with bodies, Secret data redacted).
    #[arg(
        short,
        long,
        global = true,
        action = clap::ArgAction::Count,
        long_help = "Show each API request on stderr: method, path, HTTP status and time. \
-vv also shows the request and response bodies, with the values of Secrets' data redacted. \
KAFKACTL_LOG takes a tracing filter instead (e.g. KAFKACTL_LOG=debug, or kafkactl::http=trace)."
    )]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Yaml,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Prompts")]
pub struct PromptArgs {
    /// Answer yes to every confirmation.
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// Never prompt; a missing answer is an error naming the flag to pass (also when CI=true or stdin is not a terminal).
    #[arg(long, global = true, env = "KAFKACTL_NO_INPUT")]
    pub no_input: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    /// Render locally and print the objects; needs no cluster.
    Client,
    /// Send every object with dryRun=All and print what the API server would store.
    Server,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Name of the Kafka cluster (a DNS label, e.g. my-cluster).
    pub name: Option<String>,
    /// A built-in preset (see `kafkactl presets list`) or a preset file [default: production].
    #[arg(long, short = 'p', value_name = "NAME|PATH", env = "KAFKACTL_PRESET")]
    pub preset: Option<String>,
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Print the objects instead of applying them: `--dry-run` renders locally with no cluster; `--dry-run=server` asks the API server.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true, value_name = "MODE")]
    pub dry_run: Option<DryRun>,
    #[command(flatten)]
    pub apply: ApplyArgs,
    #[command(flatten)]
    pub operator: crate::cli::operator::CreateOperatorArgs,
    /// Ask every question in a wizard, even when NAME is given (needs a terminal; the wizard also starts when NAME is missing).
    #[arg(long)]
    pub interactive: bool,
    /// Write the cluster spec (without its name) as a preset file for the next scripted run: `kafkactl create NAME --preset FILE`.
    #[arg(long, value_name = "FILE")]
    pub save_preset: Option<PathBuf>,
}

/// Flags that change the cluster spec; they override the preset.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Cluster spec (override the preset)")]
pub struct SpecArgs {
    /// Number of brokers (the broker pool's replicas).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub brokers: Option<i64>,
    /// Number of KRaft controllers (the controller pool's replicas).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub controllers: Option<i64>,
    /// Number of ZooKeeper nodes (ZooKeeper mode).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub zookeepers: Option<i64>,
    /// Apache Kafka version (must be supported by the Strimzi release).
    #[arg(long, value_name = "X.Y.Z")]
    pub kafka_version: Option<String>,
    /// Where Kafka keeps its metadata.
    #[arg(long, value_enum, value_name = "MODE")]
    pub metadata: Option<MetadataArg>,
    /// Strimzi API to render for without a cluster: v1 (Strimzi >= 0.49) or v1beta2 (Strimzi 0.45).
    #[arg(long, value_enum, value_name = "API")]
    pub strimzi_api: Option<StrimziApiArg>,
    /// CPU of each broker, request and limit (e.g. 2, 500m).
    #[arg(long, value_name = "QUANTITY")]
    pub cpu: Option<String>,
    /// Memory of each broker, request and limit (e.g. 8Gi).
    #[arg(long, value_name = "QUANTITY")]
    pub memory: Option<String>,
    /// JVM heap of each broker, -Xms and -Xmx (e.g. 4096m, 4g).
    #[arg(long, value_name = "SIZE")]
    pub heap: Option<String>,
    /// Size of each broker's volume (e.g. 100Gi).
    #[arg(long, value_name = "QUANTITY")]
    pub storage_size: Option<String>,
    /// StorageClass of the brokers' volumes.
    #[arg(long, value_name = "NAME")]
    pub storage_class: Option<String>,
    /// Ephemeral (emptyDir) broker storage: data is lost when a pod goes.
    #[arg(long)]
    pub ephemeral: bool,
    /// Broker configuration, repeatable (e.g. --config log.retention.hours=72).
    #[arg(long = "config", value_name = "KEY=VALUE")]
    pub config: Vec<String>,
    /// Add or replace a listener, repeatable: NAME:PORT:TYPE[:tls], TYPE one of internal, cluster-ip, nodeport, loadbalancer, ingress, route.
    #[arg(long = "listener", value_name = "NAME:PORT:TYPE[:tls]")]
    pub listeners: Vec<String>,
    /// Remove a listener of the preset, repeatable (e.g. --no-listener tls), before any --listener is added.
    #[arg(long = "no-listener", value_name = "NAME")]
    pub no_listeners: Vec<String>,
    /// A custom Kafka image (e.g. an internal build) instead of Strimzi's.
    #[arg(long, value_name = "IMAGE")]
    pub kafka_image: Option<String>,
    /// Registry mirror prefix for every image kafkactl writes (e.g. harbor.corp/mirror).
    #[arg(long, value_name = "HOST[/PATH]")]
    pub registry: Option<String>,
    /// Secret for pulling images from a private registry, repeatable.
    #[arg(long = "image-pull-secret", value_name = "NAME")]
    pub image_pull_secrets: Vec<String>,
    /// Do not deploy Prometheus.
    #[arg(long)]
    pub no_monitoring: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetadataArg {
    Kraft,
    Zookeeper,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrimziApiArg {
    V1,
    V1beta2,
}

impl SpecArgs {
    /// The flags as spec overrides (namespace comes from the global flag).
    pub fn to_overrides(&self, namespace: Option<&str>) -> SpecOverrides {
        SpecOverrides {
            namespace: namespace.map(str::to_string),
            metadata: self.metadata.map(|m| match m {
                MetadataArg::Kraft => MetadataMode::Kraft,
                MetadataArg::Zookeeper => MetadataMode::Zookeeper,
            }),
            strimzi_api: self.strimzi_api.map(|a| match a {
                StrimziApiArg::V1 => StrimziApi::V1,
                StrimziApiArg::V1beta2 => StrimziApi::V1beta2,
            }),
            kafka_version: self.kafka_version.clone(),
            brokers: self.brokers,
            controllers: self.controllers,
            zookeepers: self.zookeepers,
            cpu: self.cpu.clone(),
            memory: self.memory.clone(),
            heap: self.heap.clone(),
            storage_size: self.storage_size.clone(),
            storage_class: self.storage_class.clone(),
            ephemeral: self.ephemeral,
            config: self.config.clone(),
            listeners: self.listeners.clone(),
            no_listeners: self.no_listeners.clone(),
            kafka_image: self.kafka_image.clone(),
            registry: self.registry.clone(),
            image_pull_secrets: self.image_pull_secrets.clone(),
            no_monitoring: self.no_monitoring,
            node_pool_names: None,
        }
    }
}

/// How objects are applied and waited for.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Apply and wait")]
pub struct ApplyArgs {
    /// Take over fields another field manager owns (server-side apply force).
    #[arg(long)]
    pub force_conflicts: bool,
    /// Return after applying; do not wait for readiness.
    #[arg(long)]
    pub no_wait: bool,
    /// Apply a changed spec to an existing cluster (instead of refusing).
    #[arg(long)]
    pub update: bool,
    /// Do not run the preflight checks (`kafkactl check`) before applying.
    #[arg(long)]
    pub skip_checks: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Name of the Kafka cluster.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List clusters in all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

#[derive(Debug, Subcommand)]
pub enum PresetsCommand {
    /// List the built-in presets.
    List,
    /// Print a preset as YAML (a starting point for --preset FILE).
    Show {
        /// Preset name.
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write `kafkactl.1` and one page per subcommand (`kafkactl-create.1`, …) to; without it, `kafkactl.1` goes to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
