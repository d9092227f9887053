//! Tests of the presets file: messages with line and column, and saves that keep comments.

use super::*;

fn file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("presets.toml");
    (dir, path)
}

#[test]
fn a_preset_file_reads_every_field() {
    let text = r#"
[wide-night]
model = "qwen-image-2"
aspect = "16:9"
negative = "blurry"
seed_mode = "fixed"
seed = 42
rewrite = false
count = 3
draws = 4

["gateway sq"]
size = "1328*1328"
draws = "all"
"#;
    let p = parse(text, Path::new("/c/presets.toml")).unwrap();
    let names: Vec<&str> = p.entries.keys().map(String::as_str).collect();
    assert_eq!(names, ["wide-night", "gateway sq"]);
    let w = &p.entries["wide-night"];
    assert_eq!(w.model.as_deref(), Some("qwen-image-2"));
    assert_eq!(
        w.seed,
        Some(PresetSeed::Locked {
            seed: 42,
            mode: SeedMode::Fixed
        })
    );
    assert_eq!(w.count, Some(3));
    assert_eq!(w.draws, Some(PresetDraws::Random(4)));
    assert_eq!(p.entries["gateway sq"].draws, Some(PresetDraws::Every));
    assert_eq!(p.entries["gateway sq"].seed, None);
}

#[test]
fn a_malformed_file_names_the_file_line_column_and_field() {
    let path = Path::new("/c/presets.toml");
    let cases = [
        (
            "[a]\nmodel = \"x\"\ncolour = 1\n",
            "line 3, column 1",
            "unknown field `colour`",
        ),
        (
            "[a]\ncount = 9\n",
            "line 2, column 1",
            "count must be between 1 and 8",
        ),
        ("[a]\ncount = 300\n", "line 2, column 9", "field `a.count`"),
        (
            "[a]\ndraws = \"some\"\n",
            "line 2, column 9",
            "\"all\" or a number",
        ),
        (
            "[a]\nseed_mode = \"fixed\"\n",
            "line 2, column 1",
            "needs a seed",
        ),
        (
            "[a]\ncount = 2\n[b]\ndraws = 0\n",
            "line 4, column 1",
            "field `b.draws`",
        ),
        (
            "[a]\nmodel = \n",
            "line 2",
            "config error in /c/presets.toml",
        ),
        ("[\"a]b\"]\ncount = 1\n", "line 1", "not a preset name"),
    ];
    for (text, at, says) in cases {
        let e = parse(text, path).unwrap_err().to_string();
        assert!(e.contains(at) && e.contains(says), "{text:?} → {e}");
    }
}

#[test]
fn saving_keeps_comments_and_replaces_in_place() {
    let (_dir, path) = file();
    std::fs::write(
        &path,
        "# my presets\n\n# for posters\n[poster]\ncount = 2 # two each\n\n[other]\ncount = 1\n",
    )
    .unwrap();
    let preset = Preset {
        model: Some("qwen-image-2".into()),
        aspect: Some("3:4".into()),
        negative: Some(String::new()),
        seed: Some(PresetSeed::Random),
        rewrite: Some(false),
        count: Some(4),
        draws: Some(PresetDraws::Every),
        ..Preset::default()
    };
    save(&path, "poster", &preset).unwrap();
    save(&path, "new one", &preset).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# my presets\n\n# for posters\n[poster]\n"),
        "{text}"
    );
    assert!(text.find("[poster]") < text.find("[other]"), "{text}");
    assert!(text.contains("[\"new one\"]"), "{text}");
    let back = load(&path).unwrap();
    assert_eq!(back.entries["poster"], preset);
    assert_eq!(back.entries["new one"], preset);
    assert_eq!(back.entries["other"].count, Some(1));
    assert!(delete(&path, "poster").unwrap());
    assert!(!delete(&path, "poster").unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# my presets\n"), "{text}");
    assert!(!load(&path).unwrap().entries.contains_key("poster"));
}

#[test]
fn a_save_never_writes_over_a_file_it_cannot_read() {
    let (_dir, path) = file();
    std::fs::write(&path, "[a]\ncount = \"two\"\n").unwrap();
    let e = save(&path, "b", &Preset::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 2") && e.contains("fix it before saving"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "[a]\ncount = \"two\"\n"
    );
    assert!(matches!(
        save(&path, "", &Preset::default()),
        Err(PresetFileError::Name(_))
    ));
}

#[test]
fn a_missing_file_has_no_presets_and_a_save_makes_it() {
    let (dir, _) = file();
    let path = dir.path().join("sub").join("presets.toml");
    assert!(load(&path).unwrap().entries.is_empty());
    save(
        &path,
        "a",
        &Preset {
            count: Some(2),
            ..Preset::default()
        },
    )
    .unwrap();
    assert_eq!(load(&path).unwrap().entries["a"].count, Some(2));
}

#[test]
fn saving_over_a_hand_written_preset_keeps_its_inline_comments_and_other_keys() {
    let (_dir, path) = file();
    std::fs::write(
        &path,
        "[portrait]\naspect = \"3:4\"  # tall\nrewrite = false # never\nseed = 5\n",
    )
    .unwrap();
    let preset = Preset {
        aspect: Some("16:9".into()),
        seed: Some(PresetSeed::Random),
        count: Some(2),
        ..Preset::default()
    };
    save(&path, "portrait", &preset).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("aspect = \"16:9\"  # tall"), "{text}");
    assert!(text.contains("rewrite = false # never"), "{text}");
    assert!(
        !text.contains("seed = 5"),
        "a random seed drops the old seed: {text}"
    );
    let back = &load(&path).unwrap().entries["portrait"];
    assert_eq!(back.count, Some(2));
    assert_eq!(back.rewrite, Some(false));
    // Switching to a size drops the aspect it would clash with.
    let sized = Preset {
        size: Some("1328*1328".into()),
        ..Preset::default()
    };
    save(&path, "portrait", &sized).unwrap();
    let back = &load(&path).unwrap().entries["portrait"];
    assert_eq!(
        (back.aspect.as_deref(), back.size.as_deref()),
        (None, Some("1328*1328"))
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_file_is_written_where_it_points_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = file();
    let real = dir.path().join("dotfiles").join("presets.toml");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::write(&real, "# mine\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&real, &path).unwrap();
    save(
        &path,
        "a",
        &Preset {
            count: Some(2),
            ..Preset::default()
        },
    )
    .unwrap();
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(
        text.starts_with("# mine\n") && text.contains("[a]"),
        "{text}"
    );
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
