//! Reading generation parameters back from a PNG: qimg's own JSON chunk first, else an
//! A1111-style `parameters` text written by qimg or by other tools.

use super::images::{A1111_KEYWORD, EmbeddedParams, QIMG_KEYWORD, png_text_chunks};
use crate::domain::JobRequest;
use crate::domain::catalogue::{Catalogue, nearest_ratio};
use crate::domain::models::{AspectRatio, Wire};
use crate::domain::seed::SEED_MAX;

/// Why no parameters could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// The file is not a PNG.
    #[error("not a PNG file")]
    NotPng,
    /// The PNG carries no parameters.
    #[error("the PNG has no generation parameters (no `qimg` or `parameters` text)")]
    Missing,
}

/// Parameters found in a PNG, as a request for the form (the model may be unknown to
/// `catalogue`; the form then keeps its own).
pub fn from_png(bytes: &[u8], catalogue: &Catalogue) -> Result<JobRequest, ParamsError> {
    if super::images::ImageFormat::sniff(bytes) != Some(super::images::ImageFormat::Png) {
        return Err(ParamsError::NotPng);
    }
    let chunks = png_text_chunks(bytes);
    if let Some((_, json)) = chunks.iter().find(|(k, _)| k == QIMG_KEYWORD)
        && let Ok(p) = serde_json::from_str::<EmbeddedParams>(json)
    {
        return Ok(from_embedded(&p, catalogue));
    }
    let text = chunks
        .iter()
        .find(|(k, _)| k == A1111_KEYWORD)
        .map(|(_, t)| t.as_str())
        .ok_or(ParamsError::Missing)?;
    Ok(from_a1111(text, catalogue))
}

fn from_embedded(p: &EmbeddedParams, catalogue: &Catalogue) -> JobRequest {
    let wire = catalogue.find(&p.model).map_or(Wire::Apiframe, |m| m.wire);
    JobRequest {
        model: p.model.clone(),
        wire,
        prompt: p.prompt.clone(),
        negative_prompt: p.negative_prompt.clone(),
        seed: p.seed,
        aspect_ratio: p.aspect_ratio.as_deref().and_then(AspectRatio::parse),
        size: p.size.clone(),
        images: Vec::new(),
        prompt_extend: p.prompt_extend,
        watermark: p.watermark,
        template: p.template.clone(),
    }
}

/// Parses A1111's format: the prompt, an optional `Negative prompt:` line, and a last line of
/// `Key: value` pairs (`Seed`, `Size`, `Model`, …).
pub fn from_a1111(text: &str, catalogue: &Catalogue) -> JobRequest {
    let lines: Vec<&str> = text.lines().collect();
    let kv_line = lines
        .last()
        .filter(|l| l.contains("Steps:") || l.contains("Seed:") || l.contains("Model:"))
        .copied();
    let body = if kv_line.is_some() {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let neg_at = body.iter().position(|l| l.starts_with("Negative prompt:"));
    let prompt = body[..neg_at.unwrap_or(body.len())]
        .join("\n")
        .trim()
        .to_owned();
    let negative = neg_at.map(|i| {
        let mut n = body[i]
            .trim_start_matches("Negative prompt:")
            .trim()
            .to_owned();
        for extra in &body[i + 1..] {
            n.push('\n');
            n.push_str(extra);
        }
        n.trim().to_owned()
    });
    let mut req = JobRequest::apiframe(&prompt, AspectRatio::Square, 0);
    req.seed = None;
    req.aspect_ratio = None;
    req.negative_prompt = negative.filter(|n| !n.is_empty());
    let mut size = None;
    for pair in kv_line.unwrap_or("").split(", ") {
        let Some((k, v)) = pair.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim() {
            "Seed" => {
                req.seed = v
                    .parse::<u64>()
                    .ok()
                    .filter(|s| *s <= u64::from(SEED_MAX))
                    .map(|s| s as u32)
            }
            "Size" => {
                size = v.split_once('x').and_then(|(w, h)| {
                    Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?))
                })
            }
            "Model" => {
                if let Some(m) = catalogue.find(v) {
                    req.model = m.id.clone();
                    req.wire = m.wire;
                }
            }
            "Aspect ratio" => req.aspect_ratio = AspectRatio::parse(v),
            "Prompt extend" => req.prompt_extend = v.parse::<bool>().ok(),
            _ => {}
        }
    }
    if let Some((w, h)) = size {
        let spec = catalogue.find(&req.model);
        if spec.is_some_and(|m| m.takes_size(w, h)) {
            req.size = Some(format!("{w}*{h}"));
        } else if req.aspect_ratio.is_none() {
            // The closest Apiframe ratio to the image's own.
            req.aspect_ratio = Some(nearest_ratio(w, h));
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1111_from_another_tool() {
        let text = "a castle on a hill, sunset\nmore detail\nNegative prompt: blurry, lowres\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 1216x832, Model hash: abc, Model: sd_xl";
        let r = from_a1111(text, Catalogue::builtin());
        assert_eq!(r.prompt, "a castle on a hill, sunset\nmore detail");
        assert_eq!(r.negative_prompt.as_deref(), Some("blurry, lowres"));
        assert_eq!(r.seed, Some(1234));
        assert_eq!(r.model, "qwen-image-2", "unknown models keep the default");
        assert_eq!(
            r.aspect_ratio,
            Some(AspectRatio::L3x2),
            "the closest ratio to 1216x832"
        );
    }

    #[test]
    fn a1111_prompt_only() {
        let r = from_a1111("just a prompt", Catalogue::builtin());
        assert_eq!(
            (r.prompt.as_str(), r.seed, r.negative_prompt),
            ("just a prompt", None, None)
        );
    }

    #[test]
    fn gateway_sizes_are_kept() {
        let r = from_a1111(
            "cat\nSeed: 7, Size: 1328x1328, Model: qwen-image-plus, Provider: openai",
            Catalogue::builtin(),
        );
        assert_eq!(
            (r.model.as_str(), r.size.as_deref(), r.wire),
            ("qwen-image-plus", Some("1328*1328"), Wire::OpenAi)
        );
    }

    #[test]
    fn not_png_and_missing() {
        assert_eq!(
            from_png(b"GIF89a", Catalogue::builtin()),
            Err(ParamsError::NotPng)
        );
        let png = crate::sim::render::encode_png(&crate::sim::render::render(4, 4, "x", 1, None));
        assert_eq!(
            from_png(&png, Catalogue::builtin()),
            Err(ParamsError::Missing)
        );
    }
}

#[cfg(test)]
mod round_trip {
    use crate::domain::models::AspectRatio;
    use crate::domain::{Job, JobRequest};

    #[test]
    fn a_saved_png_loads_back_into_the_same_request() {
        let dir = tempfile::tempdir().unwrap();
        let mut req = JobRequest::apiframe("a kite — 日本\nsecond line", AspectRatio::P9x16, 4242);
        req.negative_prompt = Some("fog".into());
        let job = Job::new("sim", req.clone());
        let png = crate::sim::render::encode_png(&crate::sim::render::render(9, 16, "x", 1, None));
        let path = crate::store::images::save_result(dir.path(), &job, "sim", 0, 1, &png).unwrap();
        let back = super::from_png(
            &std::fs::read(path).unwrap(),
            crate::domain::catalogue::Catalogue::builtin(),
        )
        .unwrap();
        assert_eq!(back, req);
    }
}
