//! Job rows: insert before the submit, one forward-only transition per state change, lists for
//! the job pane and the CLI, and the durations the poll schedule learns from.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};

pub use super::filter::JobFilter;
use super::filter::where_clause;
use super::{Store, StoreError};
use crate::domain::{Job, JobId, JobRequest, JobState, Timestamp};

/// The columns `row_to_job` reads, in its order (a query may add more after them).
const COLUMNS: &str = "id, profile, request, idempotency_key, remote_id, state, progress, message, created_at, updated_at, submitted_at, finished_at, result_urls, saved_paths, credit_cost, resubmit_of, revised_prompt, batch, parent, grid";

/// Extra fields that change together with a state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobPatch {
    /// The provider's job id (sets `submitted_at` too).
    pub remote_id: Option<String>,
    /// Result URLs to download.
    pub result_urls: Option<Vec<String>>,
    /// Saved files.
    pub saved_paths: Option<Vec<PathBuf>>,
    /// Credits charged.
    pub credit_cost: Option<i64>,
    /// Server-side duration, for the poll schedule.
    pub server_duration_ms: Option<i64>,
    /// The prompt the provider drew, when it rewrote the one sent.
    pub revised_prompt: Option<String>,
}

fn row_to_job(r: &Row<'_>) -> Result<Job, StoreError> {
    let id: String = r.get(0)?;
    let bad = |reason: String| StoreError::BadRow {
        id: id.clone(),
        reason,
    };
    let request: JobRequest =
        serde_json::from_str(&r.get::<_, String>(2)?).map_err(|e| bad(format!("request: {e}")))?;
    let state_name: String = r.get(5)?;
    let progress: Option<i64> = r.get(6)?;
    let state = JobState::from_parts(
        &state_name,
        progress.and_then(|p| u8::try_from(p).ok()),
        r.get(7)?,
    )
    .ok_or_else(|| bad(format!("unknown state `{state_name}`")))?;
    let urls: Vec<String> = serde_json::from_str(&r.get::<_, String>(12)?)
        .map_err(|e| bad(format!("result_urls: {e}")))?;
    let saved: Vec<PathBuf> = serde_json::from_str(&r.get::<_, String>(13)?)
        .map_err(|e| bad(format!("saved_paths: {e}")))?;
    Ok(Job {
        id: JobId::parse(&id).ok_or_else(|| bad("id is not a UUID".into()))?,
        profile: r.get(1)?,
        request,
        idempotency_key: r.get(3)?,
        remote_id: r.get(4)?,
        state,
        created_at: Timestamp(r.get(8)?),
        updated_at: Timestamp(r.get(9)?),
        submitted_at: r.get::<_, Option<i64>>(10)?.map(Timestamp),
        finished_at: r.get::<_, Option<i64>>(11)?.map(Timestamp),
        result_urls: urls,
        saved_paths: saved,
        credit_cost: r.get(14)?,
        resubmit_of: r
            .get::<_, Option<String>>(15)?
            .and_then(|s| JobId::parse(&s)),
        revised_prompt: r.get(16)?,
        batch: r
            .get::<_, Option<String>>(17)?
            .and_then(|s| crate::domain::BatchId::parse(&s)),
        parent: r
            .get::<_, Option<String>>(18)?
            .and_then(|s| JobId::parse(&s)),
        grid: match r.get::<_, Option<String>>(19)? {
            Some(g) => Some(serde_json::from_str(&g).map_err(|e| bad(format!("grid: {e}")))?),
            None => None,
        },
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// Writes a new job row and commits it (before any network byte of its submit).
    pub fn insert_job(&self, job: &Job) -> Result<(), StoreError> {
        self.insert_job_leased(job, None)
    }

    /// Writes a new job row already leased to `owner`, so no other process takes it over
    /// between the insert and the first request.
    pub fn insert_job_leased(&self, job: &Job, owner: Option<&str>) -> Result<(), StoreError> {
        self.insert_jobs(&[(job.clone(), None)], owner, None)
    }

    /// Writes the jobs of one submit, each with its price when known (what it reserves against
    /// its profile's budget, and what the ledger estimates it at), in one transaction: all or
    /// none. With a `guard`, the caps are checked in the same
    /// transaction (which holds SQLite's write lock), so no number of processes submitting at
    /// once can together pass one.
    pub fn insert_jobs(
        &self,
        jobs: &[(Job, Option<crate::domain::catalogue::Price>)],
        owner: Option<&str>,
        guard: Option<&crate::domain::budget::Guard>,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(guard) = guard {
            super::budget::check(&tx, guard, jobs)?;
        }
        let first: i64 =
            tx.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM jobs", [], |r| {
                r.get(0)
            })?;
        for (version, (job, reserved)) in (first..).zip(jobs) {
            insert::row(&tx, job, reserved.as_ref(), owner, version)?;
            super::history::record(&tx, job)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Moves a job to `next` with the fields in `patch`, in one transaction. Returns the job as
    /// stored afterwards, or `None` when the move would go backwards (or the job is unknown):
    /// such a move is logged and ignored.
    pub fn transition(
        &self,
        id: JobId,
        next: &JobState,
        patch: &JobPatch,
    ) -> Result<Option<Job>, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                [id.to_string()],
                |r| Ok(row_to_job(r)),
            )
            .optional()?
            .transpose()?;
        let Some(mut job) = current else {
            tracing::warn!(%id, "transition for a job the store does not have");
            return Ok(None);
        };
        let same_state_with_data = job.state == *next && patch != &JobPatch::default();
        if !(job.state.can_move_to(next) || same_state_with_data) {
            tracing::warn!(%id, from = job.state.name(), to = next.name(), "state would move back; ignored");
            return Ok(None);
        }
        let now = Timestamp::now();
        job.state = next.clone();
        job.updated_at = now;
        if next.is_end() {
            job.finished_at = Some(now);
        }
        if let Some(r) = &patch.remote_id {
            job.remote_id = Some(r.clone());
            job.submitted_at.get_or_insert(now);
        }
        if let Some(u) = &patch.result_urls {
            job.result_urls = u.clone();
        }
        if let Some(s) = &patch.saved_paths {
            job.saved_paths = s.clone();
        }
        if patch.credit_cost.is_some() {
            job.credit_cost = patch.credit_cost;
        }
        if patch.revised_prompt.is_some() {
            job.revised_prompt.clone_from(&patch.revised_prompt);
        }
        let version: i64 =
            tx.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM jobs", [], |r| {
                r.get(0)
            })?;
        tx.execute(
            "UPDATE jobs SET state = ?2, progress = ?3, message = ?4, updated_at = ?5, finished_at = ?6, remote_id = ?7,
                submitted_at = ?8, result_urls = ?9, saved_paths = ?10, credit_cost = ?11,
                server_duration_ms = COALESCE(?12, server_duration_ms), version = ?13,
                revised_prompt = ?14
             WHERE id = ?1",
            params![
                id.to_string(),
                job.state.name(),
                progress_of(&job.state),
                job.state.message(),
                job.updated_at.0,
                job.finished_at.map(|t| t.0),
                job.remote_id,
                job.submitted_at.map(|t| t.0),
                to_json(&job.result_urls),
                to_json(&job.saved_paths),
                job.credit_cost,
                patch.server_duration_ms,
                version,
                job.revised_prompt,
            ],
        )?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// One job by id.
    pub fn get(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"))?;
        st.query_row([id.to_string()], |r| Ok(row_to_job(r)))
            .optional()?
            .transpose()
    }

    /// A page of jobs, newest first. Unreadable rows are skipped and logged.
    pub fn list(
        &self,
        filter: &JobFilter,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Job>, StoreError> {
        let conn = self.lock()?;
        let (clause, args) = where_clause(filter);
        let order = if filter.oldest_first { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT {COLUMNS} FROM jobs {clause} ORDER BY created_at {order}, id {order} LIMIT {} OFFSET {}",
            limit.min(100_000),
            offset
        );
        let mut st = conn.prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok(row_to_job(r))
        })?;
        let mut out = Vec::new();
        for row in rows {
            match row? {
                Ok(job) => out.push(job),
                Err(e) => tracing::warn!("{e}"),
            }
        }
        Ok(out)
    }

    /// How many jobs match.
    pub fn count(&self, filter: &JobFilter) -> Result<usize, StoreError> {
        let conn = self.lock()?;
        let (clause, args) = where_clause(filter);
        let n: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM jobs {clause}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Every job not in an end state, oldest first (for resuming).
    pub fn unfinished(&self) -> Result<Vec<Job>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE state IN ('queued','submitting','submitted','running','downloading') ORDER BY created_at ASC"
        ))?;
        let rows = st.query_map([], |r| Ok(row_to_job(r)))?;
        let mut out = Vec::new();
        for row in rows {
            match row? {
                Ok(job) => out.push(job),
                Err(e) => tracing::warn!("{e}"),
            }
        }
        Ok(out)
    }

    /// Jobs whose id starts with `prefix` (hex, without dashes in the first 8 characters).
    pub fn find_by_prefix(&self, prefix: &str) -> Result<Vec<JobId>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare_cached("SELECT id FROM jobs WHERE id LIKE ?1 || '%' LIMIT 5")?;
        let rows = st.query_map([prefix], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(id) = JobId::parse(&r?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Deletes a job's row (and its upload record). Returns the deleted job.
    pub fn delete_job(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        let job = self.get(id)?;
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM jobs WHERE id = ?1", [id.to_string()])?;
        tx.execute("DELETE FROM uploads WHERE job_id = ?1", [id.to_string()])?;
        tx.commit()?;
        Ok(job)
    }

    /// Server-side durations of the last `limit` finished jobs of a profile and model.
    pub fn recent_durations(
        &self,
        profile: &str,
        model: &str,
        limit: usize,
    ) -> Result<Vec<Duration>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare_cached(
            "SELECT server_duration_ms FROM jobs WHERE profile = ?1 AND model = ?2 AND server_duration_ms IS NOT NULL
             ORDER BY created_at DESC LIMIT ?3",
        )?;
        let rows = st.query_map(
            params![profile, model, i64::try_from(limit).unwrap_or(20)],
            |r| r.get::<_, i64>(0),
        )?;
        let mut out = Vec::new();
        for ms in rows {
            out.push(Duration::from_millis(u64::try_from(ms?).unwrap_or(0)));
        }
        Ok(out)
    }

    /// The highest change version; rows with a larger version changed since.
    pub fn max_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .lock()?
            .query_row("SELECT COALESCE(MAX(version), 0) FROM jobs", [], |r| {
                r.get(0)
            })?)
    }

    /// Jobs written after `version`, with the new maximum.
    pub fn changed_since(&self, version: i64) -> Result<(Vec<Job>, i64), StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, version FROM jobs WHERE version > ?1 ORDER BY version ASC LIMIT 5000"
        ))?;
        let mut max = version;
        let mut out = Vec::new();
        let mut rows = st.query([version])?;
        while let Some(r) = rows.next()? {
            max = max.max(r.get::<_, i64>(COLUMNS.split(',').count())?);
            match row_to_job(r) {
                Ok(job) => out.push(job),
                Err(e) => tracing::warn!("{e}"),
            }
        }
        Ok((out, max))
    }
}

fn progress_of(state: &JobState) -> Option<i64> {
    match state {
        JobState::Running { progress } => progress.map(i64::from),
        _ => None,
    }
}

mod insert;
mod ledger;

#[cfg(test)]
mod tests;
