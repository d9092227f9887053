//! Configuration: paths, `config.toml` (DESIGN.md §6), profiles, themes and key bindings. A bad
//! file is reported with its path, line, column and field; nothing here panics.

pub mod error;
pub mod file;
pub mod keymap;
pub mod paths;
pub mod profile;
pub mod theme;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use secrecy::SecretString;

pub use error::ConfigError;
pub use paths::Paths;
pub use profile::{KeySource, Profile, ProviderKind};

use crate::domain::models::{self, ParamsKey};
use crate::sanitize::sanitize_line;
use file::{ConfigFile, ProfileFile, ProviderKindFile};
use keymap::{KeyCombo, Mode, Override};

/// The default Apiframe origin.
pub const APIFRAME_BASE_URL: &str = "https://api.apiframe.ai";

/// How previews are drawn (DESIGN.md §4).
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
        let invalid =
            |span: Option<std::ops::Range<usize>>, field: Option<String>, message: String| {
                let (line, column) = span.map_or((0, 0), |s| error::line_col(text, s.start));
                ConfigError::Invalid {
                    path: path.to_path_buf(),
                    line,
                    column,
                    field,
                    message: sanitize_line(&message).into_owned(),
                }
            };
        let de = toml::de::Deserializer::parse(text)
            .map_err(|e| invalid(e.span(), None, e.message().to_owned()))?;
        let file: ConfigFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            // toml's Spanned wrapper shows up as a pseudo-field; the user's field is its parent.
            let path = path
                .trim_end_matches(".$__serde_spanned_private_value")
                .to_owned();
            let field = (path != ".").then_some(path);
            let inner = e.into_inner();
            invalid(inner.span(), field, inner.message().to_owned())
        })?;

        let mut profiles = IndexMap::new();
        for (name, pf) in &file.profiles {
            let profile = build_profile(name, pf, path).map_err(|(span, field, msg)| {
                invalid(Some(span), Some(format!("profiles.{name}.{field}")), msg)
            })?;
            profiles.insert(name.clone(), profile);
        }
        for builtin in [Profile::builtin_sim(), Profile::builtin_sim_gateway()] {
            if !profiles.contains_key(&builtin.name) {
                profiles.insert(builtin.name.clone(), builtin);
            }
        }

        let default_profile = match &file.default_profile {
            Some(d) if !profiles.contains_key(d.get_ref()) => {
                return Err(invalid(
                    Some(d.span()),
                    Some("default_profile".into()),
                    format!("no profile named `{}`", d.get_ref()),
                ));
            }
            Some(d) => Some(d.get_ref().clone()),
            None => None,
        };

        let image_protocol = match &file.image_protocol {
            Some(p) => ImageProtocolSetting::parse(p.get_ref()).ok_or_else(|| {
                invalid(
                    Some(p.span()),
                    Some("image_protocol".into()),
                    format!(
                        "`{}` is not one of auto, kitty, sixel, iterm2, halfblocks, off",
                        p.get_ref()
                    ),
                )
            })?,
            None => ImageProtocolSetting::Auto,
        };

        let mut key_overrides = Vec::new();
        for (mode_name, table) in &file.keybindings {
            let Some(mode) = Mode::parse(mode_name) else {
                let first_span = table.values().next().map(|v| v.span());
                return Err(invalid(
                    first_span,
                    Some(format!("keybindings.{mode_name}")),
                    format!(
                        "unknown mode; use {}",
                        Mode::ALL.map(Mode::as_str).join(", ")
                    ),
                ));
            };
            for (key, action) in table {
                let field = Some(format!("keybindings.{mode_name}.{key}"));
                let combo = KeyCombo::parse(key).ok_or_else(|| {
                    invalid(
                        Some(action.span()),
                        field.clone(),
                        format!("`{key}` is not a key (try \"ctrl-s\", \"f1\", \"j\")"),
                    )
                })?;
                let action_value = match action.get_ref().as_str() {
                    "" | "none" => None,
                    name => Some(crate::action::Action::parse(name).ok_or_else(|| {
                        invalid(
                            Some(action.span()),
                            field.clone(),
                            format!("`{name}` is not an action"),
                        )
                    })?),
                };
                key_overrides.push(Override {
                    mode,
                    key: combo,
                    action: action_value,
                });
            }
        }

        Ok(Self {
            file: path.to_path_buf(),
            profiles,
            default_profile,
            theme: file
                .theme
                .map_or_else(|| "default".into(), |t| t.into_inner()),
            image_protocol,
            key_overrides,
            mouse: file.mouse.unwrap_or(false),
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

type FieldError = (std::ops::Range<usize>, &'static str, String);

fn build_profile(name: &str, pf: &ProfileFile, path: &Path) -> Result<Profile, FieldError> {
    let kind = match pf.provider.get_ref() {
        ProviderKindFile::Apiframe => ProviderKind::Apiframe,
        ProviderKindFile::Openai => ProviderKind::OpenAi,
        ProviderKindFile::Sim => ProviderKind::Sim,
    };
    let base_url = match (&pf.base_url, kind) {
        (Some(u), _) => {
            Some(profile::validate_base_url(u.get_ref()).map_err(|m| (u.span(), "base_url", m))?)
        }
        (None, ProviderKind::Apiframe) => profile::validate_base_url(APIFRAME_BASE_URL).ok(),
        (None, ProviderKind::OpenAi) => {
            return Err((
                pf.provider.span(),
                "base_url",
                "an openai profile needs base_url = \"https://your-gateway\"".into(),
            ));
        }
        (None, ProviderKind::Sim) => None,
    };
    let sources = [
        pf.api_key_env.is_some(),
        pf.api_key_cmd.is_some(),
        pf.api_key.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() > 1 {
        return Err((
            pf.provider.span(),
            "api_key",
            "use only one of api_key_env, api_key_cmd and api_key".into(),
        ));
    }
    // A simulator profile with a base_url talks to a `qimg sim` elsewhere: its key is
    // configured like any other (default: the simulator's published key).
    let key_source = if kind == ProviderKind::Sim && pf.base_url.is_none() {
        KeySource::Simulator
    } else if let Some(env) = &pf.api_key_env {
        KeySource::Env(env.get_ref().clone())
    } else if let Some(cmd) = &pf.api_key_cmd {
        KeySource::Cmd(cmd.get_ref().clone())
    } else if let Some(key) = &pf.api_key {
        match profile::literal_key_refusal(path) {
            None => KeySource::Literal(SecretString::from(key.get_ref().clone())),
            Some(why) => {
                tracing::warn!(profile = name, "literal api_key refused: {why}");
                KeySource::Refused(why)
            }
        }
    } else if kind == ProviderKind::Sim {
        KeySource::Literal(SecretString::from(crate::domain::SIM_DEFAULT_KEY))
    } else {
        KeySource::None
    };
    let default_model = match kind {
        ProviderKind::OpenAi => "qwen-image-plus",
        ProviderKind::Apiframe | ProviderKind::Sim => models::APIFRAME_MODEL,
    };
    let model = match &pf.model {
        Some(m) => {
            let spec = models::find(m.get_ref()).ok_or_else(|| {
                let known: Vec<&str> = models::MODELS.iter().map(|m| m.id).collect();
                (
                    m.span(),
                    "model",
                    format!(
                        "unknown model `{}`; known: {}",
                        m.get_ref(),
                        known.join(", ")
                    ),
                )
            })?;
            let fits = match kind {
                ProviderKind::Apiframe => spec.wire == models::Wire::Apiframe,
                ProviderKind::OpenAi => spec.wire == models::Wire::OpenAi,
                ProviderKind::Sim => true,
            };
            if !fits {
                return Err((
                    m.span(),
                    "model",
                    format!(
                        "model `{}` is not offered by {} profiles",
                        spec.id,
                        kind.as_str()
                    ),
                ));
            }
            spec.id.to_owned()
        }
        None => default_model.to_owned(),
    };
    let params_key = match &pf.params_key {
        Some(k) => ParamsKey::parse(k.get_ref()).ok_or_else(|| {
            (
                k.span(),
                "params_key",
                "use \"qwenImage2Params\" or \"qwenParams\"".into(),
            )
        })?,
        None => ParamsKey::default(),
    };
    let max_concurrent = match &pf.max_concurrent {
        Some(n) if !(1..=64).contains(n.get_ref()) => {
            return Err((
                n.span(),
                "max_concurrent",
                "must be between 1 and 64".into(),
            ));
        }
        Some(n) => *n.get_ref(),
        None => 4,
    };
    let sim_job_seconds = match &pf.sim_job_seconds {
        Some(s) if !(s.get_ref().is_finite() && (0.0..=3600.0).contains(s.get_ref())) => {
            return Err((
                s.span(),
                "sim_job_seconds",
                "must be between 0 and 3600".into(),
            ));
        }
        Some(s) => *s.get_ref(),
        None => 4.0,
    };
    let request_timeout = match &pf.timeout_secs {
        Some(t) if !(1..=3600).contains(t.get_ref()) => {
            return Err((
                t.span(),
                "timeout_secs",
                "must be between 1 and 3600".into(),
            ));
        }
        Some(t) => Some(std::time::Duration::from_secs(*t.get_ref())),
        None => None,
    };
    Ok(Profile {
        name: name.to_owned(),
        kind,
        base_url,
        key_source,
        model,
        output_dir: pf
            .output_dir
            .as_ref()
            .map(|d| crate::util::expand_home(d.get_ref())),
        params_key,
        max_concurrent,
        sim_job_seconds,
        request_timeout,
    })
}

#[cfg(test)]
mod tests;
