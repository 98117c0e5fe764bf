//! Progress on stderr: one indicatif bar per component on a terminal, plain
//! timestamped lines otherwise, nothing with `-q`. Diagnostics (why
//! something is stuck) are printed once each, above the bars.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use console::style;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cluster::readiness::{ComponentProgress, Progress};
use crate::ui::terminal::Mark;

/// The bars on screen now, if any, with the id of their view: log lines
/// (`ui::logging`) are written above them.
static ACTIVE_BARS: Mutex<Option<(u64, MultiProgress)>> = Mutex::new(None);

/// Gives each view with bars its id, so that a finished view unregisters only its own.
static NEXT_VIEW_ID: AtomicU64 = AtomicU64::new(0);

fn register_bars(multi: &MultiProgress) -> u64 {
    let id = NEXT_VIEW_ID.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut active) = ACTIVE_BARS.lock() {
        *active = Some((id, multi.clone()));
    }
    id
}

fn unregister_bars(id: u64) {
    if let Ok(mut active) = ACTIVE_BARS.lock()
        && active.as_ref().is_some_and(|(active_id, _)| *active_id == id)
    {
        *active = None;
    }
}

/// Write `text` (whole lines) to stderr without tearing the progress bars: the
/// bars are cleared, the text written, the bars drawn again.
pub fn write_above_bars(text: &[u8]) {
    use std::io::Write as _;
    let write = || {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text);
        let _ = stderr.flush();
    };
    let bars = ACTIVE_BARS
        .lock()
        .ok()
        .and_then(|active| active.as_ref().map(|(_, multi)| multi.clone()));
    match bars {
        Some(multi) => multi.suspend(write),
        None => write(),
    }
}

enum Mode {
    Quiet,
    Lines,
    Bars {
        multi: MultiProgress,
        bars: BTreeMap<String, ProgressBar>,
        /// Its registration for `write_above_bars`.
        id: u64,
    },
}

/// The progress display of one command.
pub struct ProgressView {
    mode: Mode,
    started: Instant,
    last_phase: BTreeMap<String, String>,
    shown_diagnostics: BTreeSet<String>,
}

impl ProgressView {
    pub fn new(quiet: bool) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if crate::ui::terminal::stderr_is_tty() {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            Mode::Bars {
                id: register_bars(&multi),
                multi,
                bars: BTreeMap::new(),
            }
        } else {
            Mode::Lines
        };
        ProgressView {
            mode,
            started: Instant::now(),
            last_phase: BTreeMap::new(),
            shown_diagnostics: BTreeSet::new(),
        }
    }

    /// A one-off line ("applied 17 objects").
    pub fn message(&self, text: &str) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Lines => crate::eprintln_safe!("{} {text}", self.stamp()),
            Mode::Bars { multi, .. } => {
                let _ = multi.println(text);
            }
        }
    }

    pub fn update(&mut self, progress: &Progress) {
        for component in &progress.components {
            self.update_component(component);
        }
        for diagnostic in &progress.diagnostics {
            let line = diagnostic.to_string();
            if self.shown_diagnostics.insert(line.clone()) {
                self.message(&format!("  {} {line}", style("!").for_stderr().yellow().bold()));
            }
        }
    }

    fn update_component(&mut self, c: &ComponentProgress) {
        let changed = self.last_phase.get(&c.name) != Some(&c.phase);
        self.last_phase.insert(c.name.clone(), c.phase.clone());
        let stamp = self.stamp();
        match &mut self.mode {
            Mode::Quiet => {}
            Mode::Lines => {
                if changed {
                    let mark = if c.done { Mark::Done } else { Mark::Pending }.on_stderr();
                    crate::eprintln_safe!("{stamp} {mark} {}: {}", c.name, c.phase);
                }
            }
            Mode::Bars { multi, bars, .. } => {
                let bar = bars.entry(c.name.clone()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new(u64::from(c.total)));
                    bar.set_style(bar_style());
                    bar.set_prefix(c.name.clone());
                    bar
                });
                bar.set_length(u64::from(c.total.max(1)));
                bar.set_position(u64::from(c.ready));
                bar.set_message(c.phase.clone());
                if c.done && !bar.is_finished() {
                    bar.finish_with_message(format!(
                        "{} {}",
                        style(Mark::Done.render(true)).for_stderr().green(),
                        c.phase
                    ));
                }
            }
        }
    }

    /// Remove the bars (their final state stays on screen).
    pub fn finish(&self) {
        if let Mode::Bars { bars, id, .. } = &self.mode {
            for bar in bars.values() {
                if !bar.is_finished() {
                    bar.abandon();
                }
            }
            // Nothing is redrawn any more: later log lines go straight to stderr.
            unregister_bars(*id);
        }
    }

    fn stamp(&self) -> String {
        format!("[{:>6.1}s]", self.started.elapsed().as_secs_f64())
    }
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        if let Mode::Bars { id, .. } = &self.mode {
            unregister_bars(*id);
        }
    }
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>20.bold} [{bar:24.cyan/blue}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
