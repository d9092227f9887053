//! The Jobs pane: one row per job, newest first: state glyph and word (coloured, never colour
//! alone), elapsed time, the profile, and the prompt. Scrolls to keep the selection visible.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::RenderCtx;
use super::fmt::{job_elapsed, one_line, state_label, state_style};
use super::view::{ListGeometry, scroll_offset};
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::state::{Focus, State};

/// Draws the pane.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    geo: &mut ListGeometry,
    ctx: &RenderCtx,
    show_profile: bool,
) {
    let t = ctx.theme;
    let jobs = &state.jobs;
    let more = if jobs.more_in_store { "+" } else { "" };
    let view = state.history.describe();
    let view = if view.is_empty() {
        String::new()
    } else {
        format!("· {view} ")
    };
    let title = format!(
        " Jobs · {} active · {}{more} listed {view}",
        jobs.active_count(),
        jobs.len()
    );
    let focused = matches!(state.focus, Focus::Jobs | Focus::Search);
    let block = Block::bordered()
        .title(Span::styled(
            one_line(&title, area.width.saturating_sub(2) as usize),
            t.title,
        ))
        .border_style(t.border_for(focused));
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    let searching = state.focus == Focus::Search;
    if searching || !state.history.search.text().is_empty() {
        let search_row = Rect { height: 1, ..inner };
        let text = format!("/ {}", state.history.search.text());
        let style = if searching { t.input_focused } else { t.muted };
        frame.render_widget(
            Paragraph::new(Line::styled(one_line(&text, inner.width as usize), style)),
            search_row,
        );
        if searching && state.overlay.is_none() {
            let typed = &state.history.search.text()[..state.history.search.cursor()];
            let col = unicode_width::UnicodeWidthStr::width(typed) + 2;
            frame.set_cursor_position((inner.x + (col as u16).min(inner.width - 1), inner.y));
        }
        inner.y += 1;
        inner.height -= 1;
        if inner.height == 0 {
            return;
        }
    }
    if jobs.is_empty() && !state.history.describe().is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!(
                    "No job matches ({}: filter, {}: search, Esc in the search clears it).",
                    ctx.key(Mode::Jobs, Action::CycleFilter),
                    ctx.key(Mode::Jobs, Action::Search)
                ),
                t.muted,
            )),
            inner,
        );
        return;
    }
    if jobs.is_empty() {
        let lines = vec![
            Line::styled("No jobs yet.", t.muted),
            Line::styled(
                one_line(
                    &format!(
                        "Write a prompt and press {}.",
                        ctx.key(Mode::Text, Action::Submit)
                    ),
                    inner.width as usize,
                ),
                t.muted,
            ),
        ];
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let height = inner.height as usize;
    let offset = scroll_offset(geo.first, jobs.selected, jobs.len(), height);
    *geo = ListGeometry {
        area: inner,
        first: offset,
    };
    let width = inner.width as usize;
    let lines: Vec<Line> = jobs
        .items()
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, v)| {
            let selected = i == jobs.selected;
            let st = state_style(t, &v.job.state);
            let label = format!("{:<12}", state_label(v));
            let elapsed = format!("{:>6} ", job_elapsed(v, ctx.wall));
            let profile = if show_profile {
                format!("{:<8} ", one_line(&v.job.profile, 8))
            } else {
                String::new()
            };
            let used = 2 + 12 + 7 + profile.chars().count();
            let prompt = one_line(&v.job.request.prompt, width.saturating_sub(used));
            let mut spans = vec![
                Span::styled(format!("{} ", v.job.state.glyph()), st),
                Span::styled(label, st),
                Span::styled(elapsed, t.muted),
                Span::styled(profile, t.muted),
                Span::styled(prompt, t.text),
            ];
            if selected {
                let pad = width.saturating_sub(spans.iter().map(|s| s.width()).sum());
                spans.push(Span::raw(" ".repeat(pad)));
                for s in &mut spans {
                    s.style = s.style.patch(t.selection);
                }
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
