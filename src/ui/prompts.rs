//! The one place kafkactl asks the user something: confirmations and typed
//! answers, with the non-interactive rules of DESIGN.md (no terminal, `CI`,
//! `--no-input` → a refusal naming the flag to pass instead of a prompt).

use dialoguer::theme::ColorfulTheme;

use crate::cli::PromptArgs;
use crate::error::{Failure, FailureKind};

/// Ask a yes/no question (default no). `interactive` comes from
/// `ui::terminal::interactive(yes, no_input)`; when it is false the answer is
/// missing, which is a refusal whose hint names `flag_hint` (e.g. `--yes`).
/// Callers handle `--yes` before calling (or use [`require_confirmation`]).
pub fn confirm(question: &str, flag_hint: &str, interactive: bool) -> Result<bool, Failure> {
    if !interactive {
        return Err(missing_answer(question, flag_hint));
    }
    dialoguer::Confirm::with_theme(&theme())
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(no_answer)
}

/// `--yes` confirms; else ask. A "no" or a missing answer is a refusal (exit 4)
/// saying nothing was changed; a prompt that fails or is interrupted is exit 130.
pub fn require_confirmation(prompt: &PromptArgs, question: &str, flag_hint: &str) -> Result<(), Failure> {
    if prompt.yes {
        return Ok(());
    }
    let interactive = crate::ui::terminal::interactive(prompt.yes, prompt.no_input);
    if confirm(question, flag_hint, interactive)? {
        Ok(())
    } else {
        Err(not_confirmed())
    }
}

/// Type-to-confirm, for what cannot be undone (`delete`): at a terminal the
/// user types `name`; `--yes` confirms without a prompt; otherwise the refusal
/// of [`missing_answer`]. A name typed wrong is a refusal.
pub fn require_typed_name(prompt: &PromptArgs, name: &str, question: &str, flag_hint: &str) -> Result<(), Failure> {
    if prompt.yes {
        return Ok(());
    }
    if !crate::ui::terminal::interactive(prompt.yes, prompt.no_input) {
        return Err(missing_answer(question, flag_hint));
    }
    let typed = input(&format!("{question} Type \"{name}\" to confirm"), flag_hint, true)?;
    if typed.trim() == name {
        Ok(())
    } else {
        Err(Failure::new(
            FailureKind::Refused,
            format!("the name typed is not \"{name}\"; nothing was changed"),
        ))
    }
}

/// Ask for a line of text (may be empty). Not interactive → refusal naming
/// `flag_hint`, as for [`confirm`].
pub fn input(question: &str, flag_hint: &str, interactive: bool) -> Result<String, Failure> {
    if !interactive {
        return Err(missing_answer(question, flag_hint));
    }
    dialoguer::Input::<String>::with_theme(&theme())
        .with_prompt(question)
        .allow_empty(true)
        .interact_text()
        .map_err(no_answer)
}

/// The refusal when an answer is needed and prompts are off: the one wording
/// every command uses.
pub fn missing_answer(question: &str, flag_hint: &str) -> Failure {
    Failure::new(
        FailureKind::Refused,
        format!(
            "this needs a confirmation ({}), and prompts are off (--no-input, CI or no terminal); nothing was changed",
            question.trim_end_matches(['?', ' '])
        ),
    )
    .with_hint(format!("pass {flag_hint} to answer without a prompt"))
}

/// The refusal when the answer was "no".
pub fn not_confirmed() -> Failure {
    Failure::new(FailureKind::Refused, "not confirmed; nothing was changed")
}

/// A hint with the exact command the user ran, `flag` added (e.g. `--yes`):
/// what to run to give the answer without a prompt (or to change nothing). Arguments that a shell
/// would split or expand are single-quoted.
pub fn same_command_with(flag: &str) -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("the same command with {flag}: {}", command_line(&args, flag))
}

fn command_line(args: &[String], flag: &str) -> String {
    let quote = |arg: &str| {
        let plain = !arg.is_empty()
            && arg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@%+".contains(&b));
        if plain {
            arg.to_string()
        } else {
            format!("'{}'", arg.replace('\'', "'\\''"))
        }
    };
    std::iter::once("kafkactl".to_string())
        .chain(args.iter().map(|a| quote(a)))
        .chain(std::iter::once(flag.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The prompt theme: colours only when the terminal has them (console decides,
/// honouring `NO_COLOR` through `ui::terminal::configure_colors`).
pub fn theme() -> ColorfulTheme {
    ColorfulTheme::default()
}

/// dialoguer fails when the prompt is interrupted (Ctrl-C, closed terminal):
/// exit 130 (Interrupted) for every prompt, as for Ctrl-C during the work.
pub fn no_answer(error: dialoguer::Error) -> Failure {
    Failure::new(
        FailureKind::Interrupted,
        format!("no answer ({error}); nothing was changed"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirm_without_a_terminal_is_refused_naming_the_flag() {
        let failure = confirm("delete cluster demo?", "--yes", false).unwrap_err();
        assert_eq!(failure.kind, FailureKind::Refused);
        assert!(failure.message.contains("delete cluster demo"), "{}", failure.message);
        assert_eq!(failure.hints, vec!["pass --yes to answer without a prompt".to_string()]);
    }

    #[test]
    fn input_without_a_terminal_is_refused_naming_the_flag() {
        let failure = input("type the name", "--yes", false).unwrap_err();
        assert_eq!(failure.kind, FailureKind::Refused);
        assert!(failure.hints[0].contains("--yes"));
    }

    #[test]
    fn the_command_line_to_rerun_is_quoted_for_a_shell() {
        let args: Vec<String> = ["expose", "zk", "zookeeper", "--public", "a b", "it's"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            command_line(&args, "--yes"),
            "kafkactl expose zk zookeeper --public 'a b' 'it'\\''s' --yes"
        );
    }

    #[test]
    fn the_refusal_without_a_terminal_has_one_wording() {
        let failure = missing_answer("Uninstall the operator? ", "--yes");
        assert_eq!(
            failure.message,
            "this needs a confirmation (Uninstall the operator), and prompts are off (--no-input, CI or no terminal); nothing was changed"
        );
    }

    #[test]
    fn a_failed_or_interrupted_prompt_is_interrupted() {
        let error = dialoguer::Error::IO(std::io::Error::new(std::io::ErrorKind::Interrupted, "read interrupted"));
        let failure = no_answer(error);
        assert_eq!(failure.kind, FailureKind::Interrupted);
        assert_eq!(failure.kind.exit_code(), 130);
        assert!(failure.message.contains("nothing was changed"), "{}", failure.message);
    }

    #[test]
    fn type_to_confirm_is_answered_by_yes_and_refused_without_a_terminal() {
        let yes = PromptArgs {
            yes: true,
            no_input: false,
        };
        assert!(require_typed_name(&yes, "demo", "Delete cluster demo?", "--yes").is_ok());
        let no_input = PromptArgs {
            yes: false,
            no_input: true,
        };
        let failure = require_typed_name(&no_input, "demo", "Delete cluster demo?", "--yes").unwrap_err();
        assert_eq!(failure.kind, FailureKind::Refused);
        assert!(failure.message.contains("Delete cluster demo"), "{}", failure.message);
        assert_eq!(failure.hints, vec!["pass --yes to answer without a prompt".to_string()]);
    }

    #[test]
    fn yes_confirms_without_asking() {
        let prompt = PromptArgs {
            yes: true,
            no_input: true,
        };
        assert!(require_confirmation(&prompt, "go?", "--yes").is_ok());
    }

    #[test]
    fn no_input_without_yes_is_refused() {
        let prompt = PromptArgs {
            yes: false,
            no_input: true,
        };
        let failure = require_confirmation(&prompt, "go?", "--yes").unwrap_err();
        assert_eq!(failure.kind, FailureKind::Refused);
        assert!(failure.hints[0].contains("--yes"));
    }
}
