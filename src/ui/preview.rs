//! The Preview pane: the selected job's image (through its kept protocol), then its parameters
//! and saved path; for jobs without an image, their state, note or error in plain words.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::RenderCtx;
use super::fmt::{job_elapsed, one_line, state_label, state_style};
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::domain::JobState;
use crate::preview::{PreviewState, Previews};
use crate::sanitize::sanitize_text;
use crate::state::{Focus, JobView, State};

/// Draws the pane.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    let block = Block::bordered()
        .title(Span::styled(" Preview ", t.title))
        .border_style(t.border_for(state.focus == Focus::Preview));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 4 || inner.height < 2 {
        return;
    }
    let Some(view) = state.jobs.selected() else {
        let width = inner.width as usize;
        let mut lines = vec![
            Line::styled("Nothing to show yet.", t.muted),
            Line::styled(one_line("Finished jobs appear here.", width), t.muted),
            Line::raw(""),
        ];
        lines.extend(graphics_lines(state, ctx, width));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    };
    let details = detail_lines(view, state, ctx, inner.width as usize);
    let detail_h = (details.len() as u16).min(inner.height / 2).max(1);
    let [image_area, _gap, detail_area] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(detail_h),
    ])
    .areas(inner);
    render_image_or_status(frame, image_area, view, previews, ctx);
    frame.render_widget(
        Paragraph::new(details).wrap(Wrap { trim: false }),
        detail_area,
    );
}

/// The image of a finished job, or why there is none.
pub fn render_image_or_status(
    frame: &mut Frame,
    area: Rect,
    view: &JobView,
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    if area.height == 0 || area.width == 0 {
        return;
    }
    let w = area.width as usize;
    let msg = |frame: &mut Frame, lines: Vec<Line>| {
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area)
    };
    match (&view.job.state, view.job.saved_paths.first()) {
        (JobState::Done, Some(path)) => match previews.state_for(path, area.as_size()) {
            PreviewState::Ready(picture, _) => frame.render_widget(picture, area),
            PreviewState::Encoding => {}
            PreviewState::Loading => msg(frame, vec![Line::styled("loading preview…", t.muted)]),
            PreviewState::Unavailable(why) => msg(
                frame,
                vec![
                    Line::styled(one_line(&format!("no preview: {why}"), w), t.warning),
                    Line::styled("the image is saved; the path is below", t.muted),
                ],
            ),
        },
        (JobState::Done, None) => msg(
            frame,
            vec![Line::styled("done, but no file was saved", t.warning)],
        ),
        (state, _) => {
            let mut lines = vec![Line::from(vec![
                Span::styled(
                    format!("{} {}", state.glyph(), state_label(view)),
                    state_style(t, state),
                ),
                Span::styled(format!("  {}", job_elapsed(view, ctx.wall)), t.muted),
            ])];
            if let Some(note) = &view.note {
                lines.push(Line::styled(sanitize_text(note).into_owned(), t.warning));
            }
            if let Some(m) = state.message() {
                lines.push(Line::styled(
                    sanitize_text(m).into_owned(),
                    state_style(t, state),
                ));
            }
            match state {
                JobState::Ambiguous { .. }
                | JobState::Failed { .. }
                | JobState::TimedOut
                | JobState::Expired { .. }
                | JobState::Cancelled => {
                    let key = ctx.key(Mode::Jobs, Action::Resubmit);
                    lines.push(Line::styled(
                        format!("{key}: send these parameters again"),
                        t.accent,
                    ));
                }
                JobState::Running { .. }
                | JobState::Submitted
                | JobState::Submitting
                | JobState::Queued => {
                    let key = ctx.key(Mode::Jobs, Action::CancelJob);
                    lines.push(Line::styled(
                        format!("{key}: stop waiting for this job"),
                        t.muted,
                    ));
                }
                _ => {}
            }
            msg(frame, lines);
        }
    }
}

fn detail_lines(
    view: &JobView,
    state: &State,
    ctx: &RenderCtx,
    width: usize,
) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let j = &view.job;
    let r = &j.request;
    let mut params = vec![r.model.clone(), r.shape_label()];
    if let Some(seed) = r.seed {
        params.push(format!("seed {seed}"));
    }
    match r.prompt_extend {
        Some(true) => params.push("rewrite on".into()),
        Some(false) => params.push("rewrite off".into()),
        None => {}
    }
    if r.watermark == Some(true) {
        params.push("watermark".into());
    }
    params.push(format!("profile {}", j.profile));
    let mut lines = vec![Line::styled(sanitize_text(&r.prompt).into_owned(), t.text)];
    if let Some(n) = r.negative_prompt.as_deref().filter(|n| !n.is_empty()) {
        lines.push(Line::from(vec![
            Span::styled("not: ", t.muted),
            Span::styled(sanitize_text(n).into_owned(), t.text),
        ]));
    }
    if let Some(revised) = j.revised_prompt.as_deref().filter(|p| !p.is_empty()) {
        lines.push(Line::from(vec![
            Span::styled("rewritten: ", t.warning),
            Span::styled(sanitize_text(revised).into_owned(), t.text),
        ]));
    }
    lines.push(Line::styled(one_line(&params.join(" · "), width), t.muted));
    // The exact input files or URLs that leave (or left) the machine.
    for input in &r.images {
        let shown = input.to_string();
        lines.push(Line::styled(
            one_line(&format!("input {shown}"), width),
            t.muted,
        ));
    }
    for p in &j.saved_paths {
        lines.push(Line::styled(
            one_line(&format!("saved {}", p.display()), width),
            t.muted,
        ));
    }
    if j.state == JobState::Done {
        lines.extend(graphics_lines(state, ctx, width));
    }
    lines
}

/// Which graphics previews use, and why when it is not the best (old kitty, tmux, no answer,
/// still asking).
fn graphics_lines(state: &State, ctx: &RenderCtx, width: usize) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut lines = Vec::new();
    if let Some(proto) = &state.graphics.protocol {
        lines.push(Line::styled(format!("preview: {proto}"), t.muted));
    }
    if let Some(note) = &state.graphics.note {
        // Wrapped, not cut: the end of a note is often what to do about it.
        lines.extend(
            wrap_words(note, width)
                .into_iter()
                .map(|l| Line::styled(l, t.muted)),
        );
    }
    lines
}

/// `text` in lines of at most `width` characters, broken between words (a word longer than
/// the width is cut).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        if line.chars().count() > width {
            lines.push(one_line(&line, width));
            line.clear();
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
