//! `kafkactl check` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _args: crate::cli::check::CheckArgs) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl check` is not available in this build yet").into())
}
