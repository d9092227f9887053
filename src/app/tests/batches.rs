//! Batches in the app: one submit of several jobs is one batch under a header; the header's
//! counts follow the jobs; batch actions cancel only queued jobs, and send failed jobs (or the
//! whole batch) again as a new batch linked to the old jobs.

use super::*;
use crate::domain::batch::BatchProgress;
use crate::state::ListRow;

/// Sends a count of `n` from the form and returns the batch.
fn send_batch(a: &mut App, n: u8, now: Instant) -> crate::domain::BatchId {
    type_text(a, "a quiet lake", now);
    a.state.form.count = n;
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    assert_eq!(submits(&settle(a, fx)), usize::from(n));
    let batch = a.state.jobs.items()[0].job.batch.expect("a batch");
    assert!(
        a.state
            .jobs
            .items()
            .iter()
            .all(|v| v.job.batch == Some(batch))
    );
    a.state.focus = Focus::Jobs;
    batch
}

fn set_state(a: &mut App, i: usize, state: JobState) {
    let mut j = a.state.jobs.items()[i].job.clone();
    j.state = state;
    let _ = a.on_api(ApiEvent::JobChanged(Box::new(j)), Instant::now());
}

fn press(a: &mut App, c: char, now: Instant) -> Vec<Effect> {
    a.on_event(&key(KeyCode::Char(c), KeyModifiers::NONE), now)
}

#[test]
fn a_count_is_one_batch_under_a_header_whose_counts_follow_the_jobs() {
    let mut a = app();
    let now = Instant::now();
    let batch = send_batch(&mut a, 4, now);
    let rows = a.state.jobs.rows();
    assert_eq!(rows.len(), 5, "a header and 4 jobs: {rows:?}");
    assert!(matches!(rows[0], ListRow::Header { batch: b, .. } if b == batch));
    assert_eq!(a.state.jobs.batch_progress(batch).label(), "0/4 ✓ 0 ◐ 4");
    set_state(&mut a, 0, JobState::Submitting);
    set_state(&mut a, 0, JobState::Done);
    set_state(
        &mut a,
        1,
        JobState::Failed {
            message: "rejected".into(),
        },
    );
    assert_eq!(
        a.state.jobs.batch_progress(batch).label(),
        "2/4 ✓ 1 ✗ 1 ◐ 2"
    );
    // z folds it into its header; j then passes the whole batch.
    let _ = press(&mut a, 'z', now);
    assert_eq!(a.state.jobs.rows().len(), 1);
    let _ = press(&mut a, 'z', now);
    assert_eq!(a.state.jobs.rows().len(), 5);
    // A single job is no batch.
    a.state.focus = Focus::Form(Field::Prompt);
    a.state.form.count = 1;
    let later = now + Duration::from_secs(5);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), later);
    assert_eq!(submits(&settle(&mut a, fx)), 1);
    let lone = a
        .state
        .jobs
        .items()
        .iter()
        .filter(|v| v.job.batch.is_none())
        .count();
    assert_eq!(lone, 1, "a single job is in no batch");
    assert_eq!(a.state.jobs.rows().len(), 6);
}

#[test]
fn cancelling_a_batch_leaves_its_sent_jobs_alone() {
    let mut a = app();
    let now = Instant::now();
    let batch = send_batch(&mut a, 3, now);
    set_state(&mut a, 0, JobState::Submitting);
    set_state(&mut a, 0, JobState::Running { progress: Some(40) });
    let fx = press(&mut a, 'C', now);
    let cancelled: Vec<JobId> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Engine(Command::Cancel(id)) => Some(*id),
            _ => None,
        })
        .collect();
    let running = a.state.jobs.items()[0].job.id;
    assert_eq!(cancelled.len(), 2, "{fx:?}");
    assert!(!cancelled.contains(&running));
    let last = a.state.notices.last().unwrap();
    assert!(
        last.text
            .contains("cancelling 2 queued jobs; 1 already sent go on"),
        "{}",
        last.text
    );
    assert_eq!(
        BatchProgress::of(a.state.jobs.batch_jobs(batch).map(|v| &v.job)).total,
        3
    );
}

#[test]
fn failed_jobs_of_a_batch_go_again_as_a_new_batch_linked_to_them() {
    let mut a = app();
    let now = Instant::now();
    let old = send_batch(&mut a, 3, now);
    let failed: Vec<JobId> = a.state.jobs.items()[..2].iter().map(|v| v.job.id).collect();
    let seeds: Vec<Option<u32>> = a.state.jobs.items()[..2]
        .iter()
        .map(|v| v.job.request.seed)
        .collect();
    for i in 0..2 {
        set_state(
            &mut a,
            i,
            JobState::Failed {
                message: "rejected".into(),
            },
        );
    }
    a.state.jobs.selected = 2;
    let fx = press(&mut a, 'F', now);
    let fx = settle(&mut a, fx);
    assert_eq!(submits(&fx), 2, "only the failed jobs");
    let new: Vec<Job> = a
        .state
        .jobs
        .items()
        .iter()
        .map(|v| v.job.clone())
        .filter(|j| j.batch != Some(old))
        .collect();
    assert_eq!(new.len(), 2);
    let batch = new[0].batch.expect("the retries are a batch of their own");
    assert!(new.iter().all(|j| j.batch == Some(batch)));
    let mut parents: Vec<JobId> = new.iter().filter_map(|j| j.parent).collect();
    parents.sort();
    let mut want = failed.clone();
    want.sort();
    assert_eq!(parents, want, "each retry names the job it retries");
    for j in &new {
        let i = failed.iter().position(|f| Some(*f) == j.parent).unwrap();
        assert_eq!(j.request.seed, seeds[i], "a retry is the same request");
    }
    // N sends every job of the old batch again with new seeds.
    a.state.jobs.select(failed[0]);
    let fx = press(&mut a, 'N', now);
    assert_eq!(submits(&settle(&mut a, fx)), 3);
}

#[test]
fn a_rerun_and_an_edit_record_their_parent() {
    let mut a = app();
    let now = Instant::now();
    type_text(&mut a, "a quiet lake", now);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    let _ = settle(&mut a, fx);
    let first = a.state.jobs.items()[0].job.id;
    assert_eq!(a.state.jobs.items()[0].job.parent, None);
    a.state.focus = Focus::Jobs;
    let fx = press(&mut a, 'r', now);
    assert_eq!(submits(&settle(&mut a, fx)), 1);
    let children = |a: &App| {
        a.state
            .jobs
            .items()
            .iter()
            .filter(|v| v.job.parent == Some(first))
            .count()
    };
    assert_eq!(children(&a), 1, "rerun");
    a.state.jobs.select(first);
    let _ = press(&mut a, 'e', now);
    let later = now + Duration::from_secs(5);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), later);
    assert_eq!(submits(&settle(&mut a, fx)), 1);
    assert_eq!(children(&a), 2, "edited and sent");
}

#[test]
fn s_exports_the_batch_as_a_contact_sheet_in_the_order_it_was_sent() {
    let mut a = app();
    let now = Instant::now();
    let batch = send_batch(&mut a, 3, now);
    let fx = press(&mut a, 'S', now);
    let [Effect::Sheet(jobs)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(jobs.len(), 3);
    assert!(jobs.iter().all(|j| j.batch == Some(batch)));
    assert!(jobs.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    // With jobs marked, the marked ones.
    let marked = a.state.jobs.items()[0].job.id;
    a.state.marked = vec![marked];
    let fx = press(&mut a, 'S', now);
    assert!(matches!(&fx[..], [Effect::Sheet(j)] if j.len() == 1 && j[0].id == marked));
}

#[test]
fn v_opens_the_batch_grid_where_arrows_move_by_cell_and_esc_closes() {
    let mut a = app();
    let now = Instant::now();
    let batch = send_batch(&mut a, 4, now);
    let _ = press(&mut a, 'V', now);
    assert!(a.state.gallery && a.state.gallery_batch == Some(batch));
    a.view.grid.columns = 2;
    let grid = a.state.jobs.batch_grid(batch, 2);
    let start = grid.rows[0].cells[0].unwrap();
    a.state.jobs.selected = start;
    let _ = a.on_event(&key(KeyCode::Right, KeyModifiers::NONE), now);
    assert_eq!(grid.find(a.state.jobs.selected), Some((0, 1)));
    let _ = a.on_event(&key(KeyCode::Down, KeyModifiers::NONE), now);
    assert_eq!(grid.find(a.state.jobs.selected), Some((1, 1)));
    let _ = a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), now);
    assert!(!a.state.gallery && a.state.gallery_batch.is_none());
}

#[test]
fn a_two_by_two_grid_run_from_the_form_is_one_batch_of_four_with_its_cells() {
    let mut a = app();
    let now = Instant::now();
    type_text(&mut a, "a kite", now);
    a.state.form.negative.set("blurry");
    let _ = a.on_event(&key(KeyCode::F(7), KeyModifiers::NONE), now);
    assert!(matches!(a.state.overlay, Some(Overlay::Grid { .. })));
    type_text(&mut a, "seed=1,2", now);
    let _ = a.on_event(&key(KeyCode::Tab, KeyModifiers::NONE), now);
    type_text(&mut a, "aspect=1:1,16:9", now);
    let fx = a.on_event(&key(KeyCode::Enter, KeyModifiers::NONE), now);
    assert_eq!(submits(&settle(&mut a, fx)), 4);
    assert!(a.state.overlay.is_none());
    let jobs: Vec<Job> = a.state.jobs.items().iter().map(|v| v.job.clone()).collect();
    let batch = jobs[0].batch.expect("a batch");
    assert!(jobs.iter().all(|j| j.batch == Some(batch)));
    let mut cells: Vec<(Option<u32>, Option<AspectRatio>, String)> = jobs
        .iter()
        .map(|j| {
            (
                j.request.seed,
                j.request.aspect_ratio,
                j.grid.clone().unwrap().label(),
            )
        })
        .collect();
    cells.sort_by(|x, y| x.2.cmp(&y.2));
    assert_eq!(
        cells,
        [
            (
                Some(1),
                Some(AspectRatio::L16x9),
                "seed 1 · aspect 16:9".to_owned()
            ),
            (
                Some(1),
                Some(AspectRatio::Square),
                "seed 1 · aspect 1:1".to_owned()
            ),
            (
                Some(2),
                Some(AspectRatio::L16x9),
                "seed 2 · aspect 16:9".to_owned()
            ),
            (
                Some(2),
                Some(AspectRatio::Square),
                "seed 2 · aspect 1:1".to_owned()
            ),
        ]
    );
    assert!(
        jobs.iter()
            .all(|j| j.request.negative_prompt.as_deref() == Some("blurry"))
    );
    // A bigger grid asks first, with its size and cost; the axes come back.
    let _ = a.on_event(&key(KeyCode::F(7), KeyModifiers::NONE), now);
    let Some(Overlay::Grid { rows, .. }) = &a.state.overlay else {
        panic!("{:?}", a.state.overlay)
    };
    assert_eq!(rows.text(), "seed=1,2");
    for _ in 0..8 {
        let _ = a.on_event(&key(KeyCode::Backspace, KeyModifiers::NONE), now);
    }
    type_text(&mut a, "seed=random:6", now);
    let fx = a.on_event(&key(KeyCode::Enter, KeyModifiers::NONE), now);
    assert_eq!(submits(&settle(&mut a, fx)), 0);
    let Some(Overlay::Confirm { text, .. }) = &a.state.overlay else {
        panic!("{:?}", a.state.overlay)
    };
    assert!(text.contains("12 jobs · 1 model · ≈ 36 credits"), "{text}");
    let fx = a.on_event(&key(KeyCode::Char('y'), KeyModifiers::NONE), now);
    assert_eq!(submits(&settle(&mut a, fx)), 12);
}
