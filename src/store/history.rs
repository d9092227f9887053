//! The prompt history: every prompt (the template, when it was one) and every negative prompt
//! a job was made with, deduplicated, with when it was last used and by how many jobs. Written
//! in the transaction that inserts the job; kept when jobs or files are deleted.

use rusqlite::{Transaction, params};
use serde::Serialize;

use super::{Store, StoreError};
use crate::domain::{Job, Timestamp};

/// Which history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// Prompts (templates as typed).
    Prompt,
    /// Negative prompts.
    Negative,
}

impl PromptKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Prompt => "prompt",
            Self::Negative => "negative",
        }
    }
}

/// One remembered prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptUse {
    /// The text.
    pub text: String,
    /// When a job last used it.
    pub last_used: Timestamp,
    /// How many jobs used it.
    pub uses: u64,
}

/// Records the prompts of `job` (inside the transaction that inserts it).
pub(super) fn record(tx: &Transaction<'_>, job: &Job) -> Result<(), StoreError> {
    let r = &job.request;
    let prompt = r.template.as_deref().unwrap_or(&r.prompt);
    let negative = r
        .negative_prompt
        .as_deref()
        .filter(|n| !n.trim().is_empty());
    let entries = [
        (PromptKind::Prompt, Some(prompt)),
        (PromptKind::Negative, negative),
    ];
    for (kind, text) in entries {
        let Some(text) = text else { continue };
        tx.execute(
            "INSERT INTO prompt_history (kind, text, last_used, uses) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT(kind, text) DO UPDATE SET last_used = MAX(last_used, excluded.last_used), uses = uses + 1",
            params![kind.as_str(), text, job.created_at.0],
        )?;
    }
    Ok(())
}

impl Store {
    /// The `limit` most recently used entries of `kind`, newest first.
    pub fn prompt_history(
        &self,
        kind: PromptKind,
        limit: usize,
    ) -> Result<Vec<PromptUse>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT text, last_used, uses FROM prompt_history WHERE kind = ?1
             ORDER BY last_used DESC, text LIMIT ?2",
        )?;
        let rows = st.query_map(
            params![kind.as_str(), i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                Ok(PromptUse {
                    text: r.get(0)?,
                    last_used: Timestamp(r.get(1)?),
                    uses: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                })
            },
        )?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }
}

/// The entries that match `query` fuzzily (nucleo's matcher, case-insensitive), best first;
/// equal scores keep their order (newest first).
pub fn search(entries: &[PromptUse], query: &str) -> Vec<PromptUse> {
    use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
    if query.trim().is_empty() {
        return entries.to_vec();
    }
    let mut matcher = nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT);
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let texts: Vec<(usize, &str)> = entries
        .iter()
        .map(|e| e.text.as_str())
        .enumerate()
        .collect();
    let mut scored: Vec<(usize, u32)> = texts
        .iter()
        .filter_map(|(i, t)| {
            let mut buf = Vec::new();
            let haystack = nucleo_matcher::Utf32Str::new(t, &mut buf);
            pattern.score(haystack, &mut matcher).map(|s| (*i, s))
        })
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
        .into_iter()
        .map(|(i, _)| entries[i].clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::JobRequest;
    use crate::domain::models::AspectRatio;

    fn job(prompt: &str, negative: Option<&str>, at: i64) -> Job {
        let mut r = JobRequest::apiframe(prompt, AspectRatio::Square, 1);
        r.negative_prompt = negative.map(Into::into);
        let mut j = Job::new("sim", r);
        j.created_at = Timestamp(at);
        j
    }

    #[test]
    fn prompts_are_kept_deduplicated_newest_first_and_outlive_their_jobs() {
        let store = Store::open_in_memory().unwrap();
        let a = job("a red kite", Some("blurry"), 1_000);
        store.insert_job(&a).unwrap();
        store.insert_job(&job("a blue fish", None, 2_000)).unwrap();
        store
            .insert_job(&job("a red kite", Some("blurry"), 3_000))
            .unwrap();
        let mut t = job("a {red|blue} kite", None, 4_000);
        t.request.prompt = "a red kite".into();
        t.request.template = Some("a {red|blue} kite".into());
        store.insert_job(&t).unwrap();
        let h = store.prompt_history(PromptKind::Prompt, 10).unwrap();
        let texts: Vec<_> = h.iter().map(|p| (p.text.as_str(), p.uses)).collect();
        assert_eq!(
            texts,
            [
                ("a {red|blue} kite", 1),
                ("a red kite", 2),
                ("a blue fish", 1)
            ]
        );
        assert_eq!(h[1].last_used, Timestamp(3_000));
        let neg = store.prompt_history(PromptKind::Negative, 10).unwrap();
        assert_eq!(neg.len(), 1);
        assert_eq!(neg[0].uses, 2);
        store.delete_job(a.id).unwrap();
        assert_eq!(
            store.prompt_history(PromptKind::Prompt, 10).unwrap().len(),
            3,
            "kept"
        );
    }

    #[test]
    fn the_search_is_fuzzy_and_ranks_the_best_first() {
        let e = |t: &str| PromptUse {
            text: t.into(),
            last_used: Timestamp(0),
            uses: 1,
        };
        let all = [
            e("a lighthouse at dusk"),
            e("red kite over dunes"),
            e("a kite"),
        ];
        let found: Vec<_> = search(&all, "rkd").into_iter().map(|p| p.text).collect();
        assert_eq!(found, ["red kite over dunes"]);
        let kite: Vec<_> = search(&all, "kite").into_iter().map(|p| p.text).collect();
        assert_eq!(kite.len(), 2);
        assert_eq!(search(&all, "").len(), 3);
    }
}
