//! The layering of `src/` (docs/ARCHITECTURE.md): every module may import only modules of a
//! lower layer, and the pure layers may not touch I/O, clocks, randomness or the terminal.
//! The test reads the source text, so it needs no tool and fails with the file and line.

use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import modules of strictly lower layers only.
const LAYERS: &[&[&str]] = &[
    &["sanitize", "util", "failpoint", "logging"],
    &["domain", "action"],
    &["store", "config", "imaging"],
    &["api", "sim"],
    &["services"],
    &["state"],
    &["preview"],
    &["ui"],
    &["app"],
    &["cli"],
];

/// Words a pure layer must not use (outside its tests), with the reason shown on failure.
const PURE: &[(&str, &[(&str, &str)])] = &[
    (
        "domain",
        &[
            ("std::fs", "file I/O"),
            ("tokio", "the async runtime"),
            ("reqwest", "the network"),
            ("rusqlite", "the store"),
            ("ratatui", "the terminal UI"),
            ("crossterm", "the terminal"),
        ],
    ),
    (
        "state",
        &[
            ("std::fs", "file I/O"),
            ("canonicalize", "file I/O"),
            ("rand::", "randomness"),
            ("new_v4", "randomness"),
            ("Instant::now", "the clock"),
            ("SystemTime::now", "the clock"),
            ("Timestamp::now", "the clock"),
            ("tokio", "the async runtime"),
            ("reqwest", "the network"),
            ("rusqlite", "the store"),
            ("ratatui", "the terminal UI"),
            ("crossterm", "the terminal"),
        ],
    ),
    (
        "api",
        &[
            ("ratatui", "the terminal UI"),
            ("crossterm", "the terminal"),
        ],
    ),
    (
        "ui",
        &[
            ("std::fs", "file I/O"),
            ("tokio", "the async runtime"),
            ("reqwest", "the network"),
            ("rusqlite", "the store"),
            ("rand::", "randomness"),
        ],
    ),
];

/// Lower modules a module may still not import: the CLI is a front on the services and reaches
/// the TUI only through `app`, never its model or views.
const NOT_FROM: &[(&str, &[&str])] = &[("cli", &["state", "preview", "ui"])];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a file belongs to (`src/api/engine.rs` → `api`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

/// The part of a file that is not test code: nothing of `tests.rs` files or `tests/`
/// folders, and a file's text up to its first `#[cfg(test)]` item.
fn production_text(file: &Path, text: &str) -> String {
    let is_test_file = file.file_name().is_some_and(|n| n == "tests.rs")
        || file.components().any(|c| c.as_os_str() == "tests");
    if is_test_file {
        return String::new();
    }
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every `crate::<module>` a text names, with its line: `crate::a::b`, and each member of a
/// grouped `crate::{a::x, b}`.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for member in inner.split(',') {
                    let name: String = member
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.push((n + 1, name));
                    }
                }
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push((n + 1, name));
                }
            }
            rest = after;
        }
    }
    out
}

/// The problems in one file: upward or sideways imports, and impure words in pure layers.
fn problems(module: &str, shown: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(mine) = layer_of(module) else {
        if !["lib", "main"].contains(&module) {
            out.push(format!("{shown}: module `{module}` is in no layer"));
        }
        return out;
    };
    for (line, target) in crate_paths(text) {
        if target == module {
            continue;
        }
        match layer_of(&target) {
            Some(_) if NOT_FROM.iter().any(|(m, no)| *m == module && no.contains(&target.as_str())) => {
                out.push(format!(
                    "{shown}:{line}: `{module}` imports `crate::{target}`, which it must reach through a lower layer"
                ));
            }
            Some(theirs) if theirs < mine => {}
            Some(_) => out.push(format!(
                "{shown}:{line}: `{module}` imports `crate::{target}`, which is not in a lower layer"
            )),
            None => out.push(format!("{shown}:{line}: `crate::{target}` is in no layer")),
        }
    }
    if let Some((_, words)) = PURE.iter().find(|(m, _)| *m == module) {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (word, why) in *words {
                if code.contains(word) {
                    out.push(format!(
                        "{shown}:{}: `{module}` uses `{word}` ({why}), which this layer must not",
                        n + 1
                    ));
                }
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_imports_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut all = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let module = module_of(&src, file).unwrap();
        let shown = file.strip_prefix(&src).unwrap().display().to_string();
        all.extend(problems(
            &module,
            &format!("src/{shown}"),
            &production_text(file, &text),
        ));
    }
    assert!(all.is_empty(), "layering broken:\n{}", all.join("\n"));
}

#[test]
fn the_checker_catches_what_it_must() {
    let upward =
        "use crate::domain::Job;\nuse crate::{ui::render, store};\nfn f() { crate::app::x(); }\n";
    let found = problems("store", "src/store/x.rs", upward);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("src/store/x.rs:2") && found[0].contains("crate::ui"));
    assert!(found[1].contains("src/store/x.rs:3") && found[1].contains("crate::app"));
    let impure = "fn f() { let t = std::time::Instant::now(); let r = rand::random::<u8>(); }\n";
    let found = problems("state", "src/state/x.rs", impure);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|f| f.starts_with("src/state/x.rs:1")));
    let tests_cut = production_text(
        Path::new("src/store/x.rs"),
        "use crate::domain::Job;\n#[cfg(test)]\nmod tests { use crate::sim::render; }\n",
    );
    assert!(problems("store", "x", &tests_cut).is_empty());
    assert!(production_text(Path::new("src/app/tests.rs"), "use crate::cli::X;").is_empty());
}
