//! Exit codes, mapped from error kinds in one place, and the `Failure` error
//! that commands raise when they know what kind of failure they have.
//!
//! The typed errors of the cluster layer become `Failure`s here, each in one `From` impl
//! (`api`: API calls, apply and exposure; `connect`; `volumes`; `recovery`): the message,
//! the exit code and the hints, which may name kafkactl's flags and commands.

use std::fmt;
use std::process::ExitCode;

use crate::spec::Report;

mod api;
mod connect;
mod recovery;
mod volumes;
/// `cluster::watch::WaitError` as the user sees it.
mod wait;

/// What kind of failure ended a command; each kind has its own exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A runtime failure: the API server said no, the network failed, …
    Runtime,
    /// Bad flags, a bad preset or an invalid spec; nothing was changed.
    Usage,
    /// The cluster (or another named object) does not exist.
    NotFound,
    /// Refused: a conflict with another field manager, an existing cluster
    /// with a different spec, a safety check, a missing confirmation.
    Refused,
    /// `--timeout` ran out while waiting.
    Timeout,
    /// Ctrl-C.
    Interrupted,
}

impl FailureKind {
    pub fn exit_code(self) -> u8 {
        match self {
            FailureKind::Runtime => 1,
            FailureKind::Usage => 2,
            FailureKind::NotFound => 3,
            FailureKind::Refused => 4,
            FailureKind::Timeout => 5,
            FailureKind::Interrupted => 130,
        }
    }
}

/// An error with a kind, a message, and hints saying what to do.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    pub hints: Vec<String>,
    /// Validation findings, printed one per line.
    pub report: Option<Report>,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            hints: Vec::new(),
            report: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(FailureKind::Usage, message)
    }

    pub fn runtime(message: impl Into<String>) -> Self {
        Failure::new(FailureKind::Runtime, message)
    }

    pub fn invalid_spec(report: Report) -> Self {
        let n = report.errors.len();
        let message = if n == 1 {
            "the cluster spec has 1 problem".to_string()
        } else {
            format!("the cluster spec has {n} problems")
        };
        Failure {
            report: Some(report),
            ..Failure::usage(message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The error as users see it: a typed error of the cluster layer that reached the command
/// edge through `?` into `anyhow` becomes its `Failure` here, by the same `From` impls as
/// everywhere else, so that its message, hints and exit code do not depend on the path.
pub fn at_the_edge(error: anyhow::Error) -> anyhow::Error {
    use crate::cluster::{apply, client, errors, exposure, recovery, volumes};
    macro_rules! as_failure {
        ($($typed:ty),*) => {$(
            if let Some(typed) = error.downcast_ref::<$typed>() {
                return anyhow::Error::new(Failure::from(typed));
            }
        )*};
    }
    as_failure!(
        errors::ApiError,
        client::ConnectError,
        apply::ApplyError,
        exposure::ExposureError,
        volumes::VolumeError,
        recovery::RecoveryError,
        recovery::RestoreError
    );
    error
}

/// The exit code for an error: the kind of the first `Failure` in its chain,
/// else a runtime failure.
pub fn exit_code(error: &anyhow::Error) -> ExitCode {
    ExitCode::from(failure_kind(error).exit_code())
}

pub fn failure_kind(error: &anyhow::Error) -> FailureKind {
    error
        .chain()
        .find_map(|cause| {
            if let Some(failure) = cause.downcast_ref::<Failure>() {
                Some(failure.kind)
            } else if cause.downcast_ref::<crate::spec::preset::PresetError>().is_some() {
                Some(FailureKind::Usage)
            } else {
                None
            }
        })
        .unwrap_or(FailureKind::Runtime)
}
