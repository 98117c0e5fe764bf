//! clap arguments of `kafkactl delete` and `kafkactl export`.

use std::path::PathBuf;

use clap::Args;

/// `kafkactl delete NAME`
#[derive(Debug, Args)]
#[command(
    long_about = "Delete a Kafka cluster: the Kafka CR and its node pools, everything kafkactl made for it, and \
(through garbage collection) everything Strimzi made for it. The plan is printed first; confirm by typing the \
cluster name, or pass --yes in scripts.\n\n\
Data volumes (PersistentVolumeClaims) are kept unless --delete-data: re-creating the cluster with the same name, \
namespace and node pools re-attaches them. That holds for storage with deleteClaim: true too: Strimzi makes such \
claims owned by the cluster, so kafkactl pauses the cluster and removes that ownership before deleting anything. Save the spec first with `kafkactl export NAME > NAME.yaml`, then \
re-create with `kafkactl create NAME --preset NAME.yaml`.\n\n\
Also cleans up a cluster whose `create` was interrupted (found by its labels, with or without a Kafka CR).",
    after_help = "Examples:\n  kafkactl export orders > orders.yaml && kafkactl delete orders\n  \
kafkactl delete orders --dry-run\n  kafkactl delete orders --yes --delete-data --timeout 10m"
)]
pub struct DeleteArgs {
    /// Name of the Kafka cluster.
    pub name: String,
    /// Also delete the data volumes (PersistentVolumeClaims); asks a second time (scripts: --yes --delete-data).
    #[arg(
        long,
        long_help = "Also delete the cluster's PersistentVolumeClaims: every message and Prometheus's history \
are lost for good. Interactively this asks a second, separate confirmation; in scripts pass --yes --delete-data. \
Without it, the claims are kept and listed with how to reuse them."
    )]
    pub delete_data: bool,
    /// Print the plan (what goes, what stays) and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Return after deleting; do not wait for the pods to stop.
    #[arg(
        long,
        long_help = "Return once the objects are deleted, without waiting for the pods to stop (the wait is \
bounded by --timeout otherwise)."
    )]
    pub no_wait: bool,
}

/// `kafkactl export NAME`
#[derive(Debug, Args)]
#[command(
    long_about = "Print the spec stored on a cluster as a preset file that `kafkactl create NAME --preset FILE` \
re-creates. The name is not part of a preset (it comes from the command line); the namespace is, so the cluster \
re-creates in place and re-attaches volumes kept by `kafkactl delete`. It also holds what the volumes and clients \
depend on: the KRaft cluster ID (restored on create, since Kafka refuses volumes of another ID) and the NodePorts the \
cluster holds. Fields of the live Kafka and KafkaNodePools that differ from the stored spec are named in a warning.\n\n\
--with-topics and --with-users write the cluster's KafkaTopic and KafkaUser objects (without status and \
server-set fields) to --objects-file, a file `kubectl apply -f` restores. Secrets are never exported unless \
--include-secrets: then the KafkaUsers' credential Secrets go into that file too.",
    after_help = "Examples:\n  kafkactl export orders > orders.yaml\n  \
kafkactl create orders --preset orders.yaml\n  \
kafkactl export orders --with-topics --with-users --objects-file orders-objects.yaml > orders.yaml\n  \
kubectl apply -f orders-objects.yaml"
)]
pub struct ExportArgs {
    /// Name of the Kafka cluster.
    pub name: String,
    /// Also export the cluster's KafkaTopics (Strimzi's internal topics left out) to --objects-file.
    #[arg(long, requires = "objects_file")]
    pub with_topics: bool,
    /// Also export the cluster's KafkaUsers to --objects-file.
    #[arg(long, requires = "objects_file")]
    pub with_users: bool,
    /// Also export the KafkaUsers' credential Secrets (passwords, keys): keep the file secret.
    #[arg(long, requires = "with_users")]
    pub include_secrets: bool,
    /// File for the exported KafkaTopic/KafkaUser objects (multi-document YAML, or a JSON List with -o json).
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Where --with-topics/--with-users write the objects: multi-document YAML (a Kubernetes List \
with -o json) that `kubectl apply -f FILE` restores. Kept apart from the preset on stdout because \
`create --preset` and `kubectl apply` read different shapes. `-` writes them to stdout instead of the preset."
    )]
    pub objects_file: Option<PathBuf>,
}
