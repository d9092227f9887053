//! `JobRequest`: the parameters of one image to make, as sent to the provider and stored.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::api::models::{AspectRatio, Wire};

/// A reference image: a local file (uploaded or sent as multipart) or an https URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageInput {
    /// A file on this machine.
    File(PathBuf),
    /// An https URL the provider fetches itself.
    Url(String),
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
}

impl JobRequest {
    /// A plain text-to-image request for Apiframe's model (tests and defaults).
    pub fn apiframe(prompt: &str, aspect: AspectRatio, seed: u32) -> Self {
        Self {
            model: crate::api::models::APIFRAME_MODEL.into(),
            wire: Wire::Apiframe,
            prompt: prompt.into(),
            negative_prompt: None,
            seed: Some(seed),
            aspect_ratio: Some(aspect),
            size: None,
            images: Vec::new(),
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
