//! What each model accepts: which wire it speaks, whether it generates or edits, its aspect
//! ratios or sizes, and its limits . The form and the validators
//! read this table; nothing else hard-codes a model's rules.

use serde::{Deserialize, Serialize};

/// The model Apiframe profiles use.
pub const APIFRAME_MODEL: &str = "qwen-image-2";

/// Which wire format a model is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    /// Apiframe v2 (async job).
    Apiframe,
    /// OpenAI-compatible gateway (one synchronous request).
    OpenAi,
}

impl Wire {
    /// The wire's name in messages: "Apiframe" or "gateway".
    pub fn label(self) -> &'static str {
        match self {
            Self::Apiframe => "Apiframe",
            Self::OpenAi => "gateway",
        }
    }
}

/// What a model does with its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Text to image; an optional reference image where the model allows one.
    Generate,
    /// Image plus text to image; at least one input image.
    Edit,
}

/// The Apiframe params block key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ParamsKey {
    /// The public OpenAPI spec's name, tried first.
    #[default]
    #[serde(rename = "qwenImage2Params")]
    QwenImage2Params,
    /// The seed page's name, the fallback.
    #[serde(rename = "qwenParams")]
    QwenParams,
}

impl ParamsKey {
    /// The JSON key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::QwenImage2Params => "qwenImage2Params",
            Self::QwenParams => "qwenParams",
        }
    }

    /// The key to try when this one is refused.
    pub fn other(self) -> Self {
        match self {
            Self::QwenImage2Params => Self::QwenParams,
            Self::QwenParams => Self::QwenImage2Params,
        }
    }

    /// Parses the config spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "qwenImage2Params" => Some(Self::QwenImage2Params),
            "qwenParams" => Some(Self::QwenParams),
            _ => None,
        }
    }
}

/// An Apiframe aspect ratio: the seed's eight plus 2:1 and 1:2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AspectRatio {
    /// 1:1
    #[serde(rename = "1:1")]
    Square,
    /// 2:3
    #[serde(rename = "2:3")]
    P2x3,
    /// 3:2
    #[serde(rename = "3:2")]
    L3x2,
    /// 3:4
    #[serde(rename = "3:4")]
    P3x4,
    /// 4:3
    #[serde(rename = "4:3")]
    L4x3,
    /// 9:16
    #[serde(rename = "9:16")]
    P9x16,
    /// 16:9
    #[serde(rename = "16:9")]
    L16x9,
    /// 21:9
    #[serde(rename = "21:9")]
    L21x9,
    /// 2:1
    #[serde(rename = "2:1")]
    L2x1,
    /// 1:2
    #[serde(rename = "1:2")]
    P1x2,
}

impl AspectRatio {
    /// Every ratio, in the order the form offers them (the seed's eight first).
    pub const ALL: [AspectRatio; 10] = [
        Self::Square,
        Self::P2x3,
        Self::L3x2,
        Self::P3x4,
        Self::L4x3,
        Self::P9x16,
        Self::L16x9,
        Self::L21x9,
        Self::L2x1,
        Self::P1x2,
    ];

    /// The wire spelling, such as `16:9`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Square => "1:1",
            Self::P2x3 => "2:3",
            Self::L3x2 => "3:2",
            Self::P3x4 => "3:4",
            Self::L4x3 => "4:3",
            Self::P9x16 => "9:16",
            Self::L16x9 => "16:9",
            Self::L21x9 => "21:9",
            Self::L2x1 => "2:1",
            Self::P1x2 => "1:2",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }

    /// The pixel size the simulator renders for this ratio: exact ratios near one megapixel.
    pub fn sim_dimensions(self) -> (u32, u32) {
        match self {
            Self::Square => (1024, 1024),
            Self::P2x3 => (832, 1248),
            Self::L3x2 => (1248, 832),
            Self::P3x4 => (864, 1152),
            Self::L4x3 => (1152, 864),
            Self::P9x16 => (720, 1280),
            Self::L16x9 => (1280, 720),
            Self::L21x9 => (1344, 576),
            Self::L2x1 => (1408, 704),
            Self::P1x2 => (704, 1408),
        }
    }
}

/// A gateway output size `W*H` with its ratio label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizePreset {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// A ratio label for the form, such as `16:9`.
    pub label: &'static str,
}

impl SizePreset {
    /// The wire spelling `W*H`.
    pub fn wire(&self) -> String {
        format!("{}*{}", self.width, self.height)
    }
}

const fn size(width: u32, height: u32, label: &'static str) -> SizePreset {
    SizePreset {
        width,
        height,
        label,
    }
}

/// The seed's five qwen-image sizes, default `1328*1328`.
pub const QWEN_SIZES: [SizePreset; 5] = [
    size(1328, 1328, "1:1"),
    size(1664, 928, "16:9"),
    size(1472, 1140, "4:3"),
    size(1140, 1472, "3:4"),
    size(928, 1664, "9:16"),
];

/// The wan2.5 presets, default `1280*1280`.
pub const WAN_SIZES: [SizePreset; 5] = [
    size(1280, 1280, "1:1"),
    size(1696, 960, "16:9"),
    size(1472, 1104, "4:3"),
    size(1104, 1472, "3:4"),
    size(960, 1696, "9:16"),
];

/// Everything the form and the validators need to know about one model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelSpec {
    /// Model id on the wire.
    pub id: &'static str,
    /// Wire format.
    pub wire: Wire,
    /// Generate or edit.
    pub task: Task,
    /// Longest prompt in characters.
    pub prompt_max: usize,
    /// Whether a negative prompt is sent (and its limit).
    pub negative_max: Option<usize>,
    /// Whether a seed is sent.
    pub seed: bool,
    /// Apiframe aspect ratios (empty for gateway models).
    pub aspect_ratios: &'static [AspectRatio],
    /// Gateway sizes (empty when the model has no size choice).
    pub sizes: &'static [SizePreset],
    /// Least and most input images.
    pub images: (usize, usize),
    /// Smallest and largest input image side in pixels.
    pub image_side: (u32, u32),
    /// HTTP timeout for one synchronous request, in seconds (gateway models): at least 120 s
    /// for qwen and 240 s for wan, with room to spare.
    pub timeout_secs: u64,
}

/// Largest input image file, in bytes.
pub const IMAGE_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Every model qimg knows.
pub const MODELS: &[ModelSpec] = &[
    ModelSpec {
        id: APIFRAME_MODEL,
        wire: Wire::Apiframe,
        task: Task::Generate,
        prompt_max: 2000,
        negative_max: Some(500),
        seed: true,
        aspect_ratios: &AspectRatio::ALL,
        sizes: &[],
        images: (0, 1),
        image_side: (384, 3072),
        timeout_secs: 60,
    },
    ModelSpec {
        id: "qwen-image-plus",
        wire: Wire::OpenAi,
        task: Task::Generate,
        prompt_max: 800,
        negative_max: Some(500),
        seed: true,
        aspect_ratios: &[],
        sizes: &QWEN_SIZES,
        images: (0, 0),
        image_side: (0, 0),
        timeout_secs: 180,
    },
    ModelSpec {
        id: "wan2.5-t2i-preview",
        wire: Wire::OpenAi,
        task: Task::Generate,
        prompt_max: 2000,
        negative_max: Some(500),
        seed: true,
        aspect_ratios: &[],
        sizes: &WAN_SIZES,
        images: (0, 0),
        image_side: (0, 0),
        timeout_secs: 360,
    },
    ModelSpec {
        id: "qwen-image-edit",
        wire: Wire::OpenAi,
        task: Task::Edit,
        prompt_max: 800,
        negative_max: None,
        seed: false,
        aspect_ratios: &[],
        sizes: &[],
        images: (1, 1),
        image_side: (384, 3072),
        timeout_secs: 180,
    },
    ModelSpec {
        id: "qwen-image-edit-plus",
        wire: Wire::OpenAi,
        task: Task::Edit,
        prompt_max: 800,
        negative_max: None,
        seed: false,
        aspect_ratios: &[],
        sizes: &[],
        images: (1, 3),
        image_side: (384, 3072),
        timeout_secs: 180,
    },
    ModelSpec {
        id: "wan2.5-i2i-preview",
        wire: Wire::OpenAi,
        task: Task::Edit,
        prompt_max: 2000,
        negative_max: None,
        seed: false,
        aspect_ratios: &[],
        sizes: &[],
        images: (1, 3),
        image_side: (384, 5000),
        timeout_secs: 360,
    },
];

/// Looks a model up by id.
pub fn find(id: &str) -> Option<&'static ModelSpec> {
    MODELS.iter().find(|m| m.id == id)
}

/// The models a wire offers, in table order.
pub fn for_wire(wire: Wire) -> impl Iterator<Item = &'static ModelSpec> {
    MODELS.iter().filter(move |m| m.wire == wire)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_dimensions_match_their_ratio_exactly() {
        for a in AspectRatio::ALL {
            let (w, h) = a.sim_dimensions();
            let (rw, rh) = a.as_str().split_once(':').unwrap();
            let (rw, rh): (u32, u32) = (rw.parse().unwrap(), rh.parse().unwrap());
            assert_eq!(w * rh, h * rw, "{}", a.as_str());
        }
    }

    #[test]
    fn aspect_round_trip() {
        for a in AspectRatio::ALL {
            assert_eq!(AspectRatio::parse(a.as_str()), Some(a));
        }
        assert_eq!(AspectRatio::parse("5:4"), None);
    }

    #[test]
    fn every_gateway_model_is_known() {
        for id in [
            "qwen-image-plus",
            "wan2.5-t2i-preview",
            "qwen-image-edit",
            "qwen-image-edit-plus",
            "wan2.5-i2i-preview",
        ] {
            assert_eq!(find(id).map(|m| m.wire), Some(Wire::OpenAi), "{id}");
        }
        assert!(find("qwen-image-plus").unwrap().timeout_secs >= 120);
        assert!(find("wan2.5-t2i-preview").unwrap().timeout_secs >= 240);
        assert_eq!(QWEN_SIZES[0].wire(), "1328*1328");
    }
}
