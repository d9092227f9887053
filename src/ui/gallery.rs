//! The gallery: a grid of thumbnails of the listed jobs, each with its state mark (glyph and
//! colour) and the start of its prompt; the selected one is framed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::RenderCtx;
use super::fmt::{one_line, state_style};
use super::view::GridGeometry;
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::domain::JobState;
use crate::preview::Previews;
use crate::preview::thumbs::{THUMB, Thumb};
use crate::state::{JobView, State};

/// One cell: the thumbnail plus a frame and a label line.
pub const CELL_W: u16 = THUMB.width + 2;
/// One cell's height: the thumbnail, its frame and its label line.
pub const CELL_H: u16 = THUMB.height + 3;

/// Draws the gallery over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    geo: &mut GridGeometry,
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " Gallery · {} opens · {} closes ",
                ctx.key(Mode::Gallery, Action::Open),
                ctx.key(Mode::Gallery, Action::Close)
            ),
            t.title,
        ))
        .border_style(t.border_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = (inner.width / CELL_W).max(1);
    let rows = (inner.height / CELL_H).max(1);
    let jobs = state.jobs.items();
    if jobs.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled("No jobs yet.", t.muted)), inner);
        return;
    }
    let first = first_visible(geo.first, state.jobs.selected, cols, rows);
    *geo = GridGeometry {
        area: inner,
        columns: cols,
        cell: (CELL_W, CELL_H),
        first,
    };
    let per_page = usize::from(cols) * usize::from(rows);
    for (slot, (index, view)) in jobs
        .iter()
        .enumerate()
        .skip(first)
        .take(per_page)
        .enumerate()
    {
        let slot = u16::try_from(slot).unwrap_or(u16::MAX);
        let (cx, cy) = (slot % cols, slot / cols);
        let cell = Rect {
            x: inner.x + cx * CELL_W,
            y: inner.y + cy * CELL_H,
            width: CELL_W.min(inner.width),
            height: CELL_H.min(inner.height),
        }
        .intersection(inner);
        if cell.width >= 4 && cell.height >= 3 {
            let selected = index == state.jobs.selected;
            let label = &view.job.request.prompt;
            render_cell(frame, cell, (view, label), selected, previews, ctx);
        }
    }
}

/// The first item shown: the grid scrolls by whole rows, only when the selection leaves it.
fn first_visible(previous: usize, selected: usize, cols: u16, rows: u16) -> usize {
    let (cols, rows) = (usize::from(cols.max(1)), usize::from(rows.max(1)));
    let sel_row = selected / cols;
    let mut first_row = previous / cols;
    if sel_row < first_row {
        first_row = sel_row;
    } else if sel_row >= first_row + rows {
        first_row = sel_row + 1 - rows;
    }
    first_row * cols
}

/// One cell: a frame titled with the state, the thumbnail (or why there is none), and the
/// start of `label` (the prompt, or the cell's axis value).
pub fn render_cell(
    frame: &mut Frame,
    cell: Rect,
    (view, label): (&JobView, &str),
    selected: bool,
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    let frame_style = if selected { t.border_focused } else { t.border };
    let st = state_style(t, &view.job.state);
    let title = Span::styled(
        format!(
            "{} {}",
            view.job.state.glyph(),
            view.job.state.name().replace('_', " ")
        ),
        st,
    );
    let b = Block::bordered().title(title).border_style(frame_style);
    let pic = b.inner(cell);
    frame.render_widget(b, cell);
    let label_area = Rect {
        y: pic.y + pic.height.saturating_sub(1),
        height: 1,
        ..pic
    };
    let image_area = Rect {
        height: pic.height.saturating_sub(1),
        ..pic
    };
    let label_style = if selected { t.selection } else { t.muted };
    let label = one_line(label, label_area.width as usize);
    frame.render_widget(Paragraph::new(Line::styled(label, label_style)), label_area);
    let width = image_area.width as usize;
    let line = match (&view.job.state, view.job.saved_paths.first()) {
        (JobState::Done, Some(path)) => match previews.thumbs.get(path) {
            Thumb::Ready(proto) => {
                frame.render_widget(proto, image_area);
                return;
            }
            Thumb::Loading => Line::styled("…", t.muted),
            Thumb::Unavailable(why) => Line::styled(one_line(why, width), t.warning),
        },
        (s, _) => {
            let text = s.message().unwrap_or("no image");
            Line::styled(one_line(text, width), st)
        }
    };
    frame.render_widget(Paragraph::new(line), image_area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_scrolls_by_rows_only_when_the_selection_leaves_it() {
        assert_eq!(first_visible(0, 5, 3, 2), 0);
        assert_eq!(first_visible(0, 6, 3, 2), 3);
        assert_eq!(first_visible(3, 4, 3, 2), 3);
        assert_eq!(first_visible(9, 1, 3, 2), 0);
    }
}
