//! The full-screen viewer (Enter on a job): the image fitted to the screen, or a zoomed crop
//! that can be panned, and one line of facts: size, protocol, file.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::RenderCtx;
use super::fmt::one_line;
use super::preview::render_image_or_status;
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::domain::{JobId, JobState};
use crate::preview::{PreviewState, Previews};
use crate::state::State;

/// In a compare showing `id`: which of the two this is, how to flip, and what differs
/// (only the fields that do); else nothing.
fn compare_lines(state: &State, id: JobId, ctx: &RenderCtx, width: usize) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let Some((a, b)) = state.compare.filter(|(a, b)| *a == id || *b == id) else {
        return Vec::new();
    };
    let (Some(va), Some(vb)) = (state.jobs.get(a), state.jobs.get(b)) else {
        return Vec::new();
    };
    let showing = if id == a { "A" } else { "B" };
    let head = format!(
        "A/B · showing {showing} · A {} ⇄ B {} · {} flips · {} side by side",
        a.short(),
        b.short(),
        ctx.key(Mode::Viewer, Action::Flip),
        ctx.key(Mode::Viewer, Action::SideBySide)
    );
    let mut lines = vec![Line::styled(one_line(&head, width), t.accent)];
    let diff = crate::domain::compare::differences(&va.job.request, &vb.job.request);
    if diff.is_empty() {
        lines.push(Line::styled("the same parameters", t.muted));
    }
    for d in diff.iter().take(6) {
        let text = format!("{:<9} {}", d.field, d.text);
        lines.push(Line::styled(one_line(&text, width), t.text));
    }
    lines
}

/// " · from 1234abcd ([) · 2 children (])": where the job came from and what came from it.
fn lineage(state: &State, job: &crate::domain::Job, ctx: &RenderCtx) -> String {
    let k = |a| ctx.key(Mode::Viewer, a);
    let mut out = String::new();
    if let Some(p) = job.parent {
        out.push_str(&format!(" · from {} ({})", p.short(), k(Action::Parent)));
    }
    match state.jobs.children(job.id).len() {
        0 => {}
        1 => out.push_str(&format!(" · 1 child ({})", k(Action::Child))),
        n => out.push_str(&format!(" · {n} children ({})", k(Action::Child))),
    }
    out
}

/// A compare's two jobs next to each other, as thumbnails, centred in `area`.
fn side_by_side(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    (a, b): (JobId, JobId),
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    use super::gallery::{CELL_H, CELL_W, render_cell};
    let width = (CELL_W * 2 + 2).min(area.width);
    let x = area.x + area.width.saturating_sub(width) / 2;
    let y = area.y + area.height.saturating_sub(CELL_H) / 2;
    for (k, (side, id)) in [("A", a), ("B", b)].into_iter().enumerate() {
        let Some(view) = state.jobs.get(id) else {
            continue;
        };
        let cell = Rect {
            x: x + u16::try_from(k).unwrap_or(0) * (CELL_W + 2),
            y,
            width: CELL_W,
            height: CELL_H,
        }
        .intersection(area);
        if cell.width >= 4 && cell.height >= 3 {
            let label = format!("{side} {}", id.short());
            render_cell(
                frame,
                cell,
                (view, &label),
                state.viewer == Some(id),
                previews,
                ctx,
            );
        }
    }
}

/// Draws the viewer for job `id`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    id: JobId,
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    let Some(view) = state.jobs.get(id) else {
        frame.render_widget(Paragraph::new("this job is no longer listed"), area);
        return;
    };
    // The prompt the provider drew, when it rewrote the one sent, gets a line of its own.
    let revised = view.job.revised_prompt.as_deref().filter(|p| !p.is_empty());
    let compare = compare_lines(state, id, ctx, area.width as usize);
    let [image, rewritten, diff, info] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(u16::from(revised.is_some())),
        Constraint::Length(u16::try_from(compare.len()).unwrap_or(0)),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(compare), diff);
    if let Some(text) = revised {
        let line = one_line(
            &format!("rewritten by the provider: {text}"),
            area.width as usize,
        );
        frame.render_widget(Paragraph::new(Line::styled(line, t.warning)), rewritten);
    }
    let zoom = state.zoom;
    let mut shown = None;
    if let Some(pair) = state.compare.filter(|_| state.compare_side) {
        side_by_side(frame, image, state, pair, previews, ctx);
    } else {
        match (&view.job.state, view.job.saved_paths.first()) {
            (JobState::Done, Some(path)) if zoom.level > 1 => {
                match previews.state_for_view(path, Some(zoom), image.as_size()) {
                    PreviewState::Ready(picture, d) => {
                        shown = Some(d);
                        frame.render_widget(picture, image);
                    }
                    PreviewState::Encoding => {}
                    PreviewState::Loading => frame.render_widget(
                        Paragraph::new(Line::styled("loading the full image…", t.muted)),
                        image,
                    ),
                    PreviewState::Unavailable(why) => {
                        frame.render_widget(
                            Paragraph::new(Line::styled(
                                one_line(&format!("no preview: {why}"), area.width as usize),
                                t.warning,
                            )),
                            image,
                        );
                    }
                }
            }
            _ => render_image_or_status(frame, image, view, previews, ctx),
        }
    }
    let path = view.job.saved_paths.first();
    let own = path.and_then(|p| previews.dims(p));
    let size = match (own, shown) {
        (Some((w, h)), Some((cw, ch))) => format!("{w}×{h}, showing {cw}×{ch} at {}×", zoom.level),
        (Some((w, h)), None) => format!("{w}×{h} ({})", view.job.request.shape_label()),
        _ => view.job.request.shape_label(),
    };
    let proto = state.graphics.protocol.as_deref().unwrap_or("off");
    let family = lineage(state, &view.job, ctx);
    let file = path.map(|p| p.display().to_string()).unwrap_or_default();
    let k = |a| ctx.key(Mode::Viewer, a);
    let text = format!(
        "{}{family} · {size} · {proto} · {}/{} zoom, {} {} {} {} pan · {file}",
        view.job.id.short(),
        k(Action::ZoomIn),
        k(Action::ZoomOut),
        k(Action::PanLeft),
        k(Action::PanDown),
        k(Action::PanUp),
        k(Action::PanRight),
    );
    frame.render_widget(
        Paragraph::new(Line::styled(one_line(&text, area.width as usize), t.muted)),
        info,
    );
}
