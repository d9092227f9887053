//! `Watcher`: the one way to follow the store for changes other qimg processes write (the
//! engine of a TUI, `qimg wait`, `qimg follow`). SQLite's `data_version` says cheaply whether
//! another connection wrote; only then are the changed rows read, by their change version.

use std::time::Duration;

use tokio::time::{Interval, MissedTickBehavior};

use super::{Store, StoreError};
use crate::domain::Job;

/// Follows the store from the moment it was started.
pub struct Watcher {
    store: Store,
    seen_version: i64,
    data_version: i64,
    interval: Interval,
}

impl Watcher {
    /// Starts watching `store`, checking every `every`. Rows written before now are not
    /// reported.
    pub async fn start(store: Store, every: Duration) -> Result<Self, StoreError> {
        let seen_version = store.run(|s| s.max_version()).await?;
        let data_version = store.run(|s| s.data_version()).await?;
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        interval.reset();
        Ok(Self {
            store,
            seen_version,
            data_version,
            interval,
        })
    }

    /// Waits for the next check that finds jobs written by another connection, and returns
    /// them (oldest change first).
    pub async fn changed(&mut self) -> Result<Vec<Job>, StoreError> {
        loop {
            self.interval.tick().await;
            let jobs = self.check().await?;
            if !jobs.is_empty() {
                return Ok(jobs);
            }
        }
    }

    /// One check now: the jobs changed by other connections since the last one (maybe none).
    /// Cancel-safe: the positions move only once the answer is in, so a check dropped while
    /// it waits (in a `select!`) loses nothing.
    pub async fn check(&mut self) -> Result<Vec<Job>, StoreError> {
        let (known, since) = (self.data_version, self.seen_version);
        let (dv, found) = self
            .store
            .run(move |s| {
                let dv = s.data_version()?;
                if dv == known {
                    return Ok((dv, None));
                }
                Ok((dv, Some(s.changed_since(since)?)))
            })
            .await?;
        self.data_version = dv;
        let Some((jobs, max)) = found else {
            return Ok(Vec::new());
        };
        self.seen_version = max;
        Ok(jobs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::models::AspectRatio;
    use crate::domain::{JobRequest, JobState};
    use crate::store::JobPatch;

    #[tokio::test]
    async fn another_connection_s_writes_are_seen_and_own_are_not_needed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qimg.db");
        let mine = Store::open(&path).unwrap();
        let other = Store::open(&path).unwrap();
        let before = Job::new("sim", JobRequest::apiframe("old", AspectRatio::Square, 1));
        other.insert_job(&before).unwrap();
        let mut w = Watcher::start(mine, Duration::from_millis(10))
            .await
            .unwrap();
        assert!(w.check().await.unwrap().is_empty(), "nothing new yet");
        let job = Job::new("sim", JobRequest::apiframe("new", AspectRatio::Square, 2));
        other.insert_job(&job).unwrap();
        other
            .transition(job.id, &JobState::Submitting, &JobPatch::default())
            .unwrap();
        let seen = tokio::time::timeout(Duration::from_secs(10), w.changed())
            .await
            .unwrap()
            .unwrap();
        assert!(seen.iter().all(|j| j.id == job.id), "{seen:?}");
        assert_eq!(seen.last().unwrap().state, JobState::Submitting);
    }
}
