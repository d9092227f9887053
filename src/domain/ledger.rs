//! The ledger: what each job cost — what the provider reported (Apiframe's `creditCost`, 0 for a
//! refunded failure), else the catalogue's price for a finished image, shown as an estimate —
//! and totals by unit, never mixing what is known with what is estimated or unknown.

use std::collections::BTreeMap;

use super::catalogue::Price;
use super::{Job, JobState, StateKind, Timestamp};

/// The price of an image by profile and model: a profile's own `price_per_image`, else the
/// catalogue's price.
#[derive(Debug, Clone)]
pub struct Prices {
    catalogue: std::sync::Arc<super::catalogue::Catalogue>,
    per_profile: std::collections::HashMap<String, Price>,
    /// The prices jobs were stored with when made: they win over today's config.
    per_job: std::collections::HashMap<super::JobId, Price>,
}

impl Prices {
    /// The prices of `catalogue`, with the profiles' own prices over them.
    pub fn new(
        catalogue: std::sync::Arc<super::catalogue::Catalogue>,
        per_profile: impl IntoIterator<Item = (String, Price)>,
    ) -> Self {
        Self {
            catalogue,
            per_profile: per_profile.into_iter().collect(),
            per_job: std::collections::HashMap::new(),
        }
    }

    /// These prices, with the ones jobs were made at over them (a price changed in the config
    /// since does not change what an old job is estimated at).
    #[must_use]
    pub fn with_stored(mut self, per_job: std::collections::HashMap<super::JobId, Price>) -> Self {
        self.per_job = per_job;
        self
    }

    /// What one image of `model` costs on `profile`, when known.
    pub fn of(&self, profile: &str, model: &str) -> Option<&Price> {
        self.per_profile
            .get(profile)
            .or_else(|| self.catalogue.find(model).and_then(|s| s.price.as_ref()))
    }

    /// The cost of `job`: at the price it was made at, else at these prices.
    pub fn cost(&self, job: &Job) -> Cost {
        let price = self
            .per_job
            .get(&job.id)
            .or_else(|| self.of(&job.profile, &job.request.model));
        cost_of(job, price)
    }
}

/// What one job cost.
#[derive(Debug, Clone, PartialEq)]
pub enum Cost {
    /// The provider said so (credits).
    Charged(f64, String),
    /// A finished image at the catalogue's price: likely, not reported.
    Estimated(f64, String),
    /// Nothing was made or charged (a rejected or cancelled job, one still on its way).
    Nothing,
    /// An image was (or may have been) made and there is no price.
    Unknown,
}

/// The cost of `job`; `price` is its model's price, when the catalogue has one.
pub fn cost_of(job: &Job, price: Option<&Price>) -> Cost {
    if let Some(c) = job.credit_cost {
        // Apiframe reports credits, 0 when a failure was refunded.
        return Cost::Charged(c as f64, "credits".into());
    }
    let made = match job.state.kind() {
        StateKind::Done => true,
        // An unclear end may have been made and charged: estimated as if it was.
        StateKind::Ambiguous | StateKind::TimedOut | StateKind::Expired => true,
        _ => false,
    };
    if !made {
        return Cost::Nothing;
    }
    let images = job.saved_paths.len().max(1) as f64;
    match (price, &job.state) {
        (Some(p), JobState::Done) => Cost::Estimated(p.per_image * images, p.unit.clone()),
        (Some(p), _) => Cost::Estimated(p.per_image, p.unit.clone()),
        (None, _) => Cost::Unknown,
    }
}

/// Totals in one unit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UnitTotal {
    /// Reported by the provider.
    pub charged: f64,
    /// Estimated from prices.
    pub estimated: f64,
}

/// Totals of a set of jobs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// By unit (`credits`, `CNY`, …).
    pub by_unit: BTreeMap<String, UnitTotal>,
    /// Jobs counted.
    pub jobs: usize,
    /// Jobs that made an image of unknown price.
    pub unknown: usize,
}

impl Totals {
    /// Adds one job's cost.
    pub fn add(&mut self, cost: &Cost) {
        self.jobs += 1;
        match cost {
            Cost::Charged(v, u) => self.by_unit.entry(u.clone()).or_default().charged += v,
            Cost::Estimated(v, u) => self.by_unit.entry(u.clone()).or_default().estimated += v,
            Cost::Unknown => self.unknown += 1,
            Cost::Nothing => {}
        }
    }

    /// "24 credits", "21 credits + ≈ 3 · 2 unknown", or "nothing".
    pub fn text(&self) -> String {
        let mut parts: Vec<String> = self
            .by_unit
            .iter()
            .map(|(unit, t)| {
                let (c, e) = (t.charged, t.estimated);
                if e == 0.0 {
                    format!("{} {unit}", number(c))
                } else if c == 0.0 {
                    format!("≈ {} {unit}", number(e))
                } else {
                    format!("{} {unit} + ≈ {}", number(c), number(e))
                }
            })
            .collect();
        if self.unknown > 0 {
            parts.push(format!("{} of unknown price", self.unknown));
        }
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join(" · ")
        }
    }
}

/// A number without a needless ".0".
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The start of the local day and of the week (Monday) containing `now`, as timestamps, for
/// an offset of `offset_s` seconds east of UTC.
pub fn day_and_week_start(now: Timestamp, offset_s: i64) -> (Timestamp, Timestamp) {
    let day_ms = 86_400_000;
    let local = now.0 + offset_s * 1000;
    let day = local.div_euclid(day_ms) * day_ms;
    // 1970-01-01 was a Thursday: days since a Monday are (days + 3) mod 7.
    let weekday = (local.div_euclid(day_ms) + 3).rem_euclid(7);
    let week = day - weekday * day_ms;
    (
        Timestamp(day - offset_s * 1000),
        Timestamp(week - offset_s * 1000),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::JobRequest;
    use crate::domain::models::AspectRatio;

    fn job(state: JobState, cost: Option<i64>) -> Job {
        let mut j = Job::new("sim", JobRequest::apiframe("x", AspectRatio::Square, 1));
        j.state = state;
        j.credit_cost = cost;
        j
    }

    #[test]
    fn reported_costs_win_estimates_are_marked_and_unknown_is_counted() {
        let price = Price {
            per_image: 3.0,
            unit: "credits".into(),
        };
        let failed = JobState::Failed {
            message: "x".into(),
        };
        assert_eq!(
            cost_of(&job(JobState::Done, Some(3)), None),
            Cost::Charged(3.0, "credits".into())
        );
        assert_eq!(
            cost_of(&job(failed.clone(), Some(0)), Some(&price)),
            Cost::Charged(0.0, "credits".into())
        );
        assert_eq!(cost_of(&job(failed, None), Some(&price)), Cost::Nothing);
        assert_eq!(
            cost_of(&job(JobState::Queued, None), Some(&price)),
            Cost::Nothing
        );
        assert_eq!(
            cost_of(&job(JobState::Done, None), Some(&price)),
            Cost::Estimated(3.0, "credits".into())
        );
        assert_eq!(cost_of(&job(JobState::Done, None), None), Cost::Unknown);
        let mut t = Totals::default();
        for c in [
            Cost::Charged(3.0, "credits".into()),
            Cost::Charged(3.0, "credits".into()),
            Cost::Estimated(3.0, "credits".into()),
            Cost::Estimated(0.25, "CNY".into()),
            Cost::Unknown,
            Cost::Nothing,
        ] {
            t.add(&c);
        }
        assert_eq!(
            t.text(),
            "≈ 0.25 CNY · 6 credits + ≈ 3 · 1 of unknown price"
        );
        assert_eq!(Totals::default().text(), "nothing");
    }

    #[test]
    fn days_and_weeks_start_where_the_clock_says() {
        // 2026-12-03 (a Thursday) 10:00 UTC.
        let now = Timestamp(1_796_292_000_000);
        let (day, week) = day_and_week_start(now, 0);
        assert_eq!(day.to_rfc3339(), "2026-12-03T00:00:00Z");
        assert_eq!(week.to_rfc3339(), "2026-11-30T00:00:00Z");
        let (day, _) = day_and_week_start(now, -12 * 3600);
        assert_eq!(
            day.to_rfc3339(),
            "2026-12-02T12:00:00Z",
            "a day starts at local midnight"
        );
    }
}
