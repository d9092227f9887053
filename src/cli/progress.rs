//! The progress line on stderr: only when stderr is a terminal (and not `TERM=dumb`), plain
//! text, redrawn in place.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use crate::domain::{Job, JobState};

/// A one-line progress display.
pub struct Progress {
    enabled: bool,
    start: Instant,
    shown: bool,
}

impl Progress {
    /// A display that shows itself only on an interactive stderr.
    pub fn new() -> Self {
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Self {
            enabled: std::io::stderr().is_terminal() && !dumb,
            start: Instant::now(),
            shown: false,
        }
    }

    /// Redraws the line for `jobs`.
    pub fn update<'a>(&mut self, jobs: impl IntoIterator<Item = &'a Job>) {
        if !self.enabled {
            return;
        }
        let (mut done, mut active, mut bad, mut total) = (0, 0, 0, 0);
        let mut progress = None;
        for j in jobs {
            total += 1;
            match &j.state {
                JobState::Done => done += 1,
                JobState::Running { progress: p } => {
                    active += 1;
                    progress = progress.max(*p);
                }
                s if s.is_active() => active += 1,
                _ => bad += 1,
            }
        }
        let pct = progress.map(|p| format!(" {p}%")).unwrap_or_default();
        let line = format!(
            "qimg: {done}/{total} done · {active} running{pct} · {bad} not done · {}s",
            self.start.elapsed().as_secs()
        );
        let mut err = std::io::stderr();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.shown = true;
    }

    /// Removes the line.
    pub fn clear(&mut self) {
        if self.shown {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}
