//! Safe image decoding: every decode has limits (16384² pixels, 256 MiB), the format comes from
//! the magic bytes, and big images are shrunk once, off the UI thread, for previews.

pub mod sheet;
pub mod sixel;
pub mod text;

use image::{DynamicImage, ImageReader, Limits};

use crate::domain::ImageFormat;

/// Largest width or height decoded for a preview.
pub const MAX_SIDE: u32 = 16_384;
/// Largest allocation for one decode.
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// The limits every decode uses.
pub fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_ALLOC);
    l
}

/// Why an image cannot be previewed (the file itself is kept).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not PNG, JPEG or WebP.
    #[error("not an image qimg can preview")]
    NotAnImage,
    /// A real image in a format qimg saves but does not preview (GIF, AVIF).
    #[error("preview unavailable for {0} images; the file is saved")]
    Unsupported(&'static str),
    /// Larger than the limits (a decompression bomb, or just huge).
    #[error("too large to preview ({0})")]
    TooLarge(String),
    /// Damaged data.
    #[error("cannot decode: {0}")]
    Broken(String),
}

/// Decodes bytes under the limits and shrinks the result to fit in `max_w`×`max_h` pixels.
pub fn decode_for_preview(
    bytes: &[u8],
    max_w: u32,
    max_h: u32,
) -> Result<DynamicImage, DecodeError> {
    let format = match ImageFormat::sniff(bytes).ok_or(DecodeError::NotAnImage)? {
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Webp => image::ImageFormat::WebP,
        ImageFormat::Gif => return Err(DecodeError::Unsupported("GIF")),
        ImageFormat::Avif => return Err(DecodeError::Unsupported("AVIF")),
    };
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    reader.limits(limits());
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => DecodeError::TooLarge(l.to_string()),
        other => {
            DecodeError::Broken(crate::sanitize::sanitize_line(&other.to_string()).into_owned())
        }
    })?;
    Ok(if img.width() > max_w || img.height() > max_h {
        img.thumbnail(max_w.max(1), max_h.max(1))
    } else {
        img
    })
}

/// Largest file read for a preview.
pub const FILE_CAP: u64 = 64 * 1024 * 1024;

/// Reads a file (at most `FILE_CAP` bytes).
fn read_capped(path: &std::path::Path) -> Result<Vec<u8>, DecodeError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(FILE_CAP).read_to_end(&mut bytes))
        .map_err(|e| {
            DecodeError::Broken(crate::sanitize::sanitize_line(&e.to_string()).into_owned())
        })?;
    Ok(bytes)
}

/// Reads a file (at most `FILE_CAP`) and decodes it for preview.
pub fn decode_file_for_preview(
    path: &std::path::Path,
    max_w: u32,
    max_h: u32,
) -> Result<DynamicImage, DecodeError> {
    decode_for_preview(&read_capped(path)?, max_w, max_h)
}

/// Like `decode_file_for_preview`, and also the file's own width and height from the same
/// bytes (the file is read once).
pub fn decode_path_for_preview(
    path: &std::path::Path,
    max_w: u32,
    max_h: u32,
) -> (Result<DynamicImage, DecodeError>, Option<(u32, u32)>) {
    match read_capped(path) {
        Ok(bytes) => (
            decode_for_preview(&bytes, max_w, max_h),
            dimensions(&bytes).ok(),
        ),
        Err(e) => (Err(e), None),
    }
}

/// Reads the dimensions from the header only, under strict limits (a bomb is refused here).
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), DecodeError> {
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Broken(e.to_string()))?;
    reader.limits(limits());
    reader.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(l) => DecodeError::TooLarge(l.to_string()),
        other => DecodeError::Broken(format!(
            "cannot read the image size ({})",
            crate::sanitize::sanitize_line(&other.to_string())
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid PNG header declaring `w`×`h` RGBA with no image data.
    pub fn bomb_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        b.extend_from_slice(&13u32.to_be_bytes());
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&ihdr);
        let mut c = crc32fast::Hasher::new();
        c.update(b"IHDR");
        c.update(&ihdr);
        b.extend_from_slice(&c.finalize().to_be_bytes());
        b
    }

    #[test]
    fn bombs_are_refused_without_allocating() {
        assert!(matches!(
            decode_for_preview(&bomb_header(100_000, 100_000), 100, 100),
            Err(DecodeError::TooLarge(_))
        ));
    }

    #[test]
    fn html_is_not_an_image() {
        assert_eq!(
            decode_for_preview(b"<html></html>", 10, 10).unwrap_err(),
            DecodeError::NotAnImage
        );
    }

    #[test]
    fn big_images_are_shrunk() {
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(image::RgbImage::new(400, 200))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        let img = decode_for_preview(&out, 100, 100).unwrap();
        assert_eq!((img.width(), img.height()), (100, 50));
    }

    #[test]
    fn a_bomb_is_refused_from_its_header() {
        assert!(matches!(
            dimensions(&bomb_header(100_000, 100_000)),
            Err(DecodeError::TooLarge(_))
        ));
    }
}
