//! Reading gateway requests as strictly as the seed page: known models only, each on its own
//! endpoint; `n` must be 1; sizes from the model's list; well-typed `parameters`; edits as
//! multipart with real image files.

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::super::state::SimState;
use super::oa_error;
use crate::domain::ImageFormat;
use crate::domain::models::{self, ModelSpec, Task, Wire};
use crate::domain::seed::SEED_MAX;

/// The prompt, or the gateway's 400 when it is missing, blank or too long for the model.
pub(super) fn checked_prompt<'a>(
    s: &SimState,
    spec: &ModelSpec,
    prompt: Option<&'a str>,
) -> Result<&'a str, Response> {
    match prompt {
        Some(p) if !p.trim().is_empty() && p.chars().count() <= spec.prompt_max => Ok(p),
        Some(p) if !p.trim().is_empty() => Err(oa_error(
            s,
            StatusCode::BAD_REQUEST,
            &format!("prompt is longer than {} characters", spec.prompt_max),
            "InvalidParameter",
        )),
        _ => Err(oa_error(
            s,
            StatusCode::BAD_REQUEST,
            "prompt is required",
            "invalid_request",
        )),
    }
}

pub(super) fn model_for(
    s: &SimState,
    name: Option<&str>,
    task: Task,
) -> Result<&'static ModelSpec, Response> {
    let Some(name) = name else {
        return Err(oa_error(
            s,
            StatusCode::BAD_REQUEST,
            "model is required",
            "invalid_request",
        ));
    };
    match models::find(name) {
        Some(m) if m.wire == Wire::OpenAi && m.task == task => Ok(m),
        Some(m) if m.wire == Wire::OpenAi => {
            let endpoint = if m.task == Task::Edit {
                "/v1/images/edits"
            } else {
                "/v1/images/generations"
            };
            Err(oa_error(
                s,
                StatusCode::BAD_REQUEST,
                &format!("model {name} is served on {endpoint}"),
                "invalid_request",
            ))
        }
        _ => Err(oa_error(
            s,
            StatusCode::BAD_REQUEST,
            &format!("model {name} is not available"),
            "model_not_found",
        )),
    }
}

pub(super) fn parse_size(spec: &ModelSpec, v: Option<&Value>) -> Result<(u32, u32), String> {
    let Some(v) = v else {
        return spec
            .sizes
            .first()
            .map(|p| (p.width, p.height))
            .ok_or_else(|| "this model has no size".to_owned());
    };
    let text = v
        .as_str()
        .ok_or("size must be a string like \"1328*1328\"")?;
    spec.sizes
        .iter()
        .find(|p| p.wire() == text.replace('x', "*"))
        .map(|p| (p.width, p.height))
        .ok_or_else(|| {
            format!(
                "size {text} is not supported by {}; use one of {}",
                spec.id,
                spec.sizes
                    .iter()
                    .map(|p| p.wire())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// A generations request as the simulator understood it.
pub(super) struct Generation {
    pub prompt: String,
    pub b64: bool,
    pub seed: Option<u64>,
    pub size: (u32, u32),
}

const GENERATION_FIELDS: [&str; 6] = [
    "model",
    "prompt",
    "n",
    "size",
    "response_format",
    "parameters",
];

pub(super) fn bad(s: &SimState, message: &str, code: &str) -> Response {
    oa_error(s, StatusCode::BAD_REQUEST, message, code)
}

pub(super) fn parse_generation(s: &SimState, body: &[u8]) -> Result<Generation, Response> {
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad(
            s,
            "the request body must be a JSON object",
            "bad_request_body",
        ));
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !GENERATION_FIELDS.contains(&k.as_str()))
    {
        return Err(bad(
            s,
            &format!("unknown parameter: {k}"),
            "invalid_request",
        ));
    }
    let spec = model_for(s, obj.get("model").and_then(Value::as_str), Task::Generate)?;
    let prompt = checked_prompt(s, spec, obj.get("prompt").and_then(Value::as_str))?.to_owned();
    if obj.get("n").is_some_and(|n| n.as_u64() != Some(1)) {
        return Err(bad(s, "n must be 1", "InvalidParameter"));
    }
    let b64 = match obj.get("response_format").map(|v| v.as_str()) {
        None | Some(Some("url")) => false,
        Some(Some("b64_json")) => true,
        _ => {
            let m = "response_format must be \"url\" or \"b64_json\"";
            return Err(bad(s, m, "invalid_request"));
        }
    };
    let (seed, size_in_parameters) = match obj.get("parameters") {
        Some(p) => check_parameters(s, p)?,
        None => (None, None),
    };
    let size = parse_size(spec, size_in_parameters.or_else(|| obj.get("size")))
        .map_err(|m| bad(s, &m, "InvalidParameter"))?;
    Ok(Generation {
        prompt,
        b64,
        seed,
        size,
    })
}

/// The `parameters` object: every field known and well typed. Returns the seed and the size
/// it carries.
pub(super) fn check_parameters<'a>(
    s: &SimState,
    p: &'a Value,
) -> Result<(Option<u64>, Option<&'a Value>), Response> {
    let Some(p) = p.as_object() else {
        return Err(bad(s, "parameters must be an object", "invalid_request"));
    };
    let (mut seed, mut size) = (None, None);
    for (k, v) in p {
        let problem = match k.as_str() {
            "size" => {
                size = Some(v);
                None
            }
            "n" => (v.as_u64() != Some(1)).then_some("parameters.n must be 1"),
            "negative_prompt" => v
                .as_str()
                .is_none_or(|n| n.chars().count() > 500)
                .then_some("negative_prompt must be a string of at most 500 characters"),
            "seed" => match v.as_u64() {
                Some(n) if n <= u64::from(SEED_MAX) => {
                    seed = Some(n);
                    None
                }
                _ => Some("seed must be an integer between 0 and 2147483647"),
            },
            "prompt_extend" | "watermark" => (!v.is_boolean()).then_some("must be true or false"),
            _ => Some("unknown field in parameters"),
        };
        if let Some(msg) = problem {
            return Err(bad(s, &format!("{k}: {msg}"), "InvalidParameter"));
        }
    }
    Ok((seed, size))
}

/// An edit request's multipart fields.
#[derive(Default)]
pub(super) struct EditForm {
    pub model: Option<String>,
    pub prompt: Option<String>,
    pub images: Vec<Bytes>,
    pub b64: bool,
}

pub(super) async fn read_edit_form(
    s: &SimState,
    mut form: Multipart,
) -> Result<EditForm, Response> {
    let malformed = || bad(s, "malformed multipart body", "bad_request_body");
    let mut f = EditForm::default();
    while let Some(field) = form.next_field().await.map_err(|_| malformed())? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let data = field.bytes().await.map_err(|_| malformed())?;
        match name.as_str() {
            "model" => f.model = Some(String::from_utf8_lossy(&data).into_owned()),
            "prompt" => f.prompt = Some(String::from_utf8_lossy(&data).into_owned()),
            "n" if data.as_ref() == b"1" => {}
            "n" => return Err(bad(s, "n must be 1", "InvalidParameter")),
            "response_format" => f.b64 = data.as_ref() == b"b64_json",
            n if n == "image" || n.starts_with("image[") => {
                if !is_file {
                    return Err(bad(s, "image must be a file", "invalid_request"));
                }
                f.images.push(data);
            }
            other => {
                return Err(bad(
                    s,
                    &format!("unknown field: {other}"),
                    "invalid_request",
                ));
            }
        }
    }
    Ok(f)
}

/// Checks the input images (count, format, size, sides); returns the first one's size.
pub(super) fn check_images(
    s: &SimState,
    spec: &ModelSpec,
    images: &[Bytes],
) -> Result<(u32, u32), Response> {
    let (lo, hi) = spec.images;
    if images.len() < lo.max(1) || images.len() > hi {
        let m = format!(
            "{} takes {}–{} input images, got {}",
            spec.id,
            lo.max(1),
            hi,
            images.len()
        );
        return Err(bad(s, &m, "InvalidParameter"));
    }
    let mut first = None;
    for img in images {
        if img.len() as u64 > models::IMAGE_MAX_BYTES || ImageFormat::sniff(img).is_none() {
            let m = "each image must be a PNG, JPEG or WebP file of at most 10 MB";
            return Err(bad(s, m, "InvalidParameter"));
        }
        let Ok((w, h)) = crate::imaging::dimensions(img) else {
            return Err(bad(
                s,
                "an input image could not be read",
                "InvalidParameter",
            ));
        };
        let (min, max) = spec.image_side;
        if w < min || h < min || w > max || h > max {
            let m = format!("image sides must be between {min} and {max} pixels, got {w}x{h}");
            return Err(bad(s, &m, "InvalidParameter"));
        }
        first.get_or_insert((w, h));
    }
    Ok(first.unwrap_or((1024, 1024)))
}
