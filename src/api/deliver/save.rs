//! Writing results: an image is saved atomically with its parameters embedded; bytes that are
//! not an image (or that the output folder refuses) are kept raw, in the output folder or
//! else in the rescue folder, because a paid result is never thrown away. A file an earlier
//! run of the same job saved is found by its deterministic name and reused.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::super::runtime::ProfileRuntime;
use crate::domain::{ImageFormat, Job};
use crate::sanitize::sanitize_line;
use crate::store::images::{self, SaveError};

/// A result file this job already saved in an earlier run (same deterministic name).
pub fn existing(dir: &Path, job: &Job, index: usize, total: usize) -> Option<PathBuf> {
    ImageFormat::ALL
        .iter()
        .map(|f| dir.join(images::file_name(job, index, total, f.extension())))
        .find(|p| p.is_file())
}

/// Saves result `index` of `total` as an image with its parameters, off the async threads.
pub async fn save(
    rt: &ProfileRuntime,
    job: &Job,
    index: usize,
    total: usize,
    bytes: Arc<Vec<u8>>,
) -> Result<PathBuf, SaveError> {
    let dir = rt.output_dir.clone();
    let job = job.clone();
    let provider = rt.profile.kind.as_str();
    tokio::task::spawn_blocking(move || {
        images::save_result(&dir, &job, provider, index, total, &bytes)
    })
    .await
    .map_err(|e| SaveError::Io {
        dir: rt.output_dir.clone(),
        source: std::io::Error::other(e.to_string()),
    })?
}

/// Writes `bytes` raw under the job's file name with `ext`, in the output folder or else in
/// `rescue`. Returns the path and, when the rescue folder was used, a note saying why.
pub async fn keep_somewhere(
    rt: &ProfileRuntime,
    job: &Job,
    (index, total): (usize, usize),
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
                        sanitize_line(&first.to_string()),
                        sanitize_line(&p.display().to_string()),
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
