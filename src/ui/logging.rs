//! Where diagnostics go: `-v` shows each API request (`cluster::trace`), `-vv`
//! also the bodies, `KAFKACTL_LOG` takes any `tracing` filter (e.g. `debug`,
//! `kube=debug,kafkactl=trace`). Everything goes to stderr, written above the
//! progress bars so that neither tears the other. Without either, nothing is set up.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The environment variable that holds a filter, as an alternative to `-v`.
pub const LOG_ENV: &str = "KAFKACTL_LOG";

/// Start logging for this process, once, from `-v` (count) and `KAFKACTL_LOG`.
pub fn init(verbosity: u8) {
    let from_env = std::env::var(LOG_ENV).ok().filter(|v| !v.trim().is_empty());
    let Some(directives) = directives(verbosity, from_env.as_deref()) else {
        return;
    };
    let filter = match EnvFilter::try_new(&directives) {
        Ok(filter) => filter,
        Err(error) => {
            crate::ui::errors::print_warning(&format!(
                "{LOG_ENV}={directives:?} is not a log filter ({error}); logging only what -v asks for"
            ));
            match self::directives(verbosity, None).map(EnvFilter::try_new) {
                Some(Ok(filter)) => filter,
                _ => return,
            }
        }
    };
    let colors = crate::ui::terminal::stderr_is_tty() && console::colors_enabled_stderr();
    // Another subscriber can only be there in tests that call this twice.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(AboveProgress)
        .with_ansi(colors)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .try_init();
}

/// The filter: `KAFKACTL_LOG`'s, with `-v`'s added; `None` when neither asks for anything.
fn directives(verbosity: u8, from_env: Option<&str>) -> Option<String> {
    let from_flag = match verbosity {
        0 => None,
        1 => Some("kafkactl=debug"),
        _ => Some("kafkactl=trace"),
    };
    match (from_env, from_flag) {
        (None, None) => None,
        (Some(env), None) => Some(env.to_string()),
        (None, Some(flag)) => Some(flag.to_string()),
        (Some(env), Some(flag)) => Some(format!("{env},{flag}")),
    }
}

/// Writes each log line to stderr through the progress view (above the bars).
#[derive(Debug, Clone, Copy)]
struct AboveProgress;

impl std::io::Write for AboveProgress {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        crate::ui::progress::write_above_bars(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for AboveProgress {
    type Writer = AboveProgress;

    fn make_writer(&'a self) -> Self::Writer {
        AboveProgress
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_logged_without_v_or_the_environment() {
        assert_eq!(directives(0, None), None);
    }

    #[test]
    fn v_shows_requests_and_vv_bodies() {
        assert_eq!(directives(1, None).as_deref(), Some("kafkactl=debug"));
        assert_eq!(directives(2, None).as_deref(), Some("kafkactl=trace"));
        assert_eq!(directives(3, None).as_deref(), Some("kafkactl=trace"));
    }

    #[test]
    fn the_environment_filter_is_used_and_v_adds_to_it() {
        assert_eq!(directives(0, Some("kube=debug")).as_deref(), Some("kube=debug"));
        assert_eq!(
            directives(1, Some("kube=debug")).as_deref(),
            Some("kube=debug,kafkactl=debug")
        );
    }
}
