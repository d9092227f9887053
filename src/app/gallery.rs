//! The gallery (a grid of thumbnails over the job list) and the viewer's zoom and pan.

use super::{App, Effect};
use crate::action::Action;
use crate::domain::JobState;
use crate::state::ZoomView;

impl App {
    /// Gallery and viewer actions.
    pub(super) fn on_view_action(&mut self, action: Action) -> Vec<Effect> {
        let s = &mut self.state;
        match action {
            Action::Gallery => {
                s.gallery = !s.gallery;
                s.gallery_batch = None;
                if !s.gallery {
                    let ids = self.previews.thumbs.clear();
                    self.previews.retire_kitty(ids);
                    return vec![Effect::Repaint];
                }
            }
            Action::Left | Action::Right if s.gallery_batch.is_some() && s.viewer.is_none() => {
                let dc = if action == Action::Left { -1 } else { 1 };
                return self.step_batch_grid(0, dc);
            }
            Action::Left | Action::Right if s.gallery && s.viewer.is_none() => {
                s.jobs
                    .move_selection(if action == Action::Left { -1 } else { 1 });
            }
            Action::Left | Action::Right => {}
            Action::ZoomIn => s.zoom.zoom_in(),
            Action::ZoomOut => s.zoom.zoom_out(),
            Action::ZoomReset => s.zoom = ZoomView::FIT,
            Action::PanLeft => s.zoom.pan(-1.0, 0.0),
            Action::PanRight => s.zoom.pan(1.0, 0.0),
            Action::PanUp => s.zoom.pan(0.0, -1.0),
            Action::PanDown => s.zoom.pan(0.0, 1.0),
            _ => {}
        }
        self.preview_effects()
    }

    /// Thumbnails the open gallery needs: the visible page and the next one.
    pub(super) fn thumb_effects(&mut self) -> Vec<Effect> {
        let side_by_side = self.state.compare.filter(|_| self.state.compare_side);
        if (!self.state.gallery && side_by_side.is_none()) || !self.previews.enabled() {
            return Vec::new();
        }
        let (cols, first) = (self.view.grid.columns, self.view.grid.first);
        let per_page = usize::from(cols.max(1)) * 6;
        let start = first.min(self.state.jobs.selected);
        let jobs = &self.state.jobs;
        // The batch grid shows only its batch (every job of it, as far as the cache holds).
        let shown: Vec<&crate::state::JobView> = match (side_by_side, self.state.gallery_batch) {
            // A compare side by side shows its two jobs' thumbnails.
            (Some((a, b)), _) => [a, b].iter().filter_map(|id| jobs.get(*id)).collect(),
            (None, Some(b)) => jobs
                .batch_jobs(b)
                .take(crate::preview::thumbs::CAPACITY)
                .collect(),
            (None, None) => jobs.items().iter().skip(start).take(per_page * 2).collect(),
        };
        let wanted: Vec<_> = shown
            .into_iter()
            .filter(|v| v.job.state == JobState::Done)
            .filter_map(|v| v.job.saved_paths.first().cloned())
            .collect();
        let new: Vec<_> = wanted
            .into_iter()
            .filter(|p| self.previews.thumbs.needs(p))
            .collect();
        if new.is_empty() {
            Vec::new()
        } else {
            vec![Effect::Thumbs(new)]
        }
    }

    /// Clicks select a job in the list or the gallery; a click on the selected thumbnail opens
    /// it; the wheel moves the selection.
    pub(super) fn on_mouse(&mut self, m: &crossterm::event::MouseEvent) -> Vec<Effect> {
        use crossterm::event::{MouseButton, MouseEventKind};
        let pos = ratatui::layout::Position {
            x: m.column,
            y: m.row,
        };
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
                if self.state.overlay.is_none() =>
            {
                let down = m.kind == MouseEventKind::ScrollDown;
                self.state.jobs.move_selection(if down { 1 } else { -1 });
                self.dirty = true;
                self.preview_effects()
            }
            MouseEventKind::Down(MouseButton::Left)
                if self.state.overlay.is_none() && self.state.viewer.is_none() =>
            {
                if self.state.gallery {
                    self.click_grid(pos)
                } else {
                    self.click_list(pos)
                }
            }
            _ => Vec::new(),
        }
    }

    fn click_grid(&mut self, pos: ratatui::layout::Position) -> Vec<Effect> {
        let grid = self.view.grid;
        let (cw, ch) = grid.cell;
        if !grid.area.contains(pos) || cw == 0 || ch == 0 {
            return Vec::new();
        }
        let (dy, dx) = (pos.y - grid.area.y, pos.x - grid.area.x);
        let index = match self.state.gallery_batch {
            Some(batch) => {
                // The batch grid's rows have a title line when it is labelled.
                let layout = self.state.jobs.batch_grid(batch, usize::from(grid.columns));
                let row_h = ch + u16::from(!layout.columns.is_empty());
                let row = layout.rows.get(grid.first + usize::from(dy / row_h));
                match row
                    .and_then(|r| r.cells.get(usize::from(dx / cw)))
                    .copied()
                    .flatten()
                {
                    Some(i) => i,
                    None => return Vec::new(),
                }
            }
            None => {
                grid.first + usize::from(dy / ch) * usize::from(grid.columns) + usize::from(dx / cw)
            }
        };
        if index >= self.state.jobs.len() {
            return Vec::new();
        }
        self.dirty = true;
        if index == self.state.jobs.selected {
            self.state.viewer = self.state.jobs.selected().map(|v| v.job.id);
        } else {
            self.state.jobs.selected = index;
        }
        self.preview_effects()
    }

    fn click_list(&mut self, pos: ratatui::layout::Position) -> Vec<Effect> {
        let list = self.view.list;
        if !list.area.contains(pos) {
            return Vec::new();
        }
        let row = list.first + usize::from(pos.y - list.area.y);
        // Rows are jobs and batch headers; a header stands for its batch's first job.
        let index = match self.state.jobs.rows().get(row) {
            Some(crate::state::ListRow::Job(i)) => *i,
            Some(crate::state::ListRow::Header { jobs, .. }) => match jobs.first() {
                Some(i) => *i,
                None => return Vec::new(),
            },
            None => return Vec::new(),
        };
        self.state.jobs.selected = index;
        self.state.focus = crate::state::Focus::Jobs;
        self.dirty = true;
        self.preview_effects()
    }

    /// Moves the selection in the batch grid by rows and columns.
    fn step_batch_grid(&mut self, dr: isize, dc: isize) -> Vec<Effect> {
        let Some(batch) = self.state.gallery_batch else {
            return Vec::new();
        };
        let fit = usize::from(self.view.grid.columns.max(1));
        let grid = self.state.jobs.batch_grid(batch, fit);
        let here = self.state.jobs.selected;
        // A selection outside the batch (it changed under the view) starts at its first job.
        let next = grid.step(here, dr, dc).or_else(|| {
            grid.rows
                .iter()
                .flat_map(|r| r.cells.iter())
                .find_map(|c| *c)
        });
        if let Some(i) = next {
            self.state.jobs.selected = i;
        }
        self.dirty = true;
        self.preview_effects()
    }

    /// Up, Down, Top and Bottom in the gallery move by rows of the grid.
    pub(super) fn navigate_gallery(&mut self, action: Action) -> Vec<Effect> {
        if self.state.gallery_batch.is_some() {
            let far = isize::MAX / 2;
            return match action {
                Action::Up => self.step_batch_grid(-1, 0),
                Action::Down => self.step_batch_grid(1, 0),
                Action::Top => self.step_batch_grid(-far, -far),
                Action::Bottom => self.step_batch_grid(far, far),
                _ => Vec::new(),
            };
        }
        let cols = isize::try_from(self.view.grid.columns.max(1)).unwrap_or(1);
        let jobs = &mut self.state.jobs;
        match action {
            Action::Up => jobs.move_selection(-cols),
            Action::Down => jobs.move_selection(cols),
            Action::Top => jobs.move_selection(isize::MIN / 2),
            Action::Bottom => jobs.move_selection(isize::MAX / 2),
            _ => {}
        }
        self.preview_effects()
    }
}
