//! The multipart edit form, as strictly as the seed page: its fields typed as the JSON body
//! would be, only what the catalogue says the model takes on this wire, and real image files.

use axum::body::Bytes;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::super::state::SimState;
use super::parse::{Asked, EditForm, bad, check_param, parse_size};
use crate::domain::ImageFormat;
use crate::domain::catalogue::ModelSpec;

/// A form field's text as the JSON value the parameter takes.
fn form_value(k: &str, text: &str) -> Value {
    match k {
        "n" | "seed" => text
            .parse::<u64>()
            .map_or_else(|_| json!(text), |n| json!(n)),
        "prompt_extend" | "watermark" => text
            .parse::<bool>()
            .map_or_else(|_| json!(text), |b| json!(b)),
        _ => json!(text),
    }
}

/// The edit form's parameters against the model: what the form path forwards (`n`, the
/// watermark, and whatever else the catalogue says the model takes on this wire).
pub(super) fn edit_params(s: &SimState, spec: &ModelSpec, f: &EditForm) -> Result<Asked, Response> {
    let mut asked = Asked::default();
    let mut seen = Map::new();
    let mut size = None;
    for (k, text) in &f.fields {
        let v = form_value(k, text);
        if k == "size" {
            size = Some(v.clone());
        } else {
            check_param(spec, k, &v, &mut asked)
                .map_err(|m| bad(s, &format!("{k}: {m}"), "InvalidParameter"))?;
        }
        seen.insert(k.clone(), v);
    }
    asked.size = parse_size(spec, size.as_ref()).map_err(|m| bad(s, &m, "InvalidParameter"))?;
    seen.insert("model".into(), json!(spec.id));
    seen.insert("images".into(), json!(f.images.len()));
    s.record("edits", Value::Object(seen));
    Ok(asked)
}

/// Checks the input images (count, format, size, sides); returns the first one's size.
pub(super) fn check_images(
    s: &SimState,
    spec: &ModelSpec,
    images: &[Bytes],
) -> Result<(u32, u32), Response> {
    let lim = spec.images;
    if images.len() < lim.min.max(1) || images.len() > lim.max {
        let m = format!(
            "{} takes {}–{} input images, got {}",
            spec.id,
            lim.min.max(1),
            lim.max,
            images.len()
        );
        return Err(bad(s, &m, "InvalidParameter"));
    }
    let mut first = None;
    for img in images {
        if img.len() as u64 > lim.max_bytes || ImageFormat::sniff(img).is_none() {
            let mb = lim.max_bytes / 1_048_576;
            let m = format!("each image must be a PNG, JPEG or WebP file of at most {mb} MB");
            return Err(bad(s, &m, "InvalidParameter"));
        }
        let Ok((w, h)) = crate::imaging::dimensions(img) else {
            return Err(bad(
                s,
                "an input image could not be read",
                "InvalidParameter",
            ));
        };
        let (min, max) = (lim.min_side, lim.max_side);
        if w < min || h < min || w > max || h > max {
            let m = format!("image sides must be between {min} and {max} pixels, got {w}x{h}");
            return Err(bad(s, &m, "InvalidParameter"));
        }
        first.get_or_insert((w, h));
    }
    Ok(first.unwrap_or((1024, 1024)))
}
