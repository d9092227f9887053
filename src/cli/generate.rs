//! `qimg generate` and `qimg edit`: build the plan with the same rules as the compose form,
//! make the jobs, submit them through the engine, print their ids at once, and with `--wait`
//! the saved paths (or one JSON object per job).

use std::io::Write;
use std::sync::Arc;

use super::args::{EditArgs, GenerateArgs, JobArgs};
use super::build::{batch_plan, plan, read_prompt};
use super::follow::{FollowOpts, follow_jobs, report};
use super::grid::grid_plan;
use super::session::Session;
use super::{Cli, ExitCode};
use crate::api::Adopt;
use crate::config::Profile;
use crate::domain::JobId;
use crate::domain::catalogue::Catalogue;
use crate::domain::draft::Plan;
use crate::domain::template::Wildcards;
use crate::services::{NewJobs, make_jobs};

/// Runs `generate`.
pub async fn generate(cli: &Cli, args: GenerateArgs) -> ExitCode {
    let build = |cat: &Catalogue, profile: &Profile, w: &Wildcards, job: &JobArgs| match (
        &args.batch,
        &args.prompt,
    ) {
        (Some(_), None) if !args.grid.is_empty() => {
            Err("--grid varies one prompt; give a prompt, not --batch".into())
        }
        (Some(path), None) => batch_plan(cat, profile, w, path, job),
        (None, Some(p)) if !args.grid.is_empty() => {
            let prompt = read_prompt(p)?;
            grid_plan((cat, profile, w), &prompt, job, &args.grid, rand::random())
        }
        (None, Some(p)) => plan(cat, profile, w, &read_prompt(p)?, job, false),
        (Some(_), Some(_)) => Err("give a prompt or --batch, not both".into()),
        (None, None) => Err("give a prompt (or - to read it from stdin), or --batch FILE".into()),
    };
    run_jobs(cli, &args.job, build).await
}

/// Runs `edit`.
pub async fn edit(cli: &Cli, args: EditArgs) -> ExitCode {
    let (prompt, images) = match args.prompt_and_images() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::Usage;
        }
    };
    let job = JobArgs {
        images,
        ..args.job.clone()
    };
    let build = |cat: &Catalogue, profile: &Profile, w: &Wildcards, job: &JobArgs| {
        plan(cat, profile, w, &read_prompt(&prompt)?, job, true)
    };
    run_jobs(cli, &job, build).await
}

/// The plan the arguments make, with the wildcard files and the `--preset` read.
fn plan_of(
    session: &Session,
    a: &JobArgs,
    build: impl FnOnce(&Catalogue, &Profile, &Wildcards, &JobArgs) -> Result<Plan, String>,
) -> Result<Plan, String> {
    let services = &session.services;
    let wildcards = crate::config::wildcards::load(&services.paths.wildcards_dir())
        .map_err(|e| e.to_string())?;
    let args = super::preset::resolve(a, &services.paths.presets_file())?;
    let (catalogue, profile) = (&services.config.catalogue, &services.profile);
    build(catalogue, profile, &wildcards, &args).map_err(|e| match &a.preset {
        // The flag named may be one the preset set, not one typed.
        Some(name) => format!("{e} (with preset `{name}`)"),
        None => e,
    })
}

async fn run_jobs(
    cli: &Cli,
    a: &JobArgs,
    build: impl FnOnce(&Catalogue, &Profile, &Wildcards, &JobArgs) -> Result<Plan, String>,
) -> ExitCode {
    let mut session = match Session::start(cli, Adopt::Nothing, false).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let catalogue = Arc::clone(&session.services.config.catalogue);
    let plan = match plan_of(&session, a, build) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("qimg: {}", crate::sanitize::sanitize_line(&e));
            session.finish().await;
            return ExitCode::Usage;
        }
    };
    if a.dry_run {
        let code = super::submit::dry_run(&session, &plan, a.json);
        session.finish().await;
        return code;
    }
    let has_sim = session.services.sim.is_some();
    // With the built-in simulator the remote jobs end with this process: always wait.
    let wait = a.wait || has_sim;
    if !a.wait && has_sim {
        eprintln!(
            "qimg: the built-in simulator lives only as long as this command, so it waits for the jobs"
        );
    }
    let checked = super::submit::budget_check(&session, &plan)
        .and_then(|()| super::submit::confirm(&session, &plan, a.yes));
    if let Err(e) = checked {
        eprintln!("qimg: {e}");
        session.finish().await;
        return ExitCode::Usage;
    }
    let new = NewJobs::of(&session.services.profile.name, plan);
    let made =
        tokio::task::spawn_blocking(move || make_jobs(new, rand::random(), &catalogue)).await;
    let jobs = match made {
        Ok(Ok(jobs)) => jobs,
        Ok(Err(e)) => {
            // Checked before anything is stored: nothing was sent or recorded.
            eprintln!(
                "qimg: --image: {}",
                crate::sanitize::sanitize_line(&e.to_string())
            );
            session.finish().await;
            return ExitCode::Usage;
        }
        Err(e) => {
            eprintln!("qimg: cannot make the jobs: {e}");
            session.finish().await;
            return ExitCode::JobFailed;
        }
    };
    let ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
    let batch = jobs.first().and_then(|j| j.batch);
    if let Err(e) = super::submit::submit(&session, jobs).await {
        // Refused before anything was stored: over budget, or the store failed.
        eprintln!("qimg: {}", crate::sanitize::sanitize_line(&e.to_string()));
        session.finish().await;
        return match e {
            crate::api::NotStored::OverBudget(_) => ExitCode::Usage,
            crate::api::NotStored::Failed(_) => ExitCode::JobFailed,
        };
    }
    print_ids(&ids, batch, a.json);
    let opts = FollowOpts {
        wait,
        show: a.show,
        timeout: a.timeout,
        json: a.json,
    };
    let finished = follow_jobs(&mut session, &ids, opts).await;
    let code = report(&session, &ids, opts, &finished);
    session.finish().await;
    if finished.interrupted {
        return ExitCode::Signal(2);
    }
    code
}

/// The ids on stdout (one per line, unless `--json`) and the batch on stderr.
fn print_ids(ids: &[JobId], batch: Option<crate::domain::BatchId>, json: bool) {
    if let Some(b) = batch {
        // On stderr, so stdout stays one id per line for scripts.
        eprintln!(
            "qimg: batch {} ({} jobs): qimg jobs --batch {} · qimg wait --batch {}",
            b,
            ids.len(),
            b.short(),
            b.short()
        );
    }
    if !json {
        let mut out = std::io::stdout().lock();
        for id in ids {
            let _ = writeln!(out, "{id}");
        }
        let _ = out.flush();
    }
}
