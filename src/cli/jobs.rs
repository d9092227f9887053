//! `qimg jobs` (list from the store), `qimg wait` (block until jobs end, taking them over when
//! no other process drives them), and `qimg follow` (a live event stream, or a status line).

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::generate::{JobArgs, follow_jobs, report};
use super::json::JobJson;
use super::session::{Session, open};
use super::{Cli, ExitCode};
use crate::api::Adopt;
use crate::domain::{JobId, JobState, Timestamp};
use crate::sanitize::{sanitize_line, truncate_to_width};
use crate::state::history::StateFilter;
use crate::store::{JobFilter, Store};

/// `qimg jobs`.
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Only jobs in these states (repeatable): queued submitting submitted running downloading
    /// done failed cancelled ambiguous timed_out expired, or active / attention.
    #[arg(long = "status")]
    pub status: Vec<String>,
    /// Only prompts containing this text.
    #[arg(long)]
    pub search: Option<String>,
    /// At most this many jobs (newest first).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// One JSON object per job.
    #[arg(long)]
    pub json: bool,
}

/// `qimg wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Job ids (full, or the 8-character short form); none: every unfinished job.
    pub ids: Vec<String>,
    /// Give up after this many seconds (exit code 4).
    #[arg(long)]
    pub timeout: Option<u64>,
    /// One JSON object per job.
    #[arg(long)]
    pub json: bool,
}

/// `qimg follow`.
#[derive(Debug, Args)]
pub struct FollowArgs {
    /// One JSON object per job change (the default output).
    #[arg(long)]
    pub jsonl: bool,
    /// A one-line summary, printed again when it changes (for a tmux status line).
    #[arg(long, conflicts_with = "jsonl")]
    pub line: bool,
    /// With --line: print the summary once and exit (for tmux `#(qimg follow --line --once)`).
    #[arg(long, requires = "line")]
    pub once: bool,
}

const ALL_STATES: &[&str] = &[
    "queued",
    "submitting",
    "submitted",
    "running",
    "downloading",
    "done",
    "failed",
    "cancelled",
    "ambiguous",
    "timed_out",
    "expired",
];

fn parse_states(raw: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for s in raw.iter().flat_map(|s| s.split(',')) {
        match s.trim() {
            "active" => out.extend(StateFilter::Active.states()),
            "attention" => out.extend(StateFilter::Attention.states()),
            st if ALL_STATES.contains(&st) => out.push(st.to_owned()),
            other => {
                return Err(format!(
                    "unknown state `{}`; use {}, active or attention",
                    sanitize_line(other),
                    ALL_STATES.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

/// Resolves full or short ids against the store.
pub fn resolve_ids(store: &Store, raw: &[String]) -> Result<Vec<JobId>, String> {
    let mut out = Vec::new();
    for r in raw {
        if let Some(id) = JobId::parse(r) {
            out.push(id);
            continue;
        }
        let r = r.trim().to_ascii_lowercase();
        if r.len() < 4 || !r.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("`{}` is not a job id", sanitize_line(&r)));
        }
        let matches: Vec<JobId> = store.find_by_prefix(&r).map_err(|e| e.to_string())?;
        match matches.as_slice() {
            [one] => out.push(*one),
            [] => return Err(format!("no job starts with `{r}`")),
            _ => {
                return Err(format!(
                    "`{r}` matches {} jobs; give more of the id",
                    matches.len()
                ));
            }
        }
    }
    Ok(out)
}

/// Runs `jobs`.
pub fn jobs(cli: &Cli, a: JobsArgs) -> ExitCode {
    let (_, config, _, store) = match open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let states = match parse_states(&a.status) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::Usage;
        }
    };
    let filter = JobFilter {
        states,
        search: a.search.clone(),
        profile: None,
        oldest_first: false,
    };
    let list = match store.list(&filter, a.limit.max(1), 0) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::JobFailed;
        }
    };
    let mut out = std::io::stdout().lock();
    let now = Timestamp::now();
    for j in &list {
        let line = if a.json {
            JobJson::of(j, config.profiles.get(&j.profile)).line()
        } else {
            let file = j
                .saved_paths
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let prompt = truncate_to_width(&sanitize_line(&j.request.prompt), 40).into_owned();
            format!(
                "{}  {:<11} {:>7}  {:<12} {:<40}  {}",
                j.id.short(),
                j.state.name(),
                crate::ui::fmt::elapsed(j.elapsed(now)),
                j.profile,
                prompt,
                file
            )
        };
        if writeln!(out, "{line}").is_err() {
            break; // a closed pipe (`| head`) is not an error
        }
    }
    ExitCode::Success
}

/// Runs `wait`.
pub async fn wait(cli: &Cli, a: WaitArgs) -> ExitCode {
    let (_, _, _, store) = match open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let ids = if a.ids.is_empty() {
        match store.unfinished() {
            Ok(j) => j.into_iter().map(|j| j.id).collect(),
            Err(e) => {
                eprintln!("qimg: {e}");
                return ExitCode::JobFailed;
            }
        }
    } else {
        match resolve_ids(&store, &a.ids) {
            Ok(ids) => ids,
            Err(e) => {
                eprintln!("qimg: {e}");
                return ExitCode::Usage;
            }
        }
    };
    drop(store);
    if ids.is_empty() {
        return ExitCode::Success;
    }
    let mut session = match Session::start(cli, Adopt::Jobs(ids.clone())).await {
        Ok(s) => s,
        Err(c) => return c,
    };
    let args = JobArgs {
        json: a.json,
        timeout: a.timeout,
        wait: true,
        ..JobArgs::default()
    };
    let followed = follow_jobs(&mut session, &ids, true, &args, true).await;
    let code = report(&session, &ids, &args, true, &followed);
    session.finish().await;
    code
}

fn summary(jobs: &[crate::domain::Job]) -> String {
    let count = |f: &dyn Fn(&JobState) -> bool| jobs.iter().filter(|j| f(&j.state)).count();
    let active = count(&|s| s.is_active());
    let done = count(&|s| *s == JobState::Done);
    let failed = count(&|s| matches!(s, JobState::Failed { .. } | JobState::Cancelled));
    let attention = count(&|s| s.needs_attention());
    let mut parts = vec![format!("◐{active}"), format!("✓{done}")];
    if failed > 0 {
        parts.push(format!("✗{failed}"));
    }
    if attention > 0 {
        parts.push(format!("?{attention}"));
    }
    format!("qimg {}", parts.join(" "))
}

/// Runs `follow`.
pub async fn follow(cli: &Cli, a: FollowArgs) -> ExitCode {
    let (_, config, _, store) = match open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let today = |s: &Store| s.list(&JobFilter::default(), 500, 0);
    if a.line {
        let mut last = String::new();
        loop {
            let line = match today(&store) {
                Ok(j) => summary(&j),
                Err(e) => {
                    eprintln!("qimg: {e}");
                    return ExitCode::JobFailed;
                }
            };
            if line != last {
                let mut out = std::io::stdout().lock();
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    return ExitCode::Success;
                }
                last = line;
            }
            if a.once {
                return ExitCode::Success;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = tokio::signal::ctrl_c() => return ExitCode::Success,
            }
        }
    }
    // JSONL: every change of any job, from any qimg process, as it lands in the store.
    let mut version = store.max_version().unwrap_or(0);
    loop {
        match store.changed_since(version) {
            Ok((jobs, max)) => {
                version = max;
                let mut out = std::io::stdout().lock();
                for j in &jobs {
                    let line = JobJson::of(j, config.profiles.get(&j.profile)).line();
                    if writeln!(out, "{line}").is_err() {
                        return ExitCode::Success;
                    }
                }
                if out.flush().is_err() {
                    return ExitCode::Success;
                }
            }
            Err(e) => {
                eprintln!("qimg: {e}");
                return ExitCode::JobFailed;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(300)) => {}
            _ = tokio::signal::ctrl_c() => return ExitCode::Success,
        }
    }
}
