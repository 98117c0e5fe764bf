//! clap arguments of `kafkactl image`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `kafkactl image …`: custom Kafka images.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Write a build context for a Kafka image with a custom Kafka distribution.
    #[command(
        long_about = "Write a Docker build context (Dockerfile, and the distribution when it is a local \
        tarball) for Strimzi's Kafka image with your own Kafka distribution in /opt/kafka. Strimzi's scripts \
        (/opt/kafka/*.sh) and the extra libraries Strimzi adds stay. Prints the docker build and docker push \
        commands, and how to use the image with kafkactl create --kafka-image.\n\n\
        Example:\n  kafkactl image dockerfile --kafka-dist ./kafka_2.13-3.9.2-corp1.tgz --strimzi 0.45.2 \
        --kafka-version 3.9.2 --registry harbor.corp/kafka --out build/"
    )]
    Dockerfile(DockerfileArgs),
}

#[derive(Debug, Args)]
pub struct DockerfileArgs {
    /// The Kafka distribution: a .tgz on disk (copied into the context) or an http(s) URL (downloaded by the build).
    #[arg(long, value_name = "PATH|URL")]
    pub kafka_dist: String,
    /// Strimzi release whose Kafka image is the base (e.g. 0.45.2, 1.2.0).
    #[arg(long, value_name = "X.Y.Z")]
    pub strimzi: String,
    /// Kafka version of the distribution; Strimzi must support it (e.g. 3.9.2).
    #[arg(long, value_name = "X.Y.Z")]
    pub kafka_version: String,
    /// Private registry: Strimzi's base image is pulled through it and the result is pushed there.
    #[arg(long, value_name = "HOST[/PATH]")]
    pub registry: Option<String>,
    /// Directory of the build context (created when missing).
    #[arg(long, value_name = "DIR", default_value = "kafka-image")]
    pub out: PathBuf,
}
