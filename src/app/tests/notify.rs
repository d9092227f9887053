//! Notifications in the app: only while unfocused (by default), one digest per batch, never
//! with the server's control text; the title follows the counts.

use super::*;

fn notifications(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::WriteTerminal(b) if b.starts_with(b"\x1b]9;") => {
                Some(String::from_utf8_lossy(b).into_owned())
            }
            _ => None,
        })
        .collect()
}

fn finish(a: &mut App, mut j: Job, state: JobState) -> Vec<Effect> {
    j.state = state;
    a.on_api(ApiEvent::JobChanged(Box::new(j)), Instant::now())
}

#[test]
fn an_ending_is_told_only_while_unfocused_and_a_batch_once() {
    let mut a = app();
    let job = |prompt: &str| {
        let mut j = Job::new("sim", JobRequest::apiframe(prompt, AspectRatio::Square, 1));
        j.state = JobState::Running { progress: None };
        j
    };
    let focused = job("seen");
    a.state.jobs.upsert(focused.clone());
    assert!(
        notifications(&finish(&mut a, focused, JobState::Done)).is_empty(),
        "focused: none"
    );
    let _ = a.on_event(&Event::FocusLost, Instant::now());
    let lone = job("a red kite \u{1b}]0;pwned\u{7}");
    a.state.jobs.upsert(lone.clone());
    let told = notifications(&finish(&mut a, lone, JobState::Done));
    assert_eq!(told.len(), 1, "{told:?}");
    let payload = told[0]
        .strip_prefix("\u{1b}]9;")
        .and_then(|t| t.strip_suffix('\u{7}'))
        .unwrap();
    assert!(
        payload.ends_with("done: a red kite ]0,pwned"),
        "{payload:?}"
    );
    assert!(
        !payload.chars().any(char::is_control),
        "the text is inert: {payload:?}"
    );
    // A batch of three: one digest when the last one ends.
    let batch = crate::domain::BatchId::new();
    let members: Vec<Job> = (0..3)
        .map(|i| {
            let mut j = job(&format!("part {i}"));
            j.batch = Some(batch);
            j.credit_cost = Some(3);
            j
        })
        .collect();
    for j in &members {
        a.state.jobs.upsert(j.clone());
    }
    assert!(notifications(&finish(&mut a, members[0].clone(), JobState::Done)).is_empty());
    let failed = JobState::Failed {
        message: "x".into(),
    };
    assert!(notifications(&finish(&mut a, members[1].clone(), failed)).is_empty());
    let digest = notifications(&finish(&mut a, members[2].clone(), JobState::Done));
    assert_eq!(digest.len(), 1);
    assert!(
        digest[0].contains("ended: 2 done, 1 failed, 9 credits"),
        "{digest:?}"
    );
    // notify = "off": nothing.
    a.state.notify.0 = crate::domain::notify::NotifyMode::Off;
    let quiet = job("quiet");
    a.state.jobs.upsert(quiet.clone());
    assert!(notifications(&finish(&mut a, quiet, JobState::Done)).is_empty());
}

#[test]
fn notify_cmd_gets_the_job_and_the_batch_as_json_when_a_notification_is_due() {
    let mut a = app();
    a.state.notify_cmd = Some("ntfy publish qimg".into());
    let _ = a.on_event(&Event::FocusLost, Instant::now());
    let cmd_json = |fx: &[Effect]| -> Vec<serde_json::Value> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::NotifyCmd(j) => Some(serde_json::from_str(j).unwrap()),
                _ => None,
            })
            .collect()
    };
    let mut j = Job::new("sim", JobRequest::apiframe("kite", AspectRatio::Square, 1));
    j.state = JobState::Running { progress: None };
    a.state.jobs.upsert(j.clone());
    j.credit_cost = Some(3);
    let sent = cmd_json(&finish(&mut a, j.clone(), JobState::Done));
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (
            &sent[0]["event"],
            &sent[0]["id"],
            &sent[0]["state"],
            &sent[0]["credit_cost"]
        ),
        (
            &"job_ended".into(),
            &j.id.to_string().into(),
            &"done".into(),
            &3.into()
        )
    );
    let batch = crate::domain::BatchId::new();
    let members: Vec<Job> = (0..2)
        .map(|_| {
            let mut m = j.clone();
            m.id = JobId::new();
            m.batch = Some(batch);
            m.state = JobState::Running { progress: None };
            m
        })
        .collect();
    for m in &members {
        a.state.jobs.upsert(m.clone());
    }
    assert!(cmd_json(&finish(&mut a, members[0].clone(), JobState::Done)).is_empty());
    let digest = cmd_json(&finish(&mut a, members[1].clone(), JobState::Done));
    assert_eq!(digest[0]["event"], "batch_ended");
    assert_eq!(
        (&digest[0]["done"], &digest[0]["credits"]),
        (&2.into(), &6.into())
    );
    // Focused again: neither the escape nor the command.
    let _ = a.on_event(&Event::FocusGained, Instant::now());
    let mut k = j.clone();
    k.id = JobId::new();
    k.state = JobState::Running { progress: None };
    a.state.jobs.upsert(k.clone());
    assert!(cmd_json(&finish(&mut a, k, JobState::Done)).is_empty());
}
