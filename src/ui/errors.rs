//! Errors and warnings on stderr: `error: what failed`, then the cause chain,
//! validation findings one per line, and `hint:` lines saying what to do.

use console::style;

use crate::error::Failure;
use crate::spec::{Problem, Report};

/// The whole error as text for stderr.
pub fn format_error(error: &anyhow::Error) -> String {
    let mut out = format!("{} {}\n", style("error:").for_stderr().red().bold(), error);
    let mut hints: Vec<String> = Vec::new();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(&format!("  caused by: {text}\n"));
        }
    }
    for cause in error.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            if let Some(report) = &failure.report {
                out.push_str(&format_problems(&report.errors));
            }
            hints.extend(failure.hints.iter().cloned());
        }
    }
    for hint in hints {
        out.push_str(&format!("{} {hint}\n", style("hint:").for_stderr().cyan().bold()));
    }
    out
}

/// One line per problem: `  ✗ field: message`.
pub fn format_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| {
            format!(
                "  {} {}: {}\n",
                style(crate::ui::terminal::Mark::Fail.on_stderr().trim_end())
                    .for_stderr()
                    .red(),
                style(&p.field).for_stderr().bold(),
                p.message
            )
        })
        .collect()
}

/// Warnings of a validation report, for stderr.
pub fn format_warnings(report: &Report) -> String {
    report
        .warnings
        .iter()
        .map(|p| {
            format!(
                "{} {}: {}\n",
                style("warning:").for_stderr().yellow().bold(),
                p.field,
                p.message
            )
        })
        .collect()
}

pub fn print_error(error: &anyhow::Error) {
    crate::eprint_safe!("{}", format_error(error));
}

/// One `warning:` line on stderr.
pub fn print_warning(text: &str) {
    eprintln!("{} {text}", style("warning:").for_stderr().yellow().bold());
}

pub fn print_warnings(report: &Report) {
    crate::eprint_safe!("{}", format_warnings(report));
}
