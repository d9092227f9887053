//! What differs between two jobs' requests, for the A/B compare: the prompt as words removed
//! and added, then seed, model, ratio or size, negative prompt, rewrite, watermark and
//! references — only the fields that differ.

use super::JobRequest;

/// One differing field: its name and "A → B" (or the prompt's "−old +new" words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The field ("prompt", "seed", …).
    pub field: &'static str,
    /// How it differs.
    pub text: String,
}

/// The fields of `a` and `b` that differ, in a fixed order.
pub fn differences(a: &JobRequest, b: &JobRequest) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut put = |field, text: String| out.push(Difference { field, text });
    if a.prompt != b.prompt {
        put("prompt", word_diff(&a.prompt, &b.prompt));
    }
    let shown = |v: Option<String>| v.unwrap_or_else(|| "—".to_owned());
    let pairs: [(&'static str, Option<String>, Option<String>); 7] = [
        (
            "seed",
            a.seed.map(|s| s.to_string()),
            b.seed.map(|s| s.to_string()),
        ),
        ("model", Some(a.model.clone()), Some(b.model.clone())),
        ("shape", Some(a.shape_label()), Some(b.shape_label())),
        (
            "negative",
            a.negative_prompt.clone(),
            b.negative_prompt.clone(),
        ),
        (
            "rewrite",
            a.prompt_extend.map(on_off),
            b.prompt_extend.map(on_off),
        ),
        (
            "watermark",
            a.watermark.map(on_off),
            b.watermark.map(on_off),
        ),
        ("images", images(a), images(b)),
    ];
    for (field, x, y) in pairs {
        if x != y {
            put(field, format!("{} → {}", shown(x), shown(y)));
        }
    }
    out
}

fn on_off(v: bool) -> String {
    if v { "on" } else { "off" }.to_owned()
}

fn images(r: &JobRequest) -> Option<String> {
    (!r.images.is_empty()).then(|| {
        r.images
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The words of `a` not in `b` (−) and of `b` not in `a` (+), each in its prompt's order.
fn word_diff(a: &str, b: &str) -> String {
    let (wa, wb): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    let gone: Vec<String> = wa
        .iter()
        .filter(|w| !wb.contains(w))
        .map(|w| format!("−{w}"))
        .collect();
    let new: Vec<String> = wb
        .iter()
        .filter(|w| !wa.contains(w))
        .map(|w| format!("+{w}"))
        .collect();
    let all: Vec<String> = gone.into_iter().chain(new).collect();
    if all.is_empty() {
        // The same words in another order or spacing.
        "the same words, reordered".to_owned()
    } else {
        all.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::models::AspectRatio;

    #[test]
    fn only_what_differs_is_listed() {
        let a = JobRequest::apiframe("a red kite over dunes", AspectRatio::Square, 5);
        let mut b = JobRequest::apiframe("a blue kite over the sea", AspectRatio::Square, 6);
        b.prompt_extend = Some(true);
        let d = differences(&a, &b);
        let fields: Vec<&str> = d.iter().map(|x| x.field).collect();
        assert_eq!(fields, ["prompt", "seed", "rewrite"]);
        assert_eq!(d[0].text, "−red −dunes +blue +the +sea");
        assert_eq!(d[1].text, "5 → 6");
        assert_eq!(d[2].text, "— → on");
        assert!(differences(&a, &a).is_empty());
    }
}
