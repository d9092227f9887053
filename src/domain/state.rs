//! `JobState`: `queued → submitting → submitted → running(progress) →
//! downloading → done`, and the ends `failed`, `cancelled`, `ambiguous`, `timed_out`, `expired`.
//! A state only moves forward.

use serde::{Deserialize, Serialize};

/// Where a job is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    /// Made locally, not yet sent.
    Queued,
    /// The submit request is on its way.
    Submitting,
    /// The provider accepted the job.
    Submitted,
    /// The provider is working on it.
    Running {
        /// Percent done, when the provider says.
        progress: Option<u8>,
    },
    /// Result URLs are known; the files are being fetched.
    Downloading,
    /// Every image is saved.
    Done,
    /// The job ended with an error (sanitised message).
    Failed {
        /// What went wrong.
        message: String,
    },
    /// The user cancelled it.
    Cancelled,
    /// The submit may or may not have reached the provider; the user decides.
    Ambiguous {
        /// What happened and what the user can do.
        message: String,
    },
    /// The provider never reached a known end state before the deadline.
    TimedOut,
    /// The result was gone before it could be downloaded.
    Expired {
        /// Why it is gone.
        message: String,
    },
}

/// The kind of a state, without its data: what filters, the store and the CLI name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// See [`JobState::Queued`].
    Queued,
    /// See [`JobState::Submitting`].
    Submitting,
    /// See [`JobState::Submitted`].
    Submitted,
    /// See [`JobState::Running`].
    Running,
    /// See [`JobState::Downloading`].
    Downloading,
    /// See [`JobState::Done`].
    Done,
    /// See [`JobState::Failed`].
    Failed,
    /// See [`JobState::Cancelled`].
    Cancelled,
    /// See [`JobState::Ambiguous`].
    Ambiguous,
    /// See [`JobState::TimedOut`].
    TimedOut,
    /// See [`JobState::Expired`].
    Expired,
}

impl StateKind {
    /// Every kind, in the forward order.
    pub const ALL: [StateKind; 11] = [
        Self::Queued,
        Self::Submitting,
        Self::Submitted,
        Self::Running,
        Self::Downloading,
        Self::Done,
        Self::Failed,
        Self::Cancelled,
        Self::Ambiguous,
        Self::TimedOut,
        Self::Expired,
    ];
    /// The kinds of jobs still on their way.
    pub const ACTIVE: [StateKind; 5] = [
        Self::Queued,
        Self::Submitting,
        Self::Submitted,
        Self::Running,
        Self::Downloading,
    ];
    /// The kinds that failed or were cancelled.
    pub const FAILED: [StateKind; 2] = [Self::Failed, Self::Cancelled];
    /// The kinds that need the user's attention.
    pub const ATTENTION: [StateKind; 3] = [Self::Ambiguous, Self::TimedOut, Self::Expired];

    /// The snake_case name used in the store, the CLI and filters.
    pub fn name(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Submitting => "submitting",
            Self::Submitted => "submitted",
            Self::Running => "running",
            Self::Downloading => "downloading",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Ambiguous => "ambiguous",
            Self::TimedOut => "timed_out",
            Self::Expired => "expired",
        }
    }

    /// A glyph per kind, so state is never shown by colour alone.
    pub fn glyph(self) -> &'static str {
        match self {
            Self::Queued => "·",
            Self::Submitting => "↑",
            Self::Submitted => "○",
            Self::Running => "◐",
            Self::Downloading => "↓",
            Self::Done => "✓",
            Self::Failed => "✗",
            Self::Cancelled => "⊘",
            Self::Ambiguous => "?",
            Self::TimedOut => "⧗",
            Self::Expired => "∅",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl JobState {
    /// The kind of this state.
    pub fn kind(&self) -> StateKind {
        match self {
            Self::Queued => StateKind::Queued,
            Self::Submitting => StateKind::Submitting,
            Self::Submitted => StateKind::Submitted,
            Self::Running { .. } => StateKind::Running,
            Self::Downloading => StateKind::Downloading,
            Self::Done => StateKind::Done,
            Self::Failed { .. } => StateKind::Failed,
            Self::Cancelled => StateKind::Cancelled,
            Self::Ambiguous { .. } => StateKind::Ambiguous,
            Self::TimedOut => StateKind::TimedOut,
            Self::Expired { .. } => StateKind::Expired,
        }
    }

    /// Position in the forward order; every end state shares the last rank.
    pub fn rank(&self) -> u8 {
        match self {
            Self::Queued => 0,
            Self::Submitting => 1,
            Self::Submitted => 2,
            Self::Running { .. } => 3,
            Self::Downloading => 4,
            _ => 5,
        }
    }

    /// True for `done` and every failure end.
    pub fn is_end(&self) -> bool {
        self.rank() == 5
    }

    /// True while the network side still works on the job.
    pub fn is_active(&self) -> bool {
        !self.is_end()
    }

    /// Whether moving from `self` to `next` is a forward move. Progress inside `running` may
    /// only grow; end states never change.
    pub fn can_move_to(&self, next: &JobState) -> bool {
        if self.is_end() {
            return false;
        }
        match (self, next) {
            (Self::Running { progress: a }, Self::Running { progress: b }) => {
                b.unwrap_or(0) >= a.unwrap_or(0)
            }
            _ => next.rank() > self.rank() || (next.rank() == self.rank() && next != self),
        }
    }

    /// The snake_case name used in the store, the CLI and filters.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// A glyph per state, so state is never shown by colour alone.
    pub fn glyph(&self) -> &'static str {
        self.kind().glyph()
    }

    /// The message carried by failure ends.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Failed { message } | Self::Ambiguous { message } | Self::Expired { message } => {
                Some(message)
            }
            _ => None,
        }
    }

    /// Rebuilds a state from its stored parts.
    pub fn from_parts(name: &str, progress: Option<u8>, message: Option<String>) -> Option<Self> {
        let msg = || message.clone().unwrap_or_default();
        Some(match StateKind::parse(name)? {
            StateKind::Queued => Self::Queued,
            StateKind::Submitting => Self::Submitting,
            StateKind::Submitted => Self::Submitted,
            StateKind::Running => Self::Running { progress },
            StateKind::Downloading => Self::Downloading,
            StateKind::Done => Self::Done,
            StateKind::Failed => Self::Failed { message: msg() },
            StateKind::Cancelled => Self::Cancelled,
            StateKind::Ambiguous => Self::Ambiguous { message: msg() },
            StateKind::TimedOut => Self::TimedOut,
            StateKind::Expired => Self::Expired { message: msg() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_state() -> impl Strategy<Value = JobState> {
        prop_oneof![
            Just(JobState::Queued),
            Just(JobState::Submitting),
            Just(JobState::Submitted),
            proptest::option::of(0u8..=100).prop_map(|progress| JobState::Running { progress }),
            Just(JobState::Downloading),
            Just(JobState::Done),
            Just(JobState::Failed {
                message: "x".into()
            }),
            Just(JobState::Cancelled),
            Just(JobState::Ambiguous {
                message: "x".into()
            }),
            Just(JobState::TimedOut),
            Just(JobState::Expired {
                message: "x".into()
            }),
        ]
    }

    #[test]
    fn forward_moves() {
        use JobState::*;
        assert!(Queued.can_move_to(&Submitting));
        assert!(Submitted.can_move_to(&Running { progress: Some(10) }));
        assert!(Running { progress: Some(10) }.can_move_to(&Running { progress: Some(50) }));
        assert!(!Running { progress: Some(50) }.can_move_to(&Running { progress: Some(10) }));
        assert!(Running { progress: None }.can_move_to(&Done));
        assert!(Queued.can_move_to(&Failed {
            message: "x".into()
        }));
        assert!(!Done.can_move_to(&Running { progress: None }));
        assert!(!Done.can_move_to(&Failed {
            message: "x".into()
        }));
        assert!(!Downloading.can_move_to(&Submitted));
    }

    #[test]
    fn names_round_trip() {
        let states = [
            JobState::Queued,
            JobState::Submitting,
            JobState::Submitted,
            JobState::Running { progress: Some(5) },
            JobState::Downloading,
            JobState::Done,
            JobState::Failed {
                message: "m".into(),
            },
            JobState::Cancelled,
            JobState::Ambiguous {
                message: "m".into(),
            },
            JobState::TimedOut,
            JobState::Expired {
                message: "m".into(),
            },
        ];
        assert_eq!(states.len(), StateKind::ALL.len());
        for (s, kind) in states.iter().zip(StateKind::ALL) {
            assert_eq!(s.kind(), kind);
            let back = JobState::from_parts(s.name(), Some(5), Some("m".into()));
            assert_eq!(back.as_ref(), Some(s), "{}", s.name());
            // The serde name is the same as the store's.
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.name());
        }
        assert_eq!(JobState::from_parts("bogus", None, None), None);
    }

    proptest! {
        /// Any sequence of events applied with `can_move_to` never moves a job back, and an end
        /// state never changes.
        #[test]
        fn a_state_only_moves_forward(events in proptest::collection::vec(any_state(), 0..40)) {
            let mut current = JobState::Queued;
            for next in events {
                let before = current.clone();
                if current.can_move_to(&next) {
                    current = next;
                }
                prop_assert!(current.rank() >= before.rank());
                if before.is_end() {
                    prop_assert_eq!(&current, &before);
                }
            }
        }
    }
}
