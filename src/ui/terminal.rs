//! What the terminal can do: colour, interactivity. Decided once at start-up.

use std::io::IsTerminal;

/// Whether prompts are allowed: stdin and stderr are terminals, `CI` is not
/// set, and neither `--yes` nor `--no-input` was given.
pub fn interactive(yes: bool, no_input: bool) -> bool {
    !yes && !no_input && !ci() && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
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
