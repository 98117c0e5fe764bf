//! One module per subcommand, each thin: gather inputs, call the layers,
//! return an outcome value that `ui` prints. `main` maps errors to exit codes.

pub mod completions;
pub mod create;
pub mod presets;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::exit_code;
use crate::ui;

/// Parse the command line, run the command, print the error and pick the exit code.
pub fn main() -> ExitCode {
    ui::terminal::configure_colors();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            ui::errors::print_error(&error);
            exit_code(&error)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command {
        Command::Presets(command) => presets::run(&global, command),
        Command::Completions(args) => completions::run(args),
        Command::Create(args) => create::run(&global, args),
        Command::Status(_) | Command::List(_) => {
            Err(crate::error::Failure::usage("not implemented yet").into())
        }
    }
}
