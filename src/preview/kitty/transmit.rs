//! The kitty transmission of one image, in the smallest form the terminal takes: PNG (`f=100`)
//! when it decodes PNG, else deflated RGB (`o=z`) when it inflates, else raw RGB (never RGBA:
//! previews are opaque, and a fourth byte per pixel is a third more on the wire). Chunked at
//! 4096 base64 bytes, each chunk wrapped on its own for tmux.

use std::fmt::Write as _;
use std::io::Write as _;

use base64::Engine as _;
use image::RgbImage;

/// What the terminal said it can decode (its answers to qimg's probes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KittyCaps {
    /// It accepted a one-pixel PNG (`f=100`).
    pub png: bool,
    /// It accepted a deflated one-pixel image (`o=z`).
    pub zlib: bool,
}

/// How an image travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// PNG or deflated RGB, whichever is smaller for this picture (the terminal takes both):
    /// PNG wins on photographs and gradients, deflate on text (`cargo bench --bench previews`).
    Smaller,
    /// PNG (fast deflate, adaptive filters), `f=100`.
    Png,
    /// zlib-deflated RGB, `f=24,o=z`.
    Zlib,
    /// RGB as it is, `f=24`.
    Raw,
}

impl Payload {
    /// The best payload for a terminal. Measured in `cargo bench --bench previews`: PNG is 1.34×
    /// a default-level PNG on every picture of the set, deflated RGB 3.1–3.4× on photographs
    /// and gradients but 0.7–0.9× on text, and trying both costs 2–25 ms.
    pub fn best(caps: KittyCaps) -> Self {
        if caps.png && caps.zlib {
            Self::Smaller
        } else if caps.png {
            Self::Png
        } else if caps.zlib {
            Self::Zlib
        } else {
            Self::Raw
        }
    }

    /// The name used in logs and the preview pane.
    pub fn name(self) -> &'static str {
        match self {
            Self::Smaller => "PNG or deflated",
            Self::Png => "PNG",
            Self::Zlib => "deflated",
            Self::Raw => "uncompressed",
        }
    }
}

/// The sequences that transmit `img` as image `id` with a virtual placement (`U=1`), drawn
/// later by placeholders.
pub fn transmit(img: &RgbImage, id: u32, tmux: bool, payload: Payload) -> String {
    let (w, h) = img.dimensions();
    let (bytes, format) = match payload {
        Payload::Smaller => {
            let (p, z) = (png(img), zlib(img.as_raw()));
            if !p.is_empty() && p.len() <= z.len() {
                (p, "f=100".to_owned())
            } else {
                (z, format!("f=24,o=z,s={w},v={h}"))
            }
        }
        Payload::Png => (png(img), "f=100".to_owned()),
        Payload::Zlib => (zlib(img.as_raw()), format!("f=24,o=z,s={w},v={h}")),
        Payload::Raw => (img.as_raw().clone(), format!("f=24,s={w},v={h}")),
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let (start, esc, end) = if tmux {
        ("\x1bPtmux;", "\x1b\x1b", "\x1b\\")
    } else {
        ("", "\x1b", "")
    };
    let chunks: Vec<&[u8]> = b64.as_bytes().chunks(4096).collect();
    let mut out = String::with_capacity(b64.len() + chunks.len() * 24 + 64);
    for (i, chunk) in chunks.iter().enumerate() {
        let more = u8::from(i + 1 < chunks.len());
        out.push_str(start);
        let _ = write!(out, "{esc}_Gq=2,");
        if i == 0 {
            let _ = write!(out, "a=T,U=1,i={id},t=d,{format},");
        }
        let _ = write!(out, "m={more};");
        // base64 is ASCII.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        let _ = write!(out, "{esc}\\");
        out.push_str(end);
    }
    out
}

/// A PNG of `img`: fast deflate with adaptive filters (the bench's pick: within a few percent
/// of the default level's size at a fraction of its time).
pub fn png(img: &RgbImage) -> Vec<u8> {
    use image::ImageEncoder as _;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut out = Vec::new();
    let enc = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
    let (w, h) = img.dimensions();
    if enc
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .is_err()
    {
        return Vec::new();
    }
    out
}

/// zlib (RFC 1950) at the fastest level.
pub fn zlib(raw: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    if enc.write_all(raw).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_sent_as_png_in_4096_byte_chunks() {
        let img = RgbImage::from_fn(300, 200, |x, y| {
            image::Rgb([(x ^ y) as u8, x as u8, y as u8])
        });
        let s = transmit(&img, 77, false, Payload::Png);
        assert!(s.starts_with("\x1b_Gq=2,a=T,U=1,i=77,t=d,f=100,m="));
        assert!(s.ends_with("\x1b\\"));
        let chunks = s.matches("\x1b_G").count();
        assert!(chunks > 1);
        assert_eq!(s.matches("m=0;").count(), 1);
        let payload: String = s
            .split("\x1b_G")
            .filter_map(|c| {
                c.split_once(';')
                    .map(|(_, rest)| rest.trim_end_matches("\x1b\\").to_owned())
            })
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .unwrap();
        let back = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert_eq!(back, img, "lossless");
    }

    #[test]
    fn raw_and_deflated_say_their_size_and_tmux_wraps_each_chunk() {
        let img = RgbImage::from_pixel(10, 10, image::Rgb([1, 2, 3]));
        let raw = transmit(&img, 5, false, Payload::Raw);
        assert!(raw.contains("f=24,s=10,v=10,"));
        let z = transmit(&img, 5, true, Payload::Zlib);
        assert!(z.starts_with("\x1bPtmux;\x1b\x1b_Gq=2,a=T,U=1,i=5,t=d,f=24,o=z,s=10,v=10,m=0;"));
        assert!(z.ends_with("\x1b\x1b\\\x1b\\"));
        assert!(z.len() < raw.len() + 20);
    }

    #[test]
    fn the_smaller_of_png_and_deflate_is_sent() {
        // Flat text-like stripes deflate better raw than as PNG; a photo-like field the other way.
        let stripes = RgbImage::from_fn(256, 64, |x, _| image::Rgb([(x % 7 * 30) as u8, 0, 0]));
        let s = transmit(&stripes, 1, false, Payload::Smaller);
        let (p, z) = (png(&stripes).len(), zlib(stripes.as_raw()).len());
        let sent = if p <= z { "f=100" } else { "o=z" };
        assert!(s.contains(sent), "png {p} zlib {z}");
    }

    #[test]
    fn the_best_payload_follows_the_terminal() {
        assert_eq!(
            Payload::best(KittyCaps {
                png: true,
                zlib: true
            }),
            Payload::Smaller
        );
        assert_eq!(
            Payload::best(KittyCaps {
                png: true,
                zlib: false
            }),
            Payload::Png
        );
        assert_eq!(
            Payload::best(KittyCaps {
                png: false,
                zlib: true
            }),
            Payload::Zlib
        );
        assert_eq!(Payload::best(KittyCaps::default()), Payload::Raw);
    }
}
