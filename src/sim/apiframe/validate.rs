//! Validating an Apiframe generate body as Zod does: unknown keys and wrong types are 400
//! with `details`; bad values are 422.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::domain::models::{AspectRatio, ParamsKey};
use crate::domain::seed::SEED_MAX;

/// A generate body that passed.
pub struct Valid {
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

const RATIOS: &str = "Invalid enum value. Expected '1:1' | '2:3' | '3:2' | '3:4' | '4:3' | '9:16' | '16:9' | '21:9' | '2:1' | '1:2'";

/// Zod-like validation: unknown keys and wrong types are 400 with `details`; bad values are 422.
pub fn validate(params_key: ParamsKey, body: &Value) -> Result<Valid, (StatusCode, Value)> {
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
    let prompt = match obj.get("prompt") {
        Some(Value::String(p)) => {
            let n = p.chars().count();
            if n == 0 || n > 2000 {
                let m = format!("String must contain between 1 and 2000 character(s), got {n}");
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
    match obj.get("model") {
        Some(Value::String(m)) if m == "qwen-image-2" || m == "qwen-image-2-pro" => {}
        _ => e.wrong_type(
            "model",
            "Invalid discriminator value. Expected 'qwen-image-2' | 'qwen-image-2-pro'",
        ),
    }
    let mut valid = Valid {
        prompt,
        seed: None,
        aspect: AspectRatio::Square,
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

/// The params block's fields.
fn check_params(pk: &str, p: &Map<String, Value>, valid: &mut Valid, e: &mut Errors) {
    for (k, v) in p {
        let path = format!("{pk}.{k}");
        match (k.as_str(), v) {
            ("aspect_ratio", Value::String(a)) => match AspectRatio::parse(a) {
                Some(r) => valid.aspect = r,
                None => e.bad_value(&path, RATIOS),
            },
            ("negative_prompt", Value::String(n)) if n.chars().count() > 500 => {
                e.bad_value(&path, "String must contain at most 500 character(s)");
            }
            ("negative_prompt", Value::String(_)) => {}
            ("seed", Value::Number(n)) => match n.as_u64() {
                Some(v) if v <= u64::from(SEED_MAX) => valid.seed = Some(v),
                Some(_) => {
                    e.bad_value(
                        &path,
                        &format!("Number must be less than or equal to {SEED_MAX}"),
                    );
                }
                None if n.as_i64().is_some() => {
                    e.bad_value(&path, "Number must be greater than or equal to 0");
                }
                None => e.wrong_type(&path, "Expected integer, received float"),
            },
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
