//! `JobRequest`: the parameters of one image to make, as sent to the provider and stored.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::models::{AspectRatio, Wire};

/// A reference image: a local file (uploaded or sent as multipart) or an https URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageInput {
    /// A file on this machine.
    File(PathBuf),
    /// An https URL the provider fetches itself.
    Url(String),
}

impl std::fmt::Display for ImageInput {
    /// The path or the URL, as the user would type it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(p) => write!(f, "{}", p.display()),
            Self::Url(u) => f.write_str(u),
        }
    }
}

/// The parameters of one job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRequest {
    /// Model id.
    pub model: String,
    /// Which wire carries it.
    pub wire: Wire,
    /// The prompt, exactly as typed.
    pub prompt: String,
    /// What to avoid, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    /// The seed, when one is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
    /// Apiframe aspect ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<AspectRatio>,
    /// Gateway size, `W*H`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Reference or input images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageInput>,
    /// The provider's prompt rewrite (`prompt_extend`), sent explicitly when the model's wire
    /// carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_extend: Option<bool>,
    /// The provider's watermark, sent explicitly when the wire carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    /// The template the prompt was expanded from (`{a|b}`, `__wildcard__`), when it was one.
    /// Never sent; kept with the job and in the PNG, and loaded back into the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

impl JobRequest {
    /// A plain text-to-image request for Apiframe's model (tests and defaults).
    pub fn apiframe(prompt: &str, aspect: AspectRatio, seed: u32) -> Self {
        Self {
            model: super::models::APIFRAME_MODEL.into(),
            wire: Wire::Apiframe,
            prompt: prompt.into(),
            negative_prompt: None,
            seed: Some(seed),
            aspect_ratio: Some(aspect),
            size: None,
            images: Vec::new(),
            prompt_extend: None,
            watermark: None,
            template: None,
        }
    }

    /// "ratio" or "size" for display: `16:9` or `1328*1328`.
    pub fn shape_label(&self) -> String {
        match (&self.aspect_ratio, &self.size) {
            (Some(a), _) => a.as_str().to_owned(),
            (None, Some(s)) => s.clone(),
            (None, None) => "auto".into(),
        }
    }
}

/// Why a reference URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadUrl {
    /// It does not parse as a URL (the text is sanitised).
    #[error("`{0}` is not a URL")]
    NotAUrl(String),
    /// Only https URLs leave the machine.
    #[error("reference image URLs must use https")]
    NotHttps,
}

/// Checks a reference URL: https only. Returns it normalised.
pub fn check_url(url: &str) -> Result<String, BadUrl> {
    let u = url::Url::parse(url.trim())
        .map_err(|_| BadUrl::NotAUrl(crate::sanitize::sanitize_line(url).into_owned()))?;
    if u.scheme() != "https" {
        return Err(BadUrl::NotHttps);
    }
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https() {
        assert!(check_url("https://example.com/a.png").is_ok());
        assert!(check_url("http://example.com/a.png").is_err());
        assert!(check_url("file:///etc/passwd").is_err());
    }
}
