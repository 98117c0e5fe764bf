//! One module per subcommand, each thin: gather inputs, call the layers,
//! return an outcome value that `ui` prints. `main` maps errors to exit codes.

pub mod change;
pub mod check;
pub mod common;
pub mod complete_clusters;
pub mod completions;
pub mod create;
pub mod delete;
pub mod export;
pub mod expose;
pub mod image;
pub mod list;
pub mod man;
pub mod monitor;
pub mod operator;
pub mod presets;
pub mod report;
pub mod restart;
pub mod scale;
pub mod status;
pub mod upgrade;
pub mod wizard;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::cluster::discovery::StrimziInfo;
use crate::error::{Failure, FailureKind, exit_code};
use crate::spec::StrimziApi;
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
        Command::Man(args) => man::run(args),
        Command::CompleteClusters => complete_clusters::run(&global),
        Command::Create(args) => create::run(&global, *args),
        Command::Status(args) => status::run(&global, args),
        Command::List(args) => list::run(&global, args),
        Command::Scale(args) => scale::run(&global, args),
        Command::Restart(args) => restart::run(&global, args),
        Command::Upgrade(args) => upgrade::run(&global, args),
        Command::Expose(args) => expose::run(&global, args),
        Command::Monitor(args) => monitor::run(&global, args),
        Command::Delete(args) => delete::run(&global, args),
        Command::Export(args) => export::run(&global, args),
        Command::Check(args) => check::run(&global, *args),
        Command::Operator(command) => operator::run(&global, command),
        Command::Image(command) => image::run(&global, command),
    }
}

/// The async runtime of commands that talk to a cluster (two workers: the
/// work is I/O-bound and the machines are small).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The Strimzi API this cluster serves, or why there is none.
pub fn served_api(info: &StrimziInfo) -> Result<StrimziApi, Failure> {
    info.api().ok_or_else(|| {
        Failure::usage("Strimzi is not installed in this cluster: the API server does not serve kafka.strimzi.io")
            .with_hint("install the Strimzi cluster operator first (its release bundle, install/cluster-operator/)")
    })
}

/// The error for a cluster that does not exist (exit code 3).
pub fn not_found(name: &str, namespace: &str) -> Failure {
    Failure::new(
        FailureKind::NotFound,
        format!("Kafka cluster \"{name}\" not found in namespace \"{namespace}\""),
    )
    .with_hint(format!(
        "kafkactl list -n {namespace} shows the clusters there; kafkactl list -A shows all"
    ))
}
