//! Progress of the long steps on stderr, for a person watching a terminal: which step runs,
//! for how long, how many manifests and files were read, the last line an Odoo run printed.
//!
//! Nothing is shown unless `main` [`enable`]d it, which it does only when stderr is a terminal
//! whose `TERM` is not `dumb` and the run is not `--quiet` or `--ci` ([`wanted`]). Commands
//! open a [`Step`] around what takes time; it is cleared when dropped, before the report is
//! written, and it never writes to stdout. Loaders only count (atomics, [`manifest_read`],
//! [`file_read`]) and pass on subprocess output ([`LastLine`]); checks know nothing of it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::escape;

static ENABLED: AtomicBool = AtomicBool::new(false);
/// A step is shown: the loaders' counts and lines are wanted.
static WATCHING: AtomicBool = AtomicBool::new(false);
static MANIFESTS: AtomicU64 = AtomicU64::new(0);
static FILES: AtomicU64 = AtomicU64::new(0);
static LAST: Mutex<String> = Mutex::new(String::new());

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// Whether progress should be shown: stderr is a terminal, `TERM` is not `dumb`, and the run
/// is not quiet (`--quiet`, `--ci`). Colour settings do not matter.
pub fn wanted(quiet: bool) -> bool {
    wanted_from(
        quiet,
        std::io::stderr().is_terminal(),
        std::env::var("TERM").ok().as_deref(),
    )
}

/// [`wanted`] from its inputs.
pub fn wanted_from(quiet: bool, stderr_terminal: bool, term: Option<&str>) -> bool {
    !quiet && stderr_terminal && term != Some("dumb")
}

/// Turns progress on (or off) for the run.
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::SeqCst);
}

/// A manifest was read (the addons scan).
pub fn manifest_read() {
    if WATCHING.load(Ordering::Relaxed) {
        MANIFESTS.fetch_add(1, Ordering::Relaxed);
    }
}

/// An input file was opened to be read.
pub fn file_read() {
    if WATCHING.load(Ordering::Relaxed) {
        FILES.fetch_add(1, Ordering::Relaxed);
    }
}

/// The last complete line of a subprocess's output, fed chunk by chunk by the thread that
/// reads it; shown by the current step.
#[derive(Default)]
pub struct LastLine {
    partial: Vec<u8>,
}

impl LastLine {
    /// Takes the next chunk of output.
    pub fn feed(&mut self, chunk: &[u8]) {
        if !WATCHING.load(Ordering::Relaxed) {
            return;
        }
        let Some(end) = chunk.iter().rposition(|&b| b == b'\n') else {
            // Bounded: a line longer than this is shown by its start.
            if self.partial.len() < 4096 {
                self.partial.extend_from_slice(chunk);
            }
            return;
        };
        self.partial.extend_from_slice(&chunk[..end]);
        let text = String::from_utf8_lossy(&self.partial);
        if let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) {
            if let Ok(mut last) = LAST.lock() {
                *last = line.trim().chars().take(400).collect();
            }
        }
        self.partial.clear();
        self.partial.extend_from_slice(&chunk[end + 1..]);
    }
}

/// A step being shown, cleared from the terminal when dropped. A no-op when progress is off.
pub struct Step {
    shown: Option<Shown>,
}

struct Shown {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

/// Starts showing `label` (with the time it has run, the manifests and files read and the
/// last line of a subprocess's output since it started).
pub fn step(label: impl Into<String>) -> Step {
    if !ENABLED.load(Ordering::SeqCst) {
        return Step { shown: None };
    }
    let label = escape::control(&label.into()).into_owned();
    MANIFESTS.store(0, Ordering::SeqCst);
    FILES.store(0, Ordering::SeqCst);
    if let Ok(mut last) = LAST.lock() {
        last.clear();
    }
    WATCHING.store(true, Ordering::SeqCst);
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg}") {
        bar.set_style(style);
    }
    let started = Instant::now();
    bar.set_message(line(&label, started.elapsed()));
    bar.tick();
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (bar, stop) = (bar.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(TICK);
                bar.set_message(line(&label, started.elapsed()));
                bar.tick();
            }
            // The last counts, drawn even when the step was shorter than a redraw.
            bar.set_message(line(&label, started.elapsed()));
            bar.force_draw();
        })
    };
    Step {
        shown: Some(Shown {
            bar,
            stop,
            ticker: Some(ticker),
        }),
    }
}

/// The text of a step's line: `label · 1m05s · 93 manifests, 1204 files read · last line`.
fn line(label: &str, elapsed: Duration) -> String {
    let mut parts = vec![label.to_string(), duration(elapsed)];
    let (m, f) = (
        MANIFESTS.load(Ordering::Relaxed),
        FILES.load(Ordering::Relaxed),
    );
    if m > 0 || f > 0 {
        parts.push(format!("{m} manifests, {f} files read"));
    }
    if let Ok(last) = LAST.lock() {
        if !last.is_empty() {
            parts.push(escape::control(&last).into_owned());
        }
    }
    parts.join(" · ")
}

/// `42s`, `3m05s`, `1h02m`.
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

impl Step {
    /// Ends this step and shows the next one.
    pub fn next(&mut self, label: impl Into<String>) {
        drop(std::mem::replace(self, Step { shown: None }));
        *self = step(label);
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some(mut shown) = self.shown.take() {
            shown.stop.store(true, Ordering::SeqCst);
            if let Some(t) = shown.ticker.take() {
                let _ = t.join();
            }
            shown.bar.finish_and_clear();
            WATCHING.store(false, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_on_a_terminal_only_and_never_quiet_or_dumb() {
        assert!(wanted_from(false, true, Some("xterm")));
        assert!(wanted_from(false, true, None));
        assert!(!wanted_from(false, false, Some("xterm")));
        assert!(!wanted_from(true, true, Some("xterm")));
        assert!(!wanted_from(false, true, Some("dumb")));
    }

    #[test]
    fn durations_read_as_a_clock() {
        assert_eq!(duration(Duration::from_millis(42_900)), "42s");
        assert_eq!(duration(Duration::from_secs(185)), "3m05s");
        assert_eq!(duration(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn the_last_line_is_the_last_complete_nonblank_one_escaped() {
        // Progress off: the step is a no-op and nothing is collected.
        let step = super::step("x");
        assert!(step.shown.is_none());
        WATCHING.store(true, Ordering::SeqCst);
        let mut l = LastLine::default();
        l.feed(b"2026-12-03 INFO loading 1 modules\n2026-12-03 INFO load");
        assert_eq!(*LAST.lock().unwrap(), "2026-12-03 INFO loading 1 modules");
        l.feed(b"ing 42 modules...\n\n");
        assert_eq!(
            *LAST.lock().unwrap(),
            "2026-12-03 INFO loading 42 modules..."
        );
        l.feed(b"evil \x1b[2J\n");
        let shown = line("step", Duration::from_secs(3));
        assert!(shown.starts_with("step · 3s · "), "{shown}");
        assert!(!shown.contains('\x1b'), "{shown:?}");
        WATCHING.store(false, Ordering::SeqCst);
        LAST.lock().unwrap().clear();
    }
}
