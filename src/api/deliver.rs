//! The last step of every job: fetch each result (or take the bytes a gateway sent), save it
//! atomically with its parameters, and reuse files a previous run already saved.

use std::path::{Path, PathBuf};

use super::download::{self, DownloadError};
use super::runtime::ProfileRuntime;
use crate::domain::Job;
use crate::store::images::{self, SaveError};

/// Why the results could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// A download failed.
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// Saving failed (disk full, read-only folder); the job can try again.
    #[error(transparent)]
    Save(#[from] SaveError),
}

/// A result file this job already saved in an earlier run (same deterministic name).
fn existing(dir: &Path, job: &Job, index: usize, total: usize) -> Option<PathBuf> {
    ["png", "jpg", "webp"]
        .iter()
        .map(|ext| dir.join(images::file_name(job, index, total, ext)))
        .find(|p| p.is_file())
}

/// Downloads and saves result URLs of `job`, in order. The first URL is result number
/// `first` of `total` (results that came as bytes were saved before).
pub async fn fetch_and_save(
    rt: &ProfileRuntime,
    job: &Job,
    urls: &[String],
    first: usize,
    total: usize,
) -> Result<Vec<PathBuf>, DeliverError> {
    let mut saved = Vec::with_capacity(urls.len());
    for (i, url) in urls.iter().enumerate() {
        let index = first + i;
        if let Some(p) = existing(&rt.output_dir, job, index, total) {
            tracing::info!(path = %p.display(), "result already saved by an earlier run");
            saved.push(p);
            continue;
        }
        let bytes = download::fetch(
            &rt.download,
            &rt.download_transport,
            url,
            rt.allow_loopback,
            rt.download_timeout,
        )
        .await?;
        crate::failpoint::hit("download.before_save");
        saved.push(save(rt, job, index, total, bytes).await?);
    }
    Ok(saved)
}

/// Saves results that arrived as bytes (a gateway's `b64_json`) as results `0..` of `total`.
pub async fn save_all(
    rt: &ProfileRuntime,
    job: &Job,
    results: Vec<Vec<u8>>,
    total: usize,
) -> Result<Vec<PathBuf>, DeliverError> {
    let mut saved = Vec::with_capacity(results.len());
    for (index, bytes) in results.into_iter().enumerate() {
        saved.push(save(rt, job, index, total, bytes).await?);
    }
    Ok(saved)
}

async fn save(
    rt: &ProfileRuntime,
    job: &Job,
    index: usize,
    total: usize,
    bytes: Vec<u8>,
) -> Result<PathBuf, DeliverError> {
    let dir = rt.output_dir.clone();
    let job = job.clone();
    let provider = rt.profile.kind.as_str();
    let path = tokio::task::spawn_blocking(move || {
        images::save_result(&dir, &job, provider, index, total, &bytes)
    })
    .await
    .map_err(|e| SaveError::Io {
        dir: rt.output_dir.clone(),
        source: std::io::Error::other(e.to_string()),
    })??;
    Ok(path)
}
