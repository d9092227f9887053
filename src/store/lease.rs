//! Leases: which qimg process drives (polls, downloads) a job. A process takes the lease of a
//! job it starts or resumes, renews its leases while it runs, and gives them back when it
//! stops; a dead process's leases expire and another process takes the jobs over.

use std::time::Duration;

use rusqlite::params;

use super::{Store, StoreError};
use crate::domain::{JobId, Timestamp};

/// How long a lease lasts without renewal.
pub const LEASE_TTL: Duration = Duration::from_secs(30);

/// A lease owner id for this process: `host/pid/uuid`, so a process on the same machine can
/// tell that the owner died (after a crash or SIGKILL) without waiting for the lease to expire.
pub fn owner_id() -> String {
    format!(
        "{}/{}/{}",
        host(),
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    )
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into())
}

/// True when `owner` names a process on this machine that no longer runs.
pub fn owner_is_dead(owner: &str) -> bool {
    let mut parts = owner.splitn(3, '/');
    let (Some(h), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    if h != host() || pid.parse::<u32>().is_err() {
        return false;
    }
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

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
        if n == 1 {
            return Ok(true);
        }
        // Held by a process on this machine that died: take it.
        let holder: Option<String> = self
            .lock()?
            .query_row(
                "SELECT lease_owner FROM jobs WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .ok()
            .flatten();
        if holder.as_deref().is_some_and(owner_is_dead) {
            let n = self.lock()?.execute(
                "UPDATE jobs SET lease_owner = ?2, lease_expires = ?3 WHERE id = ?1 AND lease_owner = ?4",
                params![id.to_string(), owner, now + ms(LEASE_TTL), holder],
            )?;
            return Ok(n == 1);
        }
        Ok(false)
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

    /// Unfinished jobs nobody holds (free or expired leases, or held by a qimg process on
    /// this machine that has died), oldest first.
    pub fn orphans(&self) -> Result<Vec<JobId>, StoreError> {
        let now = Timestamp::now().0;
        let conn = self.lock()?;
        let mut st = conn.prepare_cached(
            "SELECT id, lease_owner, lease_expires FROM jobs
             WHERE state IN ('queued','submitting','submitted','running','downloading')
             ORDER BY created_at ASC LIMIT 5000",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (id, owner, expires) = r?;
            let free = match (owner, expires) {
                (None, _) => true,
                (Some(_), Some(e)) if e < now => true,
                (Some(o), _) => owner_is_dead(&o),
            };
            if free && let Some(id) = JobId::parse(&id) {
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
    use crate::domain::models::AspectRatio;
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
    fn a_dead_local_owner_frees_its_leases_at_once() {
        let s = Store::open_in_memory().unwrap();
        let j = Job::new("sim", JobRequest::apiframe("p", AspectRatio::Square, 1));
        s.insert_job(&j).unwrap();
        let me = owner_id();
        assert!(s.try_lease(j.id, &me).unwrap());
        assert!(
            s.orphans().unwrap().is_empty(),
            "a live owner keeps its job"
        );
        let dead = format!("{}/4194303/x", host());
        s.lock()
            .unwrap()
            .execute("UPDATE jobs SET lease_owner = ?1", [&dead])
            .unwrap();
        assert!(owner_is_dead(&dead));
        assert_eq!(s.orphans().unwrap(), vec![j.id]);
        assert!(!owner_is_dead("otherhost/1/x"));
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
