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
use crate::commands::shared::runner::{Runner, SoFar, run_and_print};

pub fn run(global: &GlobalArgs, args: MonitorArgs) -> anyhow::Result<()> {
    let name = args.name.as_str();
    let log = ApplyLog::default();
    match args.action {
        Some(MonitorAction::Install(install_args)) => run_and_print(
            global,
            SoFar::Applied(&log),
            install::install(global, name, &install_args, &log),
        ),
        Some(MonitorAction::Uninstall(uninstall_args)) => run_and_print(
            global,
            SoFar::Applied(&log),
            uninstall::uninstall(global, name, &uninstall_args, &log),
        ),
        None => Runner::new()?.run_until_ctrl_c(health::health(global, name, &args.view)),
    }
}
