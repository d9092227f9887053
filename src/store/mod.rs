//! The job store: SQLite in the data directory. WAL (or DELETE on network
//! filesystems), `synchronous=FULL`, a busy timeout, and migrations by `user_version`. Every
//! state change is committed before the matching event is sent.

mod budget;
mod filter;
pub mod history;
pub mod images;
mod jobs;
pub mod lease;
pub mod open;
pub mod params;
mod schema;
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

pub use jobs::{JobFilter, JobPatch};
pub use lease::LEASE_TTL;
pub use watch::Watcher;

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("job store error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The data directory could not be created or written.
    #[error("cannot use the data directory {path}: {source}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The store was written by a newer qimg.
    #[error(
        "the job store {path} has schema version {found}, but this qimg knows versions up to {known}; upgrade qimg (your data is untouched)"
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// The file is not a usable SQLite database; it was moved aside.
    #[error(
        "the job store {path} was damaged ({reason}); it was moved to {moved_to} and a new store was started"
    )]
    MovedAside {
        /// The original file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
        /// Where it is now.
        moved_to: PathBuf,
    },
    /// A submit the profile's budget does not allow; nothing of it was stored.
    #[error("{0}")]
    OverBudget(#[from] crate::domain::budget::Refusal),
    /// A stored row could not be read back.
    #[error("stored job {id} is unreadable: {reason}")]
    BadRow {
        /// The job id column.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// The lock around the connection was poisoned by a panic elsewhere.
    #[error("the job store is unavailable after an internal error")]
    Poisoned,
    /// The blocking task that ran a store call did not finish (it panicked or was cancelled).
    #[error("a job store call did not finish")]
    TaskFailed,
}

/// A handle to the store; cheap to clone. Calls block briefly (one SQLite transaction), so
/// async code runs them through [`Store::run`].
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates) the store at `path`, running migrations.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let network = path.parent().and_then(open::network_fs).is_some();
        let conn = schema::open_connection(path, network)?;
        Ok(Self::from_connection(conn, path))
    }

    fn from_connection(conn: Connection, path: &Path) -> Self {
        Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        }
    }

    /// An in-memory store (tests and benchmarks).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        schema::migrate(&conn, Path::new(":memory:"))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: PathBuf::from(":memory:"),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Runs `f` on a blocking thread, so async tasks never stall on a disk sync.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|_| StoreError::TaskFailed)?
    }

    /// Runs many writes with `synchronous=OFF` (imports and benchmarks only: not crash-safe).
    pub fn bulk<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.lock()?.pragma_update(None, "synchronous", "OFF")?;
        let r = f(self);
        self.lock()?.pragma_update(None, "synchronous", "FULL")?;
        r
    }

    /// The journal mode in use (`wal`, or `delete` on network filesystems).
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        Ok(self
            .lock()?
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }

    /// The reference-image upload recorded for a job: URL and expiry (ms since the epoch).
    pub fn upload_for(&self, job: &str) -> Result<Option<(String, Option<i64>)>, StoreError> {
        let conn = self.lock()?;
        let mut st =
            conn.prepare_cached("SELECT url, expires_at FROM uploads WHERE job_id = ?1")?;
        let mut rows = st.query([job])?;
        Ok(match rows.next()? {
            Some(r) => Some((r.get(0)?, r.get(1)?)),
            None => None,
        })
    }

    /// Records a job's reference-image upload.
    pub fn set_upload(
        &self,
        job: &str,
        url: &str,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.lock()?.execute(
            "INSERT INTO uploads(job_id, url, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(job_id) DO UPDATE SET url = excluded.url, expires_at = excluded.expires_at",
            rusqlite::params![job, url, expires_at],
        )?;
        Ok(())
    }

    /// Reads one profile setting (such as the params key that worked).
    pub fn setting(&self, profile: &str, key: &str) -> Result<Option<String>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn
            .prepare_cached("SELECT value FROM profile_settings WHERE profile = ?1 AND key = ?2")?;
        let mut rows = st.query(rusqlite::params![profile, key])?;
        Ok(match rows.next()? {
            Some(r) => Some(r.get(0)?),
            None => None,
        })
    }

    /// Writes one profile setting.
    pub fn set_setting(&self, profile: &str, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock()?.execute(
            "INSERT INTO profile_settings(profile, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT(profile, key) DO UPDATE SET value = excluded.value",
            rusqlite::params![profile, key, value],
        )?;
        Ok(())
    }
}

/// How long a writer waits for another process's transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
