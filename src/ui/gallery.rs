//! The gallery: a grid of thumbnails of the listed jobs, each with its state mark (glyph and
//! colour) and the start of its prompt; the selected one is framed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui_image::Image;

use super::RenderCtx;
use super::fmt::{one_line, state_style};
use super::view::GridGeometry;
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::domain::JobState;
use crate::preview::Previews;
use crate::preview::thumbs::{THUMB, Thumb};
use crate::state::State;

/// One cell: the thumbnail plus a frame and a label line.
const CELL_W: u16 = THUMB.width + 2;
const CELL_H: u16 = THUMB.height + 3;

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
    // Scroll by whole rows so the selection stays visible.
    let per_page = usize::from(cols) * usize::from(rows);
    let sel_row = state.jobs.selected / usize::from(cols);
    let prev_first = geo.first;
    let mut first_row = prev_first / usize::from(cols);
    if sel_row < first_row {
        first_row = sel_row;
    } else if sel_row >= first_row + usize::from(rows) {
        first_row = sel_row + 1 - usize::from(rows);
    }
    let first = first_row * usize::from(cols);
    *geo = GridGeometry {
        area: inner,
        columns: cols,
        cell: (CELL_W, CELL_H),
        first,
    };
    for (slot, (index, view)) in jobs
        .iter()
        .enumerate()
        .skip(first)
        .take(per_page)
        .enumerate()
    {
        let (cx, cy) = (slot as u16 % cols, slot as u16 / cols);
        let cell = Rect {
            x: inner.x + cx * CELL_W,
            y: inner.y + cy * CELL_H,
            width: CELL_W.min(inner.width),
            height: CELL_H.min(inner.height),
        };
        let cell = cell.intersection(inner);
        if cell.width < 4 || cell.height < 3 {
            continue;
        }
        let selected = index == state.jobs.selected;
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
        frame.render_widget(
            Paragraph::new(Line::styled(
                one_line(&view.job.request.prompt, label_area.width as usize),
                label_style,
            )),
            label_area,
        );
        match (&view.job.state, view.job.saved_paths.first()) {
            (JobState::Done, Some(path)) => match previews.thumbs.get(path) {
                Thumb::Ready(proto) => frame.render_widget(Image::new(proto), image_area),
                Thumb::Loading => {
                    frame.render_widget(Paragraph::new(Line::styled("…", t.muted)), image_area)
                }
                Thumb::Unavailable(why) => frame.render_widget(
                    Paragraph::new(Line::styled(
                        one_line(why, image_area.width as usize),
                        t.warning,
                    )),
                    image_area,
                ),
            },
            (s, _) => {
                let text = s
                    .message()
                    .map_or_else(|| "no image".to_owned(), str::to_owned);
                frame.render_widget(
                    Paragraph::new(Line::styled(one_line(&text, image_area.width as usize), st)),
                    image_area,
                );
            }
        }
    }
}
