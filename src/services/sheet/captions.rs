//! What a contact sheet says about its jobs: the captions of jobs outside a grid (what differs
//! between them), and the parameters it embeds in its PNG text chunk `qimg-sheet`.

use crate::domain::Job;

/// What sets `job` apart from the others on the sheet: the prompt words only it has, its
/// ratio or size, its negative prompt — whichever differ; "" when nothing does.
pub fn differing(job: &Job, all: &[Job]) -> String {
    let r = &job.request;
    let mut parts = Vec::new();
    let prompts_differ = all.iter().any(|o| o.request.prompt != r.prompt);
    if prompts_differ {
        let others: Vec<&str> = all
            .iter()
            .filter(|o| o.request.prompt != r.prompt)
            .flat_map(|o| o.request.prompt.split_whitespace())
            .collect();
        let own: Vec<&str> = r
            .prompt
            .split_whitespace()
            .filter(|w| !others.contains(w))
            .collect();
        parts.push(if own.is_empty() {
            r.prompt.clone()
        } else {
            format!("+{}", own.join(" +"))
        });
    }
    if all
        .iter()
        .any(|o| o.request.shape_label() != r.shape_label())
    {
        parts.push(r.shape_label());
    }
    if all
        .iter()
        .any(|o| o.request.negative_prompt != r.negative_prompt)
    {
        parts.push(format!(
            "not: {}",
            r.negative_prompt.as_deref().unwrap_or("-")
        ));
    }
    if parts.is_empty() {
        // Nothing differs but the seed and model (the second line): the prompt itself.
        return r.prompt.clone();
    }
    parts.join(" · ")
}

/// `{"schema": 1, "batch": …, "jobs": [{id, prompt, negative_prompt, seed, model, aspect_ratio,
/// size, grid, file, credit_cost}]}`.
pub fn json(jobs: &[Job]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = jobs
        .iter()
        .map(|j| {
            let r = &j.request;
            serde_json::json!({
                "id": j.id.to_string(),
                "prompt": r.prompt,
                "negative_prompt": r.negative_prompt,
                "seed": r.seed,
                "model": r.model,
                "aspect_ratio": r.aspect_ratio.map(|a| a.as_str()),
                "size": r.size,
                "grid": j.grid.as_ref().map(crate::domain::grid::GridCell::to_object),
                "file": j.saved_paths.first().map(|p| p.display().to_string()),
                "credit_cost": j.credit_cost,
            })
        })
        .collect();
    serde_json::json!({
        "schema": 1,
        "batch": jobs.iter().find_map(|j| j.batch).map(|b| b.to_string()),
        "jobs": list,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::JobRequest;
    use crate::domain::models::AspectRatio;

    #[test]
    fn a_caption_names_what_only_this_job_has() {
        let job = |p: &str| Job::new("sim", JobRequest::apiframe(p, AspectRatio::Square, 1));
        let all = [job("a red kite"), job("a blue kite"), job("a red kite")];
        assert_eq!(
            differing(&all[0], &all),
            "+red",
            "another seed of the same prompt"
        );
        let same = [job("a kite"), job("a kite")];
        assert_eq!(differing(&same[0], &same), "a kite");
    }
}
