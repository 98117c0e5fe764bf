//! clap arguments of `kafkactl scale`.

use clap::Args;

/// `kafkactl scale NAME …`
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// Name of the Kafka cluster.
    pub name: String,
}

/// `kafkactl restart NAME …`
#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Name of the Kafka cluster.
    pub name: String,
}

/// `kafkactl upgrade NAME …`
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Name of the Kafka cluster.
    pub name: String,
}
