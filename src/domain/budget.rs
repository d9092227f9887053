//! Budgets: a profile's daily and monthly caps and the cost above which one submit asks first,
//! the reservation each new job holds against them, and the words of a refusal. The store
//! checks the caps in the transaction that inserts the jobs (see `store::budget`).

use serde::Serialize;

use super::Timestamp;
use super::catalogue::Price;
use super::ledger::number;

/// A profile's caps, in its unit (credits, or the currency its `price_unit` names).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Budget {
    /// At most this much spent or reserved per local day.
    pub daily: Option<f64>,
    /// At most this much per calendar month (local time).
    pub monthly: Option<f64>,
    /// One submit estimated above this asks first (the CLI needs `--yes`).
    pub confirm_above: Option<f64>,
}

impl Budget {
    /// True when a cap (daily or monthly) is set.
    pub fn has_cap(&self) -> bool {
        self.daily.is_some() || self.monthly.is_some()
    }
}

/// One cap the store checks: what has been spent or reserved since `since` plus the new jobs'
/// reservations must stay at or under `limit`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cap {
    /// `daily` or `monthly`, for the message.
    pub label: &'static str,
    /// The start of the day or month.
    pub since: Timestamp,
    /// The cap.
    pub limit: f64,
}

/// What the store checks before inserting a profile's new jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    /// The profile whose jobs count.
    pub profile: String,
    /// Its unit, for the message.
    pub unit: String,
    /// The caps to keep.
    pub caps: Vec<Cap>,
}

impl Guard {
    /// The guard of `budget` at `now`, whose local day and month start at `day` and `month`;
    /// `None` when the profile has no cap.
    pub fn of(
        budget: &Budget,
        profile: &str,
        unit: &str,
        day: Timestamp,
        month: Timestamp,
    ) -> Option<Self> {
        let caps: Vec<Cap> = [
            ("daily", day, budget.daily),
            ("monthly", month, budget.monthly),
        ]
        .into_iter()
        .filter_map(|(label, since, limit)| {
            limit.map(|limit| Cap {
                label,
                since,
                limit,
            })
        })
        .collect();
        (!caps.is_empty()).then(|| Self {
            profile: profile.to_owned(),
            unit: unit.to_owned(),
            caps,
        })
    }
}

/// A submit the budget does not allow: nothing of it was stored or sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The jobs would pass a cap.
    #[error(
        "over the {label} budget: {} spent or reserved + ≈ {} asked > {} {unit} (profile `{profile}`); nothing was sent",
        number(*.used), number(*.wanted), number(*.limit)
    )]
    OverCap {
        /// The profile.
        profile: String,
        /// `daily` or `monthly`.
        label: &'static str,
        /// The cap.
        limit: f64,
        /// Spent or reserved already in its period.
        used: f64,
        /// What the submit would reserve.
        wanted: f64,
        /// The unit.
        unit: String,
    },
    /// A job's price is unknown, so no cap can be kept.
    #[error(
        "over budget: qimg does not know the price of `{model}`, so profile `{profile}`'s budget cannot be kept; nothing was sent. Set price_per_image = N in [profiles.{profile}] of config.toml (or [models.\"{model}\"] price = {{ per_image = N }})"
    )]
    UnknownPrice {
        /// The profile.
        profile: String,
        /// The model without a price.
        model: String,
    },
}

/// What one new job reserves: its price in the profile's `unit`, or `None` when the price is
/// unknown or in another unit (such a job cannot be counted against a cap).
pub fn reservation(price: Option<&Price>, unit: &str) -> Option<f64> {
    price.filter(|p| p.unit == unit).map(|p| p.per_image)
}

/// The start of the local calendar month containing `now`, for an offset of `offset_s` seconds
/// east of UTC.
pub fn month_start(now: Timestamp, offset_s: i64) -> Timestamp {
    let local_days = (now.0 + offset_s * 1000).div_euclid(86_400_000);
    let (y, m, _) = civil_from_days(local_days);
    let first = days_from_civil(y, m, 1);
    Timestamp(first * 86_400_000 - offset_s * 1000)
}

/// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The day count since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_start_on_the_first_at_local_midnight() {
        // 2026-12-03 10:00 UTC.
        let now = Timestamp(1_796_292_000_000);
        assert_eq!(month_start(now, 0).to_rfc3339(), "2026-12-01T00:00:00Z");
        assert_eq!(
            month_start(now, 3600).to_rfc3339(),
            "2026-11-30T23:00:00Z",
            "UTC+1 midnight"
        );
        // 2024-03-01 00:30 local at UTC-1 is still February in UTC+0 terms: local wins.
        let leap = Timestamp(1_709_253_000_000 + 1_800_000 + 3_600_000);
        assert_eq!(
            month_start(leap, -3600).to_rfc3339(),
            "2024-03-01T01:00:00Z"
        );
    }

    #[test]
    fn guards_hold_only_the_caps_set_and_refusals_give_the_numbers() {
        let b = Budget {
            daily: Some(9.0),
            ..Budget::default()
        };
        let g = Guard::of(&b, "main", "credits", Timestamp(10), Timestamp(5)).unwrap();
        assert_eq!(g.caps.len(), 1);
        assert_eq!(g.caps[0].since, Timestamp(10));
        assert!(
            Guard::of(
                &Budget::default(),
                "m",
                "credits",
                Timestamp(0),
                Timestamp(0)
            )
            .is_none()
        );
        let r = Refusal::OverCap {
            profile: "main".into(),
            label: "daily",
            limit: 9.0,
            used: 6.0,
            wanted: 6.0,
            unit: "credits".into(),
        };
        assert_eq!(
            r.to_string(),
            "over the daily budget: 6 spent or reserved + ≈ 6 asked > 9 credits (profile `main`); nothing was sent"
        );
        let price = Price {
            per_image: 3.0,
            unit: "credits".into(),
        };
        assert_eq!(reservation(Some(&price), "credits"), Some(3.0));
        assert_eq!(
            reservation(Some(&price), "CNY"),
            None,
            "another unit is not counted"
        );
        assert_eq!(reservation(None, "credits"), None);
    }
}
