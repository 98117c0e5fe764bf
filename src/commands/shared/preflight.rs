//! The preflight as the commands that apply a spec run it: the checklist's
//! problems printed on stderr, and a refusal (exit code 4) when one failed.

use console::style;

use crate::check::{CheckReport, Status};
use crate::error::{Failure, FailureKind};
use crate::ui;
use crate::ui::checklist::format_line;
use crate::ui::terminal::Mark;

/// Before applying: print the warnings (unless quiet) and go ahead, or print
/// the failures and refuse (exit code 4) so that nothing is written.
pub fn enforce(report: &CheckReport, quiet: bool) -> Result<(), Failure> {
    let mut lines = String::new();
    for result in report.checks.iter().filter(|c| c.status != Status::Pass) {
        if result.status == Status::Fail || !quiet {
            lines.push_str(&format_line(result, ui::terminal::stderr_is_tty()));
        }
    }
    if !lines.is_empty() {
        crate::eprintln_safe!("{}{lines}", style("preflight:").bold());
    }
    if report.ok {
        return Ok(());
    }
    Err(failed(report)
        .with_hint(format!(
            "nothing was applied; fix the {} lines above and run the same command again",
            Mark::Fail.on_stderr().trim_end()
        ))
        .with_hint("kafkactl check NAME with the same flags shows the whole checklist; --skip-checks applies anyway"))
}

pub fn failed(report: &CheckReport) -> Failure {
    let n = report.failures;
    let what = if n == 1 {
        "1 preflight check failed".to_string()
    } else {
        format!("{n} preflight checks failed")
    };
    Failure::new(
        FailureKind::Refused,
        format!("{what}: this Kubernetes cluster cannot run this spec as it is"),
    )
}
