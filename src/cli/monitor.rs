//! clap arguments of `kafkactl monitor`.

use clap::Args;

/// `kafkactl monitor NAME [install|uninstall]`
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Name of the Kafka cluster.
    pub name: String,
}
