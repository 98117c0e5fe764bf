//! `kafkactl upgrade-plan`.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct UpgradePlanArgs {
    /// The Strimzi release to reach (default: the newest of --bundles, else the newest kafkactl knows).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// A directory holding each Strimzi release's bundle as <version>/install/cluster-operator/;
    /// the plan then goes only through those releases and its steps install them with --from.
    #[arg(long, value_name = "DIR")]
    pub bundles: Option<PathBuf>,
}
