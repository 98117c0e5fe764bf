//! `kafkactl monitor` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _args: crate::cli::monitor::MonitorArgs) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl monitor` is not available in this build yet").into())
}
