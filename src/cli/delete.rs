//! clap arguments of `kafkactl delete`.

use clap::Args;

/// `kafkactl delete NAME`
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Name of the Kafka cluster.
    pub name: String,
}

/// `kafkactl export NAME`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Name of the Kafka cluster.
    pub name: String,
}
