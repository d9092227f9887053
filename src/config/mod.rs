//! Configuration: paths, `config.toml`, profiles, themes and key bindings. A bad
//! file is reported with its path, line, column and field; nothing here panics.

mod build;
pub mod error;
pub mod file;
pub mod keymap;
pub mod paths;
pub mod presets;
mod pricing;
pub use pricing::prices_of;
pub mod profile;
pub mod theme;
pub mod wildcards;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

pub use error::ConfigError;
pub use paths::Paths;
pub use profile::{KeySource, Profile, ProviderKind};

use crate::sanitize::sanitize_line;
use build::build_profile;
use file::ConfigFile;
use keymap::{KeyCombo, Mode, Override};

/// The default Apiframe origin.
pub const APIFRAME_BASE_URL: &str = "https://api.apiframe.ai";

/// How previews are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ImageProtocolSetting {
    /// Ask the terminal once at start.
    #[default]
    Auto,
    /// The kitty graphics protocol.
    Kitty,
    /// Sixel.
    Sixel,
    /// The iTerm2 inline image protocol.
    Iterm2,
    /// Unicode half blocks: works everywhere.
    Halfblocks,
    /// No previews.
    Off,
}

impl ImageProtocolSetting {
    /// Parses the config spelling.
    pub fn parse(s: &str) -> Option<Self> {
        <Self as clap::ValueEnum>::from_str(s.trim(), true).ok()
    }
}

/// The loaded configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file (it may not exist).
    pub file: PathBuf,
    /// Profiles in file order, with the built-in `sim` profile added when the file has none of
    /// that name.
    pub profiles: IndexMap<String, Profile>,
    /// Every model: the built-ins with the file's `[models."<id>"]` applied.
    pub catalogue: std::sync::Arc<crate::domain::catalogue::Catalogue>,
    /// `default_profile` from the file, checked to exist.
    pub default_profile: Option<String>,
    /// Theme name.
    pub theme: String,
    /// Preview protocol from the file.
    pub image_protocol: ImageProtocolSetting,
    /// Key binding overrides, already validated.
    pub key_overrides: Vec<Override>,
    /// Mouse clicks on.
    pub mouse: bool,
    /// When endings are notified.
    pub notify: crate::domain::notify::NotifyMode,
    /// A bell with each notification.
    pub bell: bool,
    /// `notify_cmd`, when set.
    pub notify_cmd: Option<String>,
    /// When a submit asks first.
    pub confirm: crate::domain::draft::ConfirmAbove,
}

impl Config {
    /// Loads `<config_dir>/config.toml`; a missing file gives the defaults.
    pub fn load(paths: &Paths) -> Result<Self, ConfigError> {
        let path = paths.config_file();
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::parse("", &path),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses config text; `path` is used for messages and for the literal-key permission check.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let at = Located { text, path };
        let file: ConfigFile = at.deserialize()?;
        let catalogue = std::sync::Arc::new(at.catalogue(&file)?);
        let profiles = at.profiles(&file, &catalogue)?;
        let default_profile = match &file.default_profile {
            Some(d) if !profiles.contains_key(d.get_ref()) => {
                let message = format!("no profile named `{}`", d.get_ref());
                return Err(at.invalid(Some(d.span()), Some("default_profile".into()), &message));
            }
            Some(d) => Some(d.get_ref().clone()),
            None => None,
        };
        let image_protocol = match &file.image_protocol {
            Some(p) => ImageProtocolSetting::parse(p.get_ref()).ok_or_else(|| {
                let message = format!(
                    "`{}` is not one of auto, kitty, sixel, iterm2, halfblocks, off",
                    p.get_ref()
                );
                at.invalid(Some(p.span()), Some("image_protocol".into()), &message)
            })?,
            None => ImageProtocolSetting::Auto,
        };
        if let Some(c) = &file.confirm_cost_above
            && !(c.get_ref().is_finite() && *c.get_ref() >= 0.0)
        {
            let message = "must be a number of 0 or more";
            return Err(at.invalid(Some(c.span()), Some("confirm_cost_above".into()), message));
        }
        Ok(Self {
            file: path.to_path_buf(),
            profiles,
            catalogue,
            default_profile,
            theme: file
                .theme
                .as_ref()
                .map_or_else(|| "default".into(), |t| t.get_ref().clone()),
            image_protocol,
            key_overrides: at.keybindings(&file)?,
            mouse: file.mouse.unwrap_or(false),
            notify: file.notify.unwrap_or_default(),
            bell: file.bell.unwrap_or(false),
            notify_cmd: file.notify_cmd.filter(|c| !c.trim().is_empty()),
            confirm: crate::domain::draft::ConfirmAbove {
                jobs: file.confirm_jobs_above.unwrap_or(10),
                cost: file.confirm_cost_above.as_ref().map(|c| *c.get_ref()),
            },
        })
    }

    /// Picks the active profile: `--profile`, then `QIMG_PROFILE`, then `default_profile`, then
    /// the first profile whose key is available, else `sim`.
    pub fn pick_profile(
        &self,
        cli: Option<&str>,
        env: Option<&str>,
    ) -> Result<&Profile, ConfigError> {
        let requested = cli
            .or(env)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or_else(|| self.default_profile.clone());
        if let Some(name) = requested {
            return self
                .profiles
                .get(&name)
                .ok_or_else(|| ConfigError::UnknownProfile {
                    name: sanitize_line(&name).into_owned(),
                    available: self.profiles.keys().cloned().collect::<Vec<_>>().join(", "),
                });
        }
        let chosen = self
            .profiles
            .values()
            .find(|p| !p.is_simulator() && p.key_probably_available())
            .or_else(|| self.profiles.get("sim"));
        chosen.ok_or_else(|| ConfigError::UnknownProfile {
            name: "sim".into(),
            available: String::new(),
        })
    }
}

/// The config text and its file, to say where a problem is.
struct Located<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Located<'_> {
    /// The text as `T`, or the first problem with its line, column and dotted field.
    fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, ConfigError> {
        let de = toml::de::Deserializer::parse(self.text)
            .map_err(|e| self.invalid(e.span(), None, e.message()))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            // toml's Spanned wrapper shows up as a pseudo-field; the user's field is its parent.
            let field = field.replace(".$__serde_spanned_private_value", "");
            let field = (field != ".").then_some(field);
            let inner = e.into_inner();
            self.invalid(inner.span(), field, inner.message())
        })
    }

    fn invalid(
        &self,
        span: Option<std::ops::Range<usize>>,
        field: Option<String>,
        message: &str,
    ) -> ConfigError {
        let (line, column) = span.map_or((0, 0), |s| error::line_col(self.text, s.start));
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line,
            column,
            field,
            message: sanitize_line(message).into_owned(),
        }
    }

    /// The catalogue with the file's models applied.
    fn catalogue(
        &self,
        file: &ConfigFile,
    ) -> Result<crate::domain::catalogue::Catalogue, ConfigError> {
        let models = file.models.iter().map(|(id, m)| (id.as_str(), m.get_ref()));
        crate::domain::catalogue::Catalogue::with_config(models).map_err(|e| {
            let span = file.models.get(&e.model).map(|m| m.span());
            let field = format!("models.{}.{}", e.model, e.field);
            self.invalid(span, Some(field), &e.message)
        })
    }

    /// The file's profiles, in file order, then the built-in simulator profiles the file does
    /// not redefine.
    fn profiles(
        &self,
        file: &ConfigFile,
        catalogue: &crate::domain::catalogue::Catalogue,
    ) -> Result<IndexMap<String, Profile>, ConfigError> {
        let mut profiles = IndexMap::new();
        for (name, pf) in &file.profiles {
            let profile = build_profile(name, pf, self.path, catalogue).map_err(|e| {
                let field = format!("profiles.{name}.{}", e.field);
                self.invalid(Some(e.span), Some(field), &e.message)
            })?;
            profiles.insert(name.clone(), profile);
        }
        for builtin in [Profile::builtin_sim(), Profile::builtin_sim_gateway()] {
            if !profiles.contains_key(&builtin.name) {
                profiles.insert(builtin.name.clone(), builtin);
            }
        }
        Ok(profiles)
    }

    /// `[keybindings.<mode>]`: each key parsed, each action known (`""` or `"none"` unbinds).
    fn keybindings(&self, file: &ConfigFile) -> Result<Vec<Override>, ConfigError> {
        let mut out = Vec::new();
        for (mode_name, table) in &file.keybindings {
            let Some(mode) = Mode::parse(mode_name) else {
                let first_span = table.values().next().map(|v| v.span());
                let message = format!(
                    "unknown mode; use {}",
                    Mode::ALL.map(Mode::as_str).join(", ")
                );
                return Err(self.invalid(
                    first_span,
                    Some(format!("keybindings.{mode_name}")),
                    &message,
                ));
            };
            for (key, action) in table {
                let field = Some(format!("keybindings.{mode_name}.{key}"));
                let combo = KeyCombo::parse(key).ok_or_else(|| {
                    let message = format!("`{key}` is not a key (try \"ctrl-s\", \"f1\", \"j\")");
                    self.invalid(Some(action.span()), field.clone(), &message)
                })?;
                let action_value = match action.get_ref().as_str() {
                    "" | "none" => None,
                    name => Some(crate::action::Action::parse(name).ok_or_else(|| {
                        let message = format!("`{name}` is not an action");
                        self.invalid(Some(action.span()), field.clone(), &message)
                    })?),
                };
                out.push(Override {
                    mode,
                    key: combo,
                    action: action_value,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
