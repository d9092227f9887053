//! Gallery thumbnails: decoded small and encoded once for a fixed cell size, off the UI thread,
//! kept in a small LRU. Each is a plain (non-resizing) protocol, so a frame only copies it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use image::DynamicImage;
use ratatui::layout::Size;

use super::picture::{Encoder, Picture, encode as encode_picture};

/// Thumbnail area in cells.
pub const THUMB: Size = Size {
    width: 22,
    height: 9,
};
/// Thumbnails kept.
pub const CAPACITY: usize = 60;

/// Why a thumbnail cannot be shown (the text is shown in its cell).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThumbError {
    /// The file did not decode.
    #[error(transparent)]
    Decode(#[from] crate::imaging::DecodeError),
    /// The protocol could not encode it.
    #[error("cannot encode the thumbnail: {0}")]
    Encode(String),
}

/// Encodes `img` for a fixed area. Kitty images get the given id, so they can be deleted.
pub fn encode(
    encoder: Encoder,
    img: &DynamicImage,
    size: Size,
    kitty_id: u32,
) -> Result<Picture, ThumbError> {
    encode_picture(img, size, encoder, kitty_id).map_err(|e| ThumbError::Encode(e.0))
}

/// What a thumbnail looks like now.
pub enum Thumb<'a> {
    /// Ready to draw.
    Ready(&'a Picture),
    /// Being made.
    Loading,
    /// Cannot be shown.
    Unavailable(&'a str),
}

/// The thumbnail cache.
#[derive(Default)]
pub struct Thumbs {
    ready: VecDeque<(PathBuf, Picture, Option<u32>)>,
    failed: Vec<(PathBuf, String)>,
    pending: Vec<PathBuf>,
}

impl Thumbs {
    /// True (and marked pending) when `path` still needs a thumbnail.
    pub fn needs(&mut self, path: &Path) -> bool {
        if self.ready.iter().any(|(p, _, _)| p == path)
            || self.pending.iter().any(|p| p == path)
            || self.failed.iter().any(|(p, _)| p == path)
        {
            return false;
        }
        self.pending.push(path.to_path_buf());
        true
    }

    /// Stores a finished thumbnail. Returns the kitty ids of evicted thumbnails (to delete).
    pub fn on_ready(
        &mut self,
        path: PathBuf,
        result: Result<Picture, ThumbError>,
        kitty_id: Option<u32>,
    ) -> Vec<u32> {
        self.pending.retain(|p| p != &path);
        match result {
            Ok(proto) => self.ready.push_back((path, proto, kitty_id)),
            Err(e) => self.failed.push((path, e.to_string())),
        }
        let mut evicted = Vec::new();
        while self.ready.len() > CAPACITY {
            if let Some((_, _, Some(id))) = self.ready.pop_front() {
                evicted.push(id);
            }
        }
        evicted
    }

    /// The thumbnail of `path`.
    pub fn get(&self, path: &Path) -> Thumb<'_> {
        if let Some((_, proto, _)) = self.ready.iter().find(|(p, _, _)| p == path) {
            return Thumb::Ready(proto);
        }
        if let Some((_, e)) = self.failed.iter().find(|(p, _)| p == path) {
            return Thumb::Unavailable(e);
        }
        Thumb::Loading
    }

    /// Drops every thumbnail; returns their kitty ids (to delete).
    pub fn clear(&mut self) -> Vec<u32> {
        self.pending.clear();
        self.ready.drain(..).filter_map(|(_, _, id)| id).collect()
    }

    /// How many are held.
    pub fn len(&self) -> usize {
        self.ready.len()
    }

    /// True when none are held.
    pub fn is_empty(&self) -> bool {
        self.ready.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_made_once() {
        let encoder = Encoder {
            protocol: ratatui_image::picker::ProtocolType::Halfblocks,
            font: (10, 20),
            tmux: false,
            kitty: crate::preview::kitty::Payload::Raw,
        };
        let img = DynamicImage::ImageRgb8(image::RgbImage::new(40, 20));
        let mut t = Thumbs::default();
        for i in 0..(CAPACITY + 5) {
            let p = PathBuf::from(format!("/t/{i}.png"));
            assert!(t.needs(&p));
            assert!(!t.needs(&p));
            t.on_ready(p, encode(encoder, &img, THUMB, 0), None);
        }
        assert_eq!(t.len(), CAPACITY);
        assert!(
            matches!(t.get(Path::new("/t/0.png")), Thumb::Loading),
            "the oldest was dropped"
        );
        assert!(matches!(
            t.get(Path::new(&format!("/t/{}.png", CAPACITY + 4))),
            Thumb::Ready(_)
        ));
    }
}
