//! From a `[profiles.<name>]` table to a validated `Profile`: the origin (plain http only for
//! loopback), where the key comes from, the model, and the numeric limits. Each problem names
//! its field and where it is in the file.

use std::path::Path;

use secrecy::SecretString;

use super::APIFRAME_BASE_URL;
use super::file::{ProfileFile, ProviderKindFile};
use super::profile::{self, KeySource, Profile, ProviderKind};
use crate::domain::catalogue::Catalogue;
use crate::domain::models::{self, ParamsKey, Wire};

/// A value of a profile that is not allowed: where it is, the field, and why.
#[derive(Debug)]
pub(super) struct FieldError {
    pub span: std::ops::Range<usize>,
    pub field: &'static str,
    pub message: String,
}

pub(super) fn field_err(
    span: std::ops::Range<usize>,
    field: &'static str,
    message: impl Into<String>,
) -> FieldError {
    FieldError {
        span,
        field,
        message: message.into(),
    }
}

pub(super) fn build_profile(
    name: &str,
    pf: &ProfileFile,
    path: &Path,
    catalogue: &Catalogue,
) -> Result<Profile, FieldError> {
    let kind = match pf.provider.get_ref() {
        ProviderKindFile::Apiframe => ProviderKind::Apiframe,
        ProviderKindFile::Openai => ProviderKind::OpenAi,
        ProviderKindFile::Sim => ProviderKind::Sim,
    };
    let (model, wire) = model(pf, kind, catalogue)?;
    Ok(Profile {
        price: super::pricing::price(pf, kind)?,
        budget: super::pricing::budget(pf)?,
        name: name.to_owned(),
        kind,
        base_url: base_url(pf, kind)?,
        key_source: key_source(name, pf, kind, path)?,
        model,
        wire,
        watermark: pf.watermark.unwrap_or(false),
        retry_budget: match &pf.retry_budget_secs {
            Some(_) => std::time::Duration::from_secs(ranged(
                &pf.retry_budget_secs,
                "retry_budget_secs",
                0..=86_400,
                0,
            )?),
            None => profile::RETRY_BUDGET,
        },
        output_dir: pf
            .output_dir
            .as_ref()
            .map(|d| crate::util::expand_home(d.get_ref())),
        params_key: match &pf.params_key {
            Some(k) => ParamsKey::parse(k.get_ref()).ok_or_else(|| {
                field_err(
                    k.span(),
                    "params_key",
                    "use \"qwenImage2Params\" or \"qwenParams\"",
                )
            })?,
            None => ParamsKey::default(),
        },
        max_concurrent: ranged(&pf.max_concurrent, "max_concurrent", 1..=64, 4)?,
        sim_job_seconds: match &pf.sim_job_seconds {
            Some(s) if !(s.get_ref().is_finite() && (0.0..=3600.0).contains(s.get_ref())) => {
                return Err(field_err(
                    s.span(),
                    "sim_job_seconds",
                    "must be between 0 and 3600",
                ));
            }
            Some(s) => *s.get_ref(),
            None => 4.0,
        },
        request_timeout: match &pf.timeout_secs {
            Some(_) => Some(std::time::Duration::from_secs(ranged(
                &pf.timeout_secs,
                "timeout_secs",
                1..=3600,
                0,
            )?)),
            None => None,
        },
    })
}

/// A whole number in `range`, or `default` when absent.
fn ranged<T: Copy + PartialOrd + std::fmt::Display>(
    v: &Option<toml::Spanned<T>>,
    field: &'static str,
    range: std::ops::RangeInclusive<T>,
    default: T,
) -> Result<T, FieldError> {
    match v {
        Some(n) if !range.contains(n.get_ref()) => Err(field_err(
            n.span(),
            field,
            format!("must be between {} and {}", range.start(), range.end()),
        )),
        Some(n) => Ok(*n.get_ref()),
        None => Ok(default),
    }
}

fn base_url(pf: &ProfileFile, kind: ProviderKind) -> Result<Option<reqwest::Url>, FieldError> {
    match (&pf.base_url, kind) {
        (Some(u), _) => profile::validate_base_url(u.get_ref())
            .map(Some)
            .map_err(|m| field_err(u.span(), "base_url", m.to_string())),
        (None, ProviderKind::Apiframe) => Ok(profile::validate_base_url(APIFRAME_BASE_URL).ok()),
        (None, ProviderKind::OpenAi) => Err(field_err(
            pf.provider.span(),
            "base_url",
            "an openai profile needs base_url = \"https://your-gateway\"",
        )),
        (None, ProviderKind::Sim) => Ok(None),
    }
}

fn key_source(
    name: &str,
    pf: &ProfileFile,
    kind: ProviderKind,
    path: &Path,
) -> Result<KeySource, FieldError> {
    let sources = [
        pf.api_key_env.is_some(),
        pf.api_key_cmd.is_some(),
        pf.api_key.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() > 1 {
        return Err(field_err(
            pf.provider.span(),
            "api_key",
            "use only one of api_key_env, api_key_cmd and api_key",
        ));
    }
    // A simulator profile with a base_url talks to a `qimg sim` elsewhere: its key is
    // configured like any other (default: the simulator's published key).
    Ok(if kind == ProviderKind::Sim && pf.base_url.is_none() {
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
    })
}

/// The profile's default model (it must exist and speak the profile's wire) and the wire.
fn model(
    pf: &ProfileFile,
    kind: ProviderKind,
    catalogue: &Catalogue,
) -> Result<(String, Wire), FieldError> {
    let Some(m) = &pf.model else {
        return Ok(match kind {
            ProviderKind::OpenAi => ("qwen-image-plus".to_owned(), Wire::OpenAi),
            ProviderKind::Apiframe | ProviderKind::Sim => {
                (models::APIFRAME_MODEL.to_owned(), Wire::Apiframe)
            }
        });
    };
    let spec = catalogue.find(m.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = catalogue
            .entries()
            .iter()
            .map(|e| e.spec.id.as_str())
            .collect();
        field_err(
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
        ProviderKind::Apiframe => spec.wire == Wire::Apiframe,
        ProviderKind::OpenAi => spec.wire == Wire::OpenAi,
        ProviderKind::Sim => true,
    };
    if !fits {
        return Err(field_err(
            m.span(),
            "model",
            format!(
                "model `{}` is not offered by {} profiles",
                spec.id,
                kind.as_str()
            ),
        ));
    }
    Ok((spec.id.clone(), spec.wire))
}
