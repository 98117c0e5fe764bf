//! `kafkactl completions SHELL`: a completion script from the clap definitions.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "kafkactl", &mut std::io::stdout());
    Ok(())
}
