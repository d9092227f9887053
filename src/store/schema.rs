//! Opening the SQLite file with the right pragmas, and migrations by `user_version`.

use std::path::Path;

use rusqlite::Connection;

use super::{BUSY_TIMEOUT, StoreError};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 6;

const MIGRATIONS: &[&str] = &[
    // 1: jobs and per-profile settings.
    "CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        request TEXT NOT NULL,
        prompt TEXT NOT NULL,
        model TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        remote_id TEXT,
        state TEXT NOT NULL,
        progress INTEGER,
        message TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        submitted_at INTEGER,
        finished_at INTEGER,
        result_urls TEXT NOT NULL DEFAULT '[]',
        saved_paths TEXT NOT NULL DEFAULT '[]',
        credit_cost INTEGER,
        server_duration_ms INTEGER,
        resubmit_of TEXT,
        version INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_expires INTEGER
    );
    CREATE INDEX jobs_created ON jobs(created_at DESC, id DESC);
    CREATE INDEX jobs_state ON jobs(state);
    CREATE INDEX jobs_version ON jobs(version);
    CREATE TABLE profile_settings (
        profile TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (profile, key)
    );",
    // 2: reference images uploaded for a job, so a retried or resumed submit sends the same
    // body (same idempotency key, same upload URL) until the upload expires.
    "CREATE TABLE uploads (
        job_id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        expires_at INTEGER
    );",
    // 3: the prompt the provider drew when it rewrote the one sent.
    "ALTER TABLE jobs ADD COLUMN revised_prompt TEXT;",
    // 4: every prompt and negative prompt sent, deduplicated, kept when their jobs go.
    "CREATE TABLE prompt_history (
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        last_used INTEGER NOT NULL,
        uses INTEGER NOT NULL,
        PRIMARY KEY (kind, text)
    );
    CREATE INDEX prompt_history_recent ON prompt_history(kind, last_used DESC);
    INSERT INTO prompt_history (kind, text, last_used, uses)
        SELECT 'prompt', prompt, MAX(created_at), COUNT(*) FROM jobs GROUP BY prompt;",
    // 5: batches (the jobs of one submit), lineage (the job a job came from) and grid cells.
    "ALTER TABLE jobs ADD COLUMN batch TEXT;
    ALTER TABLE jobs ADD COLUMN parent TEXT;
    ALTER TABLE jobs ADD COLUMN grid TEXT;
    CREATE INDEX jobs_batch ON jobs(batch, created_at);
    CREATE INDEX jobs_parent ON jobs(parent);",
    // 6: each job's price when it was made (its reservation against the profile's budget until
    // its real cost is known, and the ledger's estimate ever after, whatever the config says).
    // The index covers the budget's sum, so a cap's check reads no table rows.
    "ALTER TABLE jobs ADD COLUMN reserved REAL;
    ALTER TABLE jobs ADD COLUMN reserved_unit TEXT;
    CREATE INDEX jobs_profile_created
        ON jobs(profile, created_at, state, credit_cost, reserved, reserved_unit);",
];

/// Opens the file, sets the pragmas and migrates. `network_fs` selects `journal_mode=DELETE`
/// (WAL needs shared memory, which network filesystems do not offer safely).
pub fn open_connection(path: &Path, network_fs: bool) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // A store from a newer qimg is refused before anything (even the journal mode) is written.
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    conn.pragma_update(
        None,
        "journal_mode",
        if network_fs { "DELETE" } else { "WAL" },
    )?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&conn, path)?;
    Ok(conn)
}

/// Brings the schema to `SCHEMA_VERSION`; refuses a newer one. Runs under SQLite's write lock,
/// re-reading the version inside it: two qimg opening a new store at the same moment do not
/// both migrate (the second sees the first's work).
pub fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    if version(conn)? == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(SCHEMA_VERSION),
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}
