//! The presets popup in the app: save the form, apply it back, refuse one that does not fit,
//! delete one.

use super::*;

/// Carries out a preset effect as the effect runner does, on `file`, and feeds the result back.
fn write(a: &mut App, fx: Vec<Effect>, file: &std::path::Path, now: Instant) {
    for e in fx {
        let done = match e {
            Effect::SavePreset { name, preset } => {
                crate::config::presets::save(file, &name, &preset).map(|()| name)
            }
            Effect::DeletePreset(name) => crate::config::presets::delete(file, &name).map(|_| name),
            _ => continue,
        };
        let result = done
            .map_err(|e| e.to_string())
            .map(|_| crate::config::presets::load(file).unwrap().entries);
        let written = crate::app::presets::PresetsWritten {
            result,
            done: "written".into(),
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
    type_text(&mut a, "WIDE", now);
    let _ = a.on_event(&key(KeyCode::Enter, KeyModifiers::NONE), now);
    assert!(a.state.overlay.is_none());
    assert_eq!(format!("{:?}", a.state.form.draft()), wanted);
    // Ctrl-D deletes the highlighted preset.
    let _ = f6(&mut a, now);
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
