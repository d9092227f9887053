//! OpenAI-compatible gateway wire formats: the generations JSON body, the
//! multipart edit form, and the tolerant reading of `data[]` (empty strings are absent,
//! `b64_json` preferred, an `error` object checked first).

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::domain::JobRequest;

/// One result in a gateway answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayResult {
    /// The image bytes, decoded from `b64_json`.
    Bytes(Vec<u8>),
    /// A URL to fetch with the credential-free client.
    Url(String),
    /// A `b64_json` that does not decode, with no URL to fall back on: the text is all there
    /// is of a paid image, so it is kept as it came.
    Undecodable(String),
}

/// The generations body: `{model, prompt, n: 1, size, response_format}`, plus a `parameters`
/// object only when the user set a negative prompt or a seed. new-api replaces its own mapping
/// with `parameters` wholesale, so size and n are repeated inside it.
pub fn generations_body(req: &JobRequest, response_format: &str) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(req.model));
    body.insert("prompt".into(), json!(req.prompt));
    body.insert("n".into(), json!(1));
    if let Some(size) = &req.size {
        body.insert("size".into(), json!(size));
    }
    body.insert("response_format".into(), json!(response_format));
    let negative = req.negative_prompt.as_deref().filter(|n| !n.is_empty());
    if negative.is_some() || req.seed.is_some() {
        let mut p = Map::new();
        if let Some(size) = &req.size {
            p.insert("size".into(), json!(size));
        }
        p.insert("n".into(), json!(1));
        if let Some(n) = negative {
            p.insert("negative_prompt".into(), json!(n));
        }
        if let Some(seed) = req.seed {
            p.insert("seed".into(), json!(seed));
        }
        body.insert("parameters".into(), Value::Object(p));
    }
    Value::Object(body)
}

/// The multipart field name for the input images: `image` for one, `image[]` repeated for
/// several (the OpenAI convention new-api reads).
pub fn image_field_name(count: usize) -> &'static str {
    if count > 1 { "image[]" } else { "image" }
}

/// Reads `data[]` from a success body (the `error` check happened before). Empty strings are
/// absent; `b64_json` wins over `url`. Errors name what is wrong.
pub fn parse_data(json: &Value) -> Result<Vec<GatewayResult>, String> {
    let items = match json.get("data") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => return Err("the answer has no `data`".into()),
        Some(_) => return Err("`data` is not a list".into()),
    };
    if items.is_empty() {
        return Err("the gateway returned no image (empty `data`)".into());
    }
    let mut out = Vec::new();
    for item in items.iter().take(16) {
        let b64 = item
            .get("b64_json")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let url = item
            .get("url")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(b) = b64 {
            match decode_b64(b) {
                Ok(bytes) => {
                    out.push(GatewayResult::Bytes(bytes));
                    continue;
                }
                Err(_) if url.is_none() => {
                    out.push(GatewayResult::Undecodable(b.to_owned()));
                    continue;
                }
                Err(_) => {}
            }
        }
        if let Some(u) = url {
            out.push(GatewayResult::Url(u.to_owned()));
        }
    }
    if out.is_empty() {
        return Err("no item in `data` has a `url` or `b64_json`".into());
    }
    Ok(out)
}

/// Decodes base64 leniently: a `data:…;base64,` prefix, whitespace, and the URL-safe alphabet
/// are accepted, with or without padding.
pub fn decode_b64(s: &str) -> Result<Vec<u8>, String> {
    let s = match s.find(";base64,") {
        Some(i) if s.starts_with("data:") => &s[i + 8..],
        _ => s,
    };
    let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    for e in engines {
        if let Ok(b) = e.decode(&cleaned) {
            return Ok(b);
        }
    }
    Err("`b64_json` is not valid base64".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::models::Wire;

    fn req(neg: Option<&str>, seed: Option<u32>) -> JobRequest {
        JobRequest {
            model: "qwen-image-plus".into(),
            wire: Wire::OpenAi,
            prompt: "a cat".into(),
            negative_prompt: neg.map(Into::into),
            seed,
            aspect_ratio: None,
            size: Some("1328*1328".into()),
            images: vec![],
        }
    }

    #[test]
    fn parameters_only_when_set() {
        assert_eq!(
            generations_body(&req(None, None), "url"),
            json!({"model": "qwen-image-plus", "prompt": "a cat", "n": 1, "size": "1328*1328", "response_format": "url"})
        );
        let b = generations_body(&req(Some("blurry"), Some(7)), "url");
        assert_eq!(
            b["parameters"],
            json!({"size": "1328*1328", "n": 1, "negative_prompt": "blurry", "seed": 7})
        );
        let b = generations_body(&req(Some(""), None), "url");
        assert!(b.get("parameters").is_none());
    }

    #[test]
    fn data_shapes() {
        let png_b64 = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nxx");
        let url_only =
            json!({"data": [{"url": "https://x/a.png", "b64_json": "", "revised_prompt": ""}]});
        assert_eq!(
            parse_data(&url_only).unwrap(),
            vec![GatewayResult::Url("https://x/a.png".into())]
        );
        let b64_only = json!({"data": [{"url": "", "b64_json": png_b64}]});
        assert!(
            matches!(&parse_data(&b64_only).unwrap()[0], GatewayResult::Bytes(b) if b.starts_with(b"\x89PNG"))
        );
        let both = json!({"data": [{"url": "https://x/a.png", "b64_json": png_b64}]});
        assert!(matches!(
            &parse_data(&both).unwrap()[0],
            GatewayResult::Bytes(_)
        ));
        let broken_b64_with_url = json!({"data": [{"url": "https://x/a.png", "b64_json": "!!!"}]});
        assert_eq!(
            parse_data(&broken_b64_with_url).unwrap(),
            vec![GatewayResult::Url("https://x/a.png".into())]
        );
        assert!(
            parse_data(&json!({"data": []}))
                .unwrap_err()
                .contains("empty")
        );
        assert!(parse_data(&json!({"created": 1})).is_err());
        assert!(parse_data(&json!({"data": [{"url": "", "b64_json": ""}]})).is_err());
    }

    #[test]
    fn lenient_base64() {
        let want = b"hello world".to_vec();
        for s in [
            "aGVsbG8gd29ybGQ=",
            "aGVsbG8gd29ybGQ",
            "aGVs\nbG8gd2\n9ybGQ=",
            "data:image/png;base64,aGVsbG8gd29ybGQ=",
        ] {
            assert_eq!(decode_b64(s).unwrap(), want, "{s}");
        }
        assert_eq!(decode_b64("_-8").unwrap(), vec![0xff, 0xef]);
        assert!(decode_b64("not base64 at all!").is_err());
    }

    #[test]
    fn field_names() {
        assert_eq!(image_field_name(1), "image");
        assert_eq!(image_field_name(3), "image[]");
    }
}
