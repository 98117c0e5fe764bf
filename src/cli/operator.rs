//! clap arguments of `kafkactl operator`.

use clap::{Args, Subcommand};

/// `kafkactl operator …`: install, inspect and remove the Strimzi cluster operator.
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Install (or upgrade) the Strimzi cluster operator from a release bundle.
    Install(OperatorInstallArgs),
}

#[derive(Debug, Args)]
pub struct OperatorInstallArgs {}
