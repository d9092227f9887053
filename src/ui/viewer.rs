//! The full-screen viewer (Enter on a job): the image fitted to the screen, and one line of
//! facts about it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::RenderCtx;
use super::fmt::one_line;
use super::preview::render_image_or_status;
use crate::domain::JobId;
use crate::preview::Previews;
use crate::state::State;

/// Draws the viewer for job `id`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    id: JobId,
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    let [image, info] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let Some(view) = state.jobs.get(id) else {
        frame.render_widget(Paragraph::new("this job is no longer listed"), image);
        return;
    };
    render_image_or_status(frame, image, view, previews, ctx);
    let path = view
        .job
        .saved_paths
        .first()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let proto = state.graphics.protocol.as_deref().unwrap_or("off");
    let text = format!(
        "{} · {} · {} · {}",
        view.job.id.short(),
        view.job.request.shape_label(),
        proto,
        path
    );
    frame.render_widget(
        Paragraph::new(Line::styled(
            one_line(&text, area.width as usize),
            ctx.theme.muted,
        )),
        info,
    );
}
