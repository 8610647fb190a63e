//! A progress bar for long work (`.import`, `.check`, checkpoints).
//!
//! Drawn on stderr, only when stderr is a terminal, and redrawn at most a
//! few times a second so that it never costs more than the work it shows.
//! When stderr is not a terminal it draws nothing at all, so scripts and
//! tests see the same output with or without it. Hand-written (a dozen
//! lines of drawing) rather than a dependency.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Width of the bar in characters.
const WIDTH: usize = 30;
/// Minimum time between redraws.
const EVERY: Duration = Duration::from_millis(100);
/// Work shorter than this never shows a bar.
const GRACE: Duration = Duration::from_millis(300);

/// A bar for one piece of work measured in units of `total`.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: u64,
    enabled: bool,
    started: Instant,
    last_draw: Option<Instant>,
    drawn: bool,
}

impl Progress {
    /// A bar drawn on stderr if stderr is a terminal.
    pub fn new(label: &str, total: u64) -> Progress {
        Progress::with_enabled(label, total, std::io::stderr().is_terminal())
    }

    /// A bar that draws only if `enabled` (false: a silent no-op).
    pub fn with_enabled(label: &str, total: u64, enabled: bool) -> Progress {
        Progress {
            label: label.to_string(),
            total,
            enabled,
            started: Instant::now(),
            last_draw: None,
            drawn: false,
        }
    }

    /// Reports `done` units of `total` finished.
    pub fn update(&mut self, done: u64) {
        if !self.enabled || self.started.elapsed() < GRACE {
            return;
        }
        let now = Instant::now();
        if self.last_draw.is_some_and(|t| now - t < EVERY) {
            return;
        }
        self.last_draw = Some(now);
        let frac = if self.total == 0 {
            1.0
        } else {
            (done.min(self.total) as f64) / (self.total as f64)
        };
        let filled = (frac * WIDTH as f64) as usize;
        let bar: String = "#".repeat(filled) + &"-".repeat(WIDTH - filled);
        let mut err = std::io::stderr().lock();
        // A failed draw is not worth failing the work for.
        let _ = write!(
            err,
            "\r{} [{bar}] {:>3}%",
            self.label,
            (frac * 100.0) as u32
        );
        let _ = err.flush();
        self.drawn = true;
    }

    /// Clears the bar (if one was drawn).
    pub fn finish(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(self.label.len() + WIDTH + 8));
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
