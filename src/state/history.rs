//! How the job list is narrowed and ordered: a state filter, a prompt search and the order.
//! The store does the work (thousands of jobs are never all in memory).

use super::text::TextInput;
use crate::domain::{Job, JobState, StateKind};
use crate::store::JobFilter;

/// Which states the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateFilter {
    /// Every job.
    #[default]
    All,
    /// Jobs still on their way.
    Active,
    /// Finished with images.
    Done,
    /// Failed or cancelled.
    Failed,
    /// Ambiguous, timed out or expired: the user should look.
    Attention,
}

impl StateFilter {
    /// The next filter in the cycle.
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::Active,
            Self::Active => Self::Done,
            Self::Done => Self::Failed,
            Self::Failed => Self::Attention,
            Self::Attention => Self::All,
        }
    }

    /// The word shown in the pane title.
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Active => "active",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Attention => "needs attention",
        }
    }

    /// The states the filter keeps (empty: all).
    pub fn states(self) -> &'static [StateKind] {
        match self {
            Self::All => &[],
            Self::Active => &StateKind::ACTIVE,
            Self::Done => &[StateKind::Done],
            Self::Failed => &StateKind::FAILED,
            Self::Attention => &StateKind::ATTENTION,
        }
    }

    /// True when `state` passes the filter.
    pub fn matches(self, state: &JobState) -> bool {
        self == Self::All || self.states().contains(&state.kind())
    }
}

/// The list's filter, search and order.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// State filter.
    pub filter: StateFilter,
    /// Text the prompt must contain.
    pub search: TextInput,
    /// Oldest first.
    pub oldest_first: bool,
}

impl History {
    /// The store query for this view.
    pub fn to_filter(&self) -> JobFilter {
        let q = self.search.text().trim();
        JobFilter {
            states: self.filter.states().to_vec(),
            search: (!q.is_empty()).then(|| q.to_owned()),
            profile: None,
            batch: None,
            oldest_first: self.oldest_first,
        }
    }

    /// True when a job belongs in the list.
    pub fn matches(&self, job: &Job) -> bool {
        let q = self.search.text().trim().to_lowercase();
        self.filter.matches(&job.state)
            && (q.is_empty() || job.request.prompt.to_lowercase().contains(&q))
    }

    /// A short description for the pane title, empty for the default view.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.filter != StateFilter::All {
            parts.push(format!("filter: {}", self.filter.label()));
        }
        let q = self.search.text().trim();
        if !q.is_empty() {
            parts.push(format!("search: \"{q}\""));
        }
        if self.oldest_first {
            parts.push("oldest first".into());
        }
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_cycle_and_match() {
        let mut f = StateFilter::All;
        for _ in 0..5 {
            f = f.next();
        }
        assert_eq!(f, StateFilter::All);
        assert!(StateFilter::Attention.matches(&JobState::TimedOut));
        assert!(!StateFilter::Done.matches(&JobState::Queued));
        assert!(StateFilter::Active.matches(&JobState::Running { progress: None }));
    }

    #[test]
    fn the_store_query_follows_the_view() {
        let mut h = History::default();
        h.search.set("  Kite ");
        h.filter = StateFilter::Done;
        h.oldest_first = true;
        let f = h.to_filter();
        assert_eq!(
            (f.states, f.search.as_deref(), f.oldest_first),
            (vec![StateKind::Done], Some("Kite"), true)
        );
        assert_eq!(
            h.describe(),
            "filter: done · search: \"Kite\" · oldest first"
        );
    }
}
