//! `kafkactl monitor NAME [install|uninstall]`: turn monitoring on or off in
//! the stored spec and apply it, or show a health summary read from the
//! cluster's Prometheus through the API server's service proxy.
//!
//! Exit codes of the health view: 3 (not found) when the cluster does not
//! exist or has no monitoring installed, or no Prometheus to ask can be
//! found; 1 when Prometheus is not ready, answers no query at all, or some
//! panels failed (the view is still printed, with the failures in it).

mod health;
mod install;
mod uninstall;

use crate::cli::GlobalArgs;
use crate::cli::monitor::{MonitorAction, MonitorArgs};
use crate::cluster::apply::ApplyLog;
use crate::commands::shared::change::summarize_actions;
use crate::error::{Failure, FailureKind};
use crate::ui;

pub fn run(global: &GlobalArgs, args: MonitorArgs) -> anyhow::Result<()> {
    let runtime = super::runtime()?;
    let name = args.name.as_str();
    match args.action {
        Some(MonitorAction::Install(install_args)) => {
            let log = ApplyLog::default();
            let outcome = runtime.block_on(async {
                tokio::select! {
                    result = install::install(global, name, &install_args, &log) => result,
                    _ = tokio::signal::ctrl_c() => Err(interrupted(&log).into()),
                }
            })?;
            ui::output::print_outcome(&outcome, global.output.output)
        }
        Some(MonitorAction::Uninstall(uninstall_args)) => {
            let log = ApplyLog::default();
            let outcome = runtime.block_on(async {
                tokio::select! {
                    result = uninstall::uninstall(global, name, &uninstall_args, &log) => result,
                    _ = tokio::signal::ctrl_c() => Err(interrupted(&log).into()),
                }
            })?;
            ui::output::print_outcome(&outcome, global.output.output)
        }
        None => runtime.block_on(async {
            tokio::select! {
                result = health::health(global, name, &args.view) => result,
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        }),
    }
}

fn interrupted(log: &ApplyLog) -> Failure {
    let applied = log.applied();
    let what = if applied.is_empty() {
        "nothing was applied".to_string()
    } else {
        format!("{} were applied", summarize_actions(&applied))
    };
    Failure::new(FailureKind::Interrupted, format!("interrupted; {what}"))
        .with_hint("run the same command again to finish: it converges")
}
