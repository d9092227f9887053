//! One new job's row, written inside the caller's transaction (see `Store::insert_jobs`).

use rusqlite::params;

use super::{progress_of, to_json};
use crate::domain::catalogue::Price;
use crate::domain::{Job, Timestamp};
use crate::store::StoreError;

/// One job's row, inside the caller's transaction.
pub(super) fn row(
    tx: &rusqlite::Transaction<'_>,
    job: &Job,
    price: Option<&Price>,
    owner: Option<&str>,
    version: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO jobs (id, profile, request, prompt, model, idempotency_key, remote_id, state, progress, message,
            created_at, updated_at, submitted_at, finished_at, result_urls, saved_paths, credit_cost, resubmit_of, version,
            lease_owner, lease_expires, revised_prompt, batch, parent, grid, reserved, reserved_unit)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
        params![
            job.id.to_string(),
            job.profile,
            to_json(&job.request),
            job.request.prompt,
            job.request.model,
            job.idempotency_key,
            job.remote_id,
            job.state.name(),
            progress_of(&job.state),
            job.state.message(),
            job.created_at.0,
            job.updated_at.0,
            job.submitted_at.map(|t| t.0),
            job.finished_at.map(|t| t.0),
            to_json(&job.result_urls),
            to_json(&job.saved_paths),
            job.credit_cost,
            job.resubmit_of.map(|r| r.to_string()),
            version,
            owner,
            owner.map(|_| Timestamp::now().0 + i64::try_from(crate::store::LEASE_TTL.as_millis()).unwrap_or(30_000)),
            job.revised_prompt,
            job.batch.map(|b| b.to_string()),
            job.parent.map(|p| p.to_string()),
            job.grid.as_ref().map(to_json),
            price.map(|p| p.per_image),
            price.map(|p| p.unit.as_str()),
        ],
    )?;
    Ok(())
}
