//! `kafkactl export` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _args: crate::cli::delete::ExportArgs) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl export` is not available in this build yet").into())
}
