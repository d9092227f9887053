//! A/B compare in the app: marks, the compare opening on A, flipping, and closing.

use super::*;

#[test]
fn two_marked_jobs_open_side_a_and_space_flips_to_b() {
    let mut a = app();
    let now = Instant::now();
    for p in ["a red kite", "a blue kite", "a green kite"] {
        a.state.form.prompt.set(p);
        let later = now + Duration::from_secs(a.state.jobs.len() as u64 * 5);
        let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), later);
        let _ = settle(&mut a, fx);
    }
    a.state.focus = Focus::Jobs;
    let id_of = |a: &App, p: &str| {
        a.state
            .jobs
            .items()
            .iter()
            .find(|v| v.job.request.prompt == p)
            .unwrap()
            .job
            .id
    };
    let (red, blue, green) = (
        id_of(&a, "a red kite"),
        id_of(&a, "a blue kite"),
        id_of(&a, "a green kite"),
    );
    let press = |a: &mut App, c: char| a.on_event(&key(KeyCode::Char(c), KeyModifiers::NONE), now);
    let _ = press(&mut a, 'x');
    assert!(
        a.state.compare.is_none(),
        "nothing marked: nothing to compare"
    );
    for id in [red, blue, green] {
        a.state.jobs.select(id);
        let _ = press(&mut a, 'm');
    }
    assert_eq!(
        a.state.marked,
        [blue, green],
        "a third mark replaces the oldest"
    );
    a.state.jobs.select(green);
    let _ = press(&mut a, 'm');
    assert_eq!(a.state.marked, [blue], "m again unmarks");
    a.state.jobs.select(red);
    let _ = press(&mut a, 'x');
    assert_eq!(
        a.state.compare,
        Some((blue, red)),
        "the mark and the selected job"
    );
    assert_eq!(a.state.viewer, Some(blue));
    let _ = a.on_event(&key(KeyCode::Char(' '), KeyModifiers::NONE), now);
    assert_eq!(a.state.viewer, Some(red));
    let _ = press(&mut a, 'x');
    assert_eq!(a.state.viewer, Some(blue));
    let _ = press(&mut a, 's');
    assert!(a.state.compare_side, "s shows both side by side");
    let _ = press(&mut a, 's');
    assert!(!a.state.compare_side);
    let _ = a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), now);
    assert!(a.state.viewer.is_none() && a.state.compare.is_none());
    assert_eq!(a.state.marked, [blue], "the marks stay for another compare");
}

#[test]
fn the_viewer_walks_from_a_job_to_its_children_and_back() {
    let mut a = app();
    let now = Instant::now();
    type_text(&mut a, "a quiet lake", now);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    let _ = settle(&mut a, fx);
    let parent = a.state.jobs.items()[0].job.id;
    a.state.focus = Focus::Jobs;
    for _ in 0..2 {
        a.state.jobs.select(parent);
        let fx = a.on_event(&key(KeyCode::Char('n'), KeyModifiers::NONE), now);
        let _ = settle(&mut a, fx);
    }
    let kids = a.state.jobs.children(parent);
    assert_eq!(kids.len(), 2);
    a.state.viewer = Some(parent);
    let key_of = |c: char| key(KeyCode::Char(c), KeyModifiers::NONE);
    let _ = a.on_event(&key_of(']'), now);
    assert_eq!(a.state.viewer, Some(kids[0]), "the first child");
    let _ = a.on_event(&key_of(']'), now);
    assert_eq!(a.state.viewer, Some(kids[1]), "then its sibling");
    let _ = a.on_event(&key_of(']'), now);
    assert_eq!(a.state.viewer, Some(kids[0]), "wrapping");
    let _ = a.on_event(&key_of('['), now);
    assert_eq!(a.state.viewer, Some(parent), "back to the parent");
    let _ = a.on_event(&key_of('['), now);
    assert_eq!(a.state.viewer, Some(parent));
    assert!(
        a.state
            .notices
            .last()
            .unwrap()
            .text
            .contains("came from no other")
    );
}
