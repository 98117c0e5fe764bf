//! Command-line errors caused by environment variables: clap reports a bad
//! `KAFKACTL_OUTPUT=xml` as an invalid `--output`, which the user never typed.

use std::ffi::OsString;

use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue};

use super::Cli;

/// The environment variable behind a value clap refused.
pub struct EnvSource {
    pub name: String,
    pub value: String,
    /// The flag it stands for, e.g. `--output`.
    pub flag: String,
}

impl EnvSource {
    pub fn message(&self, error: &clap::Error) -> String {
        let why = match error.get(ContextKind::ValidValue) {
            Some(ContextValue::Strings(valid)) => format!("valid values are {}", valid.join(", ")),
            _ => std::error::Error::source(error)
                .map(|s| s.to_string())
                .unwrap_or_else(|| "it is not a valid value".into()),
        };
        format!(
            "environment variable {}={:?} is not a valid {}: {why}; unset it or correct it",
            self.name, self.value, self.flag
        )
    }
}

/// When clap refused a value of a flag that was not on the command line but
/// has its environment variable set, that variable.
pub fn env_behind(error: &clap::Error, args: &[OsString]) -> Option<EnvSource> {
    let invalid = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => arg.clone(),
        _ => return None,
    };
    // `--output <FORMAT>` → `--output`
    let flag = invalid.split_whitespace().next()?.to_string();
    let long = flag.strip_prefix("--")?;
    let command = Cli::command();
    let arg = command.get_arguments().find(|a| a.get_long() == Some(long))?;
    let name = arg.get_env()?.to_string_lossy().into_owned();
    let value = std::env::var(&name).ok()?;
    let short = arg.get_short().map(|c| format!("-{c}"));
    let typed = args.iter().skip(1).any(|a| {
        let a = a.to_string_lossy();
        a == flag
            || a.starts_with(&format!("{flag}="))
            || short
                .as_deref()
                .is_some_and(|s| a == s || (a.starts_with(s) && !a.starts_with("--")))
    });
    if typed {
        return None;
    }
    Some(EnvSource { name, value, flag })
}
