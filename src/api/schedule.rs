//! When to poll an Apiframe job next. Without history: a plain backoff (2 s,
//! ×1.5, up to 15 s, with jitter). With this profile's past job times (and the job's reported
//! progress) the schedule is sparse early and dense around the expected end, so a finished job
//! is seen within about a second with few polls. Two polls are never closer than `MIN_GAP`.

use std::time::Duration;

use super::retry::Backoff;

/// Smallest gap between two polls of one job.
pub const MIN_GAP: Duration = Duration::from_millis(1050);
/// First delay of the plain backoff.
pub const BASE: Duration = Duration::from_secs(2);
/// Growth of the plain backoff.
pub const FACTOR: f64 = 1.5;
/// Longest delay while the job runs.
pub const CAP: Duration = Duration::from_secs(15);
/// Longest delay while the job waits in the queue or polls keep failing.
pub const SLOW_CAP: Duration = Duration::from_secs(60);

/// How long jobs like this one took before: a low and a high estimate of the total time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    /// The job is unlikely to finish before this.
    pub low: Duration,
    /// The job is likely to be done by this.
    pub high: Duration,
}

impl Expected {
    /// Estimates from past durations: the 10th and 90th percentile (or the extremes when there
    /// are few samples). `None` without samples.
    pub fn from_history(samples: &[Duration]) -> Option<Self> {
        let mut s: Vec<Duration> = samples.iter().copied().filter(|d| !d.is_zero()).collect();
        if s.is_empty() {
            return None;
        }
        s.sort();
        let pick = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
        let (low, high) = if s.len() >= 5 {
            (pick(0.1), pick(0.9))
        } else {
            (s[0], s[s.len() - 1])
        };
        Some(Self {
            low: low.mul_f64(0.97),
            high: high.mul_f64(1.03),
        })
    }
}

/// What the schedule knows about one job right now.
#[derive(Debug, Clone, Copy, Default)]
pub struct PollInputs {
    /// Time since the provider accepted the job.
    pub since_submit: Duration,
    /// Polls made so far.
    pub polls: u32,
    /// Past durations of this profile's jobs, when known.
    pub expected: Option<Expected>,
    /// The last reported progress (percent) and when it was seen (since submit).
    pub progress: Option<(u8, Duration)>,
    /// The first progress report between 1 and 95 %, so the rate can be measured.
    pub first_progress: Option<(u8, Duration)>,
    /// The job still waits in the provider's queue.
    pub queued: bool,
    /// Polls have been failing (server errors, timeouts); back off further.
    pub failing: u32,
}

/// The delay before the next poll. `jitter` is a number in `[0, 1)` (random in production,
/// fixed in tests); it spreads polls of many jobs apart.
pub fn next_delay(inp: &PollInputs, jitter: f64) -> Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    if inp.failing > 0 {
        // Consecutive failures set the pace, so one good answer brings it back at once.
        let d = backoff(inp.failing, SLOW_CAP);
        return spread(d, jitter).max(MIN_GAP);
    }
    let Some(exp) = estimate(inp) else {
        let cap = if inp.queued { SLOW_CAP } else { CAP };
        return spread(backoff(inp.polls, cap), jitter).max(MIN_GAP);
    };
    let lead = Duration::from_millis(1000);
    let dense_from = exp.low.saturating_sub(lead);
    let d = if inp.since_submit + MIN_GAP < dense_from {
        if inp.polls == 0 {
            // One early look, to see the job start (and learn its progress rate).
            let early = exp.low.mul_f64(0.3).max(BASE);
            early.min(dense_from - inp.since_submit)
        } else {
            (dense_from - inp.since_submit).min(CAP)
        }
    } else if inp.since_submit <= exp.high + Duration::from_secs(2) {
        // Around the expected end: as often as allowed, with a little jitter.
        MIN_GAP + Duration::from_millis((jitter * 150.0) as u64)
    } else {
        // Later than expected: back off again, gently.
        let overdue = inp.since_submit - exp.high;
        overdue.mul_f64(0.5).clamp(MIN_GAP, CAP)
    };
    d.max(MIN_GAP)
}

/// History combined with what the job's progress says about its own end.
fn estimate(inp: &PollInputs) -> Option<Expected> {
    let projected = match (inp.first_progress, inp.progress) {
        // Two reports: the rate of progress says when it reaches 100 %.
        (Some((p1, t1)), Some((p2, t2))) if p2 > p1 && t2 > t1 && p2 < 100 => {
            let rate = f64::from(p2 - p1) / (t2 - t1).as_secs_f64();
            let end = t2 + Duration::try_from_secs_f64(f64::from(100 - p2) / rate).unwrap_or(CAP);
            Some(Expected {
                low: end.mul_f64(0.95),
                high: end.mul_f64(1.05),
            })
        }
        // One report: `t·100/p` overestimates when the job waited in a queue first, so aim
        // early and let the next report correct it.
        (_, Some((p, at))) if (5..100).contains(&p) => {
            let end = at.mul_f64(100.0 / f64::from(p));
            Some(Expected {
                low: end.mul_f64(0.6),
                high: end.mul_f64(1.1),
            })
        }
        _ => None,
    };
    match (inp.expected, projected) {
        (Some(e), Some(t)) => Some(Expected {
            low: e.low.min(t.low),
            high: e.high.max(t.high),
        }),
        (Some(e), None) => Some(e),
        (None, Some(t)) => Some(t),
        (None, None) => None,
    }
}

/// The plain poll backoff while the job runs.
pub const POLL_BACKOFF: Backoff = Backoff {
    base: BASE,
    factor: FACTOR,
    cap: CAP,
};

/// `BASE × FACTOR^n`, capped.
pub fn backoff(n: u32, cap: Duration) -> Duration {
    Backoff {
        cap,
        ..POLL_BACKOFF
    }
    .delay(n)
}

/// Multiplies by a factor in `[0.8, 1.2)`.
fn spread(d: Duration, jitter: f64) -> Duration {
    d.mul_f64(0.8 + 0.4 * jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates polling a job that ends at `done_at`; returns (polls, delay from done to seen).
    fn run(done_at: f64, history: &[f64], progress_rate: Option<f64>) -> (u32, f64, f64) {
        let hist: Vec<Duration> = history
            .iter()
            .map(|s| Duration::from_secs_f64(*s))
            .collect();
        let expected = Expected::from_history(&hist);
        let mut t = 0.0;
        let mut inp = PollInputs {
            expected,
            ..Default::default()
        };
        let mut min_gap = f64::MAX;
        loop {
            let d = next_delay(&inp, 0.5).as_secs_f64();
            min_gap = min_gap.min(d);
            t += d;
            inp.polls += 1;
            inp.since_submit = Duration::from_secs_f64(t);
            if t >= done_at {
                return (inp.polls, t - done_at, min_gap);
            }
            if let Some(queue) = progress_rate {
                // Like the simulator: queued for `queue` seconds, then linear progress.
                let p = (((t - queue) / (done_at - queue)) * 100.0).clamp(0.0, 99.0) as u8;
                inp.progress = Some((p, inp.since_submit));
                if inp.first_progress.is_none() && (1..=95).contains(&p) {
                    inp.first_progress = inp.progress;
                }
            }
        }
    }

    #[test]
    fn plain_backoff_grows_to_the_cap() {
        let delays: Vec<u64> = (0..8).map(|n| backoff(n, CAP).as_millis() as u64).collect();
        assert_eq!(delays, [2000, 3000, 4500, 6750, 10125, 15000, 15000, 15000]);
        for j in [0.0, 0.5, 0.999] {
            let d = next_delay(&PollInputs::default(), j);
            assert!(
                d >= Duration::from_millis(1600) && d <= Duration::from_millis(2400),
                "{d:?}"
            );
        }
    }

    #[test]
    fn a_15s_job_with_history_is_seen_within_a_second_in_few_polls() {
        let (polls, late, gap) = run(15.0, &[15.0, 14.8, 15.3, 15.1, 14.9], None);
        assert!(polls <= 10, "{polls} polls");
        assert!(late <= 1.2, "seen {late:.2} s late");
        assert!(gap >= 1.0, "gap {gap}");
    }

    #[test]
    fn without_history_progress_guides_the_schedule() {
        let (polls, late, gap) = run(15.0, &[], Some(0.5));
        assert!(polls <= 10, "{polls} polls");
        assert!(late <= 1.5, "seen {late:.2} s late");
        assert!(gap >= 1.0);
    }

    #[test]
    fn a_job_far_slower_than_history_still_gets_polled_at_the_cap() {
        let (polls, late, _) = run(300.0, &[15.0; 5], None);
        assert!(late <= CAP.as_secs_f64() + 0.1, "{late}");
        assert!(polls < 60, "{polls}");
    }

    #[test]
    fn failing_polls_back_off_to_the_slow_cap() {
        let inp = PollInputs {
            failing: 20,
            polls: 20,
            ..Default::default()
        };
        let d = next_delay(&inp, 0.99);
        assert!(
            d <= SLOW_CAP.mul_f64(1.2) && d >= SLOW_CAP.mul_f64(0.8),
            "{d:?}"
        );
    }

    #[test]
    fn history_percentiles() {
        let e =
            Expected::from_history(&[Duration::from_secs(10), Duration::from_secs(20)]).unwrap();
        assert!(e.low < Duration::from_secs(10) && e.high > Duration::from_secs(20));
        assert!(Expected::from_history(&[]).is_none());
    }

    proptest::proptest! {
        #[test]
        fn never_closer_than_the_min_gap(since in 0u64..100_000, polls in 0u32..100, p in 0u8..=100, lo in 1u64..60_000, extra in 0u64..60_000, j in 0.0f64..1.0) {
            let inp = PollInputs {
                since_submit: Duration::from_millis(since),
                polls,
                expected: Some(Expected { low: Duration::from_millis(lo), high: Duration::from_millis(lo + extra) }),
                progress: Some((p, Duration::from_millis(since))),
                first_progress: Some((p / 2, Duration::from_millis(since / 2))),
                queued: false,
                failing: 0,
            };
            let d = next_delay(&inp, j);
            proptest::prop_assert!(d >= MIN_GAP && d <= SLOW_CAP.mul_f64(1.2));
        }
    }
}
