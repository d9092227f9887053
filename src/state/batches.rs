//! Batch rows of the job list: the jobs of one batch sit under a header row with the batch's
//! progress, at the place of its first job in the list (a job another process made in between
//! does not split it); a collapsed batch shows only its header. The selection is always a job; on a collapsed batch it is the batch's first job and
//! the header is highlighted.

use std::collections::HashMap;

use super::jobs::{JobList, JobView};
use crate::domain::BatchId;
use crate::domain::batch::BatchProgress;

/// One row of the job list as drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListRow {
    /// A batch's header, over the jobs in `jobs` (indices into the list).
    Header {
        /// The batch.
        batch: BatchId,
        /// Its jobs (indices into the list, in list order).
        jobs: Vec<usize>,
        /// Its jobs are hidden.
        collapsed: bool,
    },
    /// A job (index into the list).
    Job(usize),
}

impl JobList {
    /// The rows to draw, in order.
    pub fn rows(&self) -> Vec<ListRow> {
        let items = self.items();
        // One pass to group, one to lay out: a frame stays linear in the jobs listed.
        let mut groups: HashMap<BatchId, Vec<usize>> = HashMap::new();
        for (i, v) in items.iter().enumerate() {
            if let Some(b) = v.job.batch {
                groups.entry(b).or_default().push(i);
            }
        }
        let mut rows = Vec::with_capacity(items.len() + groups.len());
        for (i, v) in items.iter().enumerate() {
            let Some(batch) = v.job.batch else {
                rows.push(ListRow::Job(i));
                continue;
            };
            let Some(jobs) = groups.remove(&batch) else {
                continue; // laid out under its header already
            };
            let collapsed = self.collapsed.contains(&batch);
            if !collapsed {
                rows.push(ListRow::Header {
                    batch,
                    jobs: jobs.clone(),
                    collapsed,
                });
                rows.extend(jobs.into_iter().map(ListRow::Job));
            } else {
                rows.push(ListRow::Header {
                    batch,
                    jobs,
                    collapsed,
                });
            }
        }
        rows
    }

    /// The row that stands for the selected job: its own, or its collapsed batch's header.
    pub fn selected_row(&self, rows: &[ListRow]) -> usize {
        rows.iter()
            .position(|r| stands_for(r, self.selected))
            .unwrap_or(0)
    }

    /// Moves the selection by `delta` visible rows (a collapsed batch is one), clamped.
    pub fn move_in_list(&mut self, delta: isize) {
        let rows = self.rows();
        let mut current = self.selected;
        let mut stops = Vec::with_capacity(rows.len());
        for r in &rows {
            match r {
                ListRow::Job(i) => stops.push(*i),
                ListRow::Header {
                    jobs,
                    collapsed: true,
                    ..
                } => {
                    // A header's jobs are never empty: it is made from its first job.
                    let first = jobs.first().copied().unwrap_or(self.selected);
                    if jobs.contains(&self.selected) {
                        current = first;
                    }
                    stops.push(first);
                }
                ListRow::Header { .. } => {}
            }
        }
        let Some(last) = stops.len().checked_sub(1) else {
            self.selected = 0;
            return;
        };
        let here = stops.iter().position(|s| *s == current).unwrap_or(0);
        self.selected = stops[here.saturating_add_signed(delta).min(last)];
    }

    /// Folds or unfolds the selected job's batch; false when the job is in none.
    pub fn toggle_batch(&mut self) -> bool {
        let Some(batch) = self.selected().and_then(|v| v.job.batch) else {
            return false;
        };
        if !self.collapsed.remove(&batch) {
            self.collapsed.insert(batch);
            // The selection moves to the batch's first job, which its header stands for.
            if let Some(ListRow::Header { jobs, .. }) = self.rows().into_iter().find(
                |r| matches!(r, ListRow::Header { jobs, .. } if jobs.contains(&self.selected)),
            ) {
                self.selected = jobs.first().copied().unwrap_or(self.selected);
            }
        }
        true
    }

    /// The listed jobs that came from `parent`, oldest first.
    pub fn children(&self, parent: crate::domain::JobId) -> Vec<crate::domain::JobId> {
        let mut kids: Vec<&JobView> = self
            .items()
            .iter()
            .filter(|v| v.job.parent == Some(parent))
            .collect();
        kids.sort_by_key(|v| v.job.created_at);
        kids.into_iter().map(|v| v.job.id).collect()
    }

    /// The loaded jobs of `batch`.
    pub fn batch_jobs(&self, batch: BatchId) -> impl Iterator<Item = &JobView> {
        self.items()
            .iter()
            .filter(move |v| v.job.batch == Some(batch))
    }

    /// The progress of `batch` over its loaded jobs.
    pub fn batch_progress(&self, batch: BatchId) -> BatchProgress {
        BatchProgress::of(self.batch_jobs(batch).map(|v| &v.job))
    }
}

/// One row of a batch's grid view: its title (the row's axis value, in a labelled grid) and
/// its cells (indices into the list; `None` where the grid has no job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    /// The row's axis value ("seed 5"), when the grid is labelled.
    pub title: Option<String>,
    /// Its cells, left to right.
    pub cells: Vec<Option<usize>>,
}

/// A batch laid out for the grid view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchGrid {
    /// The column titles of a labelled two-axis grid ("model qwen-image-2"), else empty.
    pub columns: Vec<String>,
    /// The rows, top to bottom.
    pub rows: Vec<GridRow>,
}

impl BatchGrid {
    /// The (row, column) of list index `index`.
    pub fn find(&self, index: usize) -> Option<(usize, usize)> {
        self.rows.iter().enumerate().find_map(|(r, row)| {
            row.cells
                .iter()
                .position(|c| *c == Some(index))
                .map(|c| (r, c))
        })
    }

    /// The job a step of (`dr`, `dc`) from `index` lands on: rows and columns clamp, a step
    /// onto an empty cell goes on to the nearest job in that row.
    pub fn step(&self, index: usize, dr: isize, dc: isize) -> Option<usize> {
        let (r, c) = self.find(index)?;
        let last = self.rows.len().checked_sub(1)?;
        let r = r.saturating_add_signed(dr).min(last);
        let row = &self.rows.get(r)?.cells;
        let c = c.saturating_add_signed(dc).min(row.len().checked_sub(1)?);
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by_key(|k| k.abs_diff(c));
        order
            .into_iter()
            .find_map(|k| row.get(k).copied().flatten())
    }
}

impl JobList {
    /// `batch` for the grid view, `fit` cells to a row: a two-axis grid with its rows and
    /// columns labelled when its columns fit, else its jobs in the order they were sent.
    pub fn batch_grid(&self, batch: BatchId, fit: usize) -> BatchGrid {
        let mut jobs: Vec<usize> = (0..self.len())
            .filter(|i| self.items()[*i].job.batch == Some(batch))
            .collect();
        jobs.sort_by_key(|i| self.items()[*i].job.created_at);
        let cell = |i: usize| self.items()[i].job.grid.clone().unwrap_or_default();
        let two_axes = !jobs.is_empty() && jobs.iter().all(|i| cell(*i).0.len() == 2);
        if two_axes {
            let mut rows: Vec<String> = Vec::new();
            let mut cols: Vec<String> = Vec::new();
            for i in &jobs {
                let c = cell(*i);
                let (r, k) = (label(&c.0[0]), label(&c.0[1]));
                if !rows.contains(&r) {
                    rows.push(r);
                }
                if !cols.contains(&k) {
                    cols.push(k);
                }
            }
            if cols.len() <= fit.max(1) {
                let place = |r: &str, k: &str| {
                    jobs.iter().copied().find(|i| {
                        let c = cell(*i);
                        label(&c.0[0]) == r && label(&c.0[1]) == k
                    })
                };
                let rows = rows
                    .iter()
                    .map(|r| GridRow {
                        title: Some(r.clone()),
                        cells: cols.iter().map(|k| place(r, k)).collect(),
                    })
                    .collect();
                return BatchGrid {
                    columns: cols,
                    rows,
                };
            }
        }
        let rows = jobs
            .chunks(fit.max(1))
            .map(|chunk| GridRow {
                title: None,
                cells: chunk.iter().copied().map(Some).collect(),
            })
            .collect();
        BatchGrid {
            columns: Vec::new(),
            rows,
        }
    }
}

/// "seed 5" from ("seed", "5").
fn label((axis, value): &(String, String)) -> String {
    format!("{axis} {value}")
}

/// True when `row` is what the selection on job `selected` shows as.
fn stands_for(row: &ListRow, selected: usize) -> bool {
    match row {
        ListRow::Job(i) => *i == selected,
        ListRow::Header {
            jobs,
            collapsed: true,
            ..
        } => jobs.contains(&selected),
        ListRow::Header { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::models::AspectRatio;
    use crate::domain::{Job, JobRequest, Timestamp};

    /// A list of: one lone job, a batch of 3, another lone job (newest first).
    fn list() -> (JobList, BatchId) {
        let mut l = JobList::default();
        let batch = BatchId::new();
        for (t, b) in [
            (1, None),
            (2, Some(batch)),
            (3, Some(batch)),
            (4, Some(batch)),
            (5, None),
        ] {
            let mut j = Job::new("sim", JobRequest::apiframe("x", AspectRatio::Square, 1));
            j.created_at = Timestamp(t);
            j.batch = b;
            l.upsert(j);
        }
        (l, batch)
    }

    #[test]
    fn a_batch_gets_a_header_and_folds_into_one_stop() {
        let (mut l, batch) = list();
        let rows = l.rows();
        assert_eq!(rows.len(), 6, "{rows:?}");
        assert!(
            matches!(&rows[1], ListRow::Header { batch: b, jobs, collapsed: false } if *b == batch && *jobs == [1, 2, 3])
        );
        l.selected = 0;
        l.move_in_list(1);
        assert_eq!(l.selected, 1, "the header is not a stop when unfolded");
        l.move_in_list(1);
        assert_eq!(l.selected, 2);
        assert!(l.toggle_batch());
        assert_eq!(l.selected, 1, "folding selects the batch's first job");
        let rows = l.rows();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(l.selected_row(&rows), 1, "the header stands for it");
        l.move_in_list(1);
        assert_eq!(l.selected, 4, "one step passes the whole batch");
        l.move_in_list(-1);
        assert_eq!(l.selected, 1);
        l.move_in_list(-5);
        assert_eq!(l.selected, 0);
        l.selected = 1;
        assert!(l.toggle_batch());
        assert_eq!(l.rows().len(), 6);
        l.selected = 0;
        assert!(!l.toggle_batch(), "a lone job is in no batch");
        assert_eq!(l.batch_progress(batch).total, 3);
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;
    use crate::domain::grid::GridCell;
    use crate::domain::models::AspectRatio;
    use crate::domain::{Job, JobRequest, Timestamp};

    fn grid_list() -> (JobList, BatchId) {
        let mut l = JobList::default();
        let batch = BatchId::new();
        let mut t = 0;
        for seed in ["1", "2"] {
            for model in ["a", "b", "c"] {
                t += 1;
                let mut j = Job::new("sim", JobRequest::apiframe("x", AspectRatio::Square, 1));
                j.created_at = Timestamp(t);
                j.batch = Some(batch);
                j.grid = Some(GridCell(vec![
                    ("seed".into(), seed.into()),
                    ("model".into(), model.into()),
                ]));
                l.upsert(j);
            }
        }
        (l, batch)
    }

    #[test]
    fn a_two_axis_batch_is_labelled_by_rows_and_columns_and_arrows_move_in_it() {
        let (l, batch) = grid_list();
        let g = l.batch_grid(batch, 4);
        assert_eq!(g.columns, ["model a", "model b", "model c"]);
        let titles: Vec<_> = g.rows.iter().map(|r| r.title.clone().unwrap()).collect();
        assert_eq!(titles, ["seed 1", "seed 2"]);
        let first = g.rows[0].cells[0].unwrap();
        assert_eq!(
            l.items()[first].job.grid.as_ref().unwrap().label(),
            "seed 1 · model a"
        );
        let right = g.step(first, 0, 1).unwrap();
        assert_eq!(g.find(right), Some((0, 1)));
        let down = g.step(right, 1, 0).unwrap();
        assert_eq!(g.find(down), Some((1, 1)));
        assert_eq!(
            g.step(down, 5, 5).and_then(|i| g.find(i)),
            Some((1, 2)),
            "clamped"
        );
        // Too narrow for 3 columns: the jobs flow in the order they were sent.
        let narrow = l.batch_grid(batch, 2);
        assert!(narrow.columns.is_empty());
        assert_eq!(narrow.rows.len(), 3);
        assert!(narrow.rows.iter().all(|r| r.title.is_none()));
    }
}
