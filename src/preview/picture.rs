//! One encoded preview, ready to draw, and the work that makes it: fit the image to the cells
//! it may use, scale it (triangle filter), and encode it for the terminal: qimg's own kitty
//! transmission and sixel encoder, ratatui-image's half blocks and iTerm2. Runs on the preview
//! worker thread, never on the UI thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use image::DynamicImage;
use image::imageops::FilterType;
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::widgets::Widget;
use ratatui_image::picker::ProtocolType;
use ratatui_image::protocol::Protocol;
use ratatui_image::protocol::halfblocks::Halfblocks;
use ratatui_image::protocol::iterm2::Iterm2;
use ratatui_image::protocol::sixel::Sixel;
use ratatui_image::{FontSize, Resize};

use super::kitty::{Payload, placeholders, transmit};
use crate::imaging::sixel::{SixelOptions, encode as sixel_encode};

/// An encoded preview.
pub enum Picture {
    /// Half blocks, iTerm2, or sixel made by qimg's encoder.
    Lib(Protocol),
    /// A kitty image drawn with placeholders; the transmission is sent with the first frame.
    Kitty {
        /// The image id in the terminal.
        id: u32,
        /// The cells it covers.
        cells: Size,
        /// The transmission.
        transmit: String,
        /// Whether a frame carried the transmission already.
        sent: AtomicBool,
    },
}

impl Picture {
    /// The cells it covers.
    pub fn cells(&self) -> Size {
        match self {
            Self::Lib(p) => p.size(),
            Self::Kitty { cells, .. } => *cells,
        }
    }
}

impl Widget for &Picture {
    fn render(self, area: Rect, buf: &mut Buffer) {
        match self {
            Picture::Lib(p) => ratatui_image::Image::new(p).render(area, buf),
            Picture::Kitty {
                id,
                cells,
                transmit,
                sent,
            } => {
                if cells.width > area.width || cells.height > area.height {
                    return;
                }
                let first = !sent.swap(true, Ordering::SeqCst);
                let seq = first.then_some(transmit.as_str());
                placeholders::render(*id, cells.width, cells.height, seq, area, buf);
            }
        }
    }
}

/// Why a preview could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode the preview: {0}")]
pub struct EncodeError(pub String);

/// How to encode: the protocol and what the terminal said it takes.
#[derive(Debug, Clone, Copy)]
pub struct Encoder {
    /// The protocol.
    pub protocol: ProtocolType,
    /// The cell size in pixels.
    pub font: (u16, u16),
    /// Wrap for tmux passthrough.
    pub tmux: bool,
    /// The kitty payload.
    pub kitty: Payload,
}

/// A request to the worker: this image, fitted into `available` cells.
pub struct Job {
    /// Which view it is for (the answer is dropped when the view changed).
    pub generation: u64,
    /// The picture.
    pub image: Arc<DynamicImage>,
    /// The cells it fits into.
    pub cells: Size,
    /// How to encode.
    pub encoder: Encoder,
    /// The kitty image id.
    pub kitty_id: u32,
}

/// A finished encode.
pub struct Encoded {
    /// The request's generation.
    pub generation: u64,
    /// The cells it was fitted for.
    pub cells: Size,
    /// The picture, or why not.
    pub picture: Result<Picture, EncodeError>,
    /// How long scaling and encoding took.
    pub took: Duration,
    /// Bytes the terminal will be sent.
    pub bytes: usize,
}

/// The cells `(w, h)` pixels take when fitted into `available` (never upscaled, as the pane
/// has always done).
pub fn fit(dims: (u32, u32), font: (u16, u16), available: Size) -> Size {
    let font = FontSize::new(font.0.max(1), font.1.max(1));
    let probe = DynamicImage::new_rgb8(dims.0.max(1), dims.1.max(1));
    Resize::Fit(None).size_for(&probe, font, available)
}

/// Scales `img` to fill `cells` (keeping its shape) with a triangle filter.
pub fn scale(img: &DynamicImage, font: (u16, u16), cells: Size) -> image::RgbImage {
    let w = u32::from(cells.width) * u32::from(font.0);
    let h = u32::from(cells.height) * u32::from(font.1);
    let rgb = img.to_rgb8();
    if rgb.dimensions() == (w, h) {
        return rgb;
    }
    let (iw, ih) = rgb.dimensions();
    // Fit inside w × h, keeping the shape.
    let ratio = (f64::from(w) / f64::from(iw)).min(f64::from(h) / f64::from(ih));
    let tw = ((f64::from(iw) * ratio).round() as u32).clamp(1, w.max(1));
    let th = ((f64::from(ih) * ratio).round() as u32).clamp(1, h.max(1));
    image::imageops::resize(&rgb, tw, th, FilterType::Triangle)
}

/// Does one job.
pub fn run(job: &Job) -> Encoded {
    let started = std::time::Instant::now();
    let picture = encode(&job.image, job.cells, job.encoder, job.kitty_id);
    let bytes = match &picture {
        Ok(Picture::Kitty { transmit, .. }) => transmit.len(),
        Ok(Picture::Lib(Protocol::Sixel(s))) => s.data.len(),
        _ => 0,
    };
    Encoded {
        generation: job.generation,
        cells: job.cells,
        picture,
        took: started.elapsed(),
        bytes,
    }
}

/// Fits `image` into `available` cells and encodes it (kitty images get `kitty_id`).
pub fn encode(
    image: &DynamicImage,
    available: Size,
    e: Encoder,
    kitty_id: u32,
) -> Result<Picture, EncodeError> {
    let cells = fit((image.width(), image.height()), e.font, available);
    match e.protocol {
        ProtocolType::Kitty => {
            let scaled = scale(image, e.font, cells);
            Ok(Picture::Kitty {
                id: kitty_id,
                cells,
                transmit: transmit::transmit(&scaled, kitty_id, e.tmux, e.kitty),
                sent: AtomicBool::new(false),
            })
        }
        ProtocolType::Sixel => {
            let scaled = scale(image, e.font, cells);
            let opts = SixelOptions {
                tmux: e.tmux,
                ..SixelOptions::default()
            };
            let sixel = sixel_encode(&scaled, opts).map_err(|e| EncodeError(e.to_string()))?;
            let data = with_cleared_area(&sixel, cells, e.tmux);
            Ok(Picture::Lib(Protocol::Sixel(Sixel {
                data,
                size: cells,
                is_tmux: e.tmux,
            })))
        }
        ProtocolType::Halfblocks => {
            let scaled = DynamicImage::ImageRgb8(scale(image, e.font, cells));
            Halfblocks::new(scaled, cells)
                .map(|p| Picture::Lib(Protocol::Halfblocks(p)))
                .map_err(|e| EncodeError(e.to_string()))
        }
        ProtocolType::Iterm2 => {
            let scaled = DynamicImage::ImageRgb8(scale(image, e.font, cells));
            Iterm2::new(scaled, cells, e.tmux)
                .map(|p| Picture::Lib(Protocol::ITerm2(p)))
                .map_err(|e| EncodeError(e.to_string()))
        }
    }
}

/// Erases the cells first (ECH row by row), so a smaller picture leaves nothing of the last
/// one; the cursor comes back where the sixel starts.
fn with_cleared_area(sixel: &str, cells: Size, tmux: bool) -> String {
    let mut clear = String::new();
    for _ in 0..cells.height {
        clear.push_str(&format!("\x1b[{}X\x1b[1B", cells.width));
    }
    clear.push_str(&format!("\x1b[{}A", cells.height));
    if tmux {
        format!("{}{sixel}", crate::imaging::sixel::tmux_wrap(&clear))
    } else {
        format!("{clear}{sixel}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(protocol: ProtocolType) -> Job {
        let img = image::RgbImage::from_fn(1664, 928, |x, y| image::Rgb([x as u8, y as u8, 90]));
        Job {
            generation: 3,
            image: Arc::new(DynamicImage::ImageRgb8(img)),
            cells: Size::new(64, 31),
            encoder: Encoder {
                protocol,
                font: (10, 20),
                tmux: false,
                kitty: Payload::Png,
            },
            kitty_id: 9,
        }
    }

    #[test]
    fn a_wide_result_fits_the_pane_width() {
        assert_eq!(
            fit((1664, 928), (10, 20), Size::new(64, 31)),
            Size::new(64, 18)
        );
        // Never upscaled.
        assert_eq!(
            fit((100, 100), (10, 20), Size::new(64, 31)),
            Size::new(10, 5)
        );
    }

    #[test]
    fn every_protocol_encodes_off_the_ui_thread_and_draws() {
        for p in [
            ProtocolType::Kitty,
            ProtocolType::Sixel,
            ProtocolType::Halfblocks,
        ] {
            let done = run(&job(p));
            assert_eq!(done.generation, 3);
            let pic = done.picture.unwrap();
            assert_eq!(pic.cells(), Size::new(64, 18), "{p:?}");
            let mut buf = Buffer::empty(Rect::new(0, 0, 80, 40));
            (&pic).render(Rect::new(1, 1, 64, 31), &mut buf);
            assert_ne!(buf.cell((1, 1)).unwrap().symbol(), " ", "{p:?}");
        }
    }

    #[test]
    fn kitty_sends_its_image_with_the_first_frame_only() {
        let pic = run(&job(ProtocolType::Kitty)).picture.unwrap();
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 40));
        (&pic).render(Rect::new(0, 0, 64, 31), &mut buf);
        assert!(buf.cell((0, 0)).unwrap().symbol().contains("\x1b_G"));
        let mut again = Buffer::empty(Rect::new(0, 0, 80, 40));
        (&pic).render(Rect::new(0, 0, 64, 31), &mut again);
        assert!(!again.cell((0, 0)).unwrap().symbol().contains("\x1b_G"));
        assert!(
            again
                .cell((0, 0))
                .unwrap()
                .symbol()
                .starts_with('\u{10EEEE}')
        );
    }
}
