//! Budget caps kept inside the insert transaction: what a profile has spent or reserved since a
//! day or month began — a job's reported cost once known, nothing for a failed or cancelled job
//! (its reservation is released), else its reservation — plus the new jobs' reservations.

use rusqlite::{Connection, params};

use super::{Store, StoreError};
use crate::domain::budget::{Guard, Refusal, reservation};
use crate::domain::catalogue::Price;
use crate::domain::{Job, Timestamp};

/// Spent or reserved by a profile's jobs made at or after `since`. A reported cost settles a
/// job (Apiframe's `creditCost`, 0 when refunded); an end where nothing was made releases it.
const USED: &str = "SELECT COALESCE(SUM(CASE
        WHEN credit_cost IS NOT NULL THEN credit_cost
        WHEN state IN ('failed', 'cancelled') THEN 0
        WHEN reserved_unit = ?3 THEN COALESCE(reserved, 0)
        ELSE 0 END), 0)
    FROM jobs WHERE profile = ?1 AND created_at >= ?2";

fn used(conn: &Connection, profile: &str, unit: &str, since: Timestamp) -> Result<f64, StoreError> {
    Ok(conn.query_row(USED, params![profile, since.0, unit], |r| {
        r.get::<_, f64>(0)
    })?)
}

/// Refuses the jobs when one has no price in the guard's unit or when their reservations would
/// pass a cap. Runs inside the insert's `IMMEDIATE` transaction, so the sum cannot change
/// between this check and the insert.
pub(super) fn check(
    conn: &Connection,
    guard: &Guard,
    jobs: &[(Job, Option<Price>)],
) -> Result<(), StoreError> {
    let mut wanted = 0.0;
    for (job, price) in jobs.iter().filter(|(j, _)| j.profile == guard.profile) {
        match reservation(price.as_ref(), &guard.unit) {
            Some(r) => wanted += r,
            None => {
                return Err(Refusal::UnknownPrice {
                    profile: guard.profile.clone(),
                    model: job.request.model.clone(),
                }
                .into());
            }
        }
    }
    for cap in &guard.caps {
        let used = used(conn, &guard.profile, &guard.unit, cap.since)?;
        // A small tolerance, so 3 × 0.1 fits a cap of 0.3.
        if used + wanted > cap.limit + 1e-9 {
            return Err(Refusal::OverCap {
                profile: guard.profile.clone(),
                label: cap.label,
                limit: cap.limit,
                used,
                wanted,
                unit: guard.unit.clone(),
            }
            .into());
        }
    }
    Ok(())
}

impl Store {
    /// Spent or reserved in `unit` by `profile`'s jobs made since `since`, by the rules of the
    /// caps.
    pub fn budget_used(
        &self,
        profile: &str,
        unit: &str,
        since: Timestamp,
    ) -> Result<f64, StoreError> {
        let conn = self.lock()?;
        used(&conn, profile, unit, since)
    }

    /// The refusal the insert of `jobs` under `guard` would meet now, without storing anything
    /// (a preview for `--dry-run` and for asking before the cost question; the insert itself
    /// checks again).
    pub fn budget_refusal(
        &self,
        guard: &Guard,
        jobs: &[(Job, Option<Price>)],
    ) -> Result<Option<Refusal>, StoreError> {
        let conn = self.lock()?;
        match check(&conn, guard, jobs) {
            Ok(()) => Ok(None),
            Err(StoreError::OverBudget(r)) => Ok(Some(r)),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::budget::{Budget, Cap};
    use crate::domain::models::AspectRatio;
    use crate::domain::{JobRequest, JobState};
    use crate::store::JobPatch;

    fn guard(limit: f64) -> Guard {
        Guard {
            profile: "main".into(),
            unit: "credits".into(),
            caps: vec![Cap {
                label: "daily",
                since: Timestamp(0),
                limit,
            }],
        }
    }

    fn three() -> Option<Price> {
        Some(Price {
            per_image: 3.0,
            unit: "credits".into(),
        })
    }

    fn job() -> Job {
        Job::new("main", JobRequest::apiframe("x", AspectRatio::Square, 1))
    }

    #[test]
    fn a_cap_refuses_the_whole_submit_and_failures_release_their_reservation() {
        let s = Store::open_in_memory().unwrap();
        let g = guard(9.0);
        let two = [(job(), three()), (job(), three())];
        s.insert_jobs(&two, None, Some(&g)).unwrap();
        let over = [(job(), three()), (job(), three())];
        let err = s.insert_jobs(&over, None, Some(&g)).unwrap_err();
        assert!(
            matches!(err, StoreError::OverBudget(Refusal::OverCap { used, wanted, .. }) if used == 6.0 && wanted == 6.0)
        );
        assert!(
            s.get(over[0].0.id).unwrap().is_none(),
            "nothing of a refused submit is stored"
        );
        // The first job fails without a charge: its 3 credits are free again.
        let failed = JobState::Failed {
            message: "x".into(),
        };
        s.transition(two[0].0.id, &failed, &JobPatch::default())
            .unwrap();
        assert_eq!(s.budget_used("main", "credits", Timestamp(0)).unwrap(), 3.0);
        // The second is settled to what the provider charged (2, not the reserved 3).
        let patch = JobPatch {
            credit_cost: Some(2),
            ..JobPatch::default()
        };
        s.transition(two[1].0.id, &JobState::Done, &patch).unwrap();
        assert_eq!(s.budget_used("main", "credits", Timestamp(0)).unwrap(), 2.0);
        s.insert_jobs(&over, None, Some(&g)).unwrap();
        assert_eq!(s.budget_used("main", "credits", Timestamp(0)).unwrap(), 8.0);
        assert_eq!(
            s.budget_used("other", "credits", Timestamp(0)).unwrap(),
            0.0,
            "per profile"
        );
    }

    #[test]
    fn a_job_of_unknown_price_is_refused_under_a_cap_only() {
        let s = Store::open_in_memory().unwrap();
        let err = s
            .insert_jobs(&[(job(), None)], None, Some(&guard(100.0)))
            .unwrap_err();
        assert!(err.to_string().contains("price_per_image"), "{err}");
        s.insert_jobs(&[(job(), None)], None, None).unwrap();
        assert!(
            Guard::of(
                &Budget::default(),
                "main",
                "credits",
                Timestamp(0),
                Timestamp(0)
            )
            .is_none()
        );
    }
}
