//! Reference images from the user: a local file, checked before anything is sent (regular
//! file, ≤ 10 MB, PNG/JPEG/WebP by magic bytes, dimensions within the model's limits, decoded
//! only as far as the header), or an https URL.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::domain::ImageFormat;
use crate::domain::catalogue::ModelSpec;
use crate::domain::models::IMAGE_MAX_BYTES;
use crate::sanitize::sanitize_line;

/// A checked local image, ready to upload or send as multipart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputImage {
    /// The resolved path.
    pub path: PathBuf,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The format found by sniffing.
    pub format: ImageFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl InputImage {
    /// A safe file name for the upload (`image.png`), never the user's own name.
    pub fn upload_name(&self, index: usize) -> String {
        format!("image{}.{}", index + 1, self.format.extension())
    }
}

/// Why a local image cannot be sent. Paths are shown sanitised.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// Nothing at that path.
    #[error("{0}: no such file")]
    Missing(String),
    /// The file may not be read.
    #[error("{0}: permission denied")]
    Denied(String),
    /// A folder.
    #[error("{0} is a folder, not an image")]
    Folder(String),
    /// A FIFO, a device, a socket: refused from its metadata, never opened.
    #[error("{0} is not a regular file")]
    NotRegular(String),
    /// Over the size limit.
    #[error("{shown} is {mb:.1} MB; the limit is {limit:.0} MB")]
    TooBig {
        /// The path.
        shown: String,
        /// Its size in MB.
        mb: f64,
        /// The limit in MB.
        limit: f64,
    },
    /// Reading failed.
    #[error("{shown}: {why}")]
    Read {
        /// The path.
        shown: String,
        /// The OS error.
        why: String,
    },
    /// Not PNG, JPEG or WebP.
    #[error("{0} is not a PNG, JPEG or WebP image")]
    NotAnImage(String),
    /// The header could not be read (or declares a bomb).
    #[error("{shown}: {why}")]
    Header {
        /// The path.
        shown: String,
        /// What the decoder said.
        why: crate::imaging::DecodeError,
    },
    /// A side outside the model's limits.
    #[error("{shown} is {width}×{height}; {model} needs each side between {lo} and {hi} pixels")]
    Side {
        /// The path.
        shown: String,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The model.
        model: String,
        /// The least side.
        lo: u32,
        /// The largest side.
        hi: u32,
    },
}

/// Loads and checks a local image for `spec`. Each failure has its own message.
pub fn load(path: &Path, spec: Option<&ModelSpec>) -> Result<InputImage, InputError> {
    let path = crate::util::resolve_path(path);
    let shown = sanitize_line(&path.to_string_lossy()).into_owned();
    let read_err = |e: std::io::Error| InputError::Read {
        shown: shown.clone(),
        why: sanitize_line(&e.to_string()).into_owned(),
    };
    let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => InputError::Missing(shown.clone()),
        std::io::ErrorKind::PermissionDenied => InputError::Denied(shown.clone()),
        _ => read_err(e),
    })?;
    if meta.is_dir() {
        return Err(InputError::Folder(shown));
    }
    if !meta.is_file() {
        return Err(InputError::NotRegular(shown));
    }
    let max_bytes = spec
        .map(|s| s.images.max_bytes)
        .filter(|b| *b > 0)
        .unwrap_or(IMAGE_MAX_BYTES);
    let too_big = |len: u64| InputError::TooBig {
        shown: shown.clone(),
        mb: len as f64 / 1_048_576.0,
        limit: max_bytes as f64 / 1_048_576.0,
    };
    if meta.len() > max_bytes {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(&path)
        .and_then(|f| f.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(read_err)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big(bytes.len() as u64));
    }
    let format = ImageFormat::sniff(&bytes)
        .filter(|f| f.is_common())
        .ok_or_else(|| InputError::NotAnImage(shown.clone()))?;
    let (width, height) = crate::imaging::dimensions(&bytes).map_err(|why| InputError::Header {
        shown: shown.clone(),
        why,
    })?;
    if let Some(spec) = spec {
        let (lo, hi) = (spec.images.min_side, spec.images.max_side);
        if hi > 0 && (width < lo || height < lo || width > hi || height > hi) {
            return Err(InputError::Side {
                shown,
                width,
                height,
                model: spec.id.clone(),
                lo,
                hi,
            });
        }
    }
    Ok(InputImage {
        path,
        bytes,
        format,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(image::RgbImage::new(w, h))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn special_files_and_hostile_names_get_their_own_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let spec = crate::domain::catalogue::Catalogue::builtin()
            .find("qwen-image-edit")
            .map(|m| m.as_ref());
        // A FIFO would block a reader forever: it is refused from its metadata, unopened.
        let fifo = dir.path().join("pipe.png");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        assert!(
            load(&fifo, spec)
                .unwrap_err()
                .to_string()
                .contains("not a regular file")
        );
        // A symlink loop.
        let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let err = load(&a, spec).unwrap_err().to_string();
        assert!(err.contains("a.png"), "{err}");
        // A device.
        assert!(
            load(Path::new("/dev/null"), spec)
                .unwrap_err()
                .to_string()
                .contains("not a regular file")
        );
        // A file name with ESC, a newline and a bidi override is shown harmlessly.
        let evil = dir.path().join("x\u{1b}[2J\n\u{202e}gnp.png");
        let err = load(&evil, spec).unwrap_err().to_string();
        assert!(err.contains("no such file"), "{err}");
        assert!(
            !err.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{err:?}"
        );
    }

    #[test]
    fn good_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let spec = crate::domain::catalogue::Catalogue::builtin()
            .find("qwen-image-edit")
            .map(|m| m.as_ref());
        let ok = dir.path().join("ok.png");
        std::fs::write(&ok, png(400, 500)).unwrap();
        let img = load(&ok, spec).unwrap();
        assert_eq!(
            (img.width, img.height, img.format),
            (400, 500, ImageFormat::Png)
        );
        assert_eq!(img.upload_name(0), "image1.png");

        let small = dir.path().join("small.png");
        std::fs::write(&small, png(10, 10)).unwrap();
        assert!(
            load(&small, spec)
                .unwrap_err()
                .to_string()
                .contains("between 384 and 3072")
        );

        let fake = dir.path().join("fake.png");
        std::fs::write(&fake, b"%PDF-1.4 not an image").unwrap();
        assert!(
            load(&fake, spec)
                .unwrap_err()
                .to_string()
                .contains("not a PNG")
        );

        assert!(
            load(&dir.path().join("missing.png"), spec)
                .unwrap_err()
                .to_string()
                .contains("no such file")
        );
        assert!(
            load(dir.path(), spec)
                .unwrap_err()
                .to_string()
                .contains("folder")
        );

        let big = dir.path().join("big.png");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(11 * 1024 * 1024).unwrap();
        assert!(load(&big, spec).unwrap_err().to_string().contains("10 MB"));
    }
}
