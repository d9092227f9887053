//! `qimg generate` and `qimg edit`: build requests with the same rules as the compose form,
//! submit them through the engine, print ids at once, and with `--wait` the saved paths (or
//! one JSON object per job). `--batch FILE` reads one prompt per line, or JSONL.

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::Deserialize;

use super::json::JobJson;
use super::outcome::exit_code;
use super::progress::Progress;
use super::session::Session;
use super::{Cli, ExitCode};
use crate::api::models::{self, Task};
use crate::api::{Adopt, ApiEvent, Command};
use crate::domain::{Job, JobId, JobRequest, JobState};
use crate::state::{ComposeForm, ProfileView};

/// Options shared by `generate` and `edit`.
#[derive(Debug, Args, Clone, Default)]
pub struct JobArgs {
    /// Model (default: the profile's model; for `edit`, the profile's first edit model).
    #[arg(long)]
    pub model: Option<String>,
    /// Aspect ratio for Apiframe models: 1:1 2:3 3:2 3:4 4:3 9:16 16:9 21:9 2:1 1:2.
    #[arg(long)]
    pub aspect: Option<String>,
    /// Size for gateway models, such as 1328*1328 (1328x1328 works too).
    #[arg(long)]
    pub size: Option<String>,
    /// Seed (0–2147483647); without it every job gets its own.
    #[arg(long)]
    pub seed: Option<String>,
    /// Negative prompt.
    #[arg(long)]
    pub negative: Option<String>,
    /// Reference or input image: a file or an https URL (repeat for several).
    #[arg(long = "image")]
    pub images: Vec<String>,
    /// How many jobs (1–8 per prompt).
    #[arg(long, default_value_t = 1)]
    pub count: u8,
    /// Wait until every job ends and print the saved paths.
    #[arg(long)]
    pub wait: bool,
    /// Print one JSON object per job (see README for the schema).
    #[arg(long)]
    pub json: bool,
    /// Show each finished image in the terminal (with --wait).
    #[arg(long)]
    pub show: bool,
    /// Give up waiting after this many seconds (exit code 4).
    #[arg(long)]
    pub timeout: Option<u64>,
}

/// `qimg generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The prompt; `-` reads it from stdin. Not needed with --batch.
    pub prompt: Option<String>,
    /// One prompt per line, or JSONL objects with parameters per line; `-` for stdin.
    #[arg(long)]
    pub batch: Option<PathBuf>,
    #[command(flatten)]
    pub job: JobArgs,
}

/// `qimg edit IMAGE PROMPT`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The image to edit (a file, or an https URL for Apiframe).
    pub image: String,
    /// What to change; `-` reads it from stdin.
    pub prompt: String,
    #[command(flatten)]
    pub job: JobArgs,
}

/// One line of a JSONL batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchLine {
    prompt: String,
    model: Option<String>,
    #[serde(alias = "aspect_ratio")]
    aspect: Option<String>,
    size: Option<String>,
    seed: Option<u64>,
    #[serde(alias = "negative_prompt")]
    negative: Option<String>,
    #[serde(default)]
    images: Vec<String>,
    count: Option<u8>,
}

fn read_prompt(p: &str) -> Result<String, String> {
    if p != "-" {
        return Ok(p.to_owned());
    }
    let mut s = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut s)
        .map_err(|e| format!("cannot read the prompt from stdin: {e}"))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_owned())
}

/// Builds requests for one prompt through the compose form's own rules.
pub fn requests(
    profile: &ProfileView,
    prompt: &str,
    a: &JobArgs,
    editing: bool,
) -> Result<Vec<JobRequest>, String> {
    let mut form = ComposeForm::new(profile.models(), &profile.model);
    let model = match (&a.model, editing) {
        (Some(m), _) => Some(m.clone()),
        (None, true) if form.spec().is_some_and(|s| s.images.1 == 0) => form
            .models
            .iter()
            .find(|m| m.task == Task::Edit)
            .map(|m| m.id.to_owned()),
        (None, _) => None,
    };
    if let Some(m) = model {
        form.model = form.models.iter().position(|x| x.id == m).ok_or_else(|| {
            let known: Vec<&str> = form.models.iter().map(|x| x.id).collect();
            format!(
                "profile `{}` has no model `{m}`; it offers {}",
                profile.name,
                known.join(", ")
            )
        })?;
    }
    let spec = form.spec().ok_or("this profile offers no model")?;
    if let Some(aspect) = &a.aspect {
        form.shape = spec
            .aspect_ratios
            .iter()
            .position(|r| r.as_str() == aspect.trim())
            .ok_or_else(|| {
                if spec.aspect_ratios.is_empty() {
                    format!("{} takes --size, not --aspect", spec.id)
                } else {
                    format!(
                        "--aspect must be one of {}",
                        spec.aspect_ratios
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                }
            })?;
    }
    if let Some(size) = &a.size {
        let want = size.trim().replace('x', "*");
        form.shape = spec
            .sizes
            .iter()
            .position(|s| s.wire() == want)
            .ok_or_else(|| {
                if spec.sizes.is_empty() {
                    format!("{} has no --size choice", spec.id)
                } else {
                    format!(
                        "--size must be one of {}",
                        spec.sizes
                            .iter()
                            .map(models::SizePreset::wire)
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                }
            })?;
    }
    form.prompt.set(prompt);
    if let Some(n) = &a.negative {
        form.negative.set(n);
    }
    if let Some(seed) = &a.seed {
        form.seed_locked = true;
        form.seed.set(seed);
    }
    form.reference.set(&a.images.join("; "));
    if !(1..=8).contains(&a.count) {
        return Err("--count must be between 1 and 8".into());
    }
    form.count = a.count;
    form.validate()
        .map_err(|e| format!("{}: {}", e.field.label().to_lowercase(), e.message))
}

fn batch_requests(
    profile: &ProfileView,
    path: &PathBuf,
    base: &JobArgs,
) -> Result<Vec<JobRequest>, String> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(16 * 1024 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| e.to_string())?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |e: String| format!("{}, line {}: {e}", path.display(), n + 1);
        if line.starts_with('{') {
            let b: BatchLine = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
            let args = JobArgs {
                model: b.model.or_else(|| base.model.clone()),
                aspect: b.aspect.or_else(|| base.aspect.clone()),
                size: b.size.or_else(|| base.size.clone()),
                seed: b.seed.map(|s| s.to_string()).or_else(|| base.seed.clone()),
                negative: b.negative.or_else(|| base.negative.clone()),
                images: if b.images.is_empty() {
                    base.images.clone()
                } else {
                    b.images
                },
                count: b.count.unwrap_or(base.count),
                ..base.clone()
            };
            out.extend(requests(profile, &b.prompt, &args, false).map_err(at)?);
        } else {
            out.extend(requests(profile, line, base, false).map_err(at)?);
        }
    }
    if out.is_empty() {
        return Err(format!("{} has no prompts", path.display()));
    }
    Ok(out)
}

/// Runs `generate`.
pub async fn generate(cli: &Cli, args: GenerateArgs) -> ExitCode {
    let build = |profile: &ProfileView| match (&args.batch, &args.prompt) {
        (Some(path), None) => batch_requests(profile, path, &args.job),
        (None, Some(p)) => requests(profile, &read_prompt(p)?, &args.job, false),
        (Some(_), Some(_)) => Err("give a prompt or --batch, not both".into()),
        (None, None) => Err("give a prompt (or - to read it from stdin), or --batch FILE".into()),
    };
    run_jobs(cli, &args.job, build).await
}

/// Runs `edit`.
pub async fn edit(cli: &Cli, args: EditArgs) -> ExitCode {
    let mut job = args.job.clone();
    job.images.insert(0, args.image.clone());
    let build = |profile: &ProfileView| requests(profile, &read_prompt(&args.prompt)?, &job, true);
    run_jobs(cli, &job, build).await
}

async fn run_jobs(
    cli: &Cli,
    a: &JobArgs,
    build: impl FnOnce(&ProfileView) -> Result<Vec<JobRequest>, String>,
) -> ExitCode {
    let mut session = match Session::start(cli, Adopt::Nothing).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let view = ProfileView::of(&session.profile, &session.config.file);
    let reqs = match build(&view) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qimg: {}", crate::sanitize::sanitize_line(&e));
            session.finish().await;
            return ExitCode::Usage;
        }
    };
    // With the built-in simulator the remote jobs end with this process: always wait.
    let wait = a.wait || session.sim.is_some();
    if !a.wait && session.sim.is_some() {
        eprintln!(
            "qimg: the built-in simulator lives only as long as this command, so it waits for the jobs"
        );
    }
    let jobs: Vec<Job> = reqs
        .into_iter()
        .map(|r| Job::new(&session.profile.name, r))
        .collect();
    let ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
    let mut out = std::io::stdout().lock();
    if !a.json {
        for id in &ids {
            let _ = writeln!(out, "{id}");
        }
        let _ = out.flush();
    }
    drop(out);
    for job in jobs {
        session.engine.send(Command::Submit(Box::new(job)));
    }
    let finished = follow_jobs(&mut session, &ids, wait, a, false).await;
    let code = report(&session, &ids, a, wait, &finished);
    session.finish().await;
    if finished.interrupted {
        return ExitCode::Signal(2);
    }
    code
}

/// What waiting saw.
pub struct Followed {
    /// The last state of every job.
    pub jobs: HashMap<JobId, Job>,
    /// Ctrl-C or SIGTERM stopped the wait.
    pub interrupted: bool,
    /// The timeout passed.
    pub timed_out: bool,
}

/// Follows `ids` until they end (`wait`) or at least left the submit phase.
pub async fn follow_jobs(
    session: &mut Session,
    ids: &[JobId],
    wait: bool,
    a: &JobArgs,
    watch_store: bool,
) -> Followed {
    let mut jobs: HashMap<JobId, Job> = HashMap::new();
    let mut progress = Progress::new();
    let deadline = a
        .timeout
        .map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let settled = |j: &Job| {
        if wait {
            j.state.is_end()
        } else {
            j.state.is_end() || j.state.rank() >= JobState::Submitted.rank()
        }
    };
    let mut shown: Vec<JobId> = Vec::new();
    let mut poll =
        tokio::time::interval(Duration::from_millis(if watch_store { 300 } else { 1000 }));
    let (mut interrupted, mut timed_out) = (false, false);
    loop {
        if ids.iter().all(|id| jobs.get(id).is_some_and(settled)) {
            break;
        }
        let sleep_deadline = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let term_recv = async {
            match term.as_mut() {
                Some(t) => t.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = session.events.recv() => match ev {
                Some(ApiEvent::JobChanged(job)) if ids.contains(&job.id) => {
                    if a.show && job.state == JobState::Done && !shown.contains(&job.id) {
                        progress.clear();
                        shown.push(job.id);
                        for p in &job.saved_paths {
                            let _ = super::show::print_image(p, None);
                        }
                    }
                    jobs.insert(job.id, *job);
                    progress.update(jobs.values());
                }
                Some(ApiEvent::Notice { text, .. }) => {
                    progress.clear();
                    eprintln!("qimg: {}", crate::sanitize::sanitize_line(&text));
                }
                Some(_) => {}
                None => break,
            },
            _ = poll.tick() => {
                // Jobs driven by another process only show up in the store.
                let (store, wanted) = (session.store.clone(), ids.to_vec());
                if let Ok(rows) = store.run(move |s| wanted.iter().map(|id| s.get(*id)).collect::<Result<Vec<_>, _>>()).await {
                    for j in rows.into_iter().flatten() {
                        jobs.insert(j.id, j);
                    }
                }
                progress.update(jobs.values());
            }
            _ = tokio::signal::ctrl_c() => { interrupted = true; break; }
            _ = term_recv => { interrupted = true; break; }
            _ = sleep_deadline => { timed_out = true; break; }
        }
    }
    progress.clear();
    // The final word is the store's.
    let (store, wanted) = (session.store.clone(), ids.to_vec());
    if let Ok(rows) = store
        .run(move |s| {
            wanted
                .iter()
                .map(|id| s.get(*id))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
    {
        for j in rows.into_iter().flatten() {
            jobs.insert(j.id, j);
        }
    }
    Followed {
        jobs,
        interrupted,
        timed_out,
    }
}

/// Prints the results and returns the exit code.
pub fn report(
    session: &Session,
    ids: &[JobId],
    a: &JobArgs,
    waited: bool,
    f: &Followed,
) -> ExitCode {
    let mut out = std::io::stdout().lock();
    for id in ids {
        let Some(job) = f.jobs.get(id) else { continue };
        if a.json {
            let _ = writeln!(
                out,
                "{}",
                JobJson::of(job, session.config.profiles.get(&job.profile)).line()
            );
        } else if waited {
            for p in &job.saved_paths {
                let _ = writeln!(out, "{}", p.display());
            }
        }
        if let Some(m) = job.state.message() {
            eprintln!(
                "qimg: job {} {}: {}",
                job.id.short(),
                job.state.name(),
                crate::sanitize::sanitize_line(m)
            );
        } else if !matches!(job.state, JobState::Done) && job.state.is_end() {
            eprintln!("qimg: job {} {}", job.id.short(), job.state.name());
        }
    }
    let _ = out.flush();
    if f.interrupted {
        let open = f.jobs.values().filter(|j| j.state.is_active()).count();
        eprintln!(
            "qimg: interrupted; {open} job(s) are kept in the store and continue with `qimg wait` or in the TUI"
        );
        return ExitCode::Signal(2);
    }
    if f.timed_out {
        eprintln!("qimg: gave up waiting (--timeout); the jobs continue with `qimg wait`");
        return ExitCode::Ambiguous;
    }
    if !waited {
        if std::io::stderr().is_terminal() {
            eprintln!(
                "qimg: submitted; `qimg wait {}` downloads the results",
                ids.first().map(|i| i.short()).unwrap_or_default()
            );
        }
        let states: Vec<&JobState> = f
            .jobs
            .values()
            .map(|j| &j.state)
            .filter(|s| s.is_end())
            .collect();
        return exit_code(states);
    }
    exit_code(ids.iter().filter_map(|id| f.jobs.get(id)).map(|j| &j.state))
}
