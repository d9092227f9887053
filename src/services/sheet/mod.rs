//! Contact sheets of jobs: the layout (a grid's columns, or about square), each cell's image
//! and captions, the header (batch, cost, date), and the PNG with the jobs' parameters in its
//! text chunk `qimg-sheet`. Used by `qimg sheet` and the TUI's export.

mod captions;

use crate::domain::{Job, Timestamp};
use crate::imaging::sheet::{SheetCell, SheetLayout, compose};

/// A contact sheet of `jobs` as PNG bytes: `columns` per row (default: the grid's columns, else
/// about square), each image fitted into `cell` pixels. Reads the jobs' image files.
pub fn sheet_png(jobs: &[Job], columns: Option<u32>, cell: (u32, u32)) -> Result<Vec<u8>, String> {
    let columns = columns
        .unwrap_or_else(|| default_columns(jobs))
        .clamp(1, 64);
    let layout = SheetLayout { columns, cell };
    let cells: Vec<SheetCell> = jobs.iter().map(|j| cell_of(j, jobs, cell)).collect();
    let image = compose(&header(jobs), &cells, layout);
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode the sheet: {e}"))?;
    let params = captions::json(jobs).to_string();
    crate::store::images::with_text(&png, &[("qimg-sheet", &params)])
        .ok_or_else(|| "cannot add the parameters to the sheet".to_owned())
}

/// A grid's columns (its second axis, else its first), else about square.
fn default_columns(jobs: &[Job]) -> u32 {
    let axis = jobs
        .iter()
        .find_map(|j| j.grid.as_ref())
        .map(|g| g.0.len().saturating_sub(1));
    if let Some(k) = axis {
        let mut seen: Vec<&str> = Vec::new();
        for v in jobs
            .iter()
            .filter_map(|j| j.grid.as_ref()?.0.get(k))
            .map(|(_, v)| v)
        {
            if !seen.contains(&v.as_str()) {
                seen.push(v);
            }
        }
        return u32::try_from(seen.len()).unwrap_or(1).max(1);
    }
    let n = jobs.len().max(1) as f64;
    n.sqrt().ceil() as u32
}

fn cell_of(job: &Job, all: &[Job], (w, h): (u32, u32)) -> SheetCell {
    let image = job
        .saved_paths
        .first()
        .and_then(|p| crate::imaging::decode_file_for_preview(p, w * 2, h * 2).ok());
    let caption = match &job.grid {
        // A prompt value is the whole prompt: the words that set it apart say more.
        Some(g) => {
            g.0.iter()
                .map(|(axis, v)| match axis.as_str() {
                    "prompt" => captions::differing(job, all),
                    _ => format!("{axis} {v}"),
                })
                .collect::<Vec<_>>()
                .join(" · ")
        }
        None => captions::differing(job, all),
    };
    let state = if image.is_none() {
        format!(" · {}", job.state.name())
    } else {
        String::new()
    };
    let detail = match job.request.seed {
        Some(s) => format!("seed {s} · {}{state}", job.request.model),
        None => format!("{}{state}", job.request.model),
    };
    SheetCell {
        image,
        caption,
        detail,
    }
}

/// "batch 3f2a1b9c · 6 jobs · 18 credits · 2026-12-03 10:20 UTC".
fn header(jobs: &[Job]) -> String {
    let batch = jobs.iter().find_map(|j| j.batch);
    let when = jobs
        .iter()
        .map(|j| j.created_at)
        .min()
        .unwrap_or(Timestamp::now());
    let date = when.to_rfc3339().replace('T', " ");
    let date = date.get(..16).unwrap_or(&date);
    let known: Vec<i64> = jobs.iter().filter_map(|j| j.credit_cost).collect();
    let cost = match (known.len(), jobs.len()) {
        (0, _) => "cost unknown".to_owned(),
        (k, n) if k == n => format!("{} credits", known.iter().sum::<i64>()),
        (k, n) => format!(
            "{} credits ({} of unknown cost)",
            known.iter().sum::<i64>(),
            n - k
        ),
    };
    let what = batch.map_or_else(|| "jobs".to_owned(), |b| format!("batch {}", b.short()));
    // The date last: on a narrow sheet it is what gets cut.
    format!("{what} · {} jobs · {cost} · {date} UTC", jobs.len())
}
