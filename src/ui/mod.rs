//! Pure rendering from `&State` and `&Theme` (and the preview protocols, which are widget
//! state). Three panes when the terminal is wide, one pane with tabs when it is narrow, a
//! "too small" message below the minimum; never a panic at any size.

mod batch_grid;
mod compose;
pub mod fmt;
mod gallery;
mod grid_popup;
mod header;
mod jobs;
mod popup;
mod presets;
mod preview;
mod status_bar;
pub mod view;
mod viewer;

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::Action;
use crate::config::keymap::{Keymap, Mode};
use crate::config::theme::Theme;
use crate::domain::Timestamp;
use crate::preview::Previews;
use crate::state::{Pane, State};
pub use view::ViewState;

/// Width from which all three panes show at once.
pub const WIDE_MIN_WIDTH: u16 = 120;
/// Height from which all three panes show at once.
pub const WIDE_MIN_HEIGHT: u16 = 30;
/// Below this the screen says it is too small.
pub const MIN_WIDTH: u16 = 40;
/// Below this the screen says it is too small.
pub const MIN_HEIGHT: u16 = 10;

/// What rendering needs besides the state.
pub struct RenderCtx<'a> {
    /// Styles.
    pub theme: &'a Theme,
    /// Bindings, for hints and help.
    pub keymap: &'a Keymap,
    /// Monotonic now (notices).
    pub now: Instant,
    /// Wall-clock now (elapsed times).
    pub wall: Timestamp,
}

impl RenderCtx<'_> {
    /// The name of the key bound to `action` in `mode` (or globally), such as `Ctrl-S`, for
    /// hints; "(unbound)" when the user removed every binding.
    pub fn key(&self, mode: Mode, action: Action) -> String {
        self.keymap
            .key_for(mode, action)
            .map_or_else(|| "(unbound)".to_owned(), |k| k.display())
    }

    /// Every key bound to `action` in `mode`, joined with " / " (`n / Esc`).
    pub fn keys(&self, mode: Mode, action: Action) -> String {
        let keys: Vec<String> = self
            .keymap
            .keys_for(mode, action)
            .iter()
            .map(|k| k.display())
            .collect();
        if keys.is_empty() {
            "(unbound)".to_owned()
        } else {
            keys.join(" / ")
        }
    }
}

/// True when the three-pane layout is used for `area`.
pub fn is_wide(area: Rect) -> bool {
    area.width >= WIDE_MIN_WIDTH && area.height >= WIDE_MIN_HEIGHT
}

/// Draws the whole screen.
pub fn render(
    frame: &mut Frame,
    state: &State,
    view: &mut ViewState,
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(frame, area, ctx);
        return;
    }
    let [header_area, main, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, header_area, state, ctx);
    if let Some(id) = state.viewer {
        viewer::render(frame, main, state, id, previews, ctx);
    } else if let Some(batch) = state.gallery_batch.filter(|_| state.gallery) {
        batch_grid::render(frame, main, (state, batch), &mut view.grid, previews, ctx);
    } else if state.gallery {
        gallery::render(frame, main, state, &mut view.grid, previews, ctx);
    } else if is_wide(area) {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(main);
        let compose_h = compose::wanted_height(state).min(left.height.saturating_sub(6));
        let [top, bottom] =
            Layout::vertical([Constraint::Length(compose_h), Constraint::Fill(1)]).areas(left);
        compose::render(frame, top, state, view, ctx);
        jobs::render(frame, bottom, state, &mut view.list, ctx, true);
        preview::render(frame, right, state, previews, ctx);
    } else {
        let [tabs, pane] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(main);
        render_tabs(frame, tabs, state, ctx);
        match state.pane() {
            Pane::Compose => compose::render(frame, pane, state, view, ctx),
            Pane::Jobs => jobs::render(frame, pane, state, &mut view.list, ctx, false),
            Pane::Preview => preview::render(frame, pane, state, previews, ctx),
        }
    }
    status_bar::render(frame, status, state, ctx);
    if let Some(overlay) = &state.overlay {
        popup::render(frame, area, state, overlay, ctx);
    }
}

fn render_tabs(frame: &mut Frame, area: Rect, state: &State, ctx: &RenderCtx) {
    let t = ctx.theme;
    let active = state.jobs.active_count();
    let jobs_label = if active > 0 {
        format!("Jobs ({active} running)")
    } else {
        format!("Jobs ({})", state.jobs.len())
    };
    let key = |a| ctx.key(Mode::Global, a);
    let tabs = [
        (
            Pane::Compose,
            "Compose".to_owned(),
            key(Action::ShowCompose),
        ),
        (Pane::Jobs, jobs_label, key(Action::ShowJobs)),
        (
            Pane::Preview,
            "Preview".to_owned(),
            key(Action::ShowPreview),
        ),
    ];
    let mut spans = Vec::new();
    for (pane, label, key) in tabs {
        let current = state.pane() == pane;
        let style = if current { t.selection } else { t.muted };
        let marker = if current { "▸" } else { " " };
        spans.push(Span::styled(format!("{marker}{label} "), style));
        spans.push(Span::styled(format!("{key}  "), t.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_too_small(frame: &mut Frame, area: Rect, ctx: &RenderCtx) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let text = fmt::one_line(
        &format!(
            "terminal too small ({}×{}); qimg needs {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        ),
        area.width as usize,
    );
    let y = area.y + area.height / 2;
    frame.render_widget(
        Paragraph::new(text).style(ctx.theme.warning),
        Rect {
            x: area.x,
            y,
            width: area.width,
            height: 1,
        },
    );
}

#[cfg(test)]
mod tests;
