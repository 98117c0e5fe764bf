//! clap arguments of the commands that change a running cluster:
//! `kafkactl scale`, `kafkactl restart` and `kafkactl upgrade`.

use clap::{ArgGroup, Args};

/// `kafkactl scale NAME …`
#[derive(Debug, Args)]
#[command(
    long_about = "Change the size of a running cluster, starting from the spec kafkactl stored on it.\n\n\
Horizontal: --brokers, --controllers, --zookeepers, or --pool NAME --replicas N. \
Vertical: --cpu, --memory, --heap, --storage-size (volumes only grow, on a StorageClass that allows expansion). \
The change is validated and checked for safety (replication factors, min.insync.replicas), applied with \
server-side apply, and kafkactl waits until the new brokers are ready or the rolling restart has finished.\n\n\
Examples:\n  kafkactl scale my-cluster --brokers 5\n  kafkactl scale my-cluster --brokers 3 --rebalance\n  \
kafkactl scale my-cluster --memory 16Gi --heap 6g --dry-run",
    group = ArgGroup::new("change").multiple(true).required(true)
        .args(["brokers", "controllers", "zookeepers", "replicas", "cpu", "memory", "heap", "storage_size"])
)]
pub struct ScaleArgs {
    /// Name of the Kafka cluster.
    pub name: String,
    #[command(flatten)]
    pub size: ScaleSizeArgs,
    #[command(flatten)]
    pub safety: ScaleSafetyArgs,
    #[command(flatten)]
    pub change: ChangeArgs,
}

/// How many nodes, and how big each one is.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Size")]
pub struct ScaleSizeArgs {
    /// Number of brokers (KRaft: the broker pool's replicas; ZooKeeper mode: the kafka pool).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub brokers: Option<i64>,
    /// Number of KRaft controllers (the dedicated controller pool's replicas).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub controllers: Option<i64>,
    /// Number of ZooKeeper nodes (ZooKeeper mode; an odd number keeps a quorum).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub zookeepers: Option<i64>,
    /// The node pool that --replicas and the sizing flags change [default: the broker pools].
    #[arg(long, value_name = "NAME")]
    pub pool: Option<String>,
    /// Number of nodes of the pool named by --pool.
    #[arg(long, value_name = "N", requires = "pool", allow_negative_numbers = true)]
    pub replicas: Option<i64>,
    /// CPU of each node, request and limit (e.g. 2, 500m).
    #[arg(long, value_name = "QUANTITY")]
    pub cpu: Option<String>,
    /// Memory of each node, request and limit (e.g. 8Gi).
    #[arg(long, value_name = "QUANTITY")]
    pub memory: Option<String>,
    /// JVM heap of each node, -Xms and -Xmx (e.g. 4096m, 4g).
    #[arg(long, value_name = "SIZE")]
    pub heap: Option<String>,
    /// Size of each volume (e.g. 200Gi); grow only, every JBOD volume alike.
    #[arg(
        long,
        value_name = "QUANTITY",
        long_help = "Size of each data volume (e.g. 200Gi). Volumes only grow: Kubernetes cannot shrink a PersistentVolumeClaim. \
The StorageClass of the volumes (the one the pool names, else the cluster's default class) must allow volume expansion \
(allowVolumeExpansion: true). With JBOD storage every volume gets this size."
    )]
    pub storage_size: Option<String>,
}

/// What protects the data while brokers come and go.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Safety")]
pub struct ScaleSafetyArgs {
    /// Move partitions with Cruise Control (KafkaRebalance) before removing brokers, or onto new brokers after adding them.
    #[arg(
        long,
        long_help = "Move partition replicas with Cruise Control: before a scale-down, a KafkaRebalance in mode remove-brokers \
empties the brokers that go; after a scale-up, one in mode add-brokers moves replicas onto the new brokers. \
Cruise Control is enabled on the cluster first when it is off. kafkactl waits for the proposal, shows its summary, \
approves it and waits until the rebalance is done."
    )]
    pub rebalance: bool,
    /// Let Strimzi remove brokers that still host partitions (data on them is lost); asks for confirmation.
    #[arg(long, conflicts_with = "rebalance")]
    pub skip_scaledown_check: bool,
    /// Do not run the preflight checks (RBAC, scheduling room for the new size, storage) before applying.
    #[arg(long)]
    pub skip_checks: bool,
}

/// Options shared by the commands that change a running cluster.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Apply and wait")]
pub struct ChangeArgs {
    /// Show the change to the Strimzi resources as a unified diff; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Return after applying; do not wait for the change to finish.
    #[arg(long)]
    pub no_wait: bool,
    /// Take over fields another field manager owns (server-side apply force).
    #[arg(long)]
    pub force_conflicts: bool,
}

/// `kafkactl restart NAME …`
#[derive(Debug, Args)]
#[command(
    long_about = "Rolling restart through Strimzi's manual rolling update: the strimzi.io/manual-rolling-update annotation \
on a node pool's StrimziPodSet (every pool by default), or on one broker's pod. kafkactl waits until every targeted pod \
was recreated and is ready again.\n\nExamples:\n  kafkactl restart my-cluster\n  kafkactl restart my-cluster --pool brokers\n  \
kafkactl restart my-cluster --broker 101\n  kafkactl restart my-cluster --zookeeper",
    group = ArgGroup::new("target").multiple(false).args(["broker", "pool", "zookeeper"])
)]
pub struct RestartArgs {
    /// Name of the Kafka cluster.
    pub name: String,
    /// Restart one node, by its node id (the number at the end of its pod name).
    #[arg(long, value_name = "ID")]
    pub broker: Option<i32>,
    /// Restart the nodes of one pool (ZooKeeper mode: the pool is `kafka`).
    #[arg(long, value_name = "NAME")]
    pub pool: Option<String>,
    /// Restart the ZooKeeper ensemble (ZooKeeper mode).
    #[arg(long)]
    pub zookeeper: bool,
    /// Return after asking for the restart; do not wait for it.
    #[arg(long, help_heading = "Apply and wait")]
    pub no_wait: bool,
}

/// `kafkactl upgrade NAME …`
#[derive(Debug, Args)]
#[command(
    long_about = "Upgrade the Kafka version of a cluster with a rolling update. The Strimzi operator must support the \
version (its STRIMZI_KAFKA_IMAGES). In KRaft mode kafkactl follows Strimzi's procedure: it changes spec.kafka.version \
first with the metadata version kept as it is, waits until every node runs the new version, then moves the metadata \
version to the new release. In ZooKeeper mode an inter.broker.protocol.version in the config moves the same way; \
ZooKeeper mode ends with Kafka 3.9 (Kafka 4 has no ZooKeeper).\n\n\
The version must be one the operator supports even when the cluster runs a custom Kafka image (--kafka-image at \
create): Strimzi refuses any other. A custom image runs the Kafka it was built with, so changing the version of such a \
cluster needs the new image (--kafka-image), or a confirmation that the image stays (--yes when not interactive).\n\n\
Examples:\n  kafkactl upgrade my-cluster --kafka-version 4.3.1\n  kafkactl upgrade my-cluster --kafka-version 4.3.1 --dry-run\n  \
kafkactl upgrade legacy --kafka-version 3.9.2 --kafka-image harbor.corp/kafka/kafka:0.45.2-kafka-3.9.2"
)]
pub struct UpgradeArgs {
    /// Name of the Kafka cluster.
    pub name: String,
    /// The Kafka version to run (one the Strimzi operator supports, e.g. 4.3.1).
    #[arg(long, value_name = "X.Y.Z", required = true)]
    pub kafka_version: String,
    /// Allow going to an older Kafka version (asks for confirmation).
    #[arg(long)]
    pub allow_downgrade: bool,
    /// The custom Kafka image that runs the new version, for a cluster created with --kafka-image.
    #[arg(long, value_name = "IMAGE")]
    pub kafka_image: Option<String>,
    #[command(flatten)]
    pub change: ChangeArgs,
}
