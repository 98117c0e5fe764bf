//! `kafkactl image` (not built yet).

use crate::cli::GlobalArgs;
use crate::error::Failure;

pub fn run(_global: &GlobalArgs, _command: crate::cli::image::ImageCommand) -> anyhow::Result<()> {
    Err(Failure::usage("`kafkactl image` is not available in this build yet").into())
}
