//! The JSON shape of a job on stdout (`--json`, `jobs --json`, `wait --json`, `follow
//! --jsonl`). It is a stable, documented schema: fields are only ever added, and `schema`
//! changes if one is ever removed or changes meaning.

use serde::Serialize;

use crate::config::Profile;
use crate::domain::{ImageInput, Job};

/// Version of this schema.
pub const SCHEMA: u32 = 1;

/// The parameters a job was sent with.
#[derive(Debug, Serialize)]
pub struct ParametersJson<'a> {
    /// Prompt.
    pub prompt: &'a str,
    /// Negative prompt, or null.
    pub negative_prompt: Option<&'a str>,
    /// Seed, or null when none was sent.
    pub seed: Option<u32>,
    /// Apiframe aspect ratio such as `16:9`, or null.
    pub aspect_ratio: Option<&'static str>,
    /// Gateway size such as `1328*1328`, or null.
    pub size: Option<&'a str>,
    /// Reference or input images (paths or URLs).
    pub images: Vec<String>,
    /// The provider's prompt rewrite as sent (`prompt_extend`), or null when not sent.
    pub prompt_extend: Option<bool>,
    /// The watermark setting as sent, or null when not sent.
    pub watermark: Option<bool>,
    /// The template the prompt was made from (`{a|b}`, `__wildcard__`), or null.
    pub template: Option<&'a str>,
}

impl<'a> ParametersJson<'a> {
    /// The parameters of `r`.
    pub fn of(r: &'a crate::domain::JobRequest) -> Self {
        Self {
            prompt: &r.prompt,
            negative_prompt: r.negative_prompt.as_deref(),
            seed: r.seed,
            aspect_ratio: r.aspect_ratio.map(|a| a.as_str()),
            size: r.size.as_deref(),
            images: r.images.iter().map(ImageInput::to_string).collect(),
            prompt_extend: r.prompt_extend,
            watermark: r.watermark,
            template: r.template.as_deref(),
        }
    }
}

/// A job's cost: `{"amount": 3, "unit": "credits", "basis": "charged"}`; the basis is
/// `charged` (the provider said so), `estimated` (a finished image at its price), `none`
/// (nothing made or charged) or `unknown` (an image of unknown price; amount and unit null).
#[derive(Debug, Serialize, PartialEq)]
pub struct CostJson {
    /// How much, or null.
    pub amount: Option<f64>,
    /// In what, or null.
    pub unit: Option<String>,
    /// Where the number comes from.
    pub basis: &'static str,
}

impl CostJson {
    /// The JSON of a ledger cost.
    pub fn of(cost: &crate::domain::ledger::Cost) -> Self {
        use crate::domain::ledger::Cost;
        let (amount, unit, basis) = match cost {
            Cost::Charged(v, u) => (Some(*v), Some(u.clone()), "charged"),
            Cost::Estimated(v, u) => (Some(*v), Some(u.clone()), "estimated"),
            Cost::Nothing => (None, None, "none"),
            Cost::Unknown => (None, None, "unknown"),
        };
        Self {
            amount,
            unit,
            basis,
        }
    }
}

/// One job.
#[derive(Debug, Serialize)]
pub struct JobJson<'a> {
    /// Schema version (1).
    pub schema: u32,
    /// Local job id (UUID).
    pub id: String,
    /// `queued`, `submitting`, `submitted`, `running`, `downloading`, `done`, `failed`,
    /// `cancelled`, `ambiguous`, `timed_out` or `expired`.
    pub state: &'static str,
    /// Percent done while running, else null.
    pub progress: Option<u8>,
    /// Profile name.
    pub profile: &'a str,
    /// `apiframe`, `openai` or `sim` (null when the profile no longer exists).
    pub provider: Option<&'static str>,
    /// Model id.
    pub model: &'a str,
    /// Parameters.
    pub parameters: ParametersJson<'a>,
    /// The provider's job id, or null.
    pub remote_id: Option<&'a str>,
    /// The prompt the provider drew when it rewrote the one sent, or null.
    pub revised_prompt: Option<&'a str>,
    /// Saved image paths.
    pub files: Vec<String>,
    /// Why the job failed (or needs attention), or null.
    pub error: Option<&'a str>,
    /// Credits charged, when known.
    pub credit_cost: Option<i64>,
    /// What the job cost by the ledger's rules: reported, estimated from a price, nothing, or
    /// of unknown price.
    pub cost: CostJson,
    /// When the job was made (RFC 3339, UTC).
    pub created_at: String,
    /// When it ended, or null.
    pub finished_at: Option<String>,
    /// The batch it was sent in (a submit of more than one job), or null.
    pub batch: Option<String>,
    /// The job it came from (rerun, reroll, resubmit, edit, used as reference), or null.
    pub parent: Option<String>,
    /// Its cell in a grid run (axis → value, such as `{"seed": "7", "model": "…"}`), or null.
    pub grid: Option<serde_json::Map<String, serde_json::Value>>,
}

impl<'a> JobJson<'a> {
    /// The view with its cost at `prices` (a profile's own price, else the catalogue's).
    #[must_use]
    pub fn priced(mut self, job: &Job, prices: &crate::domain::ledger::Prices) -> Self {
        self.cost = CostJson::of(&prices.cost(job));
        self
    }

    /// The JSON view of `job`; `profile` is its profile when still configured.
    pub fn of(job: &'a Job, profile: Option<&Profile>) -> Self {
        let r = &job.request;
        Self {
            schema: SCHEMA,
            id: job.id.to_string(),
            state: job.state.name(),
            progress: match job.state {
                crate::domain::JobState::Running { progress } => progress,
                _ => None,
            },
            profile: &job.profile,
            provider: profile.map(|p| p.kind.as_str()),
            model: &r.model,
            parameters: ParametersJson::of(r),
            remote_id: job.remote_id.as_deref(),
            revised_prompt: job.revised_prompt.as_deref(),
            files: job
                .saved_paths
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            error: job.state.message(),
            credit_cost: job.credit_cost,
            cost: CostJson::of(&crate::domain::ledger::cost_of(job, None)),
            created_at: job.created_at.to_rfc3339(),
            finished_at: job.finished_at.map(|t| t.to_rfc3339()),
            batch: job.batch.map(|b| b.to_string()),
            parent: job.parent.map(|p| p.to_string()),
            grid: job
                .grid
                .as_ref()
                .map(crate::domain::grid::GridCell::to_object),
        }
    }

    /// One line of JSON.
    pub fn line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::models::AspectRatio;
    use crate::domain::{JobId, JobRequest, JobState, Timestamp};

    #[test]
    fn the_schema_is_stable() {
        let mut req = JobRequest::apiframe("a red kite", AspectRatio::L16x9, 42);
        req.negative_prompt = Some("blurry".into());
        let mut job = Job::new("studio", req);
        job.id = JobId(uuid::Uuid::from_u128(1));
        job.created_at = Timestamp(1_790_000_000_000);
        job.finished_at = Some(Timestamp(1_790_000_015_000));
        job.remote_id = Some("b2c3d4e5-f6a7-8901-bcde-f23456789012".into());
        job.state = JobState::Done;
        job.saved_paths = vec!["/home/u/.local/share/qimg/images/x.png".into()];
        job.credit_cost = Some(3);
        let profile = Profile {
            name: "studio".into(),
            ..Profile::builtin_sim()
        };
        let v: serde_json::Value =
            serde_json::from_str(&JobJson::of(&job, Some(&profile)).line()).unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap());
        job.state = JobState::Failed {
            message: "rejected, not charged: x".into(),
        };
        let v: serde_json::Value = serde_json::from_str(&JobJson::of(&job, None).line()).unwrap();
        assert_eq!(v["error"], "rejected, not charged: x");
        assert_eq!(v["provider"], serde_json::Value::Null);
    }
}
