//! `<config_dir>/presets.toml`: one table per preset (`[wide-night]`, keys `model`, `aspect` or
//! `size`, `negative`, `seed_mode`, `seed`, `rewrite`, `count`, `draws`). Read with the same
//! file/line/column messages as `config.toml`; saved and deleted through `toml_edit`, so the
//! comments and order a user wrote stay, and written atomically (a temp file renamed over it).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;

use super::{ConfigError, Located};
use crate::domain::draft::SeedMode;
use crate::domain::preset::{Preset, PresetDraws, PresetSeed, check_name};

/// The presets of one file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presets {
    /// Name → settings.
    pub entries: IndexMap<String, Preset>,
}

/// Why a preset could not be saved or deleted.
#[derive(Debug, thiserror::Error)]
pub enum PresetFileError {
    /// The name is not one a preset can have.
    #[error("{0}")]
    Name(String),
    /// The file is there but is not TOML qimg can edit without losing what is in it.
    #[error("{0}; fix it before saving a preset")]
    Invalid(ConfigError),
    /// Reading or writing failed.
    #[error("cannot write the presets file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    model: Option<String>,
    aspect: Option<String>,
    size: Option<String>,
    negative: Option<String>,
    seed_mode: Option<SeedModeName>,
    seed: Option<u32>,
    rewrite: Option<bool>,
    count: Option<u8>,
    draws: Option<Draws>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SeedModeName {
    Random,
    Increment,
    Fixed,
}

/// `draws = "all"` or `draws = 3`.
#[derive(Debug, Clone, Copy)]
struct Draws(PresetDraws);

impl<'de> Deserialize<'de> for Draws {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Draws;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"all\" or a number of random draws")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Draws, E> {
                match s {
                    "all" => Ok(Draws(PresetDraws::Every)),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(s), &self)),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Draws, E> {
                u16::try_from(n)
                    .map(|n| Draws(PresetDraws::Random(n)))
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }
        }
        d.deserialize_any(V)
    }
}

impl Entry {
    fn preset(self) -> Result<Preset, (&'static str, String)> {
        let seed = match (self.seed_mode, self.seed) {
            (None, None) => None,
            (Some(SeedModeName::Random), None) => Some(PresetSeed::Random),
            (Some(SeedModeName::Random), Some(_)) => {
                return Err(("seed", "seed_mode \"random\" takes no seed".into()));
            }
            (Some(SeedModeName::Increment) | None, Some(seed)) => Some(PresetSeed::Locked {
                seed,
                mode: SeedMode::Increment,
            }),
            (Some(SeedModeName::Fixed), Some(seed)) => Some(PresetSeed::Locked {
                seed,
                mode: SeedMode::Fixed,
            }),
            (Some(_), None) => return Err(("seed_mode", "this seed_mode needs a seed".into())),
        };
        let preset = Preset {
            model: self.model,
            aspect: self.aspect,
            size: self.size,
            negative: self.negative,
            seed,
            rewrite: self.rewrite,
            count: self.count,
            draws: self.draws.map(|d| d.0),
        };
        preset.check().map_err(|e| (e.field, e.message))?;
        Ok(preset)
    }
}

/// Reads `path`; a missing file has no presets.
pub fn load(path: &Path) -> Result<Presets, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Presets::default()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parses presets text; `path` is for messages.
pub fn parse(text: &str, path: &Path) -> Result<Presets, ConfigError> {
    let at = Located { text, path };
    let file: IndexMap<String, toml::Spanned<Entry>> = at.deserialize()?;
    let mut entries = IndexMap::new();
    for (name, entry) in file {
        let span = entry.span();
        check_name(&name).map_err(|m| at.invalid(Some(span.clone()), Some(name.clone()), &m))?;
        let preset = entry.into_inner().preset().map_err(|(field, message)| {
            let at_key = key_in(text, &span, field).unwrap_or(span.clone());
            at.invalid(Some(at_key), Some(format!("{name}.{field}")), &message)
        })?;
        entries.insert(name, preset);
    }
    Ok(Presets { entries })
}

/// Where `key = …` starts in the table whose header is at `table` (up to the next header), so
/// a value rule names the key's line.
fn key_in(text: &str, table: &std::ops::Range<usize>, key: &str) -> Option<std::ops::Range<usize>> {
    let body = text.get(table.end..)?;
    let mut offset = table.end;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            return None;
        }
        let rest = trimmed.strip_prefix(key);
        if rest.is_some_and(|r| r.trim_start().starts_with('=')) {
            let start = offset + (line.len() - trimmed.len());
            return Some(start..start + key.len());
        }
        offset += line.len();
    }
    None
}

/// Saves `preset` as `name` (replacing one of that name in place), keeping everything else in
/// the file as it was.
pub fn save(path: &Path, name: &str, preset: &Preset) -> Result<(), PresetFileError> {
    check_name(name).map_err(PresetFileError::Name)?;
    let mut doc = read_document(path)?;
    let table = table_of(preset);
    let merged = match doc.get_mut(name).and_then(|i| i.as_table_mut()) {
        Some(old) => {
            let before = old.clone();
            merge_into(old, &table);
            Some(before)
        }
        None => {
            // Comments after the last table stay before the new one, which goes at the end.
            let mut table = table.clone();
            let trailing = doc.trailing().as_str().unwrap_or("").to_owned();
            if !trailing.is_empty() {
                table.decor_mut().set_prefix(trailing);
                doc.set_trailing("");
            }
            doc.insert(name, toml_edit::Item::Table(table));
            None
        }
    };
    let mut text = doc.to_string();
    // A merge that the reader would refuse (a hand-written key that clashes) is replaced
    // whole instead, keeping only the table's place and the comment above it.
    if let Some(before) = merged
        && parse(&text, path).is_err()
        && let Some(old) = doc.get_mut(name).and_then(|i| i.as_table_mut())
    {
        *old = table;
        *old.decor_mut() = before.decor().clone();
        old.set_position(before.position());
        text = doc.to_string();
    }
    write_atomically(path, &text)
}

/// Writes `new`'s values into `old` in place: each key keeps its comment and place, keys the
/// form does not hold stay, and the one of `aspect`/`size` (or the `seed` of a random seed)
/// that would contradict the new values goes.
fn merge_into(old: &mut toml_edit::Table, new: &toml_edit::Table) {
    for (key, item) in new.iter() {
        match old.get_mut(key).and_then(|i| i.as_value_mut()) {
            Some(value) => {
                let decor = value.decor().clone();
                if let Some(v) = item.as_value() {
                    *value = v.clone();
                    *value.decor_mut() = decor;
                }
            }
            None => {
                old.insert(key, item.clone());
            }
        }
    }
    for (set, clashes) in [("aspect", "size"), ("size", "aspect")] {
        if new.contains_key(set) {
            old.remove(clashes);
        }
    }
    if new.get("seed_mode").and_then(|v| v.as_str()) == Some("random") {
        old.remove("seed");
    }
}

/// Deletes the preset `name`; false when there was none.
pub fn delete(path: &Path, name: &str) -> Result<bool, PresetFileError> {
    let mut doc = read_document(path)?;
    let Some(removed) = doc.remove(name) else {
        return Ok(false);
    };
    keep_header(&mut doc, &removed);
    write_atomically(path, &doc.to_string())?;
    Ok(true)
}

/// The comments above a deleted table that a blank line sets apart from it (the file's own
/// header, say) move to the table that now comes first after it, so deleting a preset deletes
/// only that preset and the comment right above it.
fn keep_header(doc: &mut toml_edit::DocumentMut, removed: &toml_edit::Item) {
    let Some(table) = removed.as_table() else {
        return;
    };
    let prefix = table
        .decor()
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or("");
    let Some(cut) = prefix.rfind("\n\n") else {
        return;
    };
    let header = &prefix[..cut + 2];
    let after = table.position();
    let next = doc
        .iter_mut()
        .filter_map(|(_, item)| item.as_table_mut())
        .filter(|t| t.position() > after)
        .min_by_key(|t| t.position());
    if let Some(next) = next {
        let own = next.decor().prefix().and_then(|p| p.as_str()).unwrap_or("");
        let joined = format!("{header}{own}");
        next.decor_mut().set_prefix(joined);
    } else {
        let trailing = doc.trailing().as_str().unwrap_or("").to_owned();
        doc.set_trailing(format!("{trailing}{header}"));
    }
}

fn read_document(path: &Path) -> Result<toml_edit::DocumentMut, PresetFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            let path = path.to_path_buf();
            return Err(PresetFileError::Io { path, source });
        }
    };
    // The same check as loading, so a save never writes over a file qimg would refuse.
    parse(&text, path).map_err(PresetFileError::Invalid)?;
    text.parse::<toml_edit::DocumentMut>().map_err(|e| {
        let at = Located { text: &text, path };
        PresetFileError::Invalid(at.invalid(e.span(), None, e.message()))
    })
}

fn table_of(p: &Preset) -> toml_edit::Table {
    use toml_edit::value;
    let mut t = toml_edit::Table::new();
    let mut put = |key: &str, v: toml_edit::Item| {
        t.insert(key, v);
    };
    if let Some(m) = &p.model {
        put("model", value(m.as_str()));
    }
    if let Some(a) = &p.aspect {
        put("aspect", value(a.as_str()));
    }
    if let Some(s) = &p.size {
        put("size", value(s.as_str()));
    }
    if let Some(n) = &p.negative {
        put("negative", value(n.as_str()));
    }
    match p.seed {
        Some(PresetSeed::Random) => put("seed_mode", value("random")),
        Some(PresetSeed::Locked { seed, mode }) => {
            let mode = if mode == SeedMode::Fixed {
                "fixed"
            } else {
                "increment"
            };
            put("seed_mode", value(mode));
            put("seed", value(i64::from(seed)));
        }
        None => {}
    }
    if let Some(r) = p.rewrite {
        put("rewrite", value(r));
    }
    if let Some(c) = p.count {
        put("count", value(i64::from(c)));
    }
    match p.draws {
        Some(PresetDraws::Every) => put("draws", value("all")),
        Some(PresetDraws::Random(n)) => put("draws", value(i64::from(n))),
        None => {}
    }
    t
}

/// Writes `text` to a temp file beside `path` and renames it over, so a crash or a full disk
/// leaves the old file whole.
/// A symlinked file (a dotfiles repository) is written where the link points, and the file
/// keeps its permissions.
fn write_atomically(path: &Path, text: &str) -> Result<(), PresetFileError> {
    let io = |source| PresetFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(io)?,
        _ => path.to_path_buf(),
    };
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(".presets.toml.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).map_err(io)?;
    let kept = std::fs::metadata(&target).map(|m| m.permissions());
    let done = match kept {
        Ok(perms) => std::fs::set_permissions(&tmp, perms),
        Err(_) => Ok(()),
    }
    .and_then(|()| std::fs::rename(&tmp, &target));
    done.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

#[cfg(test)]
mod tests;
