//! Apiframe v2 wire formats: the generate body with its params block, the job
//! object, the tolerant `result` parser (string, list, `{images: [...]}`), and status names.

use serde_json::{Map, Value, json};

use super::super::error::ApiError;
use crate::domain::JobRequest;
use crate::domain::models::ParamsKey;
use crate::sanitize::sanitize_line;

/// A job status as Apiframe reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteStatus {
    /// Waiting in Apiframe's queue.
    Queued,
    /// Being generated.
    Processing,
    /// Finished with results.
    Completed,
    /// Finished with an error (credits refunded).
    Failed,
    /// Cancelled on the server side.
    Cancelled,
    /// A status this version of qimg does not know (sanitised, at most 40 characters).
    Unknown(String),
}

impl RemoteStatus {
    /// Parses the `status` field; anything unexpected (lower case, empty, a number) is Unknown.
    pub fn parse(v: Option<&Value>) -> Self {
        match v.and_then(Value::as_str) {
            Some("QUEUED") => Self::Queued,
            Some("PROCESSING") => Self::Processing,
            Some("COMPLETED") => Self::Completed,
            Some("FAILED") => Self::Failed,
            Some("CANCELLED") => Self::Cancelled,
            Some(other) => Self::Unknown(
                sanitize_line(&other.chars().take(40).collect::<String>()).into_owned(),
            ),
            None => Self::Unknown(v.map_or_else(
                || "missing".to_owned(),
                |v| sanitize_line(&v.to_string().chars().take(40).collect::<String>()).into_owned(),
            )),
        }
    }
}

/// One poll answer, reduced to what qimg uses.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteJob {
    /// The status.
    pub status: RemoteStatus,
    /// Percent done, when reported (clamped to 0–100).
    pub progress: Option<u8>,
    /// Result URLs (only meaningful on COMPLETED).
    pub result_urls: Vec<String>,
    /// The failure reason on FAILED (raw; the caller sanitises).
    pub error: Option<String>,
    /// Credits charged.
    pub credit_cost: Option<i64>,
    /// True when Apiframe says the CDN files were purged.
    pub expired: bool,
    /// Server-side duration from `createdAt` to `completedAt`, when both are there.
    pub server_duration_ms: Option<i64>,
}

/// Builds the generate body. Only the fields the user set are sent; webhook fields never are.
pub fn generate_body(req: &JobRequest, key: ParamsKey, image_url: Option<&str>) -> Value {
    let mut params = Map::new();
    if let Some(a) = req.aspect_ratio {
        params.insert("aspect_ratio".into(), json!(a.as_str()));
    }
    if let Some(n) = req.negative_prompt.as_deref().filter(|n| !n.is_empty()) {
        params.insert("negative_prompt".into(), json!(n));
    }
    if let Some(seed) = req.seed {
        params.insert("seed".into(), json!(seed));
    }
    if let Some(url) = image_url {
        params.insert("image".into(), json!(url));
    }
    let mut body = Map::new();
    body.insert("prompt".into(), json!(req.prompt));
    body.insert("model".into(), json!(req.model));
    if !params.is_empty() {
        body.insert(key.as_str().into(), Value::Object(params));
    }
    Value::Object(body)
}

/// True when a 400 body names `key` as the offending field (the params-key negotiation): the
/// key appears in `details` paths or in the message.
pub fn names_params_key(body: &Value, key: ParamsKey) -> bool {
    let k = key.as_str();
    let in_details = body
        .get("details")
        .and_then(Value::as_object)
        .is_some_and(|d| {
            d.iter().any(|(path, msgs)| {
                path.split('.').next() == Some(k) || msgs.to_string().contains(k)
            })
        });
    let in_message = body.get("error").is_some_and(|e| e.to_string().contains(k));
    in_details || in_message
}

/// Reads the submit answer `{"jobId": "...", "status": "QUEUED"}`. A missing, empty, overlong
/// or strange id is an error (the job becomes ambiguous: it may exist and cost credits).
pub fn parse_accepted(json: &Value) -> Result<(String, RemoteStatus), ApiError> {
    let id = json.get("jobId").or_else(|| json.get("id"));
    match id {
        Some(Value::String(s)) if valid_remote_id(s) => {
            Ok((s.clone(), RemoteStatus::parse(json.get("status"))))
        }
        Some(Value::String(_)) => Err(invalid("the job id in the answer is not usable")),
        Some(_) => Err(invalid("the job id in the answer is not a string")),
        None => Err(invalid("the answer has no job id")),
    }
}

fn invalid(why: &str) -> ApiError {
    ApiError::Invalid(why.to_owned())
}

/// A remote id must be short, printable and safe in a URL path segment.
pub fn valid_remote_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads a job object, tolerating missing fields and odd types.
pub fn parse_job(json: &Value) -> RemoteJob {
    let progress = json.get("progress").and_then(|p| match p {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').parse().ok(),
        _ => None,
    });
    let status = RemoteStatus::parse(json.get("status"));
    let result_urls = json.get("result").map(parse_result).unwrap_or_default();
    let time = |k: &str| {
        json.get(k).and_then(Value::as_str).and_then(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
    };
    let server_duration_ms = match (time("createdAt"), time("completedAt")) {
        (Some(a), Some(b)) if b >= a => i64::try_from((b - a).whole_milliseconds()).ok(),
        _ => None,
    };
    RemoteJob {
        status,
        progress: progress
            .filter(|p| p.is_finite())
            .map(|p| p.clamp(0.0, 100.0) as u8),
        result_urls,
        error: match json.get("error") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Object(o)) => o.get("message").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        },
        credit_cost: json.get("creditCost").and_then(Value::as_i64),
        expired: json
            .get("expired")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        server_duration_ms,
    }
}

/// The tolerant `result` parser: a string; a list of strings or `{url}` objects;
/// an object with `images` (strings or `{url}`), else `url`, `imageUrl`, `gridUrl`.
pub fn parse_result(v: &Value) -> Vec<String> {
    fn url_of(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Object(o) => ["url", "imageUrl", "image_url"]
                .iter()
                .find_map(|k| o.get(*k)?.as_str().map(|s| s.trim().to_owned())),
            _ => None,
        }
    }
    let urls: Vec<String> = match v {
        Value::String(_) => url_of(v).into_iter().collect(),
        Value::Array(items) => items.iter().filter_map(url_of).collect(),
        Value::Object(o) => match o.get("images") {
            Some(Value::Array(items)) => items.iter().filter_map(url_of).collect(),
            Some(Value::String(s)) => vec![s.trim().to_owned()],
            _ => ["url", "imageUrl", "gridUrl"]
                .iter()
                .find_map(|k| o.get(*k)?.as_str().map(|s| vec![s.trim().to_owned()]))
                .unwrap_or_default(),
        },
        _ => Vec::new(),
    };
    urls.into_iter()
        .filter(|u| !u.is_empty())
        .take(16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::models::AspectRatio;

    #[test]
    fn body_uses_the_params_key_and_only_set_fields() {
        let mut req = JobRequest::apiframe("a lake", AspectRatio::L16x9, 42);
        let b = generate_body(&req, ParamsKey::QwenImage2Params, None);
        assert_eq!(
            b,
            json!({"prompt": "a lake", "model": "qwen-image-2", "qwenImage2Params": {"aspect_ratio": "16:9", "seed": 42}})
        );
        req.negative_prompt = Some("blurry".into());
        let b = generate_body(&req, ParamsKey::QwenParams, Some("https://x/i.png"));
        assert_eq!(b["qwenParams"]["negative_prompt"], "blurry");
        assert_eq!(b["qwenParams"]["image"], "https://x/i.png");
        assert!(b.get("webhookUrl").is_none() && b.get("webhook_url").is_none());
    }

    #[test]
    fn every_result_shape() {
        let cases = [
            (json!("https://cdn/a.png"), vec!["https://cdn/a.png"]),
            (
                json!(["https://cdn/a.png", "https://cdn/b.png"]),
                vec!["https://cdn/a.png", "https://cdn/b.png"],
            ),
            (
                json!({"images": ["https://cdn/a.png"], "gridUrl": "https://cdn/g.png"}),
                vec!["https://cdn/a.png"],
            ),
            (
                json!({"images": [{"url": "https://cdn/a.png"}]}),
                vec!["https://cdn/a.png"],
            ),
            (
                json!({"url": "https://cdn/u.png"}),
                vec!["https://cdn/u.png"],
            ),
            (
                json!({"imageUrl": "https://cdn/i.png"}),
                vec!["https://cdn/i.png"],
            ),
            (
                json!({"gridUrl": "https://cdn/g.png"}),
                vec!["https://cdn/g.png"],
            ),
            (
                json!([null, "", 3, "https://cdn/a.png"]),
                vec!["https://cdn/a.png"],
            ),
            (json!(null), vec![]),
            (json!(""), vec![]),
            (json!({}), vec![]),
        ];
        for (v, want) in cases {
            assert_eq!(parse_result(&v), want, "{v}");
        }
    }

    #[test]
    fn statuses_including_unknown_ones() {
        for (v, want) in [
            (json!("QUEUED"), RemoteStatus::Queued),
            (json!("PROCESSING"), RemoteStatus::Processing),
            (json!("COMPLETED"), RemoteStatus::Completed),
            (json!("FAILED"), RemoteStatus::Failed),
            (json!("CANCELLED"), RemoteStatus::Cancelled),
            (
                json!("completed"),
                RemoteStatus::Unknown("completed".into()),
            ),
            (json!("PAUSED"), RemoteStatus::Unknown("PAUSED".into())),
            (json!(7), RemoteStatus::Unknown("7".into())),
            (json!("\u{1b}[2J"), RemoteStatus::Unknown("␛[2J".into())),
        ] {
            assert_eq!(RemoteStatus::parse(Some(&v)), want);
        }
        assert_eq!(
            RemoteStatus::parse(None),
            RemoteStatus::Unknown("missing".into())
        );
    }

    #[test]
    fn job_object() {
        let j = json!({"id": "a", "status": "PROCESSING", "progress": 65.7, "result": null, "error": null,
            "creditCost": 3, "createdAt": "2026-03-15T10:00:00.000Z", "completedAt": "2026-03-15T10:00:15.500Z"});
        let r = parse_job(&j);
        assert_eq!(
            (r.status, r.progress, r.credit_cost, r.server_duration_ms),
            (RemoteStatus::Processing, Some(65), Some(3), Some(15_500))
        );
        let r = parse_job(&json!({"status": "FAILED", "progress": 250, "error": "content policy"}));
        assert_eq!(
            (r.progress, r.error.as_deref()),
            (Some(100), Some("content policy"))
        );
    }

    #[test]
    fn accepted_ids() {
        assert_eq!(
            parse_accepted(&json!({"jobId": "b2c3d4e5-f6a7", "status": "QUEUED"}))
                .unwrap()
                .0,
            "b2c3d4e5-f6a7"
        );
        assert!(parse_accepted(&json!({"jobId": ""})).is_err());
        assert!(parse_accepted(&json!({"jobId": null})).is_err());
        assert!(parse_accepted(&json!({"jobId": 5})).is_err());
        assert!(parse_accepted(&json!({"jobId": "../../.bashrc"})).is_err());
        assert!(parse_accepted(&json!({"jobId": "x".repeat(10_000)})).is_err());
        assert!(parse_accepted(&json!({})).is_err());
    }

    #[test]
    fn params_key_detection() {
        let b = json!({"error": "Validation failed", "details": {"qwenImage2Params": ["Unrecognized key"]}});
        assert!(names_params_key(&b, ParamsKey::QwenImage2Params));
        assert!(!names_params_key(&b, ParamsKey::QwenParams));
        let b = json!({"error": "Unrecognized key(s) in object: 'qwenParams'"});
        assert!(names_params_key(&b, ParamsKey::QwenParams));
        let b = json!({"error": "Validation failed", "details": {"prompt": ["Required"]}});
        assert!(!names_params_key(&b, ParamsKey::QwenImage2Params));
    }
}
