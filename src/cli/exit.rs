//! The documented exit codes.

/// How qimg ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: success.
    Success,
    /// 1: a job failed.
    JobFailed,
    /// 2: a usage or config error.
    Usage,
    /// 3: a network or auth error.
    Network,
    /// 4: ambiguous or timed out.
    Ambiguous,
    /// 128+N: ended by signal N.
    Signal(u8),
}

impl ExitCode {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::JobFailed => 1,
            Self::Usage => 2,
            Self::Network => 3,
            Self::Ambiguous => 4,
            Self::Signal(n) => 128u8.saturating_add(n),
        }
    }
}
