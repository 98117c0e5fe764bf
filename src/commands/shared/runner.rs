//! The one interruptible runner of the commands that change a cluster: the
//! runtime, Ctrl-C raced against the work, the interrupted failure that says
//! what was done so far, and the outcome printed. Commands call it instead of
//! writing their own `select!` against `tokio::signal::ctrl_c()`.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::cluster::apply::ApplyLog;
use crate::cluster::teardown::DeleteLog;
use crate::commands::CommandRuntime;
use crate::error::{Failure, FailureKind};
use crate::ui;
use crate::ui::output::TextOutput;

/// What a command had done when Ctrl-C stopped it: the interrupted failure
/// says it, and how to finish.
#[derive(Debug, Clone, Copy)]
pub enum SoFar<'a> {
    /// Objects applied by server-side apply (create, expose, monitor, operator install).
    Applied(&'a ApplyLog),
    /// Objects deleted (delete).
    Deleted(&'a DeleteLog),
    /// A change through the change path (scale, upgrade, restart), by its verb: "scaling".
    Changing(&'static str),
}

/// The failure for Ctrl-C (exit 130): what was done, and that a re-run finishes the job.
pub fn interrupted(so_far: SoFar<'_>) -> Failure {
    match so_far {
        SoFar::Applied(log) => {
            let applied = log.applied();
            let what = if applied.is_empty() {
                "nothing was applied".to_string()
            } else {
                format!("{} were applied", super::change::summarize_actions(&applied))
            };
            Failure::new(FailureKind::Interrupted, format!("interrupted; {what}"))
                .with_hint("run the same command again to finish: it converges")
        }
        SoFar::Deleted(log) => Failure::new(
            FailureKind::Interrupted,
            format!("interrupted; {} object(s) were deleted", log.deleted().len()),
        )
        .with_hint("run the same command again to finish: it picks up what is left"),
        SoFar::Changing(verb) => Failure::new(FailureKind::Interrupted, format!("interrupted while {verb}"))
            .with_hint("what was applied stays applied and Strimzi goes on; `kafkactl status NAME` shows the state, and running the same command again converges"),
    }
}

type CtrlC = Pin<Box<dyn Future<Output = std::io::Result<()>>>>;

/// A command's runtime with one Ctrl-C listener for all its steps, so that a
/// signal between two steps (`delete` asks in between) is not lost.
pub struct Runner {
    runtime: CommandRuntime,
    ctrl_c: CtrlC,
}

impl Runner {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Runner {
            runtime: crate::commands::runtime()?,
            ctrl_c: Box::pin(tokio::signal::ctrl_c()),
        })
    }

    /// Run `work` to its end, or until Ctrl-C, which ends it with [`interrupted`].
    pub fn run<T, E>(&mut self, so_far: SoFar<'_>, work: impl Future<Output = Result<T, E>>) -> anyhow::Result<T>
    where
        E: Into<anyhow::Error>,
    {
        let ctrl_c = &mut self.ctrl_c;
        self.runtime.block_on(async {
            tokio::select! {
                result = work => result.map_err(Into::into),
                _ = ctrl_c => Err(interrupted(so_far).into()),
            }
        })
    }

    /// A live view (`monitor NAME`): Ctrl-C is how it ends, with the exit code of success.
    pub fn run_until_ctrl_c<E>(&mut self, work: impl Future<Output = Result<(), E>>) -> anyhow::Result<()>
    where
        E: Into<anyhow::Error>,
    {
        let ctrl_c = &mut self.ctrl_c;
        self.runtime.block_on(async {
            tokio::select! {
                result = work => result.map_err(Into::into),
                _ = ctrl_c => Ok(()),
            }
        })
    }
}

/// The whole `run` of most commands: run `work` interruptibly, print its outcome.
pub fn run_and_print<T, E>(
    global: &GlobalArgs,
    so_far: SoFar<'_>,
    work: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<()>
where
    T: Serialize + TextOutput,
    E: Into<anyhow::Error>,
{
    let outcome = Runner::new()?.run(so_far, work)?;
    ui::output::print_outcome(&outcome, global.output.output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_apply_says_what_was_applied_and_that_a_rerun_converges() {
        let failure = interrupted(SoFar::Applied(&ApplyLog::default()));
        assert_eq!(failure.kind, FailureKind::Interrupted);
        assert_eq!(failure.message, "interrupted; nothing was applied");
        assert_eq!(failure.hints, ["run the same command again to finish: it converges"]);
    }

    #[test]
    fn an_interrupted_delete_counts_what_was_deleted() {
        let failure = interrupted(SoFar::Deleted(&DeleteLog::default()));
        assert_eq!(failure.message, "interrupted; 0 object(s) were deleted");
        assert!(failure.hints[0].contains("picks up what is left"));
    }

    #[test]
    fn an_interrupted_change_names_its_verb() {
        let failure = interrupted(SoFar::Changing("scaling"));
        assert_eq!(failure.message, "interrupted while scaling");
        assert_eq!(failure.kind.exit_code(), 130);
    }

    #[test]
    fn work_that_ends_first_is_its_own_result() {
        let mut runner = Runner::new().unwrap();
        let value = runner
            .run(SoFar::Changing("testing"), async { Ok::<_, Failure>(7) })
            .unwrap();
        assert_eq!(value, 7);
        let failed = runner.run(SoFar::Changing("testing"), async {
            Err::<(), _>(Failure::usage("bad"))
        });
        assert_eq!(crate::error::failure_kind(&failed.unwrap_err()), FailureKind::Usage);
    }
}
