//! Inline previews: the terminal is asked which graphics it speaks (unless the user chose);
//! decoding happens on a blocking thread, scaling and encoding (qimg's kitty and sixel
//! encoders, ratatui-image's half blocks and iTerm2) on a worker thread; one picture per shown
//! image and area, kept across frames so its bytes are sent once per (image, area); a small LRU
//! of decoded images bounds memory.

mod detect;
pub mod kitty;
mod live;
pub mod picture;
pub mod query;
pub mod thumbs;

pub use detect::{NO_ANSWER, TmuxPassthrough, conclude, in_tmux, wants_probe};
pub use query::{Answer, Detection, Found, probe};

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::DynamicImage;
use ratatui::layout::Size;
use ratatui_image::picker::{Picker, ProtocolType};

pub use picture::{Encoded, Picture};

use crate::config::ImageProtocolSetting;
use crate::imaging::DecodeError;
use crate::state::GraphicsInfo;
pub use crate::state::ZoomView;

/// Decoded images kept in memory.
pub const LRU_CAPACITY: usize = 6;

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
    /// Ready to draw, with the image's own pixel size.
    Ready(&'a Picture, (u32, u32)),
    /// Being decoded or encoded.
    Loading,
    /// Being encoded again for a new area (nothing is drawn meanwhile).
    Encoding,
    /// Cannot be shown; the text says why.
    Unavailable(String),
}

/// Which image (and view of it) the one live picture shows.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    path: PathBuf,
    zoom: Option<(u32, u32, u32, u32)>,
}

/// The view on screen: what it shows, its source pixels, its kitty id, the cells last asked
/// for, and the picture made for them.
struct Live {
    key: Key,
    source: Arc<DynamicImage>,
    dims: (u32, u32),
    kitty_id: Option<u32>,
    generation: u64,
    asked: Option<Size>,
    picture: Option<(Size, Picture)>,
}

/// Decoded images, the protocol of the image on screen, and the gallery thumbnails.
pub struct Previews {
    picker: Option<Picker>,
    off_reason: String,
    decoded: VecDeque<(PathBuf, Arc<DynamicImage>)>,
    full: Option<(PathBuf, Arc<DynamicImage>)>,
    failed: HashMap<PathBuf, String>,
    pending: Vec<PathBuf>,
    pending_full: Option<PathBuf>,
    current: Option<Live>,
    generation: u64,
    encode_tx: std::sync::mpsc::Sender<picture::Job>,
    kitty_caps: kitty::KittyCaps,
    kitty_ids: kitty::Ids,
    /// kitty images no longer shown, to delete from the terminal's memory.
    stale_kitty: Vec<u32>,
    /// Gallery thumbnails.
    pub thumbs: thumbs::Thumbs,
    /// Each file's own width and height, from its header.
    dims: HashMap<PathBuf, (u32, u32)>,
}

impl Previews {
    /// Starts the encoding worker thread; finished pictures go to `on_encoded` (the loop hands
    /// them back to [`Previews::on_encoded`]).
    pub fn new(
        picker: Option<Picker>,
        info: &GraphicsInfo,
        on_encoded: impl Fn(Encoded) + Send + 'static,
    ) -> Self {
        let (encode_tx, rx) = std::sync::mpsc::channel::<picture::Job>();
        let spawned = std::thread::Builder::new()
            .name("qimg-encode".into())
            .spawn(move || {
                while let Ok(mut job) = rx.recv() {
                    // Only the newest request matters: a burst of resizes encodes once.
                    while let Ok(newer) = rx.try_recv() {
                        job = newer;
                    }
                    let done = picture::run(&job);
                    if let Err(e) = &done.picture {
                        tracing::warn!("{e}");
                    }
                    tracing::debug!(took = ?done.took, bytes = done.bytes, "preview encoded");
                    on_encoded(done);
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
            full: None,
            failed: HashMap::new(),
            pending: Vec::new(),
            pending_full: None,
            current: None,
            generation: 0,
            encode_tx,
            kitty_caps: kitty::KittyCaps::default(),
            kitty_ids: kitty::Ids::default(),
            stale_kitty: Vec::new(),
            thumbs: thumbs::Thumbs::default(),
            dims: HashMap::new(),
        }
    }

    /// True when previews are drawn at all.
    pub fn enabled(&self) -> bool {
        self.picker.is_some()
    }

    /// The picker (for encoding thumbnails off the UI thread).
    pub fn picker(&self) -> Option<&Picker> {
        self.picker.as_ref()
    }

    /// True for the kitty protocol (images live in the terminal's memory until deleted).
    pub fn is_kitty(&self) -> bool {
        self.picker
            .as_ref()
            .is_some_and(|p| p.protocol_type() == ProtocolType::Kitty)
    }

    /// True inside tmux, by the picker's probe or by `$TMUX` (which ratatui-image does not
    /// read, and which is all there is when previews are fixed or off): sequences for the outer
    /// terminal — notifications, kitty deletes — then go through passthrough.
    pub fn in_tmux(&self) -> bool {
        self.picker.as_ref().is_some_and(Picker::tmux_detected) || in_tmux()
    }

    /// A new kitty image id (thumbnails).
    pub fn next_kitty_id(&mut self) -> u32 {
        self.kitty_ids.take()
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

    /// Says whether `path` must be decoded at full resolution (for zooming).
    pub fn needs_full(&mut self, path: &Path) -> bool {
        if self.picker.is_none()
            || self.failed.contains_key(path)
            || self.pending_full.as_deref() == Some(path)
            || self.full.as_ref().is_some_and(|(p, _)| p == path)
        {
            return false;
        }
        self.pending_full = Some(path.to_path_buf());
        true
    }

    /// Stores a finished decode.
    pub fn on_decoded(&mut self, path: PathBuf, result: Result<DynamicImage, DecodeError>) {
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
                self.failed.insert(path, why.to_string());
            }
        }
    }

    /// Stores a full-resolution decode (only one is kept).
    pub fn on_full_decoded(&mut self, path: PathBuf, result: Result<DynamicImage, DecodeError>) {
        if self.pending_full.as_ref() == Some(&path) {
            self.pending_full = None;
        }
        match result {
            Ok(img) => self.full = Some((path, Arc::new(img))),
            Err(why) => {
                self.failed.insert(path, why.to_string());
            }
        }
    }

    /// kitty images that are no longer shown (the loop deletes them in the terminal).
    pub fn take_stale_kitty(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.stale_kitty)
    }

    /// Marks kitty ids for deletion.
    pub fn retire_kitty(&mut self, ids: impl IntoIterator<Item = u32>) {
        self.stale_kitty.extend(ids);
    }

    /// The preview of `path` (fitted), creating its protocol when the image is decoded. Only
    /// one protocol exists at a time: switching images drops the old one (and, with kitty,
    /// deletes its data in the terminal).
    pub fn state_for(&mut self, path: &Path, area: Size) -> PreviewState<'_> {
        self.state_for_view(path, None, area)
    }

    /// Like `state_for`, zoomed. The zoomed crop comes from the full-resolution decode.
    pub fn state_for_view(
        &mut self,
        path: &Path,
        zoom: Option<ZoomView>,
        area: Size,
    ) -> PreviewState<'_> {
        if self.picker.is_none() {
            return PreviewState::Unavailable(self.off_reason.clone());
        }
        if let Some(why) = self.failed.get(path) {
            return PreviewState::Unavailable(why.clone());
        }
        let zoom = zoom.filter(|z| z.level > 1);
        let source = match zoom {
            None => self
                .decoded
                .iter()
                .position(|(p, _)| p == path)
                .and_then(|i| {
                    // Touch the LRU entry.
                    let e = self.decoded.remove(i)?;
                    let img = Arc::clone(&e.1);
                    self.decoded.push_back(e);
                    Some(img)
                }),
            Some(_) => self
                .full
                .as_ref()
                .filter(|(p, _)| p == path)
                .map(|(_, img)| Arc::clone(img)),
        };
        let Some(img) = source else {
            return if self
                .current
                .as_ref()
                .is_some_and(|l| l.key.path == path && zoom.is_none())
            {
                self.ready(area)
            } else {
                PreviewState::Loading
            };
        };
        let crop = zoom.map(|z| z.crop(img.width(), img.height()));
        let key = Key {
            path: path.to_path_buf(),
            zoom: crop,
        };
        if self.current.as_ref().is_none_or(|l| l.key != key) {
            let view = match crop {
                Some((x, y, w, h)) => img.crop_imm(x, y, w, h),
                None => img.as_ref().clone(),
            };
            self.make(key, view);
        }
        self.ready(area)
    }

    /// Records a file's own size.
    pub fn set_dims(&mut self, path: &Path, dims: (u32, u32)) {
        self.dims.insert(path.to_path_buf(), dims);
    }

    /// A file's own size, when known.
    pub fn dims(&self, path: &Path) -> Option<(u32, u32)> {
        self.dims.get(path).copied()
    }

    /// How many decoded images are held.
    pub fn decoded_len(&self) -> usize {
        self.decoded.len()
    }
}

#[cfg(test)]
mod tests;
