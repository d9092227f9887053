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
use crate::state::{Focus, JobView, ListRow, State};

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
    if state.focus == Focus::Search || !state.history.search.text().is_empty() {
        search_row(frame, inner, state, ctx);
        inner.y += 1;
        inner.height -= 1;
        if inner.height == 0 {
            return;
        }
    }
    if jobs.is_empty() {
        frame.render_widget(Paragraph::new(empty_lines(state, ctx, inner.width)), inner);
        return;
    }
    let height = inner.height as usize;
    let rows = jobs.rows();
    let selected_row = jobs.selected_row(&rows);
    let offset = scroll_offset(geo.first, selected_row, rows.len(), height);
    *geo = ListGeometry {
        area: inner,
        first: offset,
    };
    let width = inner.width as usize;
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(r, row)| match row {
            ListRow::Job(i) => match jobs.items().get(*i) {
                Some(v) => {
                    let mark = match state.marked.iter().position(|m| *m == v.job.id) {
                        Some(0) => Some('A'),
                        Some(_) => Some('B'),
                        None => None,
                    };
                    job_line((v, mark), r == selected_row, width, show_profile, ctx)
                }
                None => Line::raw(""),
            },
            ListRow::Header {
                batch,
                jobs: members,
                collapsed,
            } => {
                let head = (*batch, members.as_slice(), *collapsed);
                header_line(state, head, r == selected_row, width, ctx)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A batch's header: fold mark, short id, jobs, progress ("3/4 ✓ 2 ✗ 1 ◐ 1"), time since the
/// first job was made (until the last ended), and the credits charged so far.
fn header_line(
    state: &State,
    (batch, members, collapsed): (crate::domain::BatchId, &[usize], bool),
    selected: bool,
    width: usize,
    ctx: &RenderCtx,
) -> Line<'static> {
    let t = ctx.theme;
    // The rows already hold the batch's jobs: no second pass over the list per header.
    let items = state.jobs.items();
    let jobs: Vec<&crate::domain::Job> = members
        .iter()
        .filter_map(|i| items.get(*i))
        .map(|v| &v.job)
        .collect();
    let p = crate::domain::batch::BatchProgress::of(jobs.iter().copied());
    let start = jobs.iter().map(|j| j.created_at).min().unwrap_or(ctx.wall);
    let end = if p.ended() {
        jobs.iter()
            .filter_map(|j| j.finished_at)
            .max()
            .unwrap_or(ctx.wall)
    } else {
        ctx.wall
    };
    let cost = if p.credits > 0 {
        format!(" · {} credits", p.credits)
    } else {
        String::new()
    };
    let text = format!(
        "{} batch {} · {} jobs · {} · {}{cost}",
        if collapsed { "▸" } else { "▾" },
        batch.short(),
        p.total,
        p.label(),
        super::fmt::elapsed(start.until(end)),
    );
    let mut style = t.title;
    if selected {
        style = style.patch(t.selection);
    }
    Line::styled(format!("{:<width$}", one_line(&text, width)), style)
}

/// The search field over the list, with the cursor while it is being typed.
fn search_row(frame: &mut Frame, inner: Rect, state: &State, ctx: &RenderCtx) {
    let t = ctx.theme;
    let searching = state.focus == Focus::Search;
    let search = &state.history.search;
    let text = format!("/ {}", search.text());
    let style = if searching { t.input_focused } else { t.muted };
    frame.render_widget(
        Paragraph::new(Line::styled(one_line(&text, inner.width as usize), style)),
        Rect { height: 1, ..inner },
    );
    if searching && state.overlay.is_none() {
        let typed = &search.text()[..search.cursor()];
        let col = unicode_width::UnicodeWidthStr::width(typed) + 2;
        let x = inner.x + u16::try_from(col).unwrap_or(u16::MAX).min(inner.width - 1);
        frame.set_cursor_position((x, inner.y));
    }
}

/// What an empty list says: how to find hidden jobs, or how to make the first one.
fn empty_lines(state: &State, ctx: &RenderCtx, width: u16) -> Vec<Line<'static>> {
    let t = ctx.theme;
    if !state.history.describe().is_empty() {
        let text = format!(
            "No job matches ({}: filter, {}: search, Esc in the search clears it).",
            ctx.key(Mode::Jobs, Action::CycleFilter),
            ctx.key(Mode::Jobs, Action::Search)
        );
        return vec![Line::styled(text, t.muted)];
    }
    let hint = format!(
        "Write a prompt and press {}.",
        ctx.key(Mode::Text, Action::Submit)
    );
    vec![
        Line::styled("No jobs yet.", t.muted),
        Line::styled(one_line(&hint, width as usize), t.muted),
    ]
}

/// One row: state glyph and word (coloured, never colour alone), elapsed time, the profile,
/// the compare mark (`[A]`, `[B]`) and the prompt; the selected row is highlighted across the width.
fn job_line(
    (v, mark): (&JobView, Option<char>),
    selected: bool,
    width: usize,
    show_profile: bool,
    ctx: &RenderCtx,
) -> Line<'static> {
    let t = ctx.theme;
    let st = state_style(t, &v.job.state);
    let label = format!("{:<12}", state_label(v));
    let elapsed = format!("{:>6} ", job_elapsed(v, ctx.wall));
    let profile = if show_profile {
        format!("{:<8} ", one_line(&v.job.profile, 8))
    } else {
        String::new()
    };
    // A job marked for compare says which side it is on, before its prompt.
    let mark = mark.map_or_else(String::new, |m| format!("[{m}] "));
    let used = 2 + 12 + 7 + profile.chars().count() + mark.chars().count();
    let prompt = format!(
        "{mark}{}",
        one_line(&v.job.request.prompt, width.saturating_sub(used))
    );
    let mut spans = vec![
        Span::styled(format!("{} ", v.job.state.glyph()), st),
        Span::styled(label, st),
        Span::styled(elapsed, t.muted),
        Span::styled(profile, t.muted),
        Span::styled(prompt, t.text),
    ];
    if selected {
        let pad = width.saturating_sub(spans.iter().map(Span::width).sum());
        spans.push(Span::raw(" ".repeat(pad)));
        for s in &mut spans {
            s.style = s.style.patch(t.selection);
        }
    }
    Line::from(spans)
}
