//! The one live picture: made when the shown image or view changes, encoded again on the
//! worker when the area changes (the last picture stays on screen meanwhile), replaced when
//! detection picks another protocol.

use std::sync::Arc;

use image::DynamicImage;
use ratatui::layout::Size;
use ratatui_image::picker::{Picker, ProtocolType};

use super::{Encoded, Key, Live, PreviewState, Previews, in_tmux, kitty, picture};
use crate::state::GraphicsInfo;

impl Previews {
    /// Takes a finished encode when it is for the view on screen. True when it was taken (the
    /// screen needs a frame).
    pub fn on_encoded(&mut self, done: Encoded) -> bool {
        let Some(live) = &mut self.current else {
            return false;
        };
        if live.generation != done.generation || live.asked != Some(done.cells) {
            return false;
        }
        match done.picture {
            Ok(p) => {
                live.picture = Some((done.cells, p));
                true
            }
            Err(e) => {
                let path = live.key.path.clone();
                self.failed.insert(path, e.to_string());
                self.current = None;
                true
            }
        }
    }

    /// Sets what the terminal said about kitty payloads; pictures are made again when it
    /// changed (then true).
    pub fn set_kitty_caps(&mut self, caps: kitty::KittyCaps) -> bool {
        let changed = self.kitty_caps != caps;
        if changed {
            self.kitty_caps = caps;
            if let Some(live) = &mut self.current {
                live.asked = None;
                live.picture = None;
            }
        }
        changed
    }

    /// Replaces the picker (graphics detection finished, or ran again): every picture is made
    /// again for the new protocol.
    pub fn set_picker(&mut self, picker: Option<Picker>, info: &GraphicsInfo) -> bool {
        self.off_reason = info
            .note
            .clone()
            .unwrap_or_else(|| "previews are off".into());
        if same_output(self.picker.as_ref(), picker.as_ref()) {
            // Asked again and told the same: what is on screen stays (nothing is sent again).
            return false;
        }
        if let Some(Live {
            kitty_id: Some(id), ..
        }) = self.current.take()
        {
            self.stale_kitty.push(id);
        }
        self.picker = picker;
        let old_thumbs = self.thumbs.clear();
        self.stale_kitty.extend(old_thumbs);
        true
    }

    /// How pictures are encoded now (none when previews are off).
    pub fn encoder(&self) -> Option<picture::Encoder> {
        self.picker.as_ref().map(|p| self.encoder_for(p))
    }

    fn encoder_for(&self, picker: &Picker) -> picture::Encoder {
        let f = picker.font_size();
        picture::Encoder {
            protocol: picker.protocol_type(),
            font: (f.width, f.height),
            // qimg also knows tmux by $TMUX, which ratatui-image does not read.
            tmux: picker.tmux_detected() || in_tmux(),
            kitty: kitty::Payload::best(self.kitty_caps),
        }
    }

    pub(super) fn make(&mut self, key: Key, img: DynamicImage) {
        let Some(picker) = &self.picker else { return };
        let kitty_id =
            (picker.protocol_type() == ProtocolType::Kitty).then(|| self.kitty_ids.take());
        if let Some(Live {
            kitty_id: Some(old),
            ..
        }) = self.current.take()
        {
            self.stale_kitty.push(old);
        }
        self.generation += 1;
        self.current = Some(Live {
            key,
            dims: (img.width(), img.height()),
            source: Arc::new(img),
            kitty_id,
            generation: self.generation,
            asked: None,
            picture: None,
        });
    }

    /// The live picture for `area`: asks the worker for one when the fitted size changed, and
    /// shows the last one meanwhile.
    pub(super) fn ready(&mut self, area: Size) -> PreviewState<'_> {
        let Some(picker) = &self.picker else {
            return PreviewState::Loading;
        };
        let encoder = self.encoder_for(picker);
        let Some(live) = &mut self.current else {
            return PreviewState::Loading;
        };
        let cells = picture::fit(
            (live.source.width(), live.source.height()),
            encoder.font,
            area,
        );
        let current = live.picture.as_ref().is_some_and(|(c, _)| *c == area);
        if !current && live.asked != Some(area) && cells.width > 0 && cells.height > 0 {
            live.asked = Some(area);
            let job = picture::Job {
                generation: live.generation,
                image: Arc::clone(&live.source),
                cells: area,
                encoder,
                kitty_id: live.kitty_id.unwrap_or(0),
            };
            if self.encode_tx.send(job).is_err() {
                tracing::warn!("the preview worker has stopped");
            }
        }
        match &live.picture {
            Some((_, p)) if current => PreviewState::Ready(p, live.dims),
            // The area changed: blank until the new picture comes. Drawing the old one would
            // send a sixel twice for one resize.
            Some(_) => PreviewState::Encoding,
            None => PreviewState::Loading,
        }
    }
}

/// True when two pickers encode alike (protocol, cell size, tmux).
fn same_output(a: Option<&Picker>, b: Option<&Picker>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let (fa, fb) = (a.font_size(), b.font_size());
            a.protocol_type() == b.protocol_type()
                && (fa.width, fa.height) == (fb.width, fb.height)
                && a.tmux_detected() == b.tmux_detected()
        }
        _ => false,
    }
}
