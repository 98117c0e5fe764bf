//! clap arguments of `kafkactl image`.

use clap::{Args, Subcommand};

/// `kafkactl image …`: custom Kafka images.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Write a build context for a Kafka image with a custom Kafka distribution.
    Dockerfile(DockerfileArgs),
}

#[derive(Debug, Args)]
pub struct DockerfileArgs {}
