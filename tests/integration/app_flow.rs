//! The TUI in-process (`harness`): a newcomer's first job from typing to the preview, the help
//! overlay, a history action, the profile picker, and an engine error shown as a notice. The
//! loop, the effects and the engine are the real ones; the terminal is a `TestScreen` and the
//! simulator answers in memory on tokio's paused clock.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use qimg::domain::JobState;

use crate::harness::Harness;

fn done_jobs(app: &qimg::app::App) -> usize {
    app.state
        .jobs
        .items()
        .iter()
        .filter(|v| v.job.state == JobState::Done)
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_newcomer_types_submits_and_sees_the_image() {
    let mut h = Harness::start(120, 40, Duration::from_secs(4), qimg::sim::DEFAULT_KEY);
    let first = h.screen();
    assert!(
        first.contains("SIMULATOR") && first.contains("Describe the image"),
        "{first}"
    );
    h.text("a red kite over dunes");
    h.ctrl('s');
    h.run_until("the job to be listed", |app, _| app.state.jobs.len() == 1)
        .await;
    let screen = h
        .run_until("the job to finish", |app, s| {
            done_jobs(app) == 1 && s.contains("done")
        })
        .await;
    assert!(screen.contains("a red kite over dunes"), "{screen}");
    // The preview: half blocks in the preview pane (the right half of the wide layout).
    let screen = h
        .run_until("the half-block preview", |_, s| {
            s.lines().any(|l| {
                l.chars()
                    .skip(60)
                    .filter(|c| *c == '▀' || *c == '▄')
                    .count()
                    > 20
            })
        })
        .await;
    assert!(screen.contains("preview: halfblocks"), "{screen}");
    let job = &h.lp.app.state.jobs.items()[0].job;
    assert_eq!(job.saved_paths.len(), 1);
    assert!(job.saved_paths[0].is_file());
    assert_eq!(h.sim.stats().jobs_created, 1, "one job, sent once");
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn help_opens_lists_the_keys_and_closes() {
    let mut h = Harness::start(120, 40, Duration::from_secs(1), qimg::sim::DEFAULT_KEY);
    h.key(KeyCode::F(1), KeyModifiers::NONE);
    let screen = h
        .run_until("the help overlay", |_, s| s.contains("Help · keys"))
        .await;
    assert!(
        screen.contains("Everywhere") && screen.contains("Ctrl-S"),
        "{screen}"
    );
    h.key(KeyCode::Esc, KeyModifiers::NONE);
    let screen = h
        .run_until("the help to close", |app, _| app.state.overlay.is_none())
        .await;
    assert!(!screen.contains("Help · keys"), "{screen}");
    assert!(
        h.lp.screen.repaints >= 1,
        "what was under the overlay is drawn again"
    );
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn rerunning_a_finished_job_sends_the_same_seed_again() {
    let mut h = Harness::start(120, 40, Duration::from_secs(2), qimg::sim::DEFAULT_KEY);
    h.text("a quiet harbour");
    h.ctrl('s');
    h.run_until("the first job", |app, _| done_jobs(app) == 1)
        .await;
    let first_seed = h.lp.app.state.jobs.items()[0].job.request.seed;
    // To the list, then `r`: rerun with the same parameters and seed.
    h.key(KeyCode::Esc, KeyModifiers::NONE);
    h.text("r");
    h.run_until("the rerun", |app, _| done_jobs(app) == 2).await;
    let jobs = h.lp.app.state.jobs.items();
    assert_eq!(jobs[0].job.request.seed, first_seed);
    assert_eq!(jobs[0].job.request.prompt, "a quiet harbour");
    assert_ne!(jobs[0].job.id, jobs[1].job.id);
    assert_eq!(h.sim.stats().jobs_created, 2);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_profile_picker_switches_to_the_gateway_and_keeps_the_prompt() {
    let mut h = Harness::start(120, 40, Duration::from_secs(1), qimg::sim::DEFAULT_KEY);
    h.text("keep this prompt");
    h.key(KeyCode::F(5), KeyModifiers::NONE);
    let screen = h
        .run_until("the picker", |_, s| s.contains("Profiles ·"))
        .await;
    assert!(screen.contains("sim-gateway"), "{screen}");
    h.key(KeyCode::Down, KeyModifiers::NONE);
    h.key(KeyCode::Enter, KeyModifiers::NONE);
    let screen = h
        .run_until("the switch", |app, _| {
            app.state.profile.name == "sim-gateway"
        })
        .await;
    assert!(
        screen.contains("profile sim-gateway") && screen.contains("qwen-image-plus"),
        "{screen}"
    );
    assert_eq!(h.lp.app.state.form.prompt.text(), "keep this prompt");
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_refused_key_is_a_notice_and_a_failed_job() {
    let mut h = Harness::start(120, 40, Duration::from_secs(1), "not-the-key");
    h.text("denied");
    h.ctrl('s');
    let refused = |app: &qimg::app::App| {
        app.state.notices.iter().any(|n| {
            n.level == qimg::domain::Level::Error && n.text.contains("the key was refused")
        })
    };
    let screen = h
        .run_until("the refusal", |app, _| {
            app.state
                .jobs
                .items()
                .first()
                .is_some_and(|v| v.job.state.is_end())
                && refused(app)
        })
        .await;
    assert!(screen.contains("rejected, not charged"), "{screen}");
    let job = &h.lp.app.state.jobs.items()[0].job;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.contains("rejected, not charged")),
        "{:?}",
        job.state
    );
    assert!(screen.contains("✗"), "{screen}");
    assert_eq!(h.sim.stats().jobs_created, 0);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_reference_the_model_cannot_take_is_refused_in_the_form_and_nothing_is_stored() {
    let mut h = Harness::start(120, 40, Duration::from_secs(1), qimg::sim::DEFAULT_KEY);
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.png");
    std::fs::write(&small, crate::common::png(64, 48)).unwrap();
    h.text("the same scene at night");
    h.lp.app
        .state
        .form
        .reference
        .set(&small.display().to_string());
    h.ctrl('s');
    let screen = h
        .run_until("the refusal under the image field", |app, s| {
            app.state.form.error.is_some() && s.contains("64×48")
        })
        .await;
    assert!(screen.contains("not sent"), "{screen}");
    let app = &h.lp.app;
    assert_eq!(app.state.jobs.len(), 0, "no job was made");
    assert_eq!(
        app.state.focus,
        qimg::state::Focus::Form(qimg::state::Field::Reference)
    );
    assert_eq!(h.sim.stats().submit_requests + h.sim.stats().uploads, 0);
    // With a usable image the same form goes through.
    let good = dir.path().join("good.png");
    std::fs::write(&good, crate::common::png(512, 512)).unwrap();
    h.lp.app
        .state
        .form
        .reference
        .set(&good.display().to_string());
    h.ctrl('s');
    h.run_until("the job to finish", |app, _| done_jobs(app) == 1)
        .await;
    assert_eq!(h.sim.stats().jobs_created, 1);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_submit_over_the_daily_budget_is_a_notice_with_the_numbers_and_stores_nothing() {
    let mut h = Harness::start_tweaked(
        120,
        40,
        Duration::from_secs(2),
        qimg::sim::DEFAULT_KEY,
        |p| p.budget.daily = Some(3.0),
    );
    h.text("the only one today");
    h.ctrl('s');
    h.run_until("the first job done", |app, _| done_jobs(app) == 1)
        .await;
    h.text(" and one more");
    h.ctrl('s');
    let screen = h
        .run_until("the refusal", |_, s| s.contains("over the daily budget"))
        .await;
    assert!(
        screen.contains("3 spent or reserved + ≈ 3 asked > 3 credits"),
        "the notice names the cap: {screen}"
    );
    h.run_until("the refused job gone from the list", |app, _| {
        app.state.jobs.len() == 1
    })
    .await;
    assert_eq!(
        h.sim.stats().jobs_created,
        1,
        "the refused job was never sent"
    );
    h.stop().await;
}
