//! A resolved profile: provider kind, API origin (plain http only for loopback), model, output
//! folder and where its key comes from. The key itself is read only when the profile is used.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use crate::domain::models::{ParamsKey, Wire};
use reqwest::Url;
use secrecy::SecretString;

/// Which kind of service a profile talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Apiframe v2: submit, poll, download.
    Apiframe,
    /// An OpenAI-compatible gateway: one synchronous request per image.
    OpenAi,
    /// qimg's built-in simulator, speaking both wires on 127.0.0.1.
    Sim,
}

impl ProviderKind {
    /// The name used in `config.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apiframe => "apiframe",
            Self::OpenAi => "openai",
            Self::Sim => "sim",
        }
    }
}

/// Where a profile's key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// An environment variable.
    Env(String),
    /// A command whose stdout is the key, run with a timeout.
    Cmd(String),
    /// A literal key from a config file readable by its owner only.
    Literal(SecretString),
    /// A literal key that was refused; the text says why and how to fix it.
    Refused(String),
    /// The in-process simulator, which hands out its own key.
    Simulator,
    /// No key configured.
    None,
}

/// Why a key could not be obtained. Messages never contain the key.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The named environment variable is unset or empty.
    #[error("no key: environment variable {0} is not set")]
    EnvMissing(String),
    /// The key command failed, timed out, or printed nothing.
    #[error("no key: `api_key_cmd` failed: {0}")]
    CmdFailed(String),
    /// A literal key in a file that others can read.
    #[error("key refused: {0}")]
    Refused(String),
    /// Nothing configured.
    #[error("no key configured")]
    NotConfigured,
}

/// A profile after validation.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The `[profiles.<name>]` name.
    pub name: String,
    /// The provider kind.
    pub kind: ProviderKind,
    /// API origin; `None` for the in-process simulator.
    pub base_url: Option<Url>,
    /// Where the key comes from.
    pub key_source: KeySource,
    /// Default model for the compose form.
    pub model: String,
    /// Where images are saved; `None` means `<data_dir>/images`.
    pub output_dir: Option<PathBuf>,
    /// Apiframe params block key to try first.
    pub params_key: ParamsKey,
    /// At most this many jobs run at once.
    pub max_concurrent: u32,
    /// Seconds a simulated job takes (simulator profiles).
    pub sim_job_seconds: f64,
    /// Overrides the per-model timeout of synchronous gateway requests.
    pub request_timeout: Option<Duration>,
    /// The wire it speaks: Apiframe and gateway profiles their own; a simulator profile the
    /// wire of its model.
    pub wire: Wire,
    /// Whether the provider may watermark images (sent explicitly where the wire carries it).
    pub watermark: bool,
    /// How long an idempotent submit with no clear answer is sent again before the job is
    /// ambiguous.
    pub retry_budget: Duration,
    /// `price_per_image` (over the catalogue's price) and the caps on what it spends.
    pub price: Option<crate::domain::catalogue::Price>,
    /// See `price`: `budget.daily`, `budget.monthly`, `budget.confirm_above`, in its unit.
    pub budget: crate::domain::budget::Budget,
}

/// How long an Apiframe submit is retried by default.
pub const RETRY_BUDGET: Duration = Duration::from_secs(15 * 60);

impl Profile {
    /// The simulator profile that exists even without a config file: Apiframe's wire.
    pub fn builtin_sim() -> Self {
        Self::builtin_sim_named("sim", crate::domain::models::APIFRAME_MODEL)
    }

    /// The second built-in simulator profile: the gateway's wire and models.
    pub fn builtin_sim_gateway() -> Self {
        Self::builtin_sim_named("sim-gateway", "qwen-image-plus")
    }

    fn builtin_sim_named(name: &str, model: &str) -> Self {
        let wire = crate::domain::catalogue::Catalogue::builtin()
            .find(model)
            .map_or(Wire::Apiframe, |m| m.wire);
        Self {
            name: name.into(),
            kind: ProviderKind::Sim,
            base_url: None,
            key_source: KeySource::Simulator,
            model: model.into(),
            output_dir: None,
            params_key: ParamsKey::default(),
            max_concurrent: 4,
            sim_job_seconds: 4.0,
            request_timeout: None,
            wire,
            watermark: false,
            retry_budget: RETRY_BUDGET,
            price: None,
            budget: crate::domain::budget::Budget::default(),
        }
    }

    /// The wire this profile speaks.
    pub fn wire(&self) -> Wire {
        self.wire
    }

    /// True when this profile talks to qimg's own simulator.
    pub fn is_simulator(&self) -> bool {
        self.kind == ProviderKind::Sim
    }

    /// True when a key is probably there, without running `api_key_cmd` (which may prompt).
    pub fn key_probably_available(&self) -> bool {
        match &self.key_source {
            KeySource::Env(name) => std::env::var_os(name).is_some_and(|v| !v.is_empty()),
            KeySource::Cmd(_) | KeySource::Literal(_) | KeySource::Simulator => true,
            KeySource::Refused(_) | KeySource::None => false,
        }
    }

    /// A one-line hint on how to give this profile a key.
    pub fn key_hint(&self, config_file: &std::path::Path) -> String {
        match &self.key_source {
            KeySource::Env(name) => format!("export {name}=<your key>"),
            KeySource::Refused(why) => why.clone(),
            _ => format!(
                "add api_key_env = \"VAR\" or api_key_cmd = \"...\" to [profiles.{}] in {}",
                self.name,
                config_file.display()
            ),
        }
    }

    /// Reads the key. Runs `api_key_cmd` with a 10 s timeout. Not for the simulator, whose
    /// key comes from the running simulator.
    pub fn resolve_key(&self) -> Result<SecretString, KeyError> {
        match &self.key_source {
            KeySource::Env(name) => std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(SecretString::from)
                .ok_or_else(|| KeyError::EnvMissing(name.clone())),
            KeySource::Cmd(cmd) => run_key_command(cmd, Duration::from_secs(10)),
            KeySource::Literal(key) => Ok(key.clone()),
            KeySource::Refused(why) => Err(KeyError::Refused(why.clone())),
            KeySource::Simulator | KeySource::None => Err(KeyError::NotConfigured),
        }
    }
}

/// Runs the key command through `sh -c`, with stdin closed, and returns its trimmed stdout.
fn run_key_command(cmd: &str, timeout: Duration) -> Result<SecretString, KeyError> {
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| KeyError::CmdFailed(format!("cannot start: {e}")))?;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if std::time::Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(KeyError::CmdFailed(format!(
                    "no answer within {} s",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(KeyError::CmdFailed(e.to_string())),
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| KeyError::CmdFailed(e.to_string()))?;
    if !out.status.success() {
        return Err(KeyError::CmdFailed(format!("exited with {}", out.status)));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| KeyError::CmdFailed("output is not UTF-8".into()))?;
    let key = text.trim();
    if key.is_empty() {
        return Err(KeyError::CmdFailed("printed nothing".into()));
    }
    Ok(SecretString::from(key.to_owned()))
}

/// Why an API origin is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadBaseUrl {
    /// It does not parse.
    #[error("not a URL ({0})")]
    NotAUrl(String),
    /// Plain http to another machine.
    #[error(
        "plain http is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https"
    )]
    PlainHttp,
    /// Another scheme.
    #[error("unsupported scheme `{0}`; use https")]
    Scheme(String),
    /// No host.
    #[error("the URL has no host")]
    NoHost,
    /// User and password in the URL.
    #[error("credentials in the URL are not allowed; use api_key_env or api_key_cmd")]
    Credentials,
    /// A query string.
    #[error("the base URL must not have a query string")]
    Query,
}

/// Checks an API origin: `https`, or plain `http` only for loopback hosts.
pub fn validate_base_url(raw: &str) -> Result<Url, BadBaseUrl> {
    let url = Url::parse(raw.trim()).map_err(|e| BadBaseUrl::NotAUrl(e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if crate::util::is_loopback(&url) => {}
        "http" => return Err(BadBaseUrl::PlainHttp),
        other => return Err(BadBaseUrl::Scheme(other.to_owned())),
    }
    if url.host_str().is_none() {
        return Err(BadBaseUrl::NoHost);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BadBaseUrl::Credentials);
    }
    if url.query().is_some() {
        return Err(BadBaseUrl::Query);
    }
    Ok(url)
}

/// Returns why a literal key in `path` must be refused, or `None` when the file is private:
/// owned by the current user and not readable or writable by group or others (OpenSSH's rule).
pub fn literal_key_refusal(path: &std::path::Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return Some(format!(
                "cannot check permissions of {}: {e}",
                path.display()
            ));
        }
    };
    if meta.file_type().is_symlink() {
        return Some(format!(
            "{} is a symlink; a literal api_key is accepted only in a regular file with mode 0600",
            path.display()
        ));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Some(format!(
            "{} has permissions {mode:04o}, which are too open for a literal api_key; run `chmod 600 {}` or use api_key_env / api_key_cmd",
            path.display(),
            path.display()
        ));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Some(format!(
            "{} is owned by another user (uid {}); a literal api_key is accepted only in your own file",
            path.display(),
            meta.uid()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(validate_base_url("https://api.apiframe.ai").is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url("http://[::1]:9/").is_ok());
        assert!(validate_base_url("http://localhost:3000").is_ok());
        assert!(validate_base_url("http://api.example.com").is_err());
        assert!(validate_base_url("http://127.0.0.1.example.com").is_err());
        assert!(validate_base_url("ftp://x").is_err());
        assert!(validate_base_url("https://user:pw@x.example").is_err());
        assert!(validate_base_url("nonsense").is_err());
    }

    #[test]
    fn key_command_output_is_trimmed() {
        let key = run_key_command("printf ' k-123\\n'", Duration::from_secs(5)).unwrap();
        assert_eq!(key.expose_secret(), "k-123");
    }

    #[test]
    fn key_command_failures_are_clear() {
        assert!(matches!(
            run_key_command("exit 3", Duration::from_secs(5)),
            Err(KeyError::CmdFailed(m)) if m.contains("exited")
        ));
        assert!(matches!(
            run_key_command("true", Duration::from_secs(5)),
            Err(KeyError::CmdFailed(m)) if m.contains("nothing")
        ));
        assert!(matches!(
            run_key_command("sleep 5", Duration::from_millis(200)),
            Err(KeyError::CmdFailed(m)) if m.contains("no answer")
        ));
    }

    #[test]
    fn open_permissions_refuse_a_literal_key() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let why = literal_key_refusal(&f).unwrap();
        assert!(why.contains("0644") && why.contains("chmod 600"), "{why}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(literal_key_refusal(&f), None);
    }

    #[test]
    fn every_open_mode_a_symlink_and_another_owner_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "x").unwrap();
        for mode in [0o664, 0o666, 0o640, 0o604, 0o620, 0o602, 0o777] {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
            let why = literal_key_refusal(&f).unwrap_or_default();
            assert!(why.contains(&format!("{mode:04o}")), "{mode:o}: {why}");
        }
        for mode in [0o600, 0o400] {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(literal_key_refusal(&f), None, "{mode:o}");
        }
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(literal_key_refusal(&link).unwrap().contains("symlink"));
        // Another owner: only root can hand a file over, so the case runs where tests run as
        // root (CI) and is skipped elsewhere.
        if std::os::unix::fs::chown(&f, Some(65534), None).is_ok() {
            assert!(literal_key_refusal(&f).unwrap().contains("another user"));
        }
        assert!(
            literal_key_refusal(&dir.path().join("missing.toml"))
                .unwrap()
                .contains("cannot check")
        );
    }
}
