//! `qimg sheet BATCH|ID… -o sheet.png`: one PNG of the jobs' images in a grid, each captioned
//! with its grid cell (or what differs between the jobs) and its seed and model, under a header
//! with the batch, the date and the cost; the jobs' parameters go in its text chunks.

use std::path::PathBuf;

use clap::Args;

use super::batch_ids::resolve_batch;
use super::jobs::resolve_ids;
use super::{Cli, ExitCode};
use crate::domain::Job;
use crate::store::{JobFilter, Store};

/// The most cells one sheet holds.
const MAX_CELLS: usize = 400;

/// `qimg sheet`.
#[derive(Debug, Args)]
pub struct SheetArgs {
    /// A batch id, or job ids (full, or a unique prefix of at least 4 hex digits).
    #[arg(required = true, value_name = "BATCH|ID")]
    pub targets: Vec<String>,
    /// Where to write the PNG (replaced if it is there).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Cells per row (default: a grid's columns, else about square).
    #[arg(long)]
    pub columns: Option<u32>,
    /// The image area of one cell in pixels, such as 320x320.
    #[arg(long, value_name = "WxH", default_value = "320x320")]
    pub cell: String,
}

/// Runs `sheet`.
pub fn sheet(cli: &Cli, a: &SheetArgs) -> ExitCode {
    let services = match super::session::open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let made = parse_cell(&a.cell)
        .and_then(|cell| Ok((cell, jobs_of(&services.store, &a.targets)?)))
        .and_then(|(cell, jobs)| crate::services::sheet::sheet_png(&jobs, a.columns, cell))
        .and_then(|png| write_replacing(&a.output, &png));
    match made {
        Ok(()) => {
            println!("{}", a.output.display());
            ExitCode::Success
        }
        Err(e) => {
            eprintln!("qimg: {}", crate::sanitize::sanitize_line(&e));
            ExitCode::Usage
        }
    }
}

/// `WxH` with both sides from 32 to 2048 pixels.
fn parse_cell(text: &str) -> Result<(u32, u32), String> {
    let bad =
        || format!("--cell `{text}`: give WxH, each side 32 to 2048 pixels (such as 320x320)");
    let (w, h) = text.split_once(['x', 'X', '*']).ok_or_else(bad)?;
    let side = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|v| (32..=2048).contains(v))
    };
    Ok((side(w).ok_or_else(bad)?, side(h).ok_or_else(bad)?))
}

/// The jobs the targets name, in order: a batch's jobs as they were sent, then single jobs.
fn jobs_of(store: &Store, targets: &[String]) -> Result<Vec<Job>, String> {
    let mut out: Vec<Job> = Vec::new();
    for t in targets {
        // A full id parses whether or not it is stored: keep only what exists.
        let as_job = resolve_ids(store, std::slice::from_ref(t)).and_then(|ids| {
            match ids.iter().all(|id| store.get(*id).ok().flatten().is_some()) {
                true => Ok(ids),
                false => Err(format!("no job `{t}`")),
            }
        });
        let as_batch = resolve_batch(store, t).and_then(|b| {
            match store.find_batches_by_prefix(&b.to_string()) {
                Ok(found) if found.contains(&b) => Ok(b),
                _ => Err(format!("no batch `{t}`")),
            }
        });
        let found = match (as_job, as_batch) {
            (Ok(_), Ok(_)) => {
                return Err(format!(
                    "`{t}` is both a job and a batch; give more of the id"
                ));
            }
            (Ok(ids), Err(_)) => ids
                .into_iter()
                .filter_map(|id| store.get(id).ok().flatten())
                .collect(),
            (Err(_), Ok(batch)) => {
                let filter = JobFilter {
                    batch: Some(batch),
                    oldest_first: true,
                    ..JobFilter::default()
                };
                store
                    .list(&filter, MAX_CELLS + 1, 0)
                    .map_err(|e| e.to_string())?
            }
            (Err(e), Err(_)) => return Err(format!("{e} (and no batch starts with it)")),
        };
        for j in found {
            if !out.iter().any(|o| o.id == j.id) {
                out.push(j);
            }
        }
    }
    if out.len() > MAX_CELLS {
        return Err(format!(
            "a sheet holds at most {MAX_CELLS} images; name fewer jobs"
        ));
    }
    Ok(out)
}

/// Writes `data` to `path` through a temp file beside it, replacing what is there.
fn write_replacing(path: &std::path::Path, data: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let shown = path.display();
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| format!("{shown}: {e}"))?;
    tmp.write_all(data).map_err(|e| format!("{shown}: {e}"))?;
    tmp.persist(path)
        .map_err(|e| format!("{shown}: {}", e.error))?;
    Ok(())
}
