//! Themes: `themes/*.toml` compiled in, overridable by `<config_dir>/themes/<name>.toml`. A theme
//! is a palette plus semantic roles; widgets ask for roles and never name a colour.

use std::path::Path;

use indexmap::IndexMap;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Built-in themes: name and file text.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

macro_rules! roles {
    ($($name:ident : $doc:literal),* $(,)?) => {
        /// The roles as written in a theme file; every role must be present unless `base` names
        /// a theme to inherit from.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct RolesFile { $(#[doc = $doc] pub $name: Option<String>,)* }

        /// A theme resolved into ratatui styles.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            /// Theme name.
            pub name: String,
            $(#[doc = $doc] pub $name: Style,)*
        }

        /// Every role name, for tests and error messages.
        pub const ROLE_NAMES: &[&str] = &[$(stringify!($name)),*];

        fn build(name: &str, roles: &RolesFile, palette: &IndexMap<String, String>, base: Option<&Theme>) -> Result<Theme, String> {
            Ok(Theme {
                name: name.to_owned(),
                $($name: match (&roles.$name, base) {
                    (Some(spec), _) => parse_style(spec, palette).map_err(|e| format!("role `{}`: {e}", stringify!($name)))?,
                    (None, Some(b)) => b.$name,
                    (None, None) => return Err(format!("role `{}` is missing", stringify!($name))),
                },)*
            })
        }
    };
}

roles! {
    text: "Ordinary text.",
    muted: "Secondary text: hints, timestamps, labels.",
    border: "Pane borders without focus.",
    border_focused: "The border of the focused pane.",
    title: "Pane titles.",
    selection: "The selected row.",
    accent: "Keys in hints and highlights.",
    success: "Success messages.",
    warning: "Warnings.",
    error: "Errors.",
    state_queued: "Jobs waiting to be sent.",
    state_running: "Jobs on their way (submitting, running, downloading).",
    state_done: "Finished jobs.",
    state_failed: "Failed or cancelled jobs.",
    state_attention: "Jobs that need the user: ambiguous, timed out, expired.",
    input: "Text fields.",
    input_focused: "The focused text field.",
    header: "The header line.",
    banner: "The simulator banner in the header.",
}

/// A theme file on disk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    /// A theme to inherit missing roles from.
    base: Option<String>,
    #[serde(default)]
    palette: IndexMap<String, String>,
    #[serde(default)]
    roles: RolesFile,
}

/// Why a theme could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("theme `{name}` ({source_name}): {message}")]
pub struct ThemeError {
    /// Theme name.
    pub name: String,
    /// `built-in` or the file path.
    pub source_name: String,
    /// What is wrong.
    pub message: String,
}

impl Theme {
    /// Loads a theme by name: `<themes_dir>/<name>.toml` first, then the built-in.
    /// With `no_color`, the `mono` theme is used whatever the name.
    pub fn load(name: &str, themes_dir: &Path, no_color: bool) -> Result<Theme, ThemeError> {
        let name = if no_color { "mono" } else { name };
        Self::load_inner(name, themes_dir, 0)
    }

    fn load_inner(name: &str, themes_dir: &Path, depth: u8) -> Result<Theme, ThemeError> {
        let err = |source_name: String, message: String| ThemeError {
            name: name.to_owned(),
            source_name,
            message,
        };
        if depth > 4 {
            return Err(err(
                "base chain".into(),
                "too many `base` levels (a loop?)".into(),
            ));
        }
        let safe_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let user_file = themes_dir.join(format!("{name}.toml"));
        let (text, source_name) = if safe_name && user_file.is_file() {
            let text = std::fs::read_to_string(&user_file)
                .map_err(|e| err(user_file.display().to_string(), e.to_string()))?;
            (text, user_file.display().to_string())
        } else if let Some((_, text)) = BUILTIN_THEMES.iter().find(|(n, _)| *n == name) {
            ((*text).to_owned(), "built-in".to_owned())
        } else {
            let names: Vec<&str> = BUILTIN_THEMES.iter().map(|(n, _)| *n).collect();
            return Err(err(
                "lookup".into(),
                format!(
                    "no such theme; built-ins are {}, or add {}",
                    names.join(", "),
                    user_file.display()
                ),
            ));
        };
        let file: ThemeFile = toml::from_str(&text).map_err(|e| {
            err(
                source_name.clone(),
                crate::sanitize::sanitize_line(e.message()).into_owned(),
            )
        })?;
        let base = match &file.base {
            Some(b) if b == name => {
                return Err(err(source_name, "a theme cannot be its own base".into()));
            }
            Some(b) => Some(Self::load_inner(b, themes_dir, depth + 1)?),
            None => None,
        };
        build(name, &file.roles, &file.palette, base.as_ref()).map_err(|m| err(source_name, m))
    }

    /// The built-in default theme (always valid; tested).
    pub fn fallback() -> Theme {
        Self::load_inner("default", Path::new(""), 0).unwrap_or_else(|_| Theme::plain())
    }

    /// A theme with no styling at all, the last resort.
    pub fn plain() -> Theme {
        let s = Style::default();
        Theme {
            name: "plain".into(),
            text: s,
            muted: s,
            border: s,
            border_focused: s.add_modifier(Modifier::BOLD),
            title: s,
            selection: s.add_modifier(Modifier::REVERSED),
            accent: s.add_modifier(Modifier::BOLD),
            success: s,
            warning: s,
            error: s.add_modifier(Modifier::BOLD),
            state_queued: s,
            state_running: s,
            state_done: s,
            state_failed: s,
            state_attention: s.add_modifier(Modifier::BOLD),
            input: s,
            input_focused: s.add_modifier(Modifier::UNDERLINED),
            header: s,
            banner: s.add_modifier(Modifier::REVERSED),
        }
    }

    /// Border style for a pane, focused or not.
    pub fn border_for(&self, focused: bool) -> Style {
        if focused {
            self.border_focused
        } else {
            self.border
        }
    }
}

/// Parses `"<fg> [on <bg>] [bold] [dim] [italic] [underlined] [reversed]"`. Colours are palette
/// names, ANSI names, `#RRGGBB`, a 0–255 index, or `reset`.
pub fn parse_style(spec: &str, palette: &IndexMap<String, String>) -> Result<Style, String> {
    let mut style = Style::default();
    let mut words = spec.split_whitespace().peekable();
    let mut fg_set = false;
    while let Some(w) = words.next() {
        match w {
            "bold" => style = style.add_modifier(Modifier::BOLD),
            "dim" => style = style.add_modifier(Modifier::DIM),
            "italic" => style = style.add_modifier(Modifier::ITALIC),
            "underlined" | "underline" => style = style.add_modifier(Modifier::UNDERLINED),
            "reversed" | "reverse" => style = style.add_modifier(Modifier::REVERSED),
            "on" => {
                let bg = words.next().ok_or("`on` needs a colour after it")?;
                style = style.bg(parse_color(bg, palette, 0)?);
            }
            c if !fg_set => {
                style = style.fg(parse_color(c, palette, 0)?);
                fg_set = true;
            }
            other => return Err(format!("unexpected word `{other}`")),
        }
    }
    Ok(style)
}

fn parse_color(name: &str, palette: &IndexMap<String, String>, depth: u8) -> Result<Color, String> {
    if let Some(v) = palette.get(name) {
        if depth > 2 {
            return Err(format!("palette entry `{name}` refers to itself"));
        }
        return parse_color(v, palette, depth + 1);
    }
    let lower = name.to_ascii_lowercase();
    let c = match lower.as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        hex if hex.starts_with('#') && hex.len() == 7 => {
            let v = u32::from_str_radix(&hex[1..], 16)
                .map_err(|_| format!("bad hex colour `{name}`"))?;
            Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        n if n.chars().all(|c| c.is_ascii_digit()) => Color::Indexed(
            n.parse()
                .map_err(|_| format!("colour index `{name}` is not 0–255"))?,
        ),
        _ => return Err(format!("unknown colour `{name}`")),
    };
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_defines_every_role() {
        for (name, text) in BUILTIN_THEMES {
            let file: ThemeFile = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(file.base.is_none(), "{name} must be complete on its own");
            build(name, &file.roles, &file.palette, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            // Every role, by name, is written in the file (no default hides a missing one).
            let table: toml::Table = toml::from_str(text).unwrap();
            let roles = table["roles"].as_table().unwrap();
            for role in ROLE_NAMES {
                assert!(roles.contains_key(*role), "{name} lacks role `{role}`");
            }
        }
    }

    #[test]
    fn style_specs() {
        let mut pal = IndexMap::new();
        pal.insert("brand".to_owned(), "#ff8800".to_owned());
        let s = parse_style("brand on black bold", &pal).unwrap();
        assert_eq!(s.fg, Some(Color::Rgb(255, 136, 0)));
        assert_eq!(s.bg, Some(Color::Black));
        assert!(s.add_modifier.contains(Modifier::BOLD));
        assert!(parse_style("chartreuse", &pal).is_err());
        assert!(parse_style("red blue", &pal).is_err());
        assert_eq!(
            parse_style("244", &pal).unwrap().fg,
            Some(Color::Indexed(244))
        );
    }

    #[test]
    fn user_theme_overrides_and_inherits() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "base = \"default\"\n[roles]\nerror = \"magenta bold\"\n",
        )
        .unwrap();
        let t = Theme::load("mine", dir.path(), false).unwrap();
        assert_eq!(t.error.fg, Some(Color::Magenta));
        assert_eq!(t.text, Theme::fallback().text);
    }

    #[test]
    fn bad_user_theme_says_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.toml"),
            "[roles]\ntext = \"red\"\nbogus = \"x\"\n",
        )
        .unwrap();
        let e = Theme::load("bad", dir.path(), false).unwrap_err();
        assert!(e.to_string().contains("bogus"), "{e}");
        std::fs::write(dir.path().join("partial.toml"), "[roles]\ntext = \"red\"\n").unwrap();
        let e = Theme::load("partial", dir.path(), false).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
        assert!(Theme::load("nope", dir.path(), false).is_err());
    }

    #[test]
    fn no_color_means_mono() {
        let t = Theme::load("default", Path::new("/nonexistent"), true).unwrap();
        assert_eq!(t.name, "mono");
        for s in [t.text, t.error, t.state_done, t.selection] {
            assert!(matches!(s.fg, None | Some(Color::Reset)));
            assert!(matches!(s.bg, None | Some(Color::Reset)));
        }
    }
}
