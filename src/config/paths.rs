//! Where qimg keeps its files: config, data (store, images, logs) and cache, from
//! `directories::ProjectDirs` with `QIMG_CONFIG_DIR`, `QIMG_DATA_DIR`, `QIMG_CACHE_DIR` overrides.

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

/// The three directories qimg uses, already resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Holds `config.toml` and `themes/`.
    pub config_dir: PathBuf,
    /// Holds the job store `qimg.db`, `images/` and `logs/`.
    pub data_dir: PathBuf,
    /// Holds throwaway data such as decoded preview thumbnails.
    pub cache_dir: PathBuf,
}

/// Why the directories could not be found.
#[derive(Debug, thiserror::Error)]
#[error("cannot find a home directory; set QIMG_CONFIG_DIR, QIMG_DATA_DIR and QIMG_CACHE_DIR")]
pub struct NoHomeDir;

impl Paths {
    /// Resolves the directories from the process environment.
    pub fn from_env() -> Result<Self, NoHomeDir> {
        Self::resolve(|name| std::env::var_os(name))
    }

    /// Resolves the directories with an injected environment lookup (tests use this).
    pub fn resolve(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<Self, NoHomeDir> {
        let over = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let (config, data, cache) = (
            over("QIMG_CONFIG_DIR"),
            over("QIMG_DATA_DIR"),
            over("QIMG_CACHE_DIR"),
        );
        if let (Some(config_dir), Some(data_dir), Some(cache_dir)) =
            (config.clone(), data.clone(), cache.clone())
        {
            return Ok(Self {
                config_dir,
                data_dir,
                cache_dir,
            });
        }
        let dirs = ProjectDirs::from("", "", "qimg").ok_or(NoHomeDir)?;
        Ok(Self {
            config_dir: config.unwrap_or_else(|| dirs.config_dir().to_path_buf()),
            data_dir: data.unwrap_or_else(|| dirs.data_dir().to_path_buf()),
            cache_dir: cache.unwrap_or_else(|| dirs.cache_dir().to_path_buf()),
        })
    }

    /// Builds paths rooted in one directory (tests and benchmarks).
    pub fn under(root: &Path) -> Self {
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            cache_dir: root.join("cache"),
        }
    }

    /// `<config_dir>/config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// `<config_dir>/presets.toml`: named form settings.
    pub fn presets_file(&self) -> PathBuf {
        self.config_dir.join("presets.toml")
    }

    /// `<config_dir>/wildcards/`: prompt template wildcards.
    pub fn wildcards_dir(&self) -> PathBuf {
        self.config_dir.join("wildcards")
    }

    /// `<config_dir>/themes/`.
    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }

    /// `<data_dir>/qimg.db`.
    pub fn store_file(&self) -> PathBuf {
        self.data_dir.join("qimg.db")
    }

    /// `<data_dir>/sheets/`: contact sheets exported from the TUI.
    pub fn sheets_dir(&self) -> PathBuf {
        self.data_dir.join("sheets")
    }

    /// `<data_dir>/images/`, the default output folder.
    pub fn images_dir(&self) -> PathBuf {
        self.data_dir.join("images")
    }

    /// `<data_dir>/logs/`.
    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn overrides_win() {
        let p = Paths::resolve(|k| match k {
            "QIMG_CONFIG_DIR" => Some(OsString::from("/c")),
            "QIMG_DATA_DIR" => Some(OsString::from("/d")),
            "QIMG_CACHE_DIR" => Some(OsString::from("/x")),
            _ => None,
        })
        .unwrap();
        assert_eq!(p.config_file(), PathBuf::from("/c/config.toml"));
        assert_eq!(p.store_file(), PathBuf::from("/d/qimg.db"));
        assert_eq!(p.cache_dir, PathBuf::from("/x"));
    }

    #[test]
    fn empty_override_is_ignored() {
        let p = Paths::resolve(|k| (k == "QIMG_DATA_DIR").then(OsString::new)).unwrap();
        assert!(p.data_dir.ends_with("qimg"));
    }
}
