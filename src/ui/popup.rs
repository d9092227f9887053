//! Overlays: the help listing every binding (from the keymap), and yes/no questions.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::RenderCtx;
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::state::{Overlay, State};

/// Draws an overlay over `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &State, overlay: &Overlay, ctx: &RenderCtx) {
    match overlay {
        Overlay::Help { scroll } => help(frame, area, *scroll, ctx),
        Overlay::Confirm { text, .. } => confirm(frame, area, text, ctx),
        Overlay::Profiles { selected } => profiles(frame, area, state, *selected, ctx),
        Overlay::PromptSearch { query, selected } => {
            prompt_search(frame, area, state, query.text(), *selected, ctx)
        }
        Overlay::Grid {
            rows,
            columns,
            on_columns,
        } => super::grid_popup::render(frame, area, state, (rows, columns, *on_columns), ctx),
        Overlay::Presets {
            query, selected, ..
        } => {
            super::presets::render(frame, area, state, query.text(), *selected, ctx);
        }
    }
}

/// A popup's input line: its label, what was typed (made safe, cut to the width) and a bar
/// for the cursor.
pub(super) fn query_line(label: &str, query: &str, width: usize, ctx: &RenderCtx) -> Line<'static> {
    let t = ctx.theme;
    let room = width.saturating_sub(label.chars().count() + 1);
    Line::from(vec![
        Span::styled(label.to_owned(), t.muted),
        Span::styled(super::fmt::one_line(query, room), t.text),
        Span::styled("▏", t.muted),
    ])
}

/// The prompt history popup: the query, then the matches with when each was last used and
/// by how many jobs.
fn prompt_search(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    query: &str,
    selected: usize,
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    let rect = centered(area, 90, area.height.saturating_sub(4).min(24));
    let width = rect.width.saturating_sub(2) as usize;
    let matches = crate::store::history::search(&state.recall.entries, query);
    let rows = rect.height.saturating_sub(4) as usize;
    let first = selected.saturating_sub(rows.saturating_sub(1));
    let mut lines = vec![
        query_line("search: ", query, width, ctx),
        Line::styled(
            format!(
                "{} of {} prompts",
                matches.len(),
                state.recall.entries.len()
            ),
            t.muted,
        ),
    ];
    for (i, m) in matches.iter().enumerate().skip(first).take(rows) {
        let when = format!("{} ago", super::fmt::elapsed(m.last_used.until(ctx.wall)));
        let tail = format!("  {}× · {when}", m.uses);
        let room = width.saturating_sub(tail.chars().count());
        let text = super::fmt::one_line(&m.text.replace('\n', " ⏎ "), room);
        let style = if i == selected { t.selection } else { t.text };
        lines.push(Line::from(vec![
            Span::styled(format!("{text:<room$}"), style),
            Span::styled(tail, t.muted),
        ]));
    }
    let title = " Earlier prompts · ↑↓ choose · Enter uses · Esc closes ";
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(Span::styled(title, t.title))),
        rect,
    );
}

fn profiles(frame: &mut Frame, area: Rect, state: &State, selected: usize, ctx: &RenderCtx) {
    let t = ctx.theme;
    let rect = centered(area, 76, (state.profiles.len() as u16) * 2 + 4);
    let width = rect.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    for (i, p) in state.profiles.iter().enumerate() {
        let active = p.name == state.profile.name;
        let marker = if active { "●" } else { " " };
        let head = format!("{marker} {:<14} {:<8} {}", p.name, p.kind.as_str(), p.model);
        let style = if i == selected { t.selection } else { t.text };
        lines.push(Line::styled(super::fmt::one_line(&head, width), style));
        let note = match &p.key_note {
            Some(n) => Line::styled(super::fmt::one_line(&format!("    {n}"), width), t.warning),
            None if p.kind == crate::config::ProviderKind::Sim => {
                Line::styled("    local simulator, no key needed", t.muted)
            }
            None => Line::styled("    key available", t.muted),
        };
        lines.push(note);
    }
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " Profiles · {} switches · {} closes ",
                ctx.key(Mode::Help, Action::Open),
                ctx.key(Mode::Help, Action::Close)
            ),
            t.title,
        ))
        .border_style(t.border_focused);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn mode_title(m: Mode) -> &'static str {
    match m {
        Mode::Global => "Everywhere",
        Mode::Text => "In a text field (other keys type text; Esc leaves the field)",
        Mode::Form => "On a selector (model, ratio, count)",
        Mode::Jobs => "In the job list",
        Mode::Preview => "In the preview",
        Mode::Viewer => "In the full-screen viewer",
        Mode::Gallery => "In the gallery",
        Mode::Help => "In this help and the profile picker",
        Mode::Confirm => "When qimg asks a question",
    }
}

/// Every help line, for the overlay and for tests.
pub fn help_lines(ctx: &RenderCtx) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut lines = Vec::new();
    for (mode, bindings) in ctx.keymap.all() {
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::styled(mode_title(mode), t.title));
        for b in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<12}", b.key.display()), t.accent),
                Span::styled(b.action.describe(), t.text),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        "Text fields also know Ctrl-W (delete word), Ctrl-U (clear line), Home/End.",
        t.muted,
    ));
    lines.push(Line::styled(
        "In a prompt, {a|b} and __name__ (wildcards/name.txt) make a template; its Template row \
         picks every combination or N random draws.",
        t.muted,
    ));
    lines.push(Line::styled(
        "Keys can be changed in config.toml, [keybindings.<mode>] (see README).",
        t.muted,
    ));
    lines
}

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    area.centered(
        Constraint::Length(w.min(area.width)),
        Constraint::Length(h.min(area.height)),
    )
}

fn help(frame: &mut Frame, area: Rect, scroll: u16, ctx: &RenderCtx) {
    let t = ctx.theme;
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(86),
        area.height.saturating_sub(2),
    );
    let lines = help_lines(ctx);
    let inner_h = rect.height.saturating_sub(2);
    let max_scroll = (lines.len() as u16).saturating_sub(inner_h);
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " Help · keys · {} closes ",
                ctx.key(Mode::Help, Action::Close)
            ),
            t.title,
        ))
        .border_style(t.border_focused);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(max_scroll), 0)),
        rect,
    );
}

fn confirm(frame: &mut Frame, area: Rect, text: &str, ctx: &RenderCtx) {
    let t = ctx.theme;
    let rect = centered(area, 60, 8);
    let block = Block::bordered()
        .title(Span::styled(" Confirm ", t.title))
        .border_style(t.warning);
    let lines = vec![
        Line::styled(crate::sanitize::sanitize_text(text).into_owned(), t.text),
        Line::raw(""),
        Line::from(vec![
            Span::styled(
                format!(" {} ", ctx.keys(Mode::Confirm, Action::Yes)),
                t.accent,
            ),
            Span::styled("yes   ", t.muted),
            Span::styled(
                format!(" {} ", ctx.keys(Mode::Confirm, Action::No)),
                t.accent,
            ),
            Span::styled("no", t.muted),
        ]),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}
