//! The prompt workflow in the app: templates, recall, the search popup, the question before a big submit.

use super::*;

#[test]
fn a_template_sends_one_job_per_alternative_and_e_loads_the_template_back() {
    let mut a = app();
    let now = Instant::now();
    let mut w = crate::domain::template::Wildcards::default();
    w.0.insert("weather".into(), vec!["rain".into(), "snow".into()]);
    a.state.form.wildcards = std::sync::Arc::new(w);
    type_text(&mut a, "a {red|blue} kite in __weather__", now);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    let fx = settle(&mut a, fx);
    assert_eq!(submits(&fx), 4);
    let mut prompts: Vec<_> = a
        .state
        .jobs
        .items()
        .iter()
        .map(|v| v.job.request.prompt.clone())
        .collect();
    prompts.sort();
    assert_eq!(
        prompts,
        [
            "a blue kite in rain",
            "a blue kite in snow",
            "a red kite in rain",
            "a red kite in snow"
        ]
    );
    let job = a.state.jobs.items()[0].job.clone();
    a.state.form.prompt.set("something else");
    a.state.form.load(&job.request);
    assert_eq!(
        a.state.form.prompt.text(),
        "a {red|blue} kite in __weather__"
    );
}

#[test]
fn a_sent_prompt_comes_back_with_up_and_ctrl_p_and_the_draft_with_down() {
    let mut a = app();
    let now = Instant::now();
    a.state.recall =
        crate::state::recall::PromptRecall::new(vec![crate::store::history::PromptUse {
            text: "an old harbour".into(),
            last_used: crate::domain::Timestamp(0),
            uses: 1,
        }]);
    type_text(&mut a, "a quiet lake", now);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    let _ = settle(&mut a, fx);
    a.state.form.prompt.set("");
    a.state.focus = Focus::Form(Field::Prompt);
    let _ = a.on_event(&key(KeyCode::Up, KeyModifiers::NONE), now);
    assert_eq!(a.state.form.prompt.text(), "a quiet lake");
    let _ = a.on_event(&key(KeyCode::Char('p'), KeyModifiers::CONTROL), now);
    assert_eq!(a.state.form.prompt.text(), "an old harbour");
    let _ = a.on_event(&key(KeyCode::Char('n'), KeyModifiers::CONTROL), now);
    let _ = a.on_event(&key(KeyCode::Down, KeyModifiers::NONE), now);
    assert_eq!(
        a.state.form.prompt.text(),
        "",
        "the text typed before the walk comes back"
    );
}

#[test]
fn a_big_template_submit_asks_first_with_the_jobs_and_the_cost() {
    let mut a = app();
    let now = Instant::now();
    // 3 colours × 2 animals × count 2 = 12 jobs, above the default of 10.
    type_text(&mut a, "a {red|blue|green} {cat|dog}", now);
    a.state.form.count = 2;
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    assert_eq!(
        submits(&settle(&mut a, fx)),
        0,
        "nothing is sent before the answer"
    );
    let Some(crate::state::Overlay::Confirm { text, .. }) = &a.state.overlay else {
        panic!("a question: {:?}", a.state.overlay)
    };
    assert!(text.contains("12 jobs · 1 model · ≈ 36 credits"), "{text}");
    let fx = a.on_event(&key(KeyCode::Char('y'), KeyModifiers::NONE), now);
    assert_eq!(submits(&settle(&mut a, fx)), 12);
    // Under the threshold: no question.
    a.state.form.prompt.set("a {red|blue} cat");
    a.state.form.count = 1;
    let later = now + Duration::from_secs(5);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), later);
    assert_eq!(submits(&settle(&mut a, fx)), 2);
}

#[test]
fn the_search_popup_finds_an_earlier_prompt_by_a_fuzzy_fragment() {
    let mut a = app();
    let now = Instant::now();
    let entry = |t: &str, uses| crate::store::history::PromptUse {
        text: t.into(),
        last_used: crate::domain::Timestamp(0),
        uses,
    };
    a.state.recall = crate::state::recall::PromptRecall::new(vec![
        entry("a red kite over dunes", 3),
        entry("a lighthouse at dusk, oil painting", 1),
        entry("neon city in the rain", 2),
    ]);
    a.state.focus = Focus::Form(Field::Prompt);
    let _ = a.on_event(&key(KeyCode::Char('f'), KeyModifiers::CONTROL), now);
    assert!(matches!(
        a.state.overlay,
        Some(crate::state::Overlay::PromptSearch { .. })
    ));
    type_text(&mut a, "lhdsk", now);
    let found = a.prompt_matches();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].text, "a lighthouse at dusk, oil painting");
    let _ = a.on_event(&key(KeyCode::Enter, KeyModifiers::NONE), now);
    assert!(a.state.overlay.is_none());
    assert_eq!(
        a.state.form.prompt.text(),
        "a lighthouse at dusk, oil painting"
    );
    // Esc leaves the prompt as it was.
    let _ = a.on_event(&key(KeyCode::Char('f'), KeyModifiers::CONTROL), now);
    type_text(&mut a, "neon", now);
    let _ = a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), now);
    assert_eq!(
        a.state.form.prompt.text(),
        "a lighthouse at dusk, oil painting"
    );
}

#[test]
fn the_template_field_sends_random_draws_instead_of_every_combination() {
    let mut a = app();
    let now = Instant::now();
    type_text(&mut a, "a {red|blue|green|gold} {cat|dog|owl}", now);
    a.state.focus = Focus::Form(Field::Draws);
    for _ in 0..3 {
        let _ = a.on_event(&key(KeyCode::Right, KeyModifiers::NONE), now);
    }
    assert_eq!(a.state.form.draws, Some(3));
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    assert_eq!(
        submits(&settle(&mut a, fx)),
        3,
        "3 draws, not 12 combinations"
    );
    for v in a.state.jobs.items() {
        assert_eq!(
            v.job.request.template.as_deref(),
            Some("a {red|blue|green|gold} {cat|dog|owl}")
        );
        assert!(
            !v.job.request.prompt.contains('{'),
            "{}",
            v.job.request.prompt
        );
    }
}
