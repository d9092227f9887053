//! Leases: which qimg process drives (polls, downloads) a job. A process takes the lease of a
//! job it starts or resumes, renews its leases while it runs, and gives them back when it
//! stops; a dead process's leases expire and another process takes the jobs over.

use std::time::Duration;

use rusqlite::params;

use super::{Store, StoreError};
use crate::domain::{JobId, Timestamp};

/// How long a lease lasts without renewal.
pub const LEASE_TTL: Duration = Duration::from_secs(30);

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Takes the lease of `id` for `owner` when it is free, expired or already `owner`'s.
    /// True when `owner` holds it afterwards.
    pub fn try_lease(&self, id: JobId, owner: &str) -> Result<bool, StoreError> {
        let now = Timestamp::now().0;
        let n = self.lock()?.execute(
            "UPDATE jobs SET lease_owner = ?2, lease_expires = ?3
             WHERE id = ?1 AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_expires < ?4)",
            params![id.to_string(), owner, now + ms(LEASE_TTL), now],
        )?;
        Ok(n == 1)
    }

    /// Extends every lease `owner` holds on unfinished jobs.
    pub fn renew_leases(&self, owner: &str) -> Result<usize, StoreError> {
        let now = Timestamp::now().0;
        Ok(self.lock()?.execute(
            "UPDATE jobs SET lease_expires = ?2 WHERE lease_owner = ?1",
            params![owner, now + ms(LEASE_TTL)],
        )?)
    }

    /// Gives back one lease (the job ended, or this process stops working on it).
    pub fn release_lease(&self, id: JobId, owner: &str) -> Result<(), StoreError> {
        self.lock()?.execute(
            "UPDATE jobs SET lease_owner = NULL, lease_expires = NULL WHERE id = ?1 AND lease_owner = ?2",
            params![id.to_string(), owner],
        )?;
        Ok(())
    }

    /// Gives back every lease of `owner` (on shutdown, so others can take over at once).
    pub fn release_all(&self, owner: &str) -> Result<usize, StoreError> {
        Ok(self.lock()?.execute(
            "UPDATE jobs SET lease_owner = NULL, lease_expires = NULL WHERE lease_owner = ?1",
            params![owner],
        )?)
    }

    /// Unfinished jobs nobody holds (free or expired leases), oldest first.
    pub fn orphans(&self) -> Result<Vec<JobId>, StoreError> {
        let now = Timestamp::now().0;
        let conn = self.lock()?;
        let mut st = conn.prepare_cached(
            "SELECT id FROM jobs WHERE state IN ('queued','submitting','submitted','running','downloading')
             AND (lease_owner IS NULL OR lease_expires < ?1) ORDER BY created_at ASC LIMIT 1000",
        )?;
        let rows = st.query_map([now], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(id) = JobId::parse(&r?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// SQLite's `data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .lock()?
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::AspectRatio;
    use crate::domain::{Job, JobRequest};

    #[test]
    fn one_owner_at_a_time_and_release() {
        let s = Store::open_in_memory().unwrap();
        let j = Job::new("sim", JobRequest::apiframe("p", AspectRatio::Square, 1));
        s.insert_job(&j).unwrap();
        assert_eq!(s.orphans().unwrap(), vec![j.id]);
        assert!(s.try_lease(j.id, "a").unwrap());
        assert!(s.try_lease(j.id, "a").unwrap(), "renewable by its owner");
        assert!(!s.try_lease(j.id, "b").unwrap());
        assert!(s.orphans().unwrap().is_empty());
        assert_eq!(s.renew_leases("a").unwrap(), 1);
        s.release_lease(j.id, "a").unwrap();
        assert!(s.try_lease(j.id, "b").unwrap());
        assert_eq!(s.release_all("b").unwrap(), 1);
    }

    #[test]
    fn an_expired_lease_is_taken_over() {
        let s = Store::open_in_memory().unwrap();
        let j = Job::new("sim", JobRequest::apiframe("p", AspectRatio::Square, 1));
        s.insert_job(&j).unwrap();
        assert!(s.try_lease(j.id, "dead").unwrap());
        s.lock()
            .unwrap()
            .execute("UPDATE jobs SET lease_expires = 1", [])
            .unwrap();
        assert_eq!(s.orphans().unwrap(), vec![j.id]);
        assert!(s.try_lease(j.id, "alive").unwrap());
    }
}
