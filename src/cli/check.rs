//! clap arguments of `kafkactl check`.

use clap::Args;

/// `kafkactl check [NAME] [--preset P] [create's spec flags]`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Name of the Kafka cluster to check for.
    pub name: Option<String>,
}
