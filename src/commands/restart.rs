//! `kafkactl restart` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _args: crate::cli::scale::RestartArgs) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl restart` is not available in this build yet").into())
}
