//! `qimg history`: the prompts (or negative prompts) jobs were made with, newest first, each
//! with when it was last used and by how many jobs; `--search` filters fuzzily, best first.

use std::io::Write;

use clap::Args;

use super::{Cli, ExitCode};
use crate::store::history::{PromptKind, PromptUse, search};

/// `qimg history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Keep the entries that match this fuzzily (letters in order, like a file picker).
    #[arg(long)]
    pub search: Option<String>,
    /// The negative prompts instead of the prompts.
    #[arg(long)]
    pub negative: bool,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// One JSON object per entry: text, last_used (RFC 3339), uses.
    #[arg(long)]
    pub json: bool,
}

/// Runs `history`.
pub fn history(cli: &Cli, a: &HistoryArgs) -> ExitCode {
    let services = match super::session::open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let kind = if a.negative {
        PromptKind::Negative
    } else {
        PromptKind::Prompt
    };
    // The search looks through the whole history, not only the newest `limit`.
    let all = match services.store.prompt_history(kind, 100_000) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::JobFailed;
        }
    };
    let found = match &a.search {
        Some(q) => search(&all, q),
        None => all,
    };
    let mut out = std::io::stdout().lock();
    for p in found.iter().take(a.limit.max(1)) {
        let _ = writeln!(out, "{}", line(p, a.json));
    }
    ExitCode::Success
}

fn line(p: &PromptUse, json: bool) -> String {
    if json {
        return serde_json::json!({
            "text": p.text,
            "last_used": p.last_used.to_rfc3339(),
            "uses": p.uses,
        })
        .to_string();
    }
    let text = crate::sanitize::sanitize_line(&p.text.replace('\n', " ⏎ ")).into_owned();
    let when: String = p.last_used.to_rfc3339().chars().take(16).collect();
    format!("{}  {:>4}×  {text}", when.replace('T', " "), p.uses)
}
