//! Opening the store so that damage never costs data: a file that is not SQLite or is corrupt
//! is moved aside (never overwritten) and a new store is started; a newer schema is refused
//! untouched; a directory that cannot be written gives an in-memory store for this session;
//! a network filesystem gets `journal_mode=DELETE` because WAL is unsafe there.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Store, StoreError, schema};

/// A store and what the user should be told about how it was opened.
pub struct Opened {
    /// The store.
    pub store: Store,
    /// Messages for the user (sanitised paths, plain words).
    pub notices: Vec<String>,
    /// False when jobs are kept in memory only (they will not survive a restart).
    pub durable: bool,
}

/// Filesystems where SQLite's WAL is unsafe (the wal-index is shared memory).
const NETWORK_FS: &[(i64, &str)] = &[
    (0x6969, "nfs"),
    (0x517B, "smb"),
    (0xFF53_4D42, "cifs"),
    (0xFE53_4D42, "smb2"),
    (0x6573_5546, "fuse (sshfs?)"),
    (0x0BD0_0BD0, "lustre"),
    (0x4750_4653, "gpfs"),
    (0x5346_414F, "afs"),
    (0x00C3_6400, "ceph"),
    (0x0102_1997, "9p"),
];

/// The network filesystem `dir` is on, if any.
pub fn network_fs(dir: &Path) -> Option<&'static str> {
    let st = rustix::fs::statfs(dir).ok()?;
    network_fs_name(st.f_type as i64)
}

/// The name of a network filesystem type, if `f_type` is one.
pub fn network_fs_name(f_type: i64) -> Option<&'static str> {
    NETWORK_FS
        .iter()
        .find(|(t, _)| *t == f_type)
        .map(|(_, n)| *n)
}

fn header_is_sqlite(path: &Path) -> std::io::Result<Option<bool>> {
    let mut f = std::fs::File::open(path)?;
    let mut head = [0u8; 16];
    let n = f.read(&mut head)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(n == 16 && &head == b"SQLite format 3\0"))
}

/// Renames `path` (and its `-wal`/`-shm`) to `<name>.corrupt-<timestamp>`; returns the new path.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut target = path.with_extension(format!("db.corrupt-{stamp}"));
    let mut n = 1;
    while target.exists() {
        target = path.with_extension(format!("db.corrupt-{stamp}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &target)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let _ = std::fs::rename(
                &side,
                PathBuf::from(format!("{}{suffix}", target.display())),
            );
        }
    }
    Ok(target)
}

fn memory(notices: Vec<String>) -> Result<Opened, StoreError> {
    Ok(Opened {
        store: Store::open_in_memory()?,
        notices,
        durable: false,
    })
}

/// Opens the store at `path` as well as it can. Only a newer schema is an error (the file is
/// left as it is); everything else ends in a usable store and messages.
pub fn open_robust(path: &Path) -> Result<Opened, StoreError> {
    let mut notices = Vec::new();
    let dir = path.parent().unwrap_or(Path::new("."));
    if let Err(e) = std::fs::create_dir_all(dir) {
        notices.push(format!("cannot create the data directory {} ({e}); jobs are kept in memory only and will not survive a restart", dir.display()));
        return memory(notices);
    }
    if path.exists() {
        match header_is_sqlite(path) {
            Ok(None) => notices.push(format!(
                "the job store {} was an empty file; a new store was started in it",
                path.display()
            )),
            Ok(Some(true)) => {}
            Ok(Some(false)) => {
                let moved = move_aside(path).map_err(|source| StoreError::Dir {
                    path: path.to_path_buf(),
                    source,
                })?;
                notices.push(format!("{} is not a qimg job store (not SQLite); it was moved to {} and a new store was started", path.display(), moved.display()));
            }
            Err(e) => {
                notices.push(format!(
                    "cannot read the job store {} ({e}); jobs are kept in memory only",
                    path.display()
                ));
                return memory(notices);
            }
        }
    }
    let network = network_fs(dir);
    let attempt = |p: &Path| -> Result<Store, StoreError> {
        let conn = schema::open_connection(p, network.is_some())?;
        let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StoreError::BadRow {
                id: "-".into(),
                reason: format!("integrity check: {check}"),
            });
        }
        Ok(Store::from_connection(conn, p))
    };
    let store = match attempt(path) {
        Ok(s) => s,
        Err(e @ StoreError::TooNew { .. }) => return Err(e),
        Err(e) if is_corruption(&e) => {
            let moved = move_aside(path).map_err(|source| StoreError::Dir {
                path: path.to_path_buf(),
                source,
            })?;
            notices.push(format!("the job store {} was damaged ({e}); it was moved to {} and a new store was started", path.display(), moved.display()));
            attempt(path)?
        }
        Err(e) => {
            notices.push(format!("cannot open the job store {} ({e}); jobs are kept in memory only and will not survive a restart", path.display()));
            return memory(notices);
        }
    };
    if let Some(fs) = network {
        notices.push(format!("the data directory is on a network filesystem ({fs}); the store uses journal_mode=DELETE because WAL is unsafe there (set QIMG_DATA_DIR to a local disk to avoid this)"));
    }
    Ok(Opened {
        store,
        notices,
        durable: true,
    })
}

fn is_corruption(e: &StoreError) -> bool {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            matches!(
                f.code,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            )
        }
        StoreError::BadRow { .. } => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::models::AspectRatio;
    use crate::domain::{Job, JobRequest};

    #[test]
    fn processes_opening_a_new_store_at_once_migrate_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("qimg.db");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let opened: Vec<_> = (0..8)
            .map(|_| {
                let (p, b) = (p.clone(), std::sync::Arc::clone(&barrier));
                std::thread::spawn(move || {
                    b.wait();
                    Store::open(&p).map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for t in opened {
            assert_eq!(t.join().unwrap(), Ok(()));
        }
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("qimg.db");
        std::fs::write(&p, b"this is my shopping list, not a database").unwrap();
        let o = open_robust(&p).unwrap();
        assert!(o.durable);
        assert!(
            o.notices[0].contains("not SQLite") && o.notices[0].contains("corrupt-"),
            "{:?}",
            o.notices
        );
        let moved: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
            .collect();
        assert_eq!(
            std::fs::read(moved[0].path()).unwrap(),
            b"this is my shopping list, not a database"
        );
    }

    #[test]
    fn a_zero_length_file_becomes_a_store_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("qimg.db");
        std::fs::write(&p, b"").unwrap();
        let o = open_robust(&p).unwrap();
        assert!(o.durable && o.notices[0].contains("empty file"));
    }

    #[test]
    fn a_corrupt_store_is_moved_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("qimg.db");
        {
            let s = Store::open(&p).unwrap();
            for i in 0..200 {
                s.insert_job(&Job::new(
                    "sim",
                    JobRequest::apiframe(
                        &format!("prompt {i} {}", "x".repeat(200)),
                        AspectRatio::Square,
                        1,
                    ),
                ))
                .unwrap();
            }
        }
        // Damage pages in the middle, keeping the header.
        let mut bytes = std::fs::read(&p).unwrap();
        let len = bytes.len();
        for b in &mut bytes[len / 3..len * 2 / 3] {
            *b = 0xA5;
        }
        std::fs::write(&p, &bytes).unwrap();
        let _ = std::fs::remove_file(dir.path().join("qimg.db-wal"));
        let o = open_robust(&p).unwrap();
        assert!(
            o.notices
                .iter()
                .any(|n| n.contains("damaged") && n.contains("moved to")),
            "{:?}",
            o.notices
        );
        let kept = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().contains("corrupt"))
            .unwrap();
        assert!(
            std::fs::read(kept.path()).unwrap() == bytes,
            "the damaged file is kept byte for byte"
        );
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("qimg.db");
        {
            let c = rusqlite::Connection::open(&p).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        let before = std::fs::read(&p).unwrap();
        let e = open_robust(&p).err().unwrap();
        assert!(e.to_string().contains("schema version 99"), "{e}");
        assert!(
            std::fs::read(&p).unwrap() == before,
            "the newer store was modified"
        );
    }

    #[test]
    fn network_filesystems_are_recognised() {
        assert_eq!(network_fs_name(0x6969), Some("nfs"));
        assert_eq!(network_fs_name(0xEF53), None); // ext4
    }

    #[test]
    fn wal_and_full_sync_on_local_disks() {
        let dir = tempfile::tempdir().unwrap();
        let o = open_robust(&dir.path().join("qimg.db")).unwrap();
        assert_eq!(o.store.journal_mode().unwrap(), "wal");
        let sync: i64 = o
            .store
            .lock()
            .unwrap()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
    }

    #[test]
    fn delete_journal_when_asked_for_a_network_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        let c = schema::open_connection(&dir.path().join("n.db"), true).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
    }
}
