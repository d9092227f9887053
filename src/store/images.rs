//! Saving results: sniff the bytes, embed the parameters in PNG text chunks (a qimg JSON chunk
//! and an A1111-style `parameters` text), name the file from date, job id and a prompt slug,
//! and write it atomically (temp file in the target folder, fsync, rename, fsync the folder).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::domain::ImageFormat;
use crate::domain::Job;
use crate::domain::format::PNG_SIGNATURE;

/// The keyword of qimg's own JSON chunk.
pub const QIMG_KEYWORD: &str = "qimg";
/// The keyword A1111 and compatible tools read.
pub const A1111_KEYWORD: &str = "parameters";

/// Why an image could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The bytes are not an image we recognise.
    #[error("the result is not a PNG, JPEG or WebP image ({0})")]
    NotAnImage(String),
    /// Writing failed (disk full, read-only folder, …); nothing partial was left behind.
    #[error("cannot save to {dir}: {source}")]
    Io {
        /// The folder.
        dir: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The parameters embedded in a saved PNG (qimg's own chunk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddedParams {
    /// Prompt.
    pub prompt: String,
    /// Negative prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    /// Model id.
    pub model: String,
    /// Provider kind or profile provider.
    pub provider: String,
    /// Profile name.
    #[serde(default)]
    pub profile: String,
    /// Seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
    /// Aspect ratio (Apiframe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// Size `W*H` (gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// The provider's prompt rewrite as sent (`prompt_extend`), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_extend: Option<bool>,
    /// The watermark setting as sent, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    /// The prompt the provider drew, when it rewrote the one sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
    /// The template the prompt was made from, when it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Local job id.
    pub job_id: String,
    /// Provider job id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    /// When the job was made (RFC 3339, UTC).
    pub created: String,
}

impl EmbeddedParams {
    /// The parameters of `job`.
    pub fn of(job: &Job, provider: &str) -> Self {
        let r = &job.request;
        Self {
            prompt: r.prompt.clone(),
            negative_prompt: r.negative_prompt.clone(),
            model: r.model.clone(),
            provider: provider.to_owned(),
            profile: job.profile.clone(),
            seed: r.seed,
            aspect_ratio: r.aspect_ratio.map(|a| a.as_str().to_owned()),
            size: r.size.clone(),
            prompt_extend: r.prompt_extend,
            watermark: r.watermark,
            revised_prompt: job.revised_prompt.clone(),
            template: r.template.clone(),
            job_id: job.id.to_string(),
            remote_id: job.remote_id.clone(),
            created: job.created_at.to_rfc3339(),
        }
    }

    /// The A1111-style `parameters` text.
    pub fn a1111(&self, width: Option<u32>, height: Option<u32>) -> String {
        let mut s = self.prompt.clone();
        if let Some(n) = self.negative_prompt.as_deref().filter(|n| !n.is_empty()) {
            s.push_str("\nNegative prompt: ");
            s.push_str(n);
        }
        let mut kv = Vec::new();
        if let Some(seed) = self.seed {
            kv.push(format!("Seed: {seed}"));
        }
        if let (Some(w), Some(h)) = (width, height) {
            kv.push(format!("Size: {w}x{h}"));
        }
        kv.push(format!("Model: {}", self.model));
        if let Some(a) = &self.aspect_ratio {
            kv.push(format!("Aspect ratio: {a}"));
        }
        if let Some(e) = self.prompt_extend {
            kv.push(format!("Prompt extend: {e}"));
        }
        if let Some(t) = &self.template {
            // A1111 readers split on ", ": quoted as JSON so commas stay inside.
            kv.push(format!(
                "Template: {}",
                serde_json::to_string(t).unwrap_or_default()
            ));
        }

        kv.push(format!("Provider: {}", self.provider));
        kv.push(format!("Job id: {}", self.job_id));
        s.push('\n');
        s.push_str(&kv.join(", "));
        s
    }
}

/// A short, safe slug of a prompt: lowercase ASCII letters, digits and dashes, at most 40
/// bytes, never empty. It never contains a path separator, `..` or a control character.
pub fn slug(prompt: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in prompt.chars() {
        if c.is_ascii_alphanumeric() {
            let sep = dash && !out.is_empty();
            if out.len() + usize::from(sep) + 1 > 40 {
                break;
            }
            if sep {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        "image".to_owned()
    } else {
        out
    }
}

/// The file name for image `index` of `job`: `20261123-111939_1a2b3c4d_a-red-kite.png`.
pub fn file_name(job: &Job, index: usize, total: usize, ext: &str) -> String {
    let when = time::OffsetDateTime::from_unix_timestamp(job.created_at.0 / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let date = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        when.year(),
        u8::from(when.month()),
        when.day(),
        when.hour(),
        when.minute(),
        when.second()
    );
    let n = if total > 1 {
        format!("-{}", index + 1)
    } else {
        String::new()
    };
    format!(
        "{date}_{}{n}_{}.{ext}",
        job.id.short(),
        slug(&job.request.prompt)
    )
}

/// Saves result `index` of `total` for `job` into `dir`. PNGs get the text chunks; other
/// formats are saved as they are. Returns the final path.
pub fn save_result(
    dir: &Path,
    job: &Job,
    provider: &str,
    index: usize,
    total: usize,
    bytes: &[u8],
) -> Result<PathBuf, SaveError> {
    let format = ImageFormat::sniff(bytes).ok_or_else(|| {
        let preview: String = String::from_utf8_lossy(&bytes[..bytes.len().min(60)])
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        SaveError::NotAnImage(if bytes.is_empty() {
            "empty body".into()
        } else {
            format!("starts with {:?}", crate::sanitize::sanitize_line(&preview))
        })
    })?;
    let params = EmbeddedParams::of(job, provider);
    let data = match format {
        ImageFormat::Png => {
            let (w, h) = png_dimensions(bytes).unzip();
            let json = serde_json::to_string(&params).unwrap_or_default();
            let chunks = [
                itxt_chunk(QIMG_KEYWORD, &json),
                itxt_chunk(A1111_KEYWORD, &params.a1111(w, h)),
            ];
            insert_after_ihdr(bytes, &chunks).unwrap_or_else(|| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    let name = file_name(job, index, total, format.extension());
    write_atomic(dir, &name, &data)
}

/// Writes `data` to `dir/name` atomically; never overwrites an existing file (a numeric suffix
/// is added instead).
pub fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> Result<PathBuf, SaveError> {
    let io = |source| SaveError::Io {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".qimg-tmp-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(data).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let mut attempt = 0;
    let path = loop {
        let candidate = if attempt == 0 {
            dir.join(name)
        } else {
            dir.join(format!("{stem}~{attempt}.{ext}"))
        };
        debug_assert!(candidate.starts_with(dir));
        match tmp.persist_noclobber(&candidate) {
            Ok(_) => break candidate,
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                tmp = e.file;
                attempt += 1;
            }
            Err(e) => return Err(io(e.error)),
        }
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(path)
}

/// Removes temp files a crash left behind in `dir`.
pub fn sweep_temp_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".qimg-tmp-"))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut h = crc32fast::Hasher::new();
    h.update(kind);
    h.update(data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
    out
}

/// `png` with uncompressed UTF-8 text chunks (keyword, text) added after its header; `None`
/// when `png` is not a PNG.
pub fn with_text(png: &[u8], texts: &[(&str, &str)]) -> Option<Vec<u8>> {
    let chunks: Vec<Vec<u8>> = texts.iter().map(|(k, t)| itxt_chunk(k, t)).collect();
    insert_after_ihdr(png, &chunks)
}

/// An uncompressed UTF-8 `iTXt` chunk.
fn itxt_chunk(keyword: &str, text: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(keyword.len() + text.len() + 5);
    data.extend_from_slice(keyword.as_bytes());
    data.extend_from_slice(&[0, 0, 0, 0, 0]); // NUL, no compression, method 0, empty language, empty translation
    data.extend_from_slice(text.as_bytes());
    chunk(b"iTXt", &data)
}

/// The PNG's chunks as (type, data) pairs; `None` when the structure is broken.
fn png_chunks(bytes: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let mut rest = bytes.strip_prefix(PNG_SIGNATURE)?;
    let mut out = Vec::new();
    while rest.len() >= 12 {
        let len = usize::try_from(u32::from_be_bytes(rest[..4].try_into().ok()?)).ok()?;
        let kind: [u8; 4] = rest[4..8].try_into().ok()?;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        out.push((kind, data));
        rest = rest.get(12 + len..)?;
        if &kind == b"IEND" {
            break;
        }
    }
    Some(out)
}

fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let chunks = png_chunks(bytes)?;
    let (kind, data) = chunks.first()?;
    if kind != b"IHDR" || data.len() < 8 {
        return None;
    }
    Some((
        u32::from_be_bytes(data[..4].try_into().ok()?),
        u32::from_be_bytes(data[4..8].try_into().ok()?),
    ))
}

fn insert_after_ihdr(bytes: &[u8], new_chunks: &[Vec<u8>]) -> Option<Vec<u8>> {
    let rest = bytes.strip_prefix(PNG_SIGNATURE)?;
    let ihdr_len = usize::try_from(u32::from_be_bytes(rest.get(..4)?.try_into().ok()?)).ok()?;
    if rest.get(4..8)? != b"IHDR" {
        return None;
    }
    let split = PNG_SIGNATURE.len() + 12 + ihdr_len;
    let (head, tail) = (bytes.get(..split)?, bytes.get(split..)?);
    let mut out = Vec::with_capacity(bytes.len() + new_chunks.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(head);
    for c in new_chunks {
        out.extend_from_slice(c);
    }
    out.extend_from_slice(tail);
    Some(out)
}

/// Text chunks (`tEXt` and uncompressed `iTXt`) of a PNG as (keyword, text).
pub fn png_text_chunks(bytes: &[u8]) -> Vec<(String, String)> {
    let Some(chunks) = png_chunks(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (kind, data) in chunks {
        let Some(nul) = data.iter().position(|b| *b == 0) else {
            continue;
        };
        let keyword = String::from_utf8_lossy(&data[..nul]).into_owned();
        match &kind {
            b"tEXt" => out.push((
                keyword,
                data[nul + 1..].iter().map(|b| char::from(*b)).collect(),
            )),
            b"iTXt" => {
                let rest = &data[nul + 1..];
                if rest.len() < 2 || rest[0] != 0 {
                    continue; // compressed iTXt is not read (no decompression of untrusted text)
                }
                let rest = &rest[2..];
                let Some(lang_end) = rest.iter().position(|b| *b == 0) else {
                    continue;
                };
                let rest = &rest[lang_end + 1..];
                let Some(tr_end) = rest.iter().position(|b| *b == 0) else {
                    continue;
                };
                out.push((
                    keyword,
                    String::from_utf8_lossy(&rest[tr_end + 1..]).into_owned(),
                ));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests;
