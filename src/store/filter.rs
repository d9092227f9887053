//! Which jobs a listing returns, as SQL.

use crate::domain::StateKind;

/// Which jobs a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only these states (empty: all).
    pub states: Vec<StateKind>,
    /// Only prompts containing this text (case-insensitive).
    pub search: Option<String>,
    /// Only this profile.
    pub profile: Option<String>,
    /// Only the jobs of this batch.
    pub batch: Option<crate::domain::BatchId>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
}

pub(super) fn where_clause(filter: &JobFilter) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    if !filter.states.is_empty() {
        let marks: Vec<String> = filter
            .states
            .iter()
            .map(|s| {
                args.push(s.name().to_owned());
                format!("?{}", args.len())
            })
            .collect();
        parts.push(format!("state IN ({})", marks.join(",")));
    }
    if let Some(q) = filter.search.as_ref().filter(|q| !q.is_empty()) {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(format!("%{escaped}%"));
        parts.push(format!("prompt LIKE ?{} ESCAPE '\\'", args.len()));
    }
    if let Some(p) = &filter.profile {
        args.push(p.clone());
        parts.push(format!("profile = ?{}", args.len()));
    }
    if let Some(b) = &filter.batch {
        args.push(b.to_string());
        parts.push(format!("batch = ?{}", args.len()));
    }
    if parts.is_empty() {
        (String::new(), args)
    } else {
        (format!("WHERE {}", parts.join(" AND ")), args)
    }
}
