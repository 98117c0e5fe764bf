//! `kafkactl delete` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _args: crate::cli::delete::DeleteArgs) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl delete` is not available in this build yet").into())
}
