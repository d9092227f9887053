//! The gallery (a grid of thumbnails over the job list) and the viewer's zoom and pan.

use super::{App, Effect};
use crate::action::Action;
use crate::domain::JobState;
use crate::preview::ZoomView;

/// How far one pan step moves, as a share of the visible window.
const PAN_STEP: f32 = 0.25;

impl App {
    /// Gallery and viewer actions.
    pub(super) fn on_view_action(&mut self, action: Action) -> Vec<Effect> {
        let s = &mut self.state;
        match action {
            Action::Gallery => {
                s.gallery = !s.gallery;
                if !s.gallery {
                    let ids = self.previews.thumbs.clear();
                    self.previews.retire_kitty(ids);
                    return vec![Effect::Repaint];
                }
            }
            Action::Left | Action::Right if s.gallery && s.viewer.is_none() => {
                s.jobs
                    .move_selection(if action == Action::Left { -1 } else { 1 });
            }
            Action::Left | Action::Right => {}
            Action::ZoomIn => s.zoom.level = (s.zoom.level * 2).min(8),
            Action::ZoomOut => s.zoom.level = (s.zoom.level / 2).max(1),
            Action::ZoomReset => {
                s.zoom = ZoomView {
                    level: 1,
                    cx: 0.5,
                    cy: 0.5,
                }
            }
            Action::PanLeft | Action::PanRight | Action::PanUp | Action::PanDown => {
                let step = PAN_STEP / s.zoom.level as f32;
                match action {
                    Action::PanLeft => s.zoom.cx -= step,
                    Action::PanRight => s.zoom.cx += step,
                    Action::PanUp => s.zoom.cy -= step,
                    _ => s.zoom.cy += step,
                }
                // Keep the centre where the window still fits inside the image.
                let half = 0.5 / s.zoom.level as f32;
                s.zoom.cx = s.zoom.cx.clamp(half, 1.0 - half);
                s.zoom.cy = s.zoom.cy.clamp(half, 1.0 - half);
            }
            _ => {}
        }
        self.preview_effects()
    }

    /// Thumbnails the open gallery needs: the visible page and the next one.
    pub(super) fn thumb_effects(&mut self) -> Vec<Effect> {
        if !self.state.gallery || !self.previews.enabled() {
            return Vec::new();
        }
        let (_, cols, _, first) = self.state.geometry.get().grid;
        let per_page = usize::from(cols.max(1)) * 6;
        let start = first.min(self.state.jobs.selected);
        let wanted: Vec<_> = self
            .state
            .jobs
            .items()
            .iter()
            .skip(start)
            .take(per_page * 2)
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
        let geo = self.state.geometry.get();
        let pos = ratatui::layout::Position {
            x: m.column,
            y: m.row,
        };
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
                if self.state.overlay.is_none() =>
            {
                self.state
                    .jobs
                    .move_selection(if m.kind == MouseEventKind::ScrollDown {
                        1
                    } else {
                        -1
                    });
                self.dirty = true;
                self.preview_effects()
            }
            MouseEventKind::Down(MouseButton::Left)
                if self.state.overlay.is_none() && self.state.viewer.is_none() =>
            {
                if self.state.gallery {
                    let (area, cols, (cw, ch), first) = geo.grid;
                    if area.contains(pos) && cw > 0 && ch > 0 {
                        let index = first
                            + usize::from((pos.y - area.y) / ch) * usize::from(cols)
                            + usize::from((pos.x - area.x) / cw);
                        if index < self.state.jobs.len() {
                            self.dirty = true;
                            if index == self.state.jobs.selected {
                                self.state.viewer = self.state.jobs.selected().map(|v| v.job.id);
                            } else {
                                self.state.jobs.selected = index;
                            }
                            return self.preview_effects();
                        }
                    }
                    return Vec::new();
                }
                let (area, first) = geo.list;
                if area.contains(pos) {
                    let index = first + usize::from(pos.y - area.y);
                    if index < self.state.jobs.len() {
                        self.state.jobs.selected = index;
                        self.state.focus = crate::state::Focus::Jobs;
                        self.dirty = true;
                        return self.preview_effects();
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Moves the gallery selection by rows of the grid.
    pub(super) fn gallery_rows(&mut self, rows: isize) {
        let cols = self.state.geometry.get().grid.1.max(1) as isize;
        self.state.jobs.move_selection(rows * cols);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_crop_stays_inside() {
        let z = ZoomView {
            level: 4,
            cx: 0.99,
            cy: 0.0,
        };
        assert_eq!(z.crop(1000, 800), (750, 0, 250, 200));
        let fit = ZoomView {
            level: 1,
            cx: 0.5,
            cy: 0.5,
        };
        assert_eq!(fit.crop(1000, 800), (0, 0, 1000, 800));
    }
}
