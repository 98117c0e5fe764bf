//! clap arguments of `kafkactl expose`.

use clap::Args;

/// `kafkactl expose NAME kafka|jmx|zookeeper|prometheus …`
#[derive(Debug, Args)]
pub struct ExposeArgs {
    /// Name of the Kafka cluster.
    pub name: String,
}
