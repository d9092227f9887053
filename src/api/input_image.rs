//! Reference images from the user: a local file, checked before anything is sent (regular
//! file, ≤ 10 MB, PNG/JPEG/WebP by magic bytes, dimensions within the model's limits, decoded
//! only as far as the header), or an https URL.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::domain::ImageFormat;
use crate::domain::models::{IMAGE_MAX_BYTES, ModelSpec};
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

/// Loads and checks a local image for `spec`. Each failure has its own message.
pub fn load(path: &Path, spec: Option<&ModelSpec>) -> Result<InputImage, String> {
    let path = crate::util::resolve_path(path);
    let shown = sanitize_line(&path.to_string_lossy()).into_owned();
    let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{shown}: no such file"),
        std::io::ErrorKind::PermissionDenied => format!("{shown}: permission denied"),
        _ => format!("{shown}: {e}"),
    })?;
    if meta.is_dir() {
        return Err(format!("{shown} is a folder, not an image"));
    }
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    if meta.len() > IMAGE_MAX_BYTES {
        return Err(format!(
            "{shown} is {:.1} MB; the limit is 10 MB",
            meta.len() as f64 / 1_048_576.0
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(&path)
        .and_then(|f| f.take(IMAGE_MAX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 > IMAGE_MAX_BYTES {
        return Err(format!("{shown} is larger than 10 MB"));
    }
    let format = ImageFormat::sniff(&bytes)
        .filter(|f| f.is_common())
        .ok_or_else(|| format!("{shown} is not a PNG, JPEG or WebP image"))?;
    let (width, height) =
        crate::imaging::dimensions(&bytes).map_err(|e| format!("{shown}: {e}"))?;
    if let Some(spec) = spec {
        let (lo, hi) = spec.image_side;
        if hi > 0 && (width < lo || height < lo || width > hi || height > hi) {
            return Err(format!(
                "{shown} is {width}×{height}; {} needs each side between {lo} and {hi} pixels",
                spec.id
            ));
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
    use crate::domain::models;

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
        let spec = models::find("qwen-image-edit");
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
                .contains("not a regular file")
        );
        // A symlink loop.
        let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let err = load(&a, spec).unwrap_err();
        assert!(err.contains("a.png"), "{err}");
        // A device.
        assert!(
            load(Path::new("/dev/null"), spec)
                .unwrap_err()
                .contains("not a regular file")
        );
        // A file name with ESC, a newline and a bidi override is shown harmlessly.
        let evil = dir.path().join("x\u{1b}[2J\n\u{202e}gnp.png");
        let err = load(&evil, spec).unwrap_err();
        assert!(err.contains("no such file"), "{err}");
        assert!(
            !err.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{err:?}"
        );
    }

    #[test]
    fn good_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let spec = models::find("qwen-image-edit");
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
                .contains("between 384 and 3072")
        );

        let fake = dir.path().join("fake.png");
        std::fs::write(&fake, b"%PDF-1.4 not an image").unwrap();
        assert!(load(&fake, spec).unwrap_err().contains("not a PNG"));

        assert!(
            load(&dir.path().join("missing.png"), spec)
                .unwrap_err()
                .contains("no such file")
        );
        assert!(load(dir.path(), spec).unwrap_err().contains("folder"));

        let big = dir.path().join("big.png");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(11 * 1024 * 1024).unwrap();
        assert!(load(&big, spec).unwrap_err().contains("10 MB"));
    }
}
