//! The requested spec (`actions::requested_spec`) at the command edge:
//! refused with every problem (exit code 2), or accepted with its warnings
//! printed (unless `-q`).

use crate::cli::GlobalArgs;
use crate::error::Failure;
use crate::spec::{ClusterSpec, Report};
use crate::ui;

/// `spec` when `report` has no problem; `hint` says what nothing happened to.
pub fn accepted(global: &GlobalArgs, spec: ClusterSpec, report: Report, hint: &str) -> Result<ClusterSpec, Failure> {
    if !report.is_ok() {
        return Err(Failure::invalid_spec(report).with_hint(hint));
    }
    if !global.output.quiet {
        ui::errors::print_warnings(&report);
    }
    Ok(spec)
}
