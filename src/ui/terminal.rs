//! What the terminal can do: colour, interactivity. Decided once at start-up.

use std::io::IsTerminal;

/// Whether prompts are allowed: stdin and stderr are terminals, `CI` is not
/// set, and neither `--yes` nor `--no-input` was given.
pub fn interactive(yes: bool, no_input: bool) -> bool {
    !yes && !no_input && !ci() && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Why prompts are off, ignoring `--yes` (which answers confirmations, not
/// questions); `None` when a wizard may ask.
pub fn prompts_off_reason(no_input: bool) -> Option<&'static str> {
    if no_input {
        Some("--no-input was given")
    } else if ci() {
        Some("CI is set")
    } else if !std::io::stdin().is_terminal() {
        Some("stdin is not a terminal")
    } else if !std::io::stderr().is_terminal() {
        Some("stderr is not a terminal")
    } else {
        None
    }
}

/// `CI=true` (or any non-empty value but `false`/`0`) counts as non-interactive.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Colour only on terminals, never when `NO_COLOR` is set (https://no-color.org).
pub fn configure_colors() {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if no_color {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}

/// Whether stderr gets animated progress bars (else plain timestamped lines).
pub fn stderr_is_tty() -> bool {
    std::io::stderr().is_terminal()
}

/// Whether stdout is a terminal (symbols in results) or a pipe or file (words).
pub fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// A status mark. Symbols only on terminals: in pipes, files and CI logs a
/// word that `grep` finds and any encoding shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Done,
    Pending,
    Warn,
    Fail,
}

impl Mark {
    /// The symbol on a terminal; otherwise a word, padded to one width so
    /// that checklists stay aligned.
    pub fn render(self, on_terminal: bool) -> &'static str {
        match (self, on_terminal) {
            (Mark::Done, true) => "✓",
            (Mark::Pending, true) => "…",
            (Mark::Warn, true) => "!",
            (Mark::Fail, true) => "✗",
            (Mark::Done, false) => "ok  ",
            (Mark::Pending, false) => "..  ",
            (Mark::Warn, false) => "warn",
            (Mark::Fail, false) => "FAIL",
        }
    }

    /// For a line written to stderr.
    pub fn on_stderr(self) -> &'static str {
        self.render(stderr_is_tty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_symbols_on_terminals_and_ascii_words_of_one_width_elsewhere() {
        for mark in [Mark::Done, Mark::Pending, Mark::Warn, Mark::Fail] {
            let plain = mark.render(false);
            assert!(plain.is_ascii(), "{plain:?}");
            assert_eq!(plain.len(), 4, "{plain:?}");
            assert_eq!(mark.render(true).chars().count(), 1);
        }
        assert_eq!(Mark::Fail.render(false), "FAIL");
        assert_eq!(Mark::Done.render(true), "✓");
    }
}
