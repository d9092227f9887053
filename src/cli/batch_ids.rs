//! Batch ids on the command line: a full id or a unique prefix, and the jobs `--batch` names.

use super::jobs::{WaitArgs, resolve_ids};
use crate::domain::JobId;
use crate::sanitize::sanitize_line;
use crate::store::{JobFilter, Store};

/// The batch a full id or a unique prefix (at least 4 hex digits) names.
pub fn resolve_batch(store: &Store, raw: &str) -> Result<crate::domain::BatchId, String> {
    if let Some(id) = crate::domain::BatchId::parse(raw) {
        return Ok(id);
    }
    let r = raw.trim().to_ascii_lowercase();
    if r.len() < 4 || !r.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(format!(
            "--batch: `{}` is not a batch id",
            sanitize_line(&r)
        ));
    }
    let found = store
        .find_batches_by_prefix(&r)
        .map_err(|e| e.to_string())?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("--batch: no batch starts with `{r}`")),
        _ => Err(format!(
            "--batch: `{r}` matches {} batches; give more of the id",
            found.len()
        )),
    }
}

/// The most jobs one batch holds (one submit makes at most this many).
pub const BATCH_MAX: usize = 1000;

/// The jobs of `--batch` (oldest first, as they were sent), then the ids given.
pub fn batch_and_ids(store: &Store, a: &WaitArgs) -> Result<Vec<JobId>, String> {
    let raw = a.batch.as_deref().unwrap_or_default();
    let filter = JobFilter {
        batch: Some(resolve_batch(store, raw)?),
        oldest_first: true,
        ..JobFilter::default()
    };
    let mut ids: Vec<JobId> = store
        .list(&filter, BATCH_MAX, 0)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|j| j.id)
        .collect();
    for id in resolve_ids(store, &a.ids)? {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}
