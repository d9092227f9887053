//! The words models are described with: wires, tasks, the Apiframe params key, aspect ratios.
//! The models themselves are data: `catalogue`.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Text to image.
    Generate,
    /// Image plus text to image: at least one input image (a gateway's edits endpoint).
    Edit,
    /// Both, through one endpoint: text to image, or an edit when a reference is given.
    Both,
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
}

/// Largest input image file, in bytes, whatever the model.
pub const IMAGE_MAX_BYTES: u64 = 10 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aspect_round_trip() {
        for a in AspectRatio::ALL {
            assert_eq!(AspectRatio::parse(a.as_str()), Some(a));
        }
        assert_eq!(AspectRatio::parse("5:4"), None);
    }
}
