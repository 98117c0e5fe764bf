//! `kafkactl scale` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _args: crate::cli::scale::ScaleArgs) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl scale` is not available in this build yet").into())
}
