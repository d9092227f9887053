//! Reading gateway requests as strictly as the seed page, with each model's rules from the
//! catalogue: known models only, each on its own endpoint; `n`, sizes, seeds, negative
//! prompts, the rewrite and the watermark only where the model takes them; well-typed
//! `parameters`; edits as multipart with real image files.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::super::state::SimState;
use super::oa_error;
use crate::domain::catalogue::{Carried, ModelSpec, NegativeIn, ShapeSpec};
use crate::domain::models::{Task, Wire};

pub(super) fn bad(s: &SimState, message: &str, code: &str) -> Response {
    oa_error(s, StatusCode::BAD_REQUEST, message, code)
}

/// The prompt, or the gateway's 400 when it is missing, blank or too long for the model.
pub(super) fn checked_prompt<'a>(
    s: &SimState,
    spec: &ModelSpec,
    prompt: Option<&'a str>,
) -> Result<&'a str, Response> {
    match prompt {
        Some(p) if !p.trim().is_empty() && p.chars().count() <= spec.prompt_max => Ok(p),
        Some(p) if !p.trim().is_empty() => Err(bad(
            s,
            &format!("prompt is longer than {} characters", spec.prompt_max),
            "InvalidParameter",
        )),
        _ => Err(bad(s, "prompt is required", "invalid_request")),
    }
}

/// The endpoint a model is served on.
fn endpoint_of(task: Task) -> &'static str {
    if task == Task::Edit {
        "/v1/images/edits"
    } else {
        "/v1/images/generations"
    }
}

/// The gateway model `name`, when it is served on the endpoint of `task` (a model that does
/// both is served on either).
pub(super) fn model_for(
    s: &SimState,
    name: Option<&str>,
    task: Task,
) -> Result<Arc<ModelSpec>, Response> {
    let Some(name) = name else {
        return Err(bad(s, "model is required", "invalid_request"));
    };
    match s.config.catalogue.find(name) {
        Some(m) if m.wire == Wire::OpenAi && (m.task == task || m.task == Task::Both) => {
            Ok(Arc::clone(m))
        }
        Some(m) if m.wire == Wire::OpenAi => Err(bad(
            s,
            &format!("model {name} is served on {}", endpoint_of(m.task)),
            "invalid_request",
        )),
        _ => Err(bad(
            s,
            &format!("model {name} is not available"),
            "model_not_found",
        )),
    }
}

/// The output size asked for (or the model's first), when the model takes one.
pub(super) fn parse_size(
    spec: &ModelSpec,
    v: Option<&Value>,
) -> Result<Option<(u32, u32)>, String> {
    let Some(v) = v else {
        return Ok(spec.sizes().first().map(|p| (p.width, p.height)));
    };
    if matches!(spec.shape, ShapeSpec::None) {
        return Err(format!("{} takes no size", spec.id));
    }
    let text = v
        .as_str()
        .ok_or("size must be a string like \"1328*1328\"")?;
    let wanted = text.replace('x', "*");
    let parsed = wanted
        .split_once('*')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
    match parsed {
        Some((w, h)) if spec.takes_size(w, h) => Ok(Some((w, h))),
        _ => Err(format!(
            "size {text} is not supported by {}; use one of {}",
            spec.id,
            spec.sizes()
                .iter()
                .map(|p| p.wire())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// What a request asked for besides the prompt and the images, as the simulator read it.
#[derive(Debug, Default)]
pub(super) struct Asked {
    pub seed: Option<u64>,
    pub n: Option<u64>,
    pub prompt_extend: Option<bool>,
    pub size: Option<(u32, u32)>,
    pub negative: Option<String>,
}

impl Asked {
    /// How many images to make (1 unless `n` says otherwise).
    pub fn count(&self) -> u32 {
        self.n.and_then(|n| u32::try_from(n).ok()).unwrap_or(1)
    }

    /// Whether the provider rewrites the prompt: when asked, or by default on a model whose
    /// wire cannot turn it off (DashScope's default is on).
    pub fn rewrites(&self, spec: &ModelSpec) -> bool {
        match spec.rewrite {
            Carried::Send => self.prompt_extend.unwrap_or(true),
            Carried::Provider => true,
            Carried::None => false,
        }
    }
}

/// Checks one parameter against the model; `Err` is the gateway's message.
pub(super) fn check_param(
    spec: &ModelSpec,
    k: &str,
    v: &Value,
    asked: &mut Asked,
) -> Result<(), String> {
    let refuse = || Err(format!("{k} is not supported by {}", spec.id));
    match k {
        "size" => {}
        "n" => match v.as_u64() {
            Some(n) if (u64::from(spec.n.0)..=u64::from(spec.n.1)).contains(&n) => {
                asked.n = Some(n)
            }
            _ => {
                return Err(format!(
                    "parameters.n must be an integer between {} and {}",
                    spec.n.0, spec.n.1
                ));
            }
        },
        "negative_prompt" => {
            let Some(max) = spec
                .negative_max
                .filter(|_| spec.negative_in == NegativeIn::Parameters)
            else {
                return refuse();
            };
            match v.as_str() {
                Some(n) if n.chars().count() <= max => asked.negative = Some(n.to_owned()),
                _ => {
                    return Err(format!(
                        "negative_prompt must be a string of at most {max} characters"
                    ));
                }
            }
        }
        "seed" => {
            let Some((lo, hi)) = spec.seed else {
                return refuse();
            };
            match v.as_u64() {
                Some(n) if n >= u64::from(lo) && n <= u64::from(hi) => asked.seed = Some(n),
                _ => return Err(format!("seed must be an integer between {lo} and {hi}")),
            }
        }
        "prompt_extend" if spec.rewrite == Carried::Send => {
            asked.prompt_extend = Some(v.as_bool().ok_or("must be true or false")?);
        }
        "watermark" if spec.watermark == Carried::Send => {
            v.as_bool().ok_or("must be true or false")?;
        }
        "prompt_extend" | "watermark" => return refuse(),
        _ => return Err("unknown field in parameters".into()),
    }
    Ok(())
}

/// The `parameters` object: every field known, taken by the model and well typed.
fn check_parameters<'a>(
    s: &SimState,
    spec: &ModelSpec,
    p: &'a Value,
    asked: &mut Asked,
) -> Result<Option<&'a Value>, Response> {
    let Some(p) = p.as_object() else {
        return Err(bad(s, "parameters must be an object", "invalid_request"));
    };
    for (k, v) in p {
        check_param(spec, k, v, asked)
            .map_err(|m| bad(s, &format!("{k}: {m}"), "InvalidParameter"))?;
    }
    Ok(p.get("size"))
}

/// A generations request as the simulator understood it.
pub(super) struct Generation {
    pub spec: Arc<ModelSpec>,
    pub prompt: String,
    pub b64: bool,
    pub asked: Asked,
}

const GENERATION_FIELDS: [&str; 7] = [
    "model",
    "prompt",
    "n",
    "size",
    "response_format",
    "parameters",
    "input",
];

/// The `input` object (forwarded to DashScope as it is): a prompt, and the negative prompt of
/// a model that reads it from there.
fn check_input(
    s: &SimState,
    spec: &ModelSpec,
    input: &Value,
    asked: &mut Asked,
) -> Result<String, Response> {
    let Some(obj) = input.as_object() else {
        return Err(bad(s, "input must be an object", "invalid_request"));
    };
    for (k, v) in obj {
        match k.as_str() {
            "prompt" => {}
            "negative_prompt" if spec.negative_in == NegativeIn::Input => {
                let max = spec.negative_max.unwrap_or(0);
                match v.as_str() {
                    Some(n) if n.chars().count() <= max => asked.negative = Some(n.to_owned()),
                    _ => {
                        let m = format!(
                            "input.negative_prompt must be a string of at most {max} characters"
                        );
                        return Err(bad(s, &m, "InvalidParameter"));
                    }
                }
            }
            other => {
                return Err(bad(
                    s,
                    &format!("unknown field in input: {other}"),
                    "invalid_request",
                ));
            }
        }
    }
    let prompt = obj.get("prompt").and_then(Value::as_str);
    Ok(checked_prompt(s, spec, prompt)?.to_owned())
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
    let mut prompt =
        checked_prompt(s, &spec, obj.get("prompt").and_then(Value::as_str))?.to_owned();
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
    let mut asked = Asked::default();
    // new-api: a `parameters` object replaces its own mapping of size and n wholesale.
    let size = match obj.get("parameters") {
        Some(p) => check_parameters(s, &spec, p, &mut asked)?,
        None => obj.get("size"),
    };
    if let Some(input) = obj.get("input") {
        prompt = check_input(s, &spec, input, &mut asked)?;
    }
    asked.size = parse_size(&spec, size).map_err(|m| bad(s, &m, "InvalidParameter"))?;
    s.record("generations", Value::Object(obj));
    Ok(Generation {
        spec,
        prompt,
        b64,
        asked,
    })
}

/// An edit request's multipart fields.
#[derive(Default)]
pub(super) struct EditForm {
    pub model: Option<String>,
    pub prompt: Option<String>,
    pub images: Vec<Bytes>,
    pub b64: bool,
    /// The other text fields, checked once the model is known.
    pub fields: Vec<(String, String)>,
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
        let text = || String::from_utf8_lossy(&data).into_owned();
        match name.as_str() {
            "model" => f.model = Some(text()),
            "prompt" => f.prompt = Some(text()),
            "response_format" => f.b64 = data.as_ref() == b"b64_json",
            n if n == "image" || n.starts_with("image[") => {
                if !is_file {
                    return Err(bad(s, "image must be a file", "invalid_request"));
                }
                f.images.push(data);
            }
            _ => f.fields.push((name.clone(), text())),
        }
    }
    Ok(f)
}
