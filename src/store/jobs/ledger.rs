//! The queries of the ledger and of batches: every job since a time, and batch ids by prefix.

use super::{COLUMNS, row_to_job};
use crate::domain::catalogue::Price;
use crate::domain::{Job, Timestamp};
use crate::store::{Store, StoreError};

impl Store {
    /// Every job made at or after `since`, oldest first (for the ledger).
    pub fn jobs_since(&self, since: Timestamp) -> Result<Vec<Job>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE created_at >= ?1 ORDER BY created_at ASC"
        ))?;
        let mut rows = st.query([since.0])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            match row_to_job(r) {
                Ok(job) => out.push(job),
                // One bad row is skipped (and logged), not the whole ledger.
                Err(e) => tracing::warn!(error = %e, "a job row the ledger cannot read"),
            }
        }
        Ok(out)
    }

    /// The price each job made at or after `since` was stored with (see `insert_jobs`).
    pub fn job_prices_since(
        &self,
        since: Timestamp,
    ) -> Result<std::collections::HashMap<crate::domain::JobId, Price>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare_cached(
            "SELECT id, reserved, reserved_unit FROM jobs
             WHERE created_at >= ?1 AND reserved IS NOT NULL AND reserved_unit IS NOT NULL",
        )?;
        let rows = st.query_map([since.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (id, per_image, unit) = row?;
            if let Some(id) = crate::domain::JobId::parse(&id) {
                out.insert(id, Price { per_image, unit });
            }
        }
        Ok(out)
    }

    /// The prices `jobs` were stored with.
    pub fn job_prices(
        &self,
        jobs: &[Job],
    ) -> Result<std::collections::HashMap<crate::domain::JobId, Price>, StoreError> {
        let Some(oldest) = jobs.iter().map(|j| j.created_at).min() else {
            return Ok(std::collections::HashMap::new());
        };
        let mut all = self.job_prices_since(oldest)?;
        all.retain(|id, _| jobs.iter().any(|j| j.id == *id));
        Ok(all)
    }

    /// Batches whose id starts with `prefix` (at most 5).
    pub fn find_batches_by_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<crate::domain::BatchId>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn
            .prepare_cached("SELECT DISTINCT batch FROM jobs WHERE batch LIKE ?1 || '%' LIMIT 5")?;
        let rows = st.query_map([prefix], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.extend(crate::domain::BatchId::parse(&r?));
        }
        Ok(out)
    }
}
