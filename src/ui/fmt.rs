//! Small text helpers for the panes: durations, state labels, sanitised one-liners.

use std::time::Duration;

use ratatui::style::Style;

use crate::config::theme::Theme;
use crate::domain::{JobState, Timestamp};
use crate::sanitize::{sanitize_line, truncate_to_width};
use crate::state::JobView;

/// `8s`, `3m04s`, `1h02m`.
pub fn elapsed(d: Duration) -> String {
    crate::util::format_elapsed(d)
}

/// The state as a word, with progress: `running 45%`, `done`, `cancelling…`.
pub fn state_label(v: &JobView) -> String {
    if v.cancelling && v.job.state.is_active() {
        return "cancelling…".into();
    }
    match &v.job.state {
        JobState::Running { progress: Some(p) } => format!("running {p}%"),
        JobState::TimedOut => "timed out".into(),
        other => other.name().to_owned(),
    }
}

/// The theme style of a state (the glyph and word carry it too: never colour alone).
pub fn state_style(theme: &Theme, state: &JobState) -> Style {
    match state {
        JobState::Done => theme.state_done,
        JobState::Failed { .. } | JobState::Cancelled => theme.state_failed,
        JobState::Ambiguous { .. } | JobState::TimedOut | JobState::Expired { .. } => {
            theme.state_attention
        }
        JobState::Queued => theme.state_queued,
        _ => theme.state_running,
    }
}

/// Time a job has run (or ran), as text.
pub fn job_elapsed(v: &JobView, now: Timestamp) -> String {
    elapsed(v.job.elapsed(now))
}

/// Server or user text made safe and cut to `width` cells.
pub fn one_line(s: &str, width: usize) -> String {
    truncate_to_width(&sanitize_line(s), width).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(elapsed(Duration::from_secs(8)), "8s");
        assert_eq!(elapsed(Duration::from_secs(184)), "3m04s");
        assert_eq!(elapsed(Duration::from_secs(3720)), "1h02m");
    }
}
