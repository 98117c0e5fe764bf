//! How a checklist (`check::CheckReport`) looks: one line per check with its
//! mark, the hint under a problem, sections, the summary. `check` decides
//! the statuses; the marks and colours are chosen here.

use console::style;

use crate::check::{CheckReport, CheckResult, Status};
use crate::ui;
use crate::ui::output::TextOutput;
use crate::ui::terminal::Mark;

/// The mark of a status.
pub fn mark(status: Status) -> Mark {
    match status {
        Status::Pass => Mark::Done,
        Status::Warn => Mark::Warn,
        Status::Fail => Mark::Fail,
    }
}

/// The status mark for a line on a terminal (`on_terminal`) or elsewhere.
fn symbol(status: Status, on_terminal: bool) -> String {
    let s = mark(status).render(on_terminal);
    match status {
        Status::Pass => style(s).green().to_string(),
        Status::Warn => style(s).yellow().bold().to_string(),
        Status::Fail => style(s).red().bold().to_string(),
    }
}

/// `✗ name: detail` and, under problems, the indented hint.
pub fn format_line(result: &CheckResult, on_terminal: bool) -> String {
    let mut out = format!(
        "\n{} {}: {}",
        symbol(result.status, on_terminal),
        result.name,
        result.detail
    );
    if let Some(hint) = &result.hint
        && result.status != Status::Pass
    {
        out.push_str(&format!("\n    {} {hint}", style("hint:").cyan()));
    }
    out
}

impl TextOutput for CheckReport {
    fn text(&self) -> String {
        let on_terminal = ui::terminal::stdout_is_tty();
        let mut out = String::new();
        let mut section = None;
        for result in &self.checks {
            if section != Some(result.section) {
                if section.is_some() {
                    out.push_str("\n\n");
                }
                let title = result.section.title();
                out.push_str(&format!("{title}\n{}", "-".repeat(title.chars().count())));
                section = Some(result.section);
            }
            out.push_str(&format_line(result, on_terminal));
        }
        let verdict = if self.ok {
            "this cluster can run this spec"
        } else {
            "this cluster cannot run this spec as it is"
        };
        let warnings = match self.warnings {
            1 => "1 warning".to_string(),
            n => format!("{n} warnings"),
        };
        out.push_str(&format!(
            "\n\nSummary: {} failed, {warnings}, {} passed: {verdict}\n",
            self.failures, self.passed
        ));
        out
    }
}
