//! Tests of `update`: keys, actions and network events turned into state and effects.

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui_image::picker::Picker;

use super::message::Msg;
use super::*;
use crate::api::ApiEvent;
use crate::domain::models::{AspectRatio, Wire};
use crate::domain::{Job, JobRequest, JobState};
use crate::state::{ComposeForm, Field, Focus, Overlay, ProfileView};

fn app() -> App {
    let profile = ProfileView::of(
        &crate::config::Profile::builtin_sim(),
        std::path::Path::new("config.toml"),
        crate::domain::catalogue::Catalogue::builtin(),
    );
    let state = State::new(
        profile,
        ComposeForm::new(
            ComposeForm::models_for(
                crate::domain::catalogue::Catalogue::builtin(),
                &[Wire::Apiframe, Wire::OpenAi],
            ),
            "qwen-image-2",
        ),
    );
    let previews = Previews::new(Some(Picker::halfblocks()), &state.graphics, |_| {});
    App::new(state, Theme::fallback(), Keymap::default(), previews)
}

/// The app on the simulated gateway profile (its edit models take images).
fn gateway_app() -> App {
    let mut a = app();
    a.state.profiles = vec![ProfileView::of(
        &crate::config::Profile::builtin_sim_gateway(),
        std::path::Path::new("c"),
        crate::domain::catalogue::Catalogue::builtin(),
    )];
    a.state.switch_profile(0);
    a
}

fn key(code: KeyCode, mods: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, mods))
}

fn type_text(app: &mut App, text: &str, now: Instant) {
    for c in text.chars() {
        app.on_event(&key(KeyCode::Char(c), KeyModifiers::NONE), now);
    }
}

/// Carries out the `Create` effects the way the effect runner does (without its thread) and
/// feeds the new jobs back; the other effects pass through.
fn settle(a: &mut App, fx: Vec<Effect>) -> Vec<Effect> {
    let mut out = Vec::new();
    for e in fx {
        match e {
            Effect::Create(new, sent) => {
                let jobs = crate::services::make_jobs(
                    new,
                    9,
                    crate::domain::catalogue::Catalogue::builtin(),
                );
                out.extend(a.on_msg(Msg::Created { jobs, sent }, Instant::now()));
            }
            other => out.push(other),
        }
    }
    out
}

fn submits(fx: &[Effect]) -> usize {
    fx.iter()
        .map(|e| match e {
            Effect::Engine(Command::Submit(sub)) => sub.jobs.len(),
            _ => 0,
        })
        .sum()
}

#[test]
fn typing_and_ctrl_s_send_one_job_per_count() {
    let mut a = app();
    let now = Instant::now();
    type_text(&mut a, "a quiet lake, quick", now);
    assert_eq!(
        a.state.form.prompt.text(),
        "a quiet lake, quick",
        "q is text in a text field"
    );
    assert!(!a.state.quit);
    a.state.form.count = 3;
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    let fx = settle(&mut a, fx);
    assert_eq!(submits(&fx), 3);
    assert_eq!(a.state.jobs.len(), 3);
    let keys: std::collections::HashSet<_> = a
        .state
        .jobs
        .items()
        .iter()
        .map(|v| v.job.idempotency_key.clone())
        .collect();
    assert_eq!(keys.len(), 3, "each job has its own idempotency key");
}

#[test]
fn repeated_ctrl_s_of_the_same_draft_counts_once() {
    let mut a = app();
    let now = Instant::now();
    type_text(&mut a, "kite", now);
    a.state.form.seed_locked = true;
    a.state.form.seed.set("5");
    let ctrl_s = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
    let mut total = 0;
    for i in 0..3 {
        let fx = a.on_event(&ctrl_s, now + Duration::from_millis(i * 20));
        total += submits(&settle(&mut a, fx));
    }
    assert_eq!(total, 1);
    // Deliberately again, later: allowed.
    let fx = a.on_event(&ctrl_s, now + Duration::from_secs(5));
    assert_eq!(submits(&settle(&mut a, fx)), 1);
}

#[test]
fn an_empty_prompt_is_refused_with_a_message() {
    let mut a = app();
    let fx = a.on_event(
        &key(KeyCode::Char('s'), KeyModifiers::CONTROL),
        Instant::now(),
    );
    assert_eq!(submits(&fx), 0);
    assert_eq!(
        a.state.form.error.as_ref().map(|e| e.field),
        Some(Field::Prompt)
    );
    assert!(a.state.current_notice(Instant::now()).is_some());
}

#[test]
fn focus_cycles_and_q_quits_outside_text() {
    let mut a = app();
    let now = Instant::now();
    let fields = a.state.form.visible_fields().len();
    for _ in 0..fields {
        a.on_event(&key(KeyCode::Tab, KeyModifiers::NONE), now);
    }
    assert_eq!(a.state.focus, Focus::Jobs);
    a.on_event(&key(KeyCode::BackTab, KeyModifiers::SHIFT), now);
    assert_eq!(a.state.focus, Focus::Form(Field::Count));
    a.on_event(&key(KeyCode::Char('q'), KeyModifiers::NONE), now);
    assert!(a.state.quit);
}

#[test]
fn esc_leaves_a_text_field_and_ctrl_c_quits_anywhere() {
    let mut a = app();
    let now = Instant::now();
    a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), now);
    assert_eq!(a.state.focus, Focus::Jobs);
    let mut b = app();
    b.on_event(&key(KeyCode::Char('c'), KeyModifiers::CONTROL), now);
    assert!(b.state.quit);
}

#[test]
fn focus_gained_repaints_and_other_events_do_not() {
    let mut a = app();
    let now = Instant::now();
    // tmux and some terminals drop images while the window is hidden.
    let fx = a.on_event(&Event::FocusGained, now);
    assert!(fx.iter().any(|e| matches!(e, Effect::Repaint)));
    // Losing focus, a resize (ratatui clears and redraws by itself) and moving the cursor in
    // a text field send nothing again.
    for ev in [
        Event::FocusLost,
        Event::Resize(100, 30),
        key(KeyCode::Left, KeyModifiers::NONE),
    ] {
        let fx = a.on_event(&ev, now);
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::Repaint)),
            "{ev:?} must not repaint"
        );
    }
}

#[test]
fn help_opens_with_f1_and_question_mark_and_closing_repaints() {
    let mut a = app();
    let now = Instant::now();
    a.on_event(&key(KeyCode::F(1), KeyModifiers::NONE), now);
    assert!(matches!(a.state.overlay, Some(Overlay::Help { .. })));
    let fx = a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), now);
    assert!(a.state.overlay.is_none());
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Repaint)),
        "images under the overlay must be sent again"
    );
    a.state.focus = Focus::Jobs;
    a.on_event(&key(KeyCode::Char('?'), KeyModifiers::NONE), now);
    assert!(matches!(a.state.overlay, Some(Overlay::Help { .. })));
    // Tab does nothing behind the overlay.
    a.on_event(&key(KeyCode::Tab, KeyModifiers::NONE), now);
    assert_eq!(a.state.focus, Focus::Jobs);
}

#[test]
fn typing_a_digit_into_a_random_seed_locks_it() {
    let mut a = app();
    let now = Instant::now();
    a.state.focus = Focus::Form(Field::Seed);
    type_text(&mut a, "x42", now);
    assert!(a.state.form.seed_locked);
    assert_eq!(a.state.form.seed.text(), "42");
}

#[test]
fn pastes_go_to_the_focused_field() {
    let mut a = app();
    a.on_event(&Event::Paste("line one\nline two".into()), Instant::now());
    assert_eq!(a.state.form.prompt.text(), "line one\nline two");
}

fn ended(state: JobState, wire: Wire) -> Job {
    let mut req = JobRequest::apiframe("p", AspectRatio::Square, 1);
    req.wire = wire;
    let mut j = Job::new("sim", req);
    j.state = state;
    j
}

#[test]
fn resubmitting_an_ambiguous_apiframe_job_reuses_its_key() {
    let mut a = app();
    let old = ended(
        JobState::Ambiguous {
            message: "x".into(),
        },
        Wire::Apiframe,
    );
    a.state.jobs.upsert(old.clone());
    a.state.focus = Focus::Jobs;
    a.state.jobs.select(old.id);
    let fx = a.on_event(
        &key(KeyCode::Char('R'), KeyModifiers::SHIFT),
        Instant::now(),
    );
    let fx = settle(&mut a, fx);
    let Some(Effect::Engine(Command::Submit(sub))) = fx.first() else {
        panic!("{fx:?}")
    };
    let job = &sub.jobs[0];
    assert_eq!(job.idempotency_key, old.idempotency_key);
    assert_eq!(job.resubmit_of, Some(old.id));
}

#[test]
fn resubmitting_an_ambiguous_gateway_job_asks_first() {
    let mut a = app();
    let old = ended(
        JobState::Ambiguous {
            message: "x".into(),
        },
        Wire::OpenAi,
    );
    a.state.jobs.upsert(old.clone());
    a.state.focus = Focus::Jobs;
    a.state.jobs.select(old.id);
    let now = Instant::now();
    assert!(
        a.on_event(&key(KeyCode::Char('R'), KeyModifiers::SHIFT), now)
            .is_empty()
    );
    assert!(matches!(a.state.overlay, Some(Overlay::Confirm { .. })));
    let fx = a.on_event(&key(KeyCode::Char('y'), KeyModifiers::NONE), now);
    let fx = settle(&mut a, fx);
    let Some(Effect::Engine(Command::Submit(sub))) = fx.first() else {
        panic!("{fx:?}")
    };
    let job = &sub.jobs[0];
    assert_ne!(job.idempotency_key, old.idempotency_key);
}

#[test]
fn cancelling_a_running_job_sends_cancel_and_marks_it() {
    let mut a = app();
    let mut j = ended(JobState::Running { progress: Some(10) }, Wire::Apiframe);
    j.remote_id = Some("r".into());
    a.state.jobs.upsert(j.clone());
    a.state.focus = Focus::Jobs;
    let fx = a.on_event(&key(KeyCode::Char('c'), KeyModifiers::NONE), Instant::now());
    assert!(matches!(fx.as_slice(), [Effect::Engine(Command::Cancel(id))] if *id == j.id));
    assert!(a.state.jobs.items()[0].cancelling);
    assert!(
        a.state
            .current_notice(Instant::now())
            .unwrap()
            .text
            .contains("may still finish")
    );
}

#[test]
fn a_finished_selected_job_asks_for_its_preview_once() {
    let mut a = app();
    let mut j = ended(JobState::Running { progress: None }, Wire::Apiframe);
    a.state.jobs.upsert(j.clone());
    j.state = JobState::Done;
    j.saved_paths = vec!["/tmp/x.png".into()];
    let fx = a.on_api(ApiEvent::JobChanged(Box::new(j.clone())), Instant::now());
    // The end also asks for the spend and the balance in the header to be read again, and
    // sets the title.
    assert!(
        matches!(fx.as_slice(), [Effect::LoadSpend, Effect::Engine(Command::ReadBalance(profile)), Effect::WriteTerminal(t), Effect::Decode(p)]
            if p.ends_with("x.png") && profile == "sim" && t.ends_with("\x1b]2;qimg ◐0 ✓1\x07".as_bytes())),
        "{fx:?}"
    );
    assert!(
        a.on_api(ApiEvent::JobChanged(Box::new(j)), Instant::now())
            .is_empty()
    );
    assert!(
        a.state
            .current_notice(Instant::now())
            .unwrap()
            .text
            .contains("done")
    );
}

#[test]
fn the_profile_picker_switches_profiles_and_keeps_the_prompt() {
    let mut a = app();
    let now = Instant::now();
    a.state.profiles = vec![
        ProfileView::of(
            &crate::config::Profile::builtin_sim(),
            std::path::Path::new("c"),
            crate::domain::catalogue::Catalogue::builtin(),
        ),
        ProfileView::of(
            &crate::config::Profile::builtin_sim_gateway(),
            std::path::Path::new("c"),
            crate::domain::catalogue::Catalogue::builtin(),
        ),
    ];
    type_text(&mut a, "keep me", now);
    a.on_event(&key(KeyCode::F(5), KeyModifiers::NONE), now);
    assert!(matches!(
        a.state.overlay,
        Some(Overlay::Profiles { selected: 0 })
    ));
    a.on_event(&key(KeyCode::Down, KeyModifiers::NONE), now);
    a.on_event(&key(KeyCode::Enter, KeyModifiers::NONE), now);
    assert!(a.state.overlay.is_none());
    assert_eq!(a.state.profile.name, "sim-gateway");
    assert_eq!(a.state.form.prompt.text(), "keep me");
    assert!(a.state.form.models.iter().all(|m| m.wire == Wire::OpenAi));
    assert_eq!(a.state.form.spec().unwrap().id, "qwen-image-plus");
}

#[test]
fn use_as_reference_picks_an_edit_model_and_fills_the_image_field() {
    let mut a = gateway_app();
    let mut j = ended(JobState::Done, Wire::OpenAi);
    j.saved_paths = vec!["/img/a.png".into()];
    a.state.jobs.upsert(j);
    a.state.focus = Focus::Jobs;
    a.on_event(&key(KeyCode::Char('u'), KeyModifiers::NONE), Instant::now());
    assert_eq!(a.state.form.reference.text(), "/img/a.png");
    assert_eq!(a.state.focus, Focus::Form(Field::Reference));
    assert_eq!(
        a.state.form.spec().unwrap().task,
        crate::domain::models::Task::Edit
    );
}

fn done_job(prompt: &str) -> Job {
    let mut j = Job::new("sim", JobRequest::apiframe(prompt, AspectRatio::L16x9, 77));
    j.state = JobState::Done;
    j.saved_paths = vec![format!("/img/{prompt}.png").into()];
    j
}

fn press(a: &mut App, c: char) -> Vec<Effect> {
    a.on_event(&key(KeyCode::Char(c), KeyModifiers::NONE), Instant::now())
}

#[test]
fn rerun_keeps_the_seed_and_reroll_draws_a_new_one() {
    let mut a = app();
    let j = done_job("lake");
    a.state.jobs.upsert(j.clone());
    a.state.focus = Focus::Jobs;
    let fx = press(&mut a, 'r');
    let fx = settle(&mut a, fx);
    let Some(Effect::Engine(Command::Submit(sub))) = fx.first() else {
        panic!("{fx:?}")
    };
    let rerun = &sub.jobs[0];
    assert_eq!(
        (rerun.request.seed, rerun.request.prompt.as_str()),
        (Some(77), "lake")
    );
    assert_ne!(rerun.idempotency_key, j.idempotency_key);
    a.state.jobs.select(j.id);
    let fx = press(&mut a, 'n');
    let fx = settle(&mut a, fx);
    let Some(Effect::Engine(Command::Submit(sub))) = fx.first() else {
        panic!("{fx:?}")
    };
    let reroll = &sub.jobs[0];
    assert_ne!(reroll.request.seed, Some(77));
    assert!(reroll.request.seed.is_some());
}

#[test]
fn edit_loads_the_job_into_the_form() {
    let mut a = app();
    a.state.jobs.upsert(done_job("harbour"));
    a.state.focus = Focus::Jobs;
    press(&mut a, 'e');
    assert_eq!(a.state.form.prompt.text(), "harbour");
    assert!(a.state.form.seed_locked);
    assert_eq!(a.state.form.shape_label().as_deref(), Some("16:9"));
    assert_eq!(a.state.focus, Focus::Form(Field::Prompt));
}

#[test]
fn copy_uses_the_clipboard_effect() {
    let mut a = app();
    a.state.jobs.upsert(done_job("kite"));
    a.state.focus = Focus::Jobs;
    assert!(matches!(press(&mut a, 'y').as_slice(), [Effect::Clipboard(t)] if t == "kite"));
    assert!(
        matches!(press(&mut a, 'Y').as_slice(), [Effect::Clipboard(t)] if t == "/img/kite.png")
    );
}

#[test]
fn delete_asks_and_f_also_removes_the_file() {
    let mut a = app();
    let j = done_job("fox");
    a.state.jobs.upsert(j.clone());
    a.state.focus = Focus::Jobs;
    assert!(press(&mut a, 'd').is_empty());
    assert!(matches!(a.state.overlay, Some(Overlay::Confirm { .. })));
    let fx = press(&mut a, 'f');
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::DeleteJob { id, files } if *id == j.id && files.len() == 1)
        )
    );
    assert!(a.state.jobs.is_empty());
}

#[test]
fn filter_and_search_reload_from_the_store() {
    let mut a = app();
    a.state.focus = Focus::Jobs;
    assert!(matches!(
        press(&mut a, 'f').as_slice(),
        [Effect::ReloadJobs]
    ));
    assert_eq!(
        a.state.history.filter,
        crate::state::history::StateFilter::Active
    );
    press(&mut a, '/');
    assert_eq!(a.state.focus, Focus::Search);
    assert!(matches!(
        press(&mut a, 'k').as_slice(),
        [Effect::ReloadJobs]
    ));
    assert!(
        matches!(press(&mut a, 'q').as_slice(), [Effect::ReloadJobs]),
        "q is text in the search"
    );
    assert_eq!(a.state.history.search.text(), "kq");
    let fx = a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), Instant::now());
    assert!(matches!(fx.as_slice(), [Effect::ReloadJobs]));
    assert_eq!(a.state.history.search.text(), "");
    assert_eq!(a.state.focus, Focus::Jobs);
}

#[test]
fn jobs_hidden_by_the_filter_stay_out_of_the_list() {
    let mut a = app();
    a.state.history.filter = crate::state::history::StateFilter::Done;
    let j = Job::new("sim", JobRequest::apiframe("x", AspectRatio::Square, 1));
    a.on_api(ApiEvent::JobChanged(Box::new(j)), Instant::now());
    assert!(a.state.jobs.is_empty());
}

mod batches;
mod compare;
mod notify;
mod presets;
mod prompts;

#[test]
fn u_on_several_jobs_adds_references_in_order_and_alt_arrows_reorder_them() {
    let mut a = gateway_app();
    let edit = a
        .state
        .form
        .models
        .iter()
        .position(|m| m.images.max >= 2)
        .unwrap();
    a.state.form.model = edit;
    for name in ["a", "b"] {
        let mut j = ended(JobState::Done, Wire::OpenAi);
        j.saved_paths = vec![format!("/img/{name}.png").into()];
        let id = j.id;
        a.state.jobs.upsert(j);
        a.state.jobs.select(id);
        a.state.focus = Focus::Jobs;
        a.on_event(&key(KeyCode::Char('u'), KeyModifiers::NONE), Instant::now());
    }
    assert_eq!(a.state.form.references(), ["/img/a.png", "/img/b.png"]);
    assert!(
        a.state
            .notices
            .last()
            .unwrap()
            .text
            .contains("image 2 of at most")
    );
    // The cursor is in the last one: Alt-Left moves it first.
    a.on_event(&key(KeyCode::Left, KeyModifiers::ALT), Instant::now());
    assert_eq!(a.state.form.references(), ["/img/b.png", "/img/a.png"]);
    a.on_event(&key(KeyCode::Char('x'), KeyModifiers::ALT), Instant::now());
    assert_eq!(a.state.form.references(), ["/img/a.png"]);
}

#[test]
fn a_submit_above_the_profiles_confirm_above_asks_first() {
    let mut a = app();
    let now = Instant::now();
    type_text(&mut a, "two kites", now);
    a.state.form.count = 2;
    // 2 × 3 credits: under the config's rule (none), above the profile's 5.
    a.state.profile.confirm_above = Some(5.0);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    assert_eq!(submits(&settle(&mut a, fx)), 0);
    let Some(Overlay::Confirm { text, .. }) = &a.state.overlay else {
        panic!("{:?}", a.state.overlay)
    };
    assert!(text.contains("6 credits"), "{text}");
    a.state.overlay = None;
    a.state.profile.confirm_above = Some(6.0);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    assert_eq!(submits(&settle(&mut a, fx)), 2, "at the limit: sent");
}
