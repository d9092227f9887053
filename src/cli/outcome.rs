//! How a set of finished jobs maps to the documented exit codes.

use super::ExitCode;
use crate::domain::JobState;

/// The exit code for jobs that ended (or not) in these states: a network or auth problem (3)
/// wins over ambiguous or timed out (4), which wins over a plain failure (1).
pub fn exit_code<'a>(states: impl IntoIterator<Item = &'a JobState>) -> ExitCode {
    let mut code = ExitCode::Success;
    let rank = |c: ExitCode| match c {
        ExitCode::Network => 3,
        ExitCode::Ambiguous => 2,
        ExitCode::JobFailed => 1,
        _ => 0,
    };
    for s in states {
        let c = match s {
            JobState::Done => ExitCode::Success,
            JobState::Failed { message } if is_network_or_auth(message) => ExitCode::Network,
            JobState::Ambiguous { .. } | JobState::TimedOut => ExitCode::Ambiguous,
            // Still running when we stopped waiting: timed out from the caller's view.
            s if s.is_active() => ExitCode::Ambiguous,
            _ => ExitCode::JobFailed,
        };
        if rank(c) > rank(code) {
            code = c;
        }
    }
    code
}

/// True for failures caused by the network or the key rather than by the job.
pub fn is_network_or_auth(message: &str) -> bool {
    message.starts_with("not sent: could not connect")
        || message.starts_with("not sent: no key")
        || message.contains("key of profile")
        || message.contains("the key was refused")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(m: &str) -> JobState {
        JobState::Failed { message: m.into() }
    }

    #[test]
    fn precedence() {
        assert_eq!(
            exit_code([&JobState::Done, &JobState::Done]),
            ExitCode::Success
        );
        assert_eq!(
            exit_code([&JobState::Done, &failed("rejected, not charged: x")]),
            ExitCode::JobFailed
        );
        assert_eq!(
            exit_code([
                &failed("x"),
                &JobState::Ambiguous {
                    message: "y".into()
                }
            ]),
            ExitCode::Ambiguous
        );
        assert_eq!(
            exit_code([
                &JobState::TimedOut,
                &failed("not sent: could not connect: refused")
            ]),
            ExitCode::Network
        );
        assert_eq!(
            exit_code([&JobState::Running { progress: None }]),
            ExitCode::Ambiguous
        );
        assert_eq!(exit_code([&JobState::Cancelled]), ExitCode::JobFailed);
        assert_eq!(exit_code([]), ExitCode::Success);
    }
}
