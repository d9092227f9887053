//! Small helpers without project vocabulary: `~` expansion, resolving a path the user typed,
//! and the loopback test for URLs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

/// Expands a leading `~/` to the home directory; other paths are returned unchanged.
pub fn expand_home(path: &str) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
    {
        return home.join(rest);
    }
    PathBuf::from(path)
}

/// True for 127.0.0.0/8, ::1 and `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `8s`, `3m04s`, `1h02m`.
pub fn format_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// Resolves `~`, relative parts, `..` and symlinks into one absolute path, so the user sees
/// exactly which file leaves the machine, and a job resumed from another folder uploads the same
/// file. A path that does not exist (yet) is still made absolute against the current folder.
pub fn resolve_path(path: &Path) -> PathBuf {
    let expanded = path
        .to_str()
        .map_or_else(|| path.to_path_buf(), expand_home);
    std::fs::canonicalize(&expanded)
        .or_else(|_| std::path::absolute(&expanded))
        .unwrap_or(expanded)
}

/// The local offset from UTC in seconds (0 when the system does not say).
pub fn local_offset() -> i64 {
    time::UtcOffset::current_local_offset().map_or(0, |o| i64::from(o.whole_seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(image::RgbImage::new(w, h))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn home_relative_and_dot_dot_paths_become_one_absolute_path() {
        let home = directories::BaseDirs::new()
            .unwrap()
            .home_dir()
            .to_path_buf();
        let in_home = resolve_path(Path::new("~/qimg-surely-missing/ref.png"));
        assert_eq!(in_home, home.join("qimg-surely-missing/ref.png"));

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("ref.png"), png(4, 4)).unwrap();
        let dotted = dir.path().join("sub/../ref.png");
        let resolved = resolve_path(&dotted);
        assert_eq!(
            resolved,
            std::fs::canonicalize(dir.path()).unwrap().join("ref.png")
        );
        assert!(!resolved.to_string_lossy().contains(".."));

        let relative = resolve_path(Path::new("not/here.png"));
        assert!(relative.is_absolute(), "{relative:?}");
        assert!(relative.ends_with("not/here.png"));
        assert_eq!(
            relative,
            std::env::current_dir().unwrap().join("not/here.png")
        );
    }
}
