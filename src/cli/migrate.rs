//! `kafkactl migrate`.

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MigrateTarget {
    /// KRaft controllers instead of ZooKeeper.
    Kraft,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Name of the Kafka cluster.
    pub name: String,
    /// Where the metadata goes.
    #[arg(long, value_enum, value_name = "MODE", required_unless_present = "rollback")]
    pub to: Option<MigrateTarget>,
    /// Controllers to add (default: as many as ZooKeeper nodes; odd, 1 or more).
    #[arg(long, value_name = "N")]
    pub controllers: Option<i32>,
    /// CPU of each controller, requests and limits (default: as each ZooKeeper node).
    #[arg(long, value_name = "CPU")]
    pub controller_cpu: Option<String>,
    /// Memory of each controller, requests and limits (e.g. 4Gi; default: as each ZooKeeper node).
    #[arg(long, value_name = "SIZE")]
    pub controller_memory: Option<String>,
    /// JVM heap of each controller, -Xms and -Xmx (e.g. 2g; default: as ZooKeeper's).
    #[arg(long, value_name = "SIZE")]
    pub controller_heap: Option<String>,
    /// Volume size of each controller (e.g. 20Gi; default: as ZooKeeper's).
    #[arg(long, value_name = "SIZE")]
    pub controller_storage_size: Option<String>,
    /// StorageClass of the controllers' volumes (default: as ZooKeeper's).
    #[arg(long, value_name = "NAME")]
    pub controller_storage_class: Option<String>,
    /// Name of the controller pool (default: controller).
    #[arg(long, value_name = "NAME")]
    pub controller_pool: Option<String>,
    /// Leave the last state that can be rolled back (KRaftPostMigration) without asking:
    /// Strimzi removes ZooKeeper, and there is no way back.
    #[arg(long, conflicts_with = "rollback")]
    pub finalize: bool,
    /// Go back to ZooKeeper while that is still possible (until the migration is finalized).
    #[arg(long, conflicts_with = "to")]
    pub rollback: bool,
    /// Delete ZooKeeper's volumes once the migration is done (asked; they are kept otherwise).
    #[arg(long)]
    pub delete_data: bool,
}
