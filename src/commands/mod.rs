//! One module per subcommand, each thin: gather inputs, call the layers,
//! return an outcome value that `ui` prints. `main` maps errors to exit codes.
//! Command modules never import one another; `shared` (not a command) holds
//! the plumbing they share.

pub mod check;
pub mod complete_clusters;
pub mod completions;
pub mod create;
pub mod delete;
pub mod export;
pub mod expose;
pub mod image;
pub mod list;
pub mod man;
pub mod migrate;
pub mod monitor;
pub mod operator;
pub mod presets;
pub mod restart;
pub mod scale;
pub mod shared;
pub mod status;
pub mod upgrade;
pub mod upgrade_plan;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::{Failure, exit_code};
use crate::ui;

/// Parse the command line, run the command, print the error and pick the exit code.
pub fn main() -> ExitCode {
    ui::terminal::configure_colors();
    let cli = match parse_command_line() {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    ui::logging::init(cli.global.output.verbose);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let error = crate::error::at_the_edge(error);
            ui::errors::print_error(&error);
            exit_code(&error)
        }
    }
}

/// clap's parse, with two fixes at the edge: a bad value that came from an environment
/// variable names the variable (clap names only the flag it stands for), and a malformed
/// `KAFKACTL_TIMEOUT` does not break the commands that never wait.
fn parse_command_line() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let error = match Cli::command().try_get_matches_from(&args) {
        Ok(matches) => return Cli::from_arg_matches(&matches),
        Err(error) => error,
    };
    let Some(env) = crate::cli::env_behind(&error, &args) else {
        return Err(error);
    };
    if env.name == "KAFKACTL_TIMEOUT" {
        // Parsed again without it: a command that never waits runs with a warning.
        let retry = Cli::command().mut_arg("timeout", |a| a.env(None::<&str>));
        if let Ok(cli) = retry
            .try_get_matches_from(&args)
            .and_then(|m| Cli::from_arg_matches(&m))
            && !cli.command.waits()
        {
            crate::eprintln_safe!("warning: {} (not used by this command)", env.message(&error));
            return Ok(cli);
        }
    }
    Err(Cli::command().error(clap::error::ErrorKind::InvalidValue, env.message(&error)))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    check_namespace_flag(&global)?;
    check_cluster_name(&cli.command)?;
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
        Command::UpgradePlan(args) => upgrade_plan::run(&global, args),
        Command::Migrate(args) => migrate::run(&global, args),
        Command::Expose(args) => expose::run(&global, args),
        Command::Monitor(args) => monitor::run(&global, args),
        Command::Delete(args) => delete::run(&global, args),
        Command::Export(args) => export::run(&global, args),
        Command::Check(args) => check::run(&global, *args),
        Command::Operator(command) => operator::run(&global, command),
        Command::Image(command) => image::run(&global, command),
    }
}

/// `-n` names an object in every request; a name Kubernetes cannot have is
/// refused before anything is read or written (else `list` answers "no
/// clusters" and `operator install` goes on in another namespace).
fn check_namespace_flag(global: &crate::cli::GlobalArgs) -> Result<(), Failure> {
    match global
        .connection
        .namespace
        .as_deref()
        .and_then(crate::spec::validate::namespace_problem)
    {
        Some(problem) => Err(Failure::usage(format!("-n/--namespace: {problem}"))
            .with_hint("nothing was changed; kafkactl list -A shows the namespaces that have clusters")),
        None => Ok(()),
    }
}

/// The NAME of the cluster a command works on, refused before any request
/// when no Kubernetes object can have it (an empty name made the API client
/// fail with an error about the connection). `create` validates its name with
/// the rest of the spec; only an empty one is caught here.
fn check_cluster_name(command: &Command) -> Result<(), Failure> {
    let existing = match command {
        Command::Create(args) => match args.name.as_deref() {
            Some("") => None,
            _ => return Ok(()),
        },
        Command::Status(args) => Some(args.name.as_str()),
        Command::Scale(args) => Some(args.name.as_str()),
        Command::Restart(args) => Some(args.name.as_str()),
        Command::Upgrade(args) => Some(args.name.as_str()),
        Command::Migrate(args) => Some(args.name.as_str()),
        Command::Expose(args) => Some(args.name.as_str()),
        Command::Monitor(args) => Some(args.name.as_str()),
        Command::Delete(args) => Some(args.name.as_str()),
        Command::Export(args) => Some(args.name.as_str()),
        _ => return Ok(()),
    };
    let problem = match existing {
        Some(name) => crate::spec::validate::existing_cluster_name_problem(name),
        None => Some("the cluster name is empty; pass a DNS label such as my-cluster".to_string()),
    };
    match problem {
        Some(problem) => Err(Failure::usage(format!("NAME: {problem}"))
            .with_hint("nothing was changed; kafkactl list shows the clusters of the namespace")),
        None => Ok(()),
    }
}

/// The async runtime of commands that talk to a cluster (two workers: the
/// work is I/O-bound and the machines are small).
pub fn runtime() -> anyhow::Result<CommandRuntime> {
    Ok(CommandRuntime(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?,
    ))
}

/// The runtime a command runs its cluster work on. Whatever ends that work —
/// success, an error, Ctrl-C dropping it, or SIGTERM/SIGHUP (a cancelled CI
/// job, a closed terminal) — the cluster locks it took are released before
/// `block_on` returns (or, on SIGTERM/SIGHUP, before the process exits with
/// 128 + the signal), so that a re-run is not locked out.
pub struct CommandRuntime(tokio::runtime::Runtime);

impl CommandRuntime {
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        let output = self.0.block_on(async {
            tokio::select! {
                output = future => Ok(output),
                signal = terminated() => Err(signal),
            }
        });
        self.release_locks();
        match output {
            Ok(output) => output,
            Err((name, number)) => {
                ui::errors::print_error(&anyhow::anyhow!(
                    "terminated by {name}; what was applied stays applied, the cluster lock was released, and running the same command again converges"
                ));
                std::process::exit(128 + number)
            }
        }
    }

    fn release_locks(&self) {
        let report = self.0.block_on(crate::cluster::lease::release_all());
        for lost in &report.lost {
            ui::errors::print_warning(&format!(
                "the cluster lock {lost} was taken over by another command while this one ran (its renewals failed); check the cluster with kafkactl status"
            ));
        }
        for kept in &report.not_released {
            ui::errors::print_warning(&format!(
                "the cluster lock {kept} could not be released; it expires by itself within {}s",
                crate::cluster::lease::LEASE_DURATION.as_secs()
            ));
        }
    }
}

/// SIGTERM or SIGHUP, by name and number, once a cluster lock is held;
/// never elsewhere. Listening replaces the default (the process ending at
/// once) for the rest of the process, so it starts only when a lock makes it
/// worth it: a prompt before that still ends on SIGTERM.
async fn terminated() -> (&'static str, i32) {
    crate::cluster::lease::lock_taken().await;
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) {
            return tokio::select! {
                _ = term.recv() => ("SIGTERM", 15),
                _ = hup.recv() => ("SIGHUP", 1),
            };
        }
    }
    std::future::pending().await
}
