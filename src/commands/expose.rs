//! `kafkactl expose` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _args: crate::cli::expose::ExposeArgs) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl expose` is not available in this build yet").into())
}
