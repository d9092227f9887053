//! Validating an Apiframe generate body as Zod does: unknown keys and wrong types are 400
//! with `details`; bad values are 422. The models, their ratios, prompt and negative limits
//! and seed ranges come from the catalogue the client uses.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::domain::catalogue::{Catalogue, ModelSpec};
use crate::domain::models::{AspectRatio, ParamsKey, Wire};

/// A generate body that passed.
pub struct Valid {
    /// The model.
    pub model: Arc<ModelSpec>,
    /// The prompt.
    pub prompt: String,
    /// The seed, when sent.
    pub seed: Option<u64>,
    /// The aspect ratio (1:1 when not sent).
    pub aspect: AspectRatio,
    /// The reference image URL, when sent.
    pub image: Option<String>,
}

/// Field errors by path: wrong types (400) and bad values (422), as Zod reports them.
#[derive(Default)]
struct Errors {
    types: Map<String, Value>,
    values: Map<String, Value>,
}

impl Errors {
    fn wrong_type(&mut self, path: &str, msg: &str) {
        self.types.insert(path.to_owned(), json!([msg]));
    }

    fn bad_value(&mut self, path: &str, msg: &str) {
        self.values.insert(path.to_owned(), json!([msg]));
    }
}

/// Zod's message for a value outside an enum: `Expected 'a' | 'b'`.
fn expected(values: impl Iterator<Item = String>) -> String {
    let quoted: Vec<String> = values.map(|v| format!("'{v}'")).collect();
    format!("Expected {}", quoted.join(" | "))
}

/// The model the body names, or the discriminator error.
fn model_of(
    catalogue: &Catalogue,
    obj: &Map<String, Value>,
    e: &mut Errors,
) -> Option<Arc<ModelSpec>> {
    let offered = catalogue.for_wire(Wire::Apiframe);
    let named = obj.get("model").and_then(Value::as_str);
    let found = named.and_then(|m| offered.iter().find(|s| s.id == m).cloned());
    if found.is_none() {
        let ids = offered.iter().map(|s| s.id.clone());
        e.wrong_type(
            "model",
            &format!("Invalid discriminator value. {}", expected(ids)),
        );
    }
    found
}

/// Zod-like validation: unknown keys and wrong types are 400 with `details`; bad values are 422.
pub fn validate(
    params_key: ParamsKey,
    catalogue: &Catalogue,
    body: &Value,
) -> Result<Valid, (StatusCode, Value)> {
    let Some(obj) = body.as_object() else {
        return Err((StatusCode::BAD_REQUEST, json!({"": ["Expected object"]})));
    };
    let mut e = Errors::default();
    let pk = params_key.as_str();
    for k in obj.keys() {
        if !["prompt", "model", "webhookUrl", "webhookEvents", pk].contains(&k.as_str()) {
            e.wrong_type(k, "Unrecognized key");
        }
    }
    let model = model_of(catalogue, obj, &mut e);
    let prompt_max = model.as_ref().map_or(2000, |m| m.prompt_max);
    let prompt = match obj.get("prompt") {
        Some(Value::String(p)) => {
            let n = p.chars().count();
            if n == 0 || n > prompt_max {
                let m =
                    format!("String must contain between 1 and {prompt_max} character(s), got {n}");
                e.bad_value("prompt", &m);
            }
            p.clone()
        }
        Some(_) => {
            e.wrong_type("prompt", "Expected string");
            String::new()
        }
        None => {
            e.wrong_type("prompt", "Required");
            String::new()
        }
    };
    let Some(model) = model else {
        return Err((StatusCode::BAD_REQUEST, Value::Object(e.types)));
    };
    let aspect = if model.ratio_size(AspectRatio::Square).is_some() {
        AspectRatio::Square
    } else {
        model
            .ratios()
            .first()
            .map_or(AspectRatio::Square, |r| r.ratio)
    };
    let mut valid = Valid {
        model,
        prompt,
        seed: None,
        aspect,
        image: None,
    };
    match obj.get(pk) {
        None => {}
        Some(Value::Object(p)) => check_params(pk, p, &mut valid, &mut e),
        Some(_) => e.wrong_type(pk, "Expected object"),
    }
    if !e.types.is_empty() {
        return Err((StatusCode::BAD_REQUEST, Value::Object(e.types)));
    }
    if !e.values.is_empty() {
        return Err((StatusCode::UNPROCESSABLE_ENTITY, Value::Object(e.values)));
    }
    Ok(valid)
}

/// The params block's fields, against the model's entry.
fn check_params(pk: &str, p: &Map<String, Value>, valid: &mut Valid, e: &mut Errors) {
    let spec = Arc::clone(&valid.model);
    for (k, v) in p {
        let path = format!("{pk}.{k}");
        match (k.as_str(), v) {
            ("aspect_ratio", Value::String(a)) => {
                match AspectRatio::parse(a).filter(|r| spec.ratio_size(*r).is_some()) {
                    Some(r) => valid.aspect = r,
                    None => {
                        let ratios = spec.ratios().iter().map(|r| r.ratio.as_str().to_owned());
                        e.bad_value(&path, &format!("Invalid enum value. {}", expected(ratios)));
                    }
                }
            }
            ("negative_prompt", Value::String(n)) => match spec.negative_max {
                Some(max) if n.chars().count() > max => {
                    e.bad_value(
                        &path,
                        &format!("String must contain at most {max} character(s)"),
                    );
                }
                Some(_) => {}
                None => e.wrong_type(&path, "Unrecognized key"),
            },
            ("seed", Value::Number(n)) => check_seed(&spec, &path, n, valid, e),
            ("image", Value::String(u))
                if u.starts_with("https://") || u.starts_with("http://") =>
            {
                valid.image = Some(u.clone());
            }
            ("image", Value::String(_)) => e.bad_value(&path, "Invalid url"),
            ("aspect_ratio" | "negative_prompt" | "image", _) => {
                e.wrong_type(&path, "Expected string");
            }
            ("seed", _) => e.wrong_type(&path, "Expected number"),
            _ => e.wrong_type(&path, "Unrecognized key"),
        }
    }
}

fn check_seed(
    spec: &ModelSpec,
    path: &str,
    n: &serde_json::Number,
    valid: &mut Valid,
    e: &mut Errors,
) {
    let Some((lo, hi)) = spec.seed else {
        e.wrong_type(path, "Unrecognized key");
        return;
    };
    match n.as_u64() {
        Some(v) if v >= u64::from(lo) && v <= u64::from(hi) => valid.seed = Some(v),
        Some(v) if v > u64::from(hi) => {
            e.bad_value(path, &format!("Number must be less than or equal to {hi}"));
        }
        Some(_) => e.bad_value(
            path,
            &format!("Number must be greater than or equal to {lo}"),
        ),
        None if n.as_i64().is_some() => {
            e.bad_value(
                path,
                &format!("Number must be greater than or equal to {lo}"),
            );
        }
        None => e.wrong_type(path, "Expected integer, received float"),
    }
}
