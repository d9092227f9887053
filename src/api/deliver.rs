//! The last step of every job: fetch each result (or take the bytes a gateway sent), save it
//! atomically with its parameters, and reuse files a previous run already saved.

use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    images::ImageFormat::ALL
        .iter()
        .map(|f| dir.join(images::file_name(job, index, total, f.extension())))
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
        saved.push(save(rt, job, index, total, Arc::new(bytes)).await?);
    }
    Ok(saved)
}

/// What became of results that arrived as bytes (a gateway's `b64_json`).
#[derive(Debug, Default)]
pub struct SentBytes {
    /// Images saved (in the output folder, or in the rescue folder when that failed).
    pub saved: Vec<PathBuf>,
    /// Notes for the user: where bytes went instead of the output folder, and why.
    pub notes: Vec<String>,
    /// Results that were not images, kept raw as `.bin` files: `(why, where)`.
    pub not_images: Vec<(String, PathBuf)>,
    /// Results no folder would take: why. Only a disk that refuses every write gets here.
    pub lost: Vec<String>,
}

/// Saves results that arrived as bytes as results `0..` of `total`. These bytes exist nowhere
/// else (reliability.md case 35), so none is given up: when the output folder cannot be written
/// (disk full, read-only) they go to `rescue` instead, and bytes that are not an image are kept
/// raw. Every result is tried, whatever happened to the ones before.
pub async fn save_sent_bytes(
    rt: &ProfileRuntime,
    job: &Job,
    results: Vec<Vec<u8>>,
    total: usize,
    rescue: &Path,
) -> SentBytes {
    let mut out = SentBytes::default();
    for (index, bytes) in results.into_iter().enumerate() {
        // Shared, not copied: a gateway answer can hold several large images.
        let bytes = Arc::new(bytes);
        let kept = |ext: &'static str| {
            keep_somewhere(rt, job, index, total, ext, Arc::clone(&bytes), rescue)
        };
        match save(rt, job, index, total, Arc::clone(&bytes)).await {
            Ok(path) => out.saved.push(path),
            Err(DeliverError::Save(SaveError::NotAnImage(why))) => match kept("bin").await {
                Ok((path, note)) => {
                    out.notes.extend(note);
                    out.not_images.push((why, path));
                }
                Err(e) => out.lost.push(e.to_string()),
            },
            Err(e) => {
                let ext = images::ImageFormat::sniff(&bytes).map_or("bin", |f| f.extension());
                match kept(ext).await {
                    Ok((path, _)) => {
                        out.notes.push(format!(
                            "{}; saved in {} instead",
                            crate::sanitize::sanitize_line(&e.to_string()),
                            crate::sanitize::sanitize_line(&path.display().to_string()),
                        ));
                        out.saved.push(path);
                    }
                    Err(again) => out.lost.push(format!("{e}; and {again}")),
                }
            }
        }
    }
    out
}

/// Writes `bytes` raw under the job's file name, in the output folder or else in `rescue`.
/// Returns the path and, when the rescue folder was used, a note saying why.
async fn keep_somewhere(
    rt: &ProfileRuntime,
    job: &Job,
    index: usize,
    total: usize,
    ext: &'static str,
    bytes: Arc<Vec<u8>>,
    rescue: &Path,
) -> Result<(PathBuf, Option<String>), SaveError> {
    let name = images::file_name(job, index, total, ext);
    let (out_dir, rescue) = (rt.output_dir.clone(), rescue.to_path_buf());
    let joined =
        tokio::task::spawn_blocking(
            move || match images::write_atomic(&out_dir, &name, &bytes) {
                Ok(p) => Ok((p, None)),
                Err(first) => images::write_atomic(&rescue, &name, &bytes).map(|p| {
                    let note = format!(
                        "{}; kept in {} instead",
                        crate::sanitize::sanitize_line(&first.to_string()),
                        crate::sanitize::sanitize_line(&p.display().to_string()),
                    );
                    (p, Some(note))
                }),
            },
        )
        .await;
    joined.unwrap_or_else(|e| {
        Err(SaveError::Io {
            dir: rt.output_dir.clone(),
            source: std::io::Error::other(e.to_string()),
        })
    })
}

async fn save(
    rt: &ProfileRuntime,
    job: &Job,
    index: usize,
    total: usize,
    bytes: Arc<Vec<u8>>,
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
