//! `kafkactl upgrade` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _args: crate::cli::scale::UpgradeArgs) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl upgrade` is not available in this build yet").into())
}
