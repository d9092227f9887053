//! Inline previews with ratatui-image (DESIGN.md §4): the terminal is asked once at start which
//! graphics it speaks (unless the user chose); decoding happens on a blocking thread, resizing
//! and encoding on a worker thread; one protocol object per shown image, kept across frames so
//! its bytes are sent once per (image, area); a small LRU of decoded images bounds memory.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::DynamicImage;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::thread::{ResizeRequest, ResizeResponse, ThreadProtocol};

use crate::config::ImageProtocolSetting;
use crate::state::GraphicsInfo;

/// Decoded images kept in memory.
pub const LRU_CAPACITY: usize = 6;

/// Asks the terminal (only for `auto` and explicit graphics protocols) and applies the user's
/// choice. Must run after raw mode is on and before anything reads input (graphics.md P10).
pub fn detect(setting: ImageProtocolSetting) -> (Option<Picker>, GraphicsInfo) {
    let queried = || {
        Picker::from_query_stdio().unwrap_or_else(|e| {
            tracing::info!("terminal graphics query failed ({e}); using half blocks");
            Picker::halfblocks()
        })
    };
    let picker = match setting {
        ImageProtocolSetting::Off => {
            return (
                None,
                GraphicsInfo {
                    protocol: None,
                    note: Some("previews are off (image_protocol = off)".into()),
                },
            );
        }
        ImageProtocolSetting::Halfblocks => Picker::halfblocks(),
        ImageProtocolSetting::Auto => queried(),
        forced => {
            let mut p = queried();
            p.set_protocol_type(match forced {
                ImageProtocolSetting::Kitty => ProtocolType::Kitty,
                ImageProtocolSetting::Sixel => ProtocolType::Sixel,
                ImageProtocolSetting::Iterm2 => ProtocolType::Iterm2,
                _ => ProtocolType::Halfblocks,
            });
            p
        }
    };
    let info = info_for(&picker, setting);
    tracing::info!(protocol = ?picker.protocol_type(), font = ?picker.font_size(), tmux = picker.tmux_detected(), "graphics");
    (Some(picker), info)
}

/// What the preview pane says about a picker.
pub fn info_for(picker: &Picker, setting: ImageProtocolSetting) -> GraphicsInfo {
    let protocol = protocol_name(picker.protocol_type()).to_owned();
    let note = (picker.protocol_type() == ProtocolType::Halfblocks && setting == ImageProtocolSetting::Auto)
        .then(|| "no graphics protocol detected; half blocks are used (try --image-protocol kitty, sixel or iterm2)".to_owned());
    GraphicsInfo {
        protocol: Some(protocol),
        note,
    }
}

/// The protocol's name as the user writes it.
pub fn protocol_name(p: ProtocolType) -> &'static str {
    match p {
        ProtocolType::Halfblocks => "halfblocks",
        ProtocolType::Sixel => "sixel",
        ProtocolType::Kitty => "kitty",
        ProtocolType::Iterm2 => "iterm2",
    }
}

/// What the preview of one file looks like right now.
pub enum PreviewState<'a> {
    /// Ready to render.
    Ready(&'a mut ThreadProtocol, (u32, u32)),
    /// Being decoded.
    Loading,
    /// Cannot be shown; the text says why.
    Unavailable(String),
}

/// Decoded images and the protocol of the image on screen.
pub struct Previews {
    picker: Option<Picker>,
    off_reason: String,
    decoded: VecDeque<(PathBuf, Arc<DynamicImage>)>,
    failed: HashMap<PathBuf, String>,
    pending: Vec<PathBuf>,
    current: Option<(PathBuf, ThreadProtocol, (u32, u32))>,
    resize_tx: std::sync::mpsc::Sender<ResizeRequest>,
}

impl Previews {
    /// Starts the resize worker thread; finished resizes go to `on_resized`.
    pub fn new(
        picker: Option<Picker>,
        info: &GraphicsInfo,
        on_resized: impl Fn(ResizeResponse) + Send + 'static,
    ) -> Self {
        let (resize_tx, rx) = std::sync::mpsc::channel::<ResizeRequest>();
        let spawned = std::thread::Builder::new()
            .name("qimg-resize".into())
            .spawn(move || {
                while let Ok(req) = rx.recv() {
                    match req.resize_encode() {
                        Ok(resp) => on_resized(resp),
                        Err(e) => tracing::warn!("preview encoding failed: {e}"),
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the preview worker: {e}");
        }
        Self {
            picker,
            off_reason: info
                .note
                .clone()
                .unwrap_or_else(|| "previews are off".into()),
            decoded: VecDeque::new(),
            failed: HashMap::new(),
            pending: Vec::new(),
            current: None,
            resize_tx,
        }
    }

    /// True when previews are drawn at all.
    pub fn enabled(&self) -> bool {
        self.picker.is_some()
    }

    /// The picker's font size in pixels (for sizing decodes).
    pub fn font_size(&self) -> (u16, u16) {
        self.picker.as_ref().map_or((10, 20), |p| {
            let f = p.font_size();
            (f.width, f.height)
        })
    }

    /// Says whether `path` must be decoded; marks it pending when so.
    pub fn needs_decode(&mut self, path: &Path) -> bool {
        if self.picker.is_none()
            || self.failed.contains_key(path)
            || self.pending.iter().any(|p| p == path)
            || self.decoded.iter().any(|(p, _)| p == path)
        {
            return false;
        }
        self.pending.push(path.to_path_buf());
        true
    }

    /// Stores a finished decode.
    pub fn on_decoded(&mut self, path: PathBuf, result: Result<DynamicImage, String>) {
        self.pending.retain(|p| p != &path);
        match result {
            Ok(img) => {
                self.decoded.retain(|(p, _)| p != &path);
                self.decoded.push_back((path, Arc::new(img)));
                while self.decoded.len() > LRU_CAPACITY {
                    self.decoded.pop_front();
                }
            }
            Err(why) => {
                self.failed.insert(path, why);
            }
        }
    }

    /// Hands a finished resize to the protocol it belongs to. True when it was taken.
    pub fn on_resized(&mut self, resp: ResizeResponse) -> bool {
        match &mut self.current {
            Some((_, proto, _)) => proto.update_resized_protocol(resp),
            None => false,
        }
    }

    /// The preview of `path`, creating its protocol when the image is decoded. Only one
    /// protocol exists at a time: switching images drops the old one.
    pub fn state_for(&mut self, path: &Path) -> PreviewState<'_> {
        let Some(picker) = &self.picker else {
            return PreviewState::Unavailable(self.off_reason.clone());
        };
        if let Some(why) = self.failed.get(path) {
            return PreviewState::Unavailable(why.clone());
        }
        if self.current.as_ref().is_none_or(|(p, _, _)| p != path) {
            let Some(pos) = self.decoded.iter().position(|(p, _)| p == path) else {
                return PreviewState::Loading;
            };
            // Touch the LRU entry.
            if let Some(entry) = self.decoded.remove(pos) {
                let img = entry.1.as_ref().clone();
                let dims = (img.width(), img.height());
                self.decoded.push_back(entry);
                let proto = ThreadProtocol::new(
                    self.resize_tx.clone(),
                    Some(picker.new_resize_protocol(img)),
                );
                self.current = Some((path.to_path_buf(), proto, dims));
            }
        }
        match &mut self.current {
            Some((_, proto, dims)) => PreviewState::Ready(proto, *dims),
            None => PreviewState::Loading,
        }
    }

    /// How many decoded images are held.
    pub fn decoded_len(&self) -> usize {
        self.decoded.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::new(w, 4))
    }

    #[test]
    fn lru_stays_bounded_and_decodes_once() {
        let info = GraphicsInfo::default();
        let mut p = Previews::new(Some(Picker::halfblocks()), &info, |_| {});
        for i in 0..(LRU_CAPACITY + 3) {
            let path = PathBuf::from(format!("/x/{i}.png"));
            assert!(p.needs_decode(&path));
            assert!(!p.needs_decode(&path), "pending twice");
            p.on_decoded(path.clone(), Ok(img(4)));
            assert!(!p.needs_decode(&path), "decoded twice");
        }
        assert_eq!(p.decoded_len(), LRU_CAPACITY);
        assert!(
            p.needs_decode(Path::new("/x/0.png")),
            "the oldest was evicted"
        );
    }

    #[test]
    fn failures_are_remembered_and_explained() {
        let mut p = Previews::new(Some(Picker::halfblocks()), &GraphicsInfo::default(), |_| {});
        let path = PathBuf::from("/x/bomb.png");
        assert!(p.needs_decode(&path));
        p.on_decoded(path.clone(), Err("too large to preview".into()));
        assert!(!p.needs_decode(&path));
        assert!(
            matches!(p.state_for(&path), PreviewState::Unavailable(m) if m.contains("too large"))
        );
    }

    #[test]
    fn off_says_why() {
        let info = GraphicsInfo {
            protocol: None,
            note: Some("previews are off (image_protocol = off)".into()),
        };
        let mut p = Previews::new(None, &info, |_| {});
        assert!(!p.needs_decode(Path::new("/a.png")));
        assert!(
            matches!(p.state_for(Path::new("/a.png")), PreviewState::Unavailable(m) if m.contains("off"))
        );
    }
}
