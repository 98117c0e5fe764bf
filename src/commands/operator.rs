//! `kafkactl operator` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _command: crate::cli::operator::OperatorCommand) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl operator` is not available in this build yet").into())
}
