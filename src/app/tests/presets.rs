//! The presets popup in the app: save the form, apply it back, refuse one that does not fit,
//! delete one.

use super::*;

/// Carries out a preset effect as the effect runner does, on `file`, and feeds the result back.
fn write(a: &mut App, fx: Vec<Effect>, file: &std::path::Path, now: Instant) {
    use crate::app::presets::{PresetsRead, PresetsWritten};
    for e in fx {
        let done = match e {
            Effect::SavePreset { name, preset } => {
                crate::config::presets::save(file, &name, &preset).map(|()| Some(name))
            }
            Effect::DeletePreset(name) => {
                crate::config::presets::delete(file, &name).map(|_| Some(name))
            }
            Effect::LoadPresets => Ok(None),
            _ => continue,
        };
        let written = match done {
            Ok(done) => PresetsWritten {
                read: match crate::config::presets::load(file) {
                    Ok(p) => PresetsRead::Ok(p.entries),
                    Err(e) => PresetsRead::Broken(e.to_string()),
                },
                done,
            },
            Err(e) => PresetsWritten {
                read: PresetsRead::WriteFailed(e.to_string()),
                done: None,
            },
        };
        a.on_msg(Msg::PresetsWritten(written), now);
    }
}

fn f6(a: &mut App, now: Instant) -> Vec<Effect> {
    a.on_event(&key(KeyCode::F(6), KeyModifiers::NONE), now)
}

#[test]
fn the_form_saved_as_a_preset_comes_back_with_enter_and_goes_with_ctrl_d() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("presets.toml");
    let mut a = app();
    let now = Instant::now();
    a.state.form.count = 3;
    a.state.form.negative.set("blurry");
    a.state.form.step(Field::Shape, 1);
    let wanted = format!("{:?}", a.state.form.draft());
    let _ = f6(&mut a, now);
    assert!(matches!(a.state.overlay, Some(Overlay::Presets { .. })));
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    assert!(fx.is_empty(), "no name, no save");
    type_text(&mut a, "three wide", now);
    let fx = a.on_event(&key(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    assert_eq!(
        submits(&fx),
        0,
        "Ctrl-S in the popup saves, it does not submit"
    );
    write(&mut a, fx, &file, now);
    assert!(a.state.presets.contains_key("three wide"));
    let _ = a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), now);
    // Change everything, then bring the preset back by a fragment of its name.
    a.state.form.count = 1;
    a.state.form.negative.set("");
    a.state.form.step(Field::Shape, 2);
    let _ = f6(&mut a, now);
    type_text(&mut a, "nothing like it", now);
    let _ = a.on_event(&key(KeyCode::Enter, KeyModifiers::NONE), now);
    assert!(
        a.state.overlay.is_some(),
        "no match: the popup and the typed name stay"
    );
    let _ = a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), now);
    let _ = f6(&mut a, now);
    type_text(&mut a, "WIDE", now);
    let _ = a.on_event(&key(KeyCode::Enter, KeyModifiers::NONE), now);
    assert!(a.state.overlay.is_none());
    assert_eq!(format!("{:?}", a.state.form.draft()), wanted);
    // Ctrl-D asks, a second Ctrl-D deletes the highlighted preset.
    let fx = f6(&mut a, now);
    write(&mut a, fx, &file, now);
    let fx = a.on_event(&key(KeyCode::Char('d'), KeyModifiers::CONTROL), now);
    assert!(fx.is_empty(), "the first Ctrl-D only asks");
    assert!(
        a.state
            .notices
            .last()
            .unwrap()
            .text
            .contains("Ctrl-D again")
    );
    let fx = a.on_event(&key(KeyCode::Char('d'), KeyModifiers::CONTROL), now);
    assert!(matches!(&fx[..], [Effect::DeletePreset(n)] if n == "three wide"));
    write(&mut a, fx, &file, now);
    assert!(a.state.presets.is_empty());
    assert!(
        crate::config::presets::load(&file)
            .unwrap()
            .entries
            .is_empty()
    );
}

#[test]
fn a_preset_for_another_profile_changes_nothing_and_says_why() {
    let mut a = app();
    let now = Instant::now();
    a.state.presets.insert(
        "studio".into(),
        crate::domain::preset::Preset {
            model: Some("qwen-image-9".into()),
            count: Some(4),
            ..Default::default()
        },
    );
    let before = format!("{:?}", a.state.form.draft());
    let _ = f6(&mut a, now);
    let _ = a.on_event(&key(KeyCode::Enter, KeyModifiers::NONE), now);
    assert_eq!(format!("{:?}", a.state.form.draft()), before);
    let last = a.state.notices.last().unwrap();
    assert!(
        last.text.contains("not applied") && last.text.contains("qwen-image-9"),
        "{}",
        last.text
    );
}

#[test]
fn the_popup_reads_the_file_again_and_says_when_it_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("presets.toml");
    let mut a = app();
    let now = Instant::now();
    std::fs::write(&file, "[late]\ncount = 2\n").unwrap();
    let fx = f6(&mut a, now);
    write(&mut a, fx, &file, now);
    assert!(
        a.state.presets.contains_key("late"),
        "a preset added while qimg runs shows"
    );
    std::fs::write(&file, "[late]\ncount = \"two\"\n").unwrap();
    let _ = a.on_event(&key(KeyCode::Esc, KeyModifiers::NONE), now);
    let fx = f6(&mut a, now);
    write(&mut a, fx, &file, now);
    assert!(a.state.presets.is_empty());
    let e = a.state.presets_error.as_deref().unwrap();
    assert!(e.contains("line 2, column 9"), "{e}");
}
