//! OpenAI-compatible gateway wire formats: the generations JSON body, the
//! multipart edit form, and the tolerant reading of `data[]` (empty strings are absent,
//! `b64_json` preferred, an `error` object checked first).

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::domain::JobRequest;
use crate::domain::catalogue::{ModelSpec, NegativeIn};

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

/// The generations body: `{model, prompt, n: 1, size, response_format, parameters}`. new-api
/// replaces its own mapping with `parameters` wholesale, so size and n are repeated inside
/// it, with the seed, the rewrite and the watermark, all explicit. A model that reads its
/// negative prompt from `input` (wan text-to-image) gets an `input` object as well.
pub fn generations_body(req: &JobRequest, spec: &ModelSpec, response_format: &str) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(req.model));
    body.insert("prompt".into(), json!(req.prompt));
    body.insert("n".into(), json!(1));
    if let Some(size) = &req.size {
        body.insert("size".into(), json!(size));
    }
    body.insert("response_format".into(), json!(response_format));
    let negative = req.negative_prompt.as_deref().filter(|n| !n.is_empty());
    let mut p = Map::new();
    if let Some(size) = &req.size {
        p.insert("size".into(), json!(size));
    }
    p.insert("n".into(), json!(1));
    if let Some(seed) = req.seed {
        p.insert("seed".into(), json!(seed));
    }
    if let Some(extend) = req.prompt_extend {
        p.insert("prompt_extend".into(), json!(extend));
    }
    if let Some(w) = req.watermark {
        p.insert("watermark".into(), json!(w));
    }
    match (negative, spec.negative_in) {
        (Some(n), NegativeIn::Parameters) => {
            p.insert("negative_prompt".into(), json!(n));
        }
        (Some(n), NegativeIn::Input) => {
            body.insert(
                "input".into(),
                json!({"prompt": req.prompt, "negative_prompt": n}),
            );
        }
        (None, _) => {}
    }
    body.insert("parameters".into(), Value::Object(p));
    Value::Object(body)
}

/// The parameter fields of a multipart edit, besides `model`, `prompt` and `n`: only what the
/// request carries (the catalogue decided what the wire can carry when it was validated).
pub fn edit_fields(req: &JobRequest) -> Vec<(&'static str, String)> {
    let mut out = vec![("response_format", "url".to_owned())];
    if let Some(w) = req.watermark {
        out.push(("watermark", w.to_string()));
    }
    if let Some(e) = req.prompt_extend {
        out.push(("prompt_extend", e.to_string()));
    }
    if let Some(seed) = req.seed {
        out.push(("seed", seed.to_string()));
    }
    if let Some(n) = req.negative_prompt.as_deref().filter(|n| !n.is_empty()) {
        out.push(("negative_prompt", n.to_owned()));
    }
    if let Some(size) = &req.size {
        out.push(("size", size.clone()));
    }
    out
}

/// The first non-empty `revised_prompt` of `data[]`, or `metadata.output.actual_prompt` (the
/// raw upstream answer), when the provider rewrote the prompt.
pub fn revised_prompt(json: &Value) -> Option<String> {
    let from_data = json
        .get("data")
        .and_then(Value::as_array)
        .and_then(|items| {
            items.iter().find_map(|i| {
                i.get("revised_prompt")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            })
        });
    let from_metadata = || {
        json.pointer("/metadata/output/actual_prompt")
            .or_else(|| json.pointer("/metadata/output/results/0/actual_prompt"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    from_data.or_else(from_metadata).map(str::to_owned)
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
            prompt_extend: Some(false),
            watermark: Some(false),
            template: None,
        }
    }

    fn spec(id: &str) -> &'static ModelSpec {
        crate::domain::catalogue::Catalogue::builtin()
            .find(id)
            .unwrap()
    }

    #[test]
    fn every_parameter_is_sent_explicitly_in_parameters() {
        let b = generations_body(&req(None, Some(7)), spec("qwen-image-plus"), "url");
        assert_eq!(
            b,
            json!({"model": "qwen-image-plus", "prompt": "a cat", "n": 1, "size": "1328*1328",
                   "response_format": "url",
                   "parameters": {"size": "1328*1328", "n": 1, "seed": 7,
                                  "prompt_extend": false, "watermark": false}})
        );
        let b = generations_body(
            &req(Some("blurry"), Some(7)),
            spec("qwen-image-plus"),
            "url",
        );
        assert_eq!(b["parameters"]["negative_prompt"], "blurry");
        assert!(b.get("input").is_none());
        let b = generations_body(&req(Some(""), None), spec("qwen-image-plus"), "url");
        assert!(b["parameters"].get("negative_prompt").is_none());
        assert!(b["parameters"].get("seed").is_none());
    }

    #[test]
    fn wan_text_to_image_reads_its_negative_prompt_from_input() {
        let mut r = req(Some("blurry"), Some(1));
        r.model = "wan2.5-t2i-preview".into();
        let b = generations_body(&r, spec("wan2.5-t2i-preview"), "url");
        assert_eq!(
            b["input"],
            json!({"prompt": "a cat", "negative_prompt": "blurry"})
        );
        assert!(b["parameters"].get("negative_prompt").is_none());
    }

    #[test]
    fn edit_fields_carry_what_the_request_carries() {
        let mut r = req(None, None);
        r.size = None;
        r.prompt_extend = None;
        assert_eq!(
            edit_fields(&r),
            vec![
                ("response_format", "url".to_owned()),
                ("watermark", "false".to_owned())
            ]
        );
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
