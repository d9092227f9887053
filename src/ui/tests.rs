//! Snapshot tests of the whole screen (TestBackend + insta) at 80×24 and 120×40, and a sweep
//! over tiny and odd sizes that must never panic.

use std::path::PathBuf;
use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui_image::picker::Picker;

use super::*;
use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::domain::models::{AspectRatio, Wire};
use crate::domain::{Job, JobId, JobRequest, JobState, Timestamp};
use crate::preview::Previews;
use crate::state::{ComposeForm, Field, Focus, FormError, Overlay, ProfileView, State};

const T0: i64 = 1_790_000_000_000;

fn job(n: u128, prompt: &str, state: JobState, age_s: i64) -> Job {
    let mut j = Job::new("sim", JobRequest::apiframe(prompt, AspectRatio::L16x9, 42));
    j.id = JobId(uuid::Uuid::from_u128(
        0x1234_5678_0000_0000_0000_0000_0000_0000 + n,
    ));
    j.created_at = Timestamp(T0 - age_s * 1000);
    if state.is_end() {
        j.finished_at = Some(Timestamp(T0 - age_s * 1000 + 9_000));
    }
    j.state = state;
    j
}

fn sample_state() -> State {
    let profile = ProfileView::of(
        &crate::config::Profile::builtin_sim(),
        std::path::Path::new("~/.config/qimg/config.toml"),
        crate::domain::catalogue::Catalogue::builtin(),
    );
    let mut s = State::new(
        profile,
        ComposeForm::new(
            ComposeForm::models_for(
                crate::domain::catalogue::Catalogue::builtin(),
                &[Wire::Apiframe, Wire::OpenAi],
            ),
            "qwen-image-2",
        ),
    );
    s.form
        .prompt
        .set("a red kite over the dunes at golden hour, wide shot");
    let jobs = [
        job(1, "queued job", JobState::Queued, 1),
        job(
            2,
            "running job",
            JobState::Running { progress: Some(45) },
            8,
        ),
        job(3, "downloading job", JobState::Downloading, 12),
        job(4, "a finished job", JobState::Done, 60),
        job(
            5,
            "a failed job",
            JobState::Failed {
                message: "rejected, not charged: Validation failed (HTTP 400)".into(),
            },
            120,
        ),
        job(
            6,
            "an ambiguous job",
            JobState::Ambiguous {
                message: "no clear answer from the provider".into(),
            },
            300,
        ),
        job(7, "a cancelled job", JobState::Cancelled, 400),
        job(8, "a job that timed out", JobState::TimedOut, 500),
        job(
            9,
            "an expired job",
            JobState::Expired {
                message: "the result was gone (HTTP 404)".into(),
            },
            600,
        ),
        job(
            10,
            "submitting \u{1b}[2J evil \u{202e} text",
            JobState::Submitting,
            2,
        ),
    ];
    for j in jobs {
        s.jobs.upsert(j);
    }
    s
}

fn render_to(state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    render_with(state, w, h, &Keymap::default())
}

fn render_with(state: &State, w: u16, h: u16, keymap: &Keymap) -> Terminal<TestBackend> {
    let theme = Theme::fallback();
    let mut previews = Previews::new(Some(Picker::halfblocks()), &state.graphics, |_| {});
    let ctx = RenderCtx {
        theme: &theme,
        keymap,
        now: Instant::now(),
        wall: Timestamp(T0),
    };
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| render(f, state, &mut ViewState::default(), &mut previews, &ctx))
        .unwrap();
    term
}

/// Every key name on the screen comes from the keymap: with `submit` on Ctrl-G (and Ctrl-S
/// unbound), the empty prompt, the empty job list and the status line all say Ctrl-G.
#[test]
fn a_remapped_submit_key_is_shown_everywhere() {
    use crate::config::keymap::{KeyCombo, Mode, Override};
    let keymap = Keymap::with_overrides(&[
        Override {
            mode: Mode::Global,
            key: KeyCombo::parse("ctrl-s").unwrap(),
            action: None,
        },
        Override {
            mode: Mode::Global,
            key: KeyCombo::parse("ctrl-g").unwrap(),
            action: Some(crate::action::Action::Submit),
        },
    ]);
    let profile = ProfileView::of(
        &crate::config::Profile::builtin_sim(),
        std::path::Path::new("c"),
        crate::domain::catalogue::Catalogue::builtin(),
    );
    let s = State::new(
        profile,
        ComposeForm::new(
            ComposeForm::models_for(
                crate::domain::catalogue::Catalogue::builtin(),
                &[Wire::Apiframe],
            ),
            "qwen-image-2",
        ),
    );
    let term = render_with(&s, 120, 40, &keymap);
    insta::assert_snapshot!("remapped_submit_120x40", term.backend());
    let text = format!("{}", term.backend());
    assert!(
        text.contains("Ctrl-G: submit") && text.contains("press Ctrl-G"),
        "{text}"
    );
    assert!(!text.contains("Ctrl-S"), "{text}");
}

#[rstest::rstest]
#[case(80, 24)]
#[case(120, 40)]
fn compose_with_jobs_in_every_state(#[case] w: u16, #[case] h: u16) {
    let s = sample_state();
    insta::assert_snapshot!(format!("compose_{w}x{h}"), render_to(&s, w, h).backend());
}

#[rstest::rstest]
#[case(80, 24)]
#[case(120, 40)]
fn job_list_focused_on_a_failed_job(#[case] w: u16, #[case] h: u16) {
    let mut s = sample_state();
    s.focus = Focus::Jobs;
    s.jobs.selected = 4;
    insta::assert_snapshot!(
        format!("jobs_failed_{w}x{h}"),
        render_to(&s, w, h).backend()
    );
}

#[rstest::rstest]
#[case(80, 24)]
#[case(120, 40)]
fn help_overlay(#[case] w: u16, #[case] h: u16) {
    let mut s = sample_state();
    s.overlay = Some(Overlay::Help { scroll: 0 });
    insta::assert_snapshot!(format!("help_{w}x{h}"), render_to(&s, w, h).backend());
}

#[test]
fn form_error_and_gateway_fields() {
    let mut s = sample_state();
    s.form.step(Field::Model, 3); // wan2.5-t2i-preview
    s.focus = Focus::Form(Field::Seed);
    s.form.error = Some(FormError {
        field: Field::Seed,
        message: "the seed must be a whole number from 0 to 2147483647".into(),
    });
    insta::assert_snapshot!(
        "gateway_form_error_120x40",
        render_to(&s, 120, 40).backend()
    );
}

#[test]
fn escape_sequences_never_reach_the_buffer() {
    let s = sample_state();
    let term = render_to(&s, 120, 40);
    for cell in term.backend().buffer().content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{:?}",
            cell.symbol()
        );
    }
}

#[test]
fn state_is_never_colour_alone() {
    let s = sample_state();
    let text = format!("{}", render_to(&s, 120, 40).backend());
    for word in [
        "queued",
        "running 45%",
        "downloading",
        "done",
        "failed",
        "ambiguous",
        "cancelled",
        "timed out",
        "expired",
        "submitting",
    ] {
        assert!(text.contains(word), "missing {word}");
    }
}

#[test]
fn tiny_sizes_and_resize_storms_never_panic() {
    let s = sample_state();
    for w in 0..=12 {
        for h in 0..=12 {
            render_to(&s, w, h);
        }
    }
    let mut sizes = vec![
        (1, 1),
        (2, 1),
        (39, 9),
        (40, 10),
        (79, 23),
        (80, 24),
        (119, 29),
        (120, 30),
        (250, 70),
    ];
    let mut x: u32 = 7;
    for _ in 0..60 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        sizes.push(((x >> 8) as u16 % 251, (x >> 20) as u16 % 71));
    }
    for (w, h) in sizes {
        render_to(&s, w, h);
    }
}

#[test]
fn too_small_says_so() {
    let s = sample_state();
    let text = format!("{}", render_to(&s, 39, 12).backend());
    assert!(text.contains("terminal too small"), "{text}");
}

#[test]
fn a_finished_job_shows_its_image_with_halfblocks() {
    // A fixed path keeps the snapshot stable.
    let dir = std::env::temp_dir().join("qimg-ui-snapshot");
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("preview.png");
    crate::sim::render::render(320, 180, "x", 1, None)
        .save(&path)
        .unwrap();
    let mut s = sample_state();
    let mut j = job(20, "with image", JobState::Done, 5);
    j.saved_paths = vec![path.clone()];
    let id = j.id;
    s.jobs.upsert(j);
    s.jobs.select(id);
    s.focus = Focus::Jobs;
    let theme = Theme::fallback();
    let keymap = Keymap::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut previews = Previews::new(Some(Picker::halfblocks()), &s.graphics, move |r| {
        let _ = tx.send(r);
    });
    assert!(previews.needs_decode(&path));
    previews.on_decoded(
        path.clone(),
        crate::imaging::decode_file_for_preview(&path, 640, 640),
    );
    let ctx = RenderCtx {
        theme: &theme,
        keymap: &keymap,
        now: Instant::now(),
        wall: Timestamp(T0),
    };
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    term.draw(|f| render(f, &s, &mut ViewState::default(), &mut previews, &ctx))
        .unwrap();
    let resized = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    assert!(previews.on_encoded(resized));
    term.draw(|f| render(f, &s, &mut ViewState::default(), &mut previews, &ctx))
        .unwrap();
    let text = format!("{}", term.backend());
    assert!(text.contains('▀') || text.contains('▄'), "{text}");
    insta::assert_snapshot!("preview_halfblocks_120x40", text);
}

#[test]
fn the_details_show_the_exact_input_file() {
    let mut s = sample_state();
    let mut edit = job(
        11,
        "edit with a reference",
        JobState::Running { progress: None },
        1,
    );
    edit.request.images = vec![
        crate::domain::ImageInput::File("/home/someone/refs/cat.png".into()),
        crate::domain::ImageInput::Url("https://example.com/dog.png".into()),
    ];
    let id = edit.id;
    s.jobs.upsert(edit);
    s.jobs.select(id);
    s.focus = Focus::Jobs;
    let term = render_to(&s, 120, 40);
    let text: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains("input /home/someone/refs/cat.png"), "{text}");
    assert!(text.contains("input https://example.com/dog.png"), "{text}");
}

#[test]
fn the_count_row_says_what_a_template_will_send_and_cost() {
    let mut s = sample_state();
    let apiframe = s.form.models.iter().position(|m| m.id == "qwen-image-2");
    s.form.model = apiframe.expect("the sample offers qwen-image-2");
    s.form.prompt.set("a {red|blue} kite");
    s.form.count = 2;
    let text = format!("{}", render_to(&s, 120, 40).backend());
    assert!(
        text.contains("2 jobs each → 4 jobs · ≈ 12 credits"),
        "{text}"
    );
    assert!(text.contains("every combination (2 prompts)"), "{text}");
    s.form.draws = Some(3);
    let text = format!("{}", render_to(&s, 120, 40).backend());
    assert!(text.contains("3 random draws"), "{text}");
    assert!(text.contains("2 jobs each → 6 jobs"), "{text}");
    s.form.prompt.set("a kite");
    s.form.count = 3;
    let text = format!("{}", render_to(&s, 120, 40).backend());
    assert!(text.contains("3 jobs · ≈ 9 credits"), "{text}");
}

#[test]
fn the_prompt_search_popup_shows_matches_with_their_uses() {
    let mut s = sample_state();
    let entry = |t: &str, uses| crate::store::history::PromptUse {
        text: t.into(),
        last_used: Timestamp(T0 - 3_600_000),
        uses,
    };
    s.recall = crate::state::recall::PromptRecall::new(vec![
        entry("a red kite over dunes", 3),
        entry("a lighthouse at dusk", 1),
    ]);
    let mut query = crate::state::text::TextInput::single_line();
    query.set("kite");
    s.overlay = Some(crate::state::Overlay::PromptSearch { query, selected: 0 });
    let text = format!("{}", render_to(&s, 120, 40).backend());
    assert!(text.contains("Earlier prompts"), "{text}");
    assert!(text.contains("1 of 2 prompts"), "{text}");
    assert!(text.contains("a red kite over dunes"), "{text}");
    assert!(text.contains("3× · 1h00m ago"), "{text}");
    assert!(!text.contains("lighthouse"), "{text}");
}

#[test]
fn the_presets_popup_shows_what_each_preset_sets_and_how_to_save() {
    use crate::domain::preset::{Preset, PresetDraws, PresetSeed};
    let mut s = sample_state();
    s.presets.insert(
        "poster".into(),
        Preset {
            model: Some("qwen-image-2".into()),
            aspect: Some("3:4".into()),
            count: Some(2),
            seed: Some(PresetSeed::Locked {
                seed: 42,
                mode: crate::domain::draft::SeedMode::Fixed,
            }),
            draws: Some(PresetDraws::Random(3)),
            negative: Some("blurry\u{1b}[2J".into()),
            ..Preset::default()
        },
    );
    s.presets.insert("square".into(), Preset::default());
    let mut query = crate::state::text::TextInput::single_line();
    query.set("post");
    s.overlay = Some(crate::state::Overlay::Presets {
        query,
        selected: 0,
        armed: false,
    });
    let text = format!("{}", render_to(&s, 120, 40).backend());
    assert!(
        text.contains("Presets · Enter applies · Ctrl-S saves the form"),
        "{text}"
    );
    assert!(text.contains("1 of 2 presets"), "{text}");
    assert!(
        text.contains("qwen-image-2 · 3:4 · 2 jobs · seed 42 fixed · 3 random draws · not: blurry"),
        "{text}"
    );
    assert!(
        !text.contains("square") && !text.contains('\u{1b}'),
        "{text}"
    );
    let Some(crate::state::Overlay::Presets { query, .. }) = &mut s.overlay else {
        unreachable!()
    };
    query.set("night");
    let text = format!("{}", render_to(&s, 120, 40).backend());
    assert!(
        text.contains("no match; Ctrl-S saves the form as `night`"),
        "{text}"
    );
}

#[rstest::rstest]
#[case(80, 24)]
#[case(200, 60)]
fn a_batch_sits_under_a_header_with_its_progress(#[case] w: u16, #[case] h: u16) {
    let mut s = sample_state();
    let batch = crate::domain::BatchId(uuid::Uuid::from_u128(
        0xbeef_0000_0000_0000_0000_0000_0000_0001,
    ));
    let members = [
        job(21, "a {red|blue|green} kite: red", JobState::Done, 90),
        job(
            22,
            "a {red|blue|green} kite: blue",
            JobState::Failed {
                message: "x".into(),
            },
            90,
        ),
        job(
            23,
            "a {red|blue|green} kite: green",
            JobState::Running { progress: Some(30) },
            90,
        ),
    ];
    for mut j in members {
        j.batch = Some(batch);
        j.credit_cost = j
            .state
            .kind()
            .eq(&crate::domain::StateKind::Done)
            .then_some(3);
        s.jobs.upsert(j);
    }
    s.focus = crate::state::Focus::Jobs;
    let term = render_to(&s, w, h);
    let text = format!("{}", term.backend());
    assert!(
        text.contains("▾ batch beef0000 · 3 jobs · 2/3 ✓ 1 ✗ 1 ◐ 1 · 1m30s · 3 credits"),
        "{text}"
    );
    insta::assert_snapshot!(format!("batch_header_{w}x{h}"), term.backend());
    s.jobs.collapsed.insert(batch);
    let text = format!("{}", render_to(&s, w, h).backend());
    assert!(
        text.contains("▸ batch beef0000") && !text.contains("kite: blue"),
        "{text}"
    );
}

#[rstest::rstest]
#[case(80, 24)]
#[case(200, 60)]
fn the_grid_view_labels_rows_and_columns_and_shows_running_cells(#[case] w: u16, #[case] h: u16) {
    use crate::domain::grid::GridCell;
    let mut s = sample_state();
    let batch = crate::domain::BatchId(uuid::Uuid::from_u128(
        0xcafe_0000_0000_0000_0000_0000_0000_0001,
    ));
    let mut n = 30;
    for seed in ["5", "6"] {
        for model in ["qwen-image-2", "qwen-image-2-pro"] {
            n += 1;
            let state = if n == 34 {
                JobState::Running { progress: Some(60) }
            } else {
                JobState::Done
            };
            let mut j = job(
                n,
                &format!("a kite, seed {seed}"),
                state,
                100 - i64::try_from(n).unwrap(),
            );
            j.batch = Some(batch);
            j.grid = Some(GridCell(vec![
                ("seed".into(), seed.into()),
                ("model".into(), model.into()),
            ]));
            s.jobs.upsert(j);
        }
    }
    s.gallery = true;
    s.gallery_batch = Some(batch);
    let first = s
        .jobs
        .items()
        .iter()
        .position(|v| {
            v.job
                .grid
                .as_ref()
                .is_some_and(|g| g.label() == "seed 5 · model qwen-image-2")
        })
        .unwrap();
    s.jobs.selected = first;
    let term = render_to(&s, w, h);
    let text = format!("{}", term.backend());
    assert!(text.contains("Batch cafe0000 · 3/4 ✓ 3 ◐ 1"), "{text}");
    assert!(
        text.contains("seed 5") && text.contains("model qwen-image-2-pro"),
        "{text}"
    );
    if h >= 60 {
        assert!(
            text.contains("running"),
            "a running cell shows its state: {text}"
        );
    } else {
        assert!(
            text.contains("rows 1–1 of 2"),
            "what does not fit is said: {text}"
        );
    }
    insta::assert_snapshot!(format!("batch_grid_{w}x{h}"), term.backend());
}

#[rstest::rstest]
#[case(80, 24)]
#[case(200, 60)]
fn the_compare_view_shows_which_side_and_only_what_differs(#[case] w: u16, #[case] h: u16) {
    let mut s = sample_state();
    let mut a = job(41, "a red kite over dunes", JobState::Done, 30);
    let mut b = job(42, "a blue kite over dunes", JobState::Done, 20);
    a.request.seed = Some(5);
    b.request.seed = Some(6);
    let (ia, ib) = (a.id, b.id);
    s.jobs.upsert(a);
    s.jobs.upsert(b);
    s.marked = vec![ia, ib];
    s.compare = Some((ia, ib));
    s.viewer = Some(ib);
    let term = render_to(&s, w, h);
    let text = format!("{}", term.backend());
    assert!(
        text.contains("A/B · showing B · A 12345678 ⇄ B 12345678 · Space flips · s side by side"),
        "{text}"
    );
    assert!(text.contains("prompt    −red +blue"), "{text}");
    assert!(text.contains("seed      5 → 6"), "{text}");
    assert!(
        !text.contains("model     "),
        "the same model is not listed: {text}"
    );
    insta::assert_snapshot!(format!("compare_{w}x{h}"), term.backend());
    s.compare_side = true;
    let text = format!("{}", render_to(&s, w, h).backend());
    assert!(
        text.contains("A 12345678") && text.contains("B 12345678"),
        "{text}"
    );
    assert!(
        text.contains("prompt    −red +blue"),
        "the differences stay: {text}"
    );
}

#[test]
fn the_grid_popup_shows_the_cells_and_cost_or_why_not_as_you_type() {
    let mut s = sample_state();
    let input = |t: &str| {
        let mut i = crate::state::text::TextInput::single_line();
        i.set(t);
        i
    };
    s.overlay = Some(crate::state::Overlay::Grid {
        rows: input("seed=1,2"),
        columns: input("aspect=1:1,16:9"),
        on_columns: true,
    });
    let text = format!("{}", render_to(&s, 120, 40).backend());
    assert!(
        text.contains("Grid run · Tab switches · Enter sends"),
        "{text}"
    );
    assert!(
        text.contains("2 rows × 2 columns → 4 jobs · 1 model · ≈ 12 credits"),
        "{text}"
    );
    s.overlay = Some(crate::state::Overlay::Grid {
        rows: input("colour=red"),
        columns: input(""),
        on_columns: false,
    });
    let text = format!("{}", render_to(&s, 120, 40).backend());
    assert!(text.contains("`colour` is not a grid axis"), "{text}");
}

#[test]
fn the_header_shows_today_and_this_week_with_estimates_marked() {
    use crate::domain::ledger::{Cost, Totals};
    let mut s = sample_state();
    let mut day = Totals::default();
    day.add(&Cost::Charged(6.0, "credits".into()));
    let mut week = day.clone();
    week.add(&Cost::Estimated(3.0, "credits".into()));
    s.spend = Some((day, week));
    s.balance = Some(("other".into(), 5));
    let text = format!("{}", render_to(&s, 200, 60).backend());
    assert!(
        text.contains("· today 6 credits · week 6 credits + ≈ 3 "),
        "{text}"
    );
    assert!(
        !text.contains("balance"),
        "another profile's balance: {text}"
    );
    s.balance = Some((s.profile.name.clone(), 994));
    let text = format!("{}", render_to(&s, 200, 60).backend());
    assert!(text.contains("· balance 994 credits "), "{text}");
}
