//! Retry decisions, pure: what to do after a failed submit or poll, given the error, the tries
//! so far and the wire's policy; and the one backoff formula every retry uses. The job
//! driver carries the decisions out.

use std::time::Duration;

use super::error::{ApiError, Outcome};

/// `base × factor^attempt`, capped, optionally spread by jitter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first delay (attempt 0).
    pub base: Duration,
    /// Growth per attempt.
    pub factor: f64,
    /// The longest delay.
    pub cap: Duration,
}

impl Backoff {
    /// The delay before attempt `n` (0-based), without jitter.
    pub fn delay(&self, n: u32) -> Duration {
        let exp = i32::try_from(n.min(64)).unwrap_or(64);
        let secs = self.base.as_secs_f64() * self.factor.powi(exp);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// The delay before attempt `n`, multiplied by a factor in `[0.8, 1.2)` from `jitter` in
    /// `[0, 1)`, so many jobs do not retry in step.
    pub fn jittered(&self, n: u32, jitter: f64) -> Duration {
        let j = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        self.delay(n).mul_f64(0.8 + 0.4 * j)
    }
}

/// How a wire's submits are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Sending again after an unclear answer cannot charge twice (an idempotency key).
    pub idempotent: bool,
    /// Retries when nothing reached the server (a wrong address or a network that is down
    /// answers the same way for a while; the job fails, not charged, and can be sent again).
    pub not_sent: u32,
    /// Retries after a 429 (without a budget).
    pub limited: u32,
    /// The delay before a retry of a request that was not sent or had no clear answer.
    pub backoff: Backoff,
    /// The delay after a 429 that sent no `Retry-After`.
    pub limited_backoff: Backoff,
    /// An idempotent wire retries 429s and unclear answers until this long after the first
    /// attempt (the `limited` count does not apply then).
    pub budget: Option<Duration>,
}

impl RetryPolicy {
    /// Apiframe: every attempt carries the job's idempotency key, so retrying is free until
    /// the budget (the profile's, 15 minutes unless it says otherwise) runs out.
    pub const APIFRAME: Self = Self {
        idempotent: true,
        not_sent: 2,
        limited: 0,
        backoff: Backoff {
            base: Duration::from_secs(1),
            factor: 2.0,
            cap: Duration::from_secs(60),
        },
        limited_backoff: Backoff {
            base: Duration::from_secs(1),
            factor: 2.0,
            cap: Duration::from_secs(60),
        },
        budget: Some(Duration::from_secs(15 * 60)),
    };

    /// A gateway: a request whose body may have been sent is never sent again by itself.
    pub const GATEWAY: Self = Self {
        idempotent: false,
        not_sent: 2,
        limited: 5,
        backoff: Backoff {
            base: Duration::from_secs(1),
            factor: 2.0,
            cap: Duration::from_secs(16),
        },
        limited_backoff: Backoff {
            base: Duration::from_secs(2),
            factor: 2.0,
            cap: Duration::from_secs(64),
        },
        budget: None,
    };

    /// This policy with the profile's retry budget (only an idempotent wire has one).
    pub fn with_budget(self, budget: Duration) -> Self {
        Self {
            budget: self.budget.map(|_| budget),
            ..self
        }
    }
}

/// The retries a submit has used so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    /// After failures before anything was sent.
    pub not_sent: u32,
    /// After 429s.
    pub limited: u32,
    /// After unclear answers.
    pub unknown: u32,
}

impl Tries {
    /// The attempts made so far (the first one included).
    pub fn attempts(&self) -> u32 {
        1 + self.not_sent + self.limited + self.unknown
    }
}

/// What to do after a failed submit.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Send again after `after`; `note` tells the user. `rate_limited`: hold every request
    /// of the profile for `after` (a 429).
    Retry {
        /// The wait.
        after: Duration,
        /// What the job row says meanwhile.
        note: String,
        /// The profile's gate closes for the wait.
        rate_limited: bool,
    },
    /// The job failed; nothing more is sent.
    Fail(String),
    /// The key was refused: the job failed and the profile sends nothing more.
    AuthFailed(String),
    /// The account has too few credits (HTTP 402): this job ends, not charged, and the
    /// profile's queued jobs wait.
    NoCredits(String),
    /// The job may exist on the provider's side: the user decides.
    Ambiguous(String),
}

/// What a decision may depend on besides the error: chance and the time (passed in, so the
/// decision stays pure).
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    /// In `[0, 1)`: spreads retries of many jobs apart.
    pub jitter: f64,
    /// The wall clock, for "retrying at 12:00:07 UTC".
    pub now: time::OffsetDateTime,
    /// How long ago the first attempt of this submit was sent.
    pub elapsed: Duration,
}

impl Moment {
    /// The moment now, `elapsed` after the first attempt, with fresh jitter.
    pub fn now(elapsed: Duration) -> Self {
        Self {
            jitter: rand::random(),
            now: time::OffsetDateTime::now_utc(),
            elapsed,
        }
    }
}

/// `now + after` as a clock time, `12:00:07 UTC`.
fn clock(now: time::OffsetDateTime, after: Duration) -> String {
    let at = now + after;
    format!("{:02}:{:02}:{:02} UTC", at.hour(), at.minute(), at.second())
}

/// A wait in whole seconds, at least 1: `40 s`.
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64().ceil().max(1.0))
}

/// The error in a few words for a job row: `HTTP 502`, `connection lost`.
fn brief(err: &ApiError) -> String {
    match err {
        ApiError::Server { status, .. } => format!("HTTP {status}"),
        ApiError::Connect(_) => "could not connect".into(),
        ApiError::Tls(_) => "secure connection failed".into(),
        ApiError::Timeout(_) => "no answer in time".into(),
        ApiError::Transport(_) => "connection lost".into(),
        ApiError::Invalid(_) => "unexpected answer".into(),
        ApiError::Redirect { status } => format!("redirect (HTTP {status})"),
        ApiError::RedirectRefused(_) => "refused redirect".into(),
        ApiError::TooLarge(_) => "answer too large".into(),
        ApiError::Local(_) => "local error".into(),
    }
}

/// Whether one more retry fits: within the budget, or under the count when there is none.
fn may_retry(policy: &RetryPolicy, used: u32, limit: u32, at: Moment, after: Duration) -> bool {
    match policy.budget {
        Some(budget) => at.elapsed + after <= budget,
        None => used < limit,
    }
}

/// "after 7 tries over 15 min": how long a submit kept trying.
fn spent(tries: &Tries, at: Moment) -> String {
    let n = tries.attempts();
    let secs = at.elapsed.as_secs();
    if secs >= 60 {
        format!("after {n} tries over {} min", secs / 60)
    } else {
        format!("after {n} tries")
    }
}

/// Decides after the submit of a job on profile `profile` failed with `err`, and counts the
/// try in `tries`.
pub fn decide(
    err: &ApiError,
    tries: &mut Tries,
    policy: &RetryPolicy,
    profile: &str,
    at: Moment,
) -> Decision {
    match err.outcome() {
        Outcome::NotSent => {
            let after = policy.backoff.jittered(tries.not_sent, at.jitter);
            if tries.not_sent >= policy.not_sent {
                return Decision::Fail(format!("not sent: {err} ({})", spent(tries, at)));
            }
            tries.not_sent += 1;
            let (what, n) = (brief(err), tries.attempts());
            Decision::Retry {
                after,
                note: format!("retrying: {what}, attempt {n}, next in {}", seconds(after)),
                rate_limited: false,
            }
        }
        Outcome::NotProcessed => {
            let after = err
                .retry_after()
                .unwrap_or_else(|| policy.limited_backoff.jittered(tries.limited, at.jitter));
            if !may_retry(policy, tries.limited, policy.limited, at, after) {
                return Decision::Fail(format!(
                    "not sent: still rate limited {} ({err})",
                    spent(tries, at)
                ));
            }
            tries.limited += 1;
            Decision::Retry {
                after,
                note: format!("rate limited; retrying at {}", clock(at.now, after)),
                rate_limited: true,
            }
        }
        Outcome::Rejected => rejected(err, policy, profile),
        Outcome::Unknown => unknown(err, tries, policy, at),
    }
}

fn rejected(err: &ApiError, policy: &RetryPolicy, profile: &str) -> Decision {
    if policy.idempotent && err.status() == Some(409) {
        return Decision::Ambiguous(format!(
            "the provider says this job's idempotency key was already used with a different request ({err}); \
             the first request may have created a job. Check the dashboard before sending it again."
        ));
    }
    if err.status() == Some(402) {
        return Decision::NoCredits(format!("rejected, not charged, not sent again: {err}"));
    }
    if err.is_auth() {
        return Decision::AuthFailed(format!(
            "rejected, not charged: the key of profile `{profile}` was refused: {err}"
        ));
    }
    if matches!(err, ApiError::Tls(_)) {
        return Decision::Fail(format!("not sent, not retried: {err}"));
    }
    Decision::Fail(format!("rejected, not charged: {err}"))
}

fn unknown(err: &ApiError, tries: &mut Tries, policy: &RetryPolicy, at: Moment) -> Decision {
    if !policy.idempotent {
        if matches!(err, ApiError::Invalid(_)) {
            return Decision::Fail(format!(
                "completed without output: {err}; the gateway may have charged for it"
            ));
        }
        return Decision::Ambiguous(format!(
            "no clear answer from the gateway ({err}). The image may have been made and charged. \
             Resubmitting sends the request again, which may charge twice."
        ));
    }
    let after = policy.backoff.jittered(tries.unknown, at.jitter);
    if may_retry(policy, tries.unknown, 0, at, after) {
        tries.unknown += 1;
        let (what, n) = (brief(err), tries.attempts());
        return Decision::Retry {
            after,
            note: format!("retrying: {what}, attempt {n}, next in {}", seconds(after)),
            rate_limited: false,
        };
    }
    Decision::Ambiguous(format!(
        "no clear answer from the provider {} ({err}). The job may exist there and cost credits. \
         Resubmitting sends it again with the same idempotency key, so Apiframe returns the original job \
         instead of charging twice (within 24 h).",
        spent(tries, at)
    ))
}

/// What to do after a failed status poll.
#[derive(Debug, Clone, PartialEq)]
pub enum PollDecision {
    /// Poll again on the schedule; `note` (if any) tells the user, `gate` holds every
    /// request of the profile that long (a 429).
    Again {
        /// What the job row says.
        note: Option<String>,
        /// Close the profile's gate for this long.
        gate: Option<Duration>,
    },
    /// The job is gone on the server.
    Expired(String),
    /// The job failed (`auth`: the key was refused, so the profile sends nothing more).
    Fail {
        /// Why.
        message: String,
        /// The key was refused.
        auth: bool,
    },
}

/// Decides after a poll failed with `err`; `failing` counts the failures in a row (this one
/// included) and `polls` the polls so far.
pub fn decide_poll(
    err: &ApiError,
    failing: u32,
    polls: u32,
    now: time::OffsetDateTime,
) -> PollDecision {
    match err.status() {
        Some(404) => PollDecision::Expired(
            "the job is not found on the server (HTTP 404); Apiframe keeps jobs for a limited time"
                .into(),
        ),
        Some(401 | 403) => PollDecision::Fail {
            message: format!(
                "the key was refused while polling ({err}); the job may still finish on the provider's side"
            ),
            auth: true,
        },
        Some(400) => PollDecision::Fail {
            message: format!("the provider refused the job id: {err}"),
            auth: false,
        },
        Some(429) => {
            let wait = err
                .retry_after()
                .unwrap_or_else(|| super::schedule::POLL_BACKOFF.delay(polls));
            PollDecision::Again {
                note: Some(format!(
                    "rate limited; polling again at {}",
                    clock(now, wait)
                )),
                gate: Some(wait),
            }
        }
        _ => PollDecision::Again {
            note: (failing >= 3).then(|| {
                format!("degraded: {failing} polls in a row failed ({err}); still retrying")
            }),
            gate: None,
        },
    }
}

#[cfg(test)]
mod tests;
