//! `qimg config check`: validates the config file, the theme and every profile, and tells
//! which keys are available — without ever printing a key.

use super::{Cli, ExitCode};
use crate::config::theme::Theme;
use crate::config::{KeySource, ProviderKind};

/// Runs `config check`.
pub fn check(cli: &Cli) -> ExitCode {
    let (paths, config) = match crate::services::load_config() {
        Ok(v) => v,
        Err(e) => return super::boot_failed(&e),
    };
    let exists = config.file.is_file();
    println!(
        "config: {}{}",
        config.file.display(),
        if exists {
            ""
        } else {
            " (not there: defaults are used)"
        }
    );
    println!("data:   {}", paths.data_dir.display());
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = cli.theme.clone().unwrap_or_else(|| config.theme.clone());
    let mut ok = true;
    match Theme::load(&theme, &paths.themes_dir(), no_color) {
        Ok(t) => println!("theme:  {} ok", t.name),
        Err(e) => {
            ok = false;
            println!("theme:  {e}");
        }
    }
    ok &= side_files_ok(&paths);
    let active = config
        .pick_profile(cli.profile.as_deref(), None)
        .ok()
        .map(|p| p.name.clone());
    for p in config.profiles.values() {
        let mark = if active.as_deref() == Some(p.name.as_str()) {
            "*"
        } else {
            " "
        };
        let base = p
            .base_url
            .as_ref()
            .map_or_else(|| "built-in simulator".to_owned(), |u| u.to_string());
        let key = match (&p.key_source, p.kind) {
            (KeySource::Simulator, _) => "no key needed".to_owned(),
            (source, _) => match p.resolve_key() {
                Ok(k)
                    if p.kind == ProviderKind::Sim
                        && secrecy::ExposeSecret::expose_secret(&k)
                            == crate::domain::SIM_DEFAULT_KEY =>
                {
                    "key available (the simulator's default key)".to_owned()
                }
                Ok(_) => format!("key available ({})", describe(source)),
                Err(e) => {
                    if p.kind != ProviderKind::Sim {
                        ok = false;
                    }
                    format!("{e} — {}", p.key_hint(&config.file))
                }
            },
        };
        println!(
            "{mark} {:<14} {:<8} {:<20} {base}\n    {key}",
            p.name,
            p.kind.as_str(),
            p.model
        );
        if let Some(money) = money_line(p, &config.catalogue) {
            println!("    {money}");
        }
    }
    if ok {
        println!("ok");
        ExitCode::Success
    } else {
        println!("some settings cannot be used yet (see above)");
        ExitCode::Usage
    }
}

/// Checks the presets file and the wildcard files next to the config, printing a line each.
fn side_files_ok(paths: &crate::config::Paths) -> bool {
    let mut ok = true;
    match crate::config::presets::load(&paths.presets_file()) {
        Ok(p) => println!(
            "presets: {} in {}",
            p.entries.len(),
            paths.presets_file().display()
        ),
        Err(e) => {
            ok = false;
            println!("presets: {e}");
        }
    }
    match crate::config::wildcards::load(&paths.wildcards_dir()) {
        Ok(w) => println!(
            "wildcards: {} in {}",
            w.0.len(),
            paths.wildcards_dir().display()
        ),
        Err(e) => {
            ok = false;
            println!("wildcards: {e}");
        }
    }
    ok
}

fn describe(source: &KeySource) -> String {
    match source {
        KeySource::Env(v) => format!("from ${v}"),
        KeySource::Cmd(_) => "from api_key_cmd".into(),
        KeySource::Literal(_) => "literal in config.toml".into(),
        KeySource::Refused(_) => "refused".into(),
        KeySource::Simulator | KeySource::None => "none".into(),
    }
}

/// "3 credits an image · daily 60 · monthly 900 · asks above 12 credits", when any is set.
fn money_line(
    p: &crate::config::Profile,
    catalogue: &crate::domain::catalogue::Catalogue,
) -> Option<String> {
    use crate::domain::ledger::number;
    let unit = p.unit();
    let mut parts = Vec::new();
    if let Some(price) = &p.price {
        parts.push(format!("{} {unit} an image", number(price.per_image)));
    }
    let b = &p.budget;
    for (what, v) in [("daily budget", b.daily), ("monthly budget", b.monthly)] {
        if let Some(v) = v {
            parts.push(format!("{what} {} {unit}", number(v)));
        }
    }
    if let Some(v) = b.confirm_above {
        parts.push(format!("asks above {} {unit}", number(v)));
    }
    if b.has_cap() && p.reservation(catalogue, &p.model).is_none() {
        parts.push(format!(
            "⚠ the price of `{}` in {unit} is unknown, so every submit of it is refused: set price_per_image",
            p.model
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}
