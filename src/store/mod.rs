//! Durable state: one SQLite database per user and host, shared by every opsdeck
//! process there (WAL mode, busy timeout), versioned and migrated forward at start.
//!
//! The UI never touches it directly: writes go through the store thread (`writer`),
//! which replies once a write is committed.

pub mod acks;
pub mod audit;
pub mod health;
pub mod leader;
pub mod local_alerts;
pub mod recovery;
pub mod report;
pub mod scaling;
mod schema;
pub mod tasks;
pub mod writer;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use audit::{AuditRecord, NewAudit, Phase};

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // The cause is part of the message, not a `source`, so it is printed once.
    #[error(
        "cannot create the state directory {dir}: {cause}\n  fix: make it writable, set XDG_STATE_HOME to a writable directory, or run with --no-store"
    )]
    StateDir { dir: PathBuf, cause: std::io::Error },
    #[error(
        "{path} was written by a newer opsdeck (schema version {found}, this one knows {supported}); it was not modified\n  fix: run the newer opsdeck, or run this one with --no-store"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "cannot use the state database {path}: {cause}\n  fix: move the file aside (opsdeck creates a new one), or run with --no-store"
    )]
    Database {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    /// Another process kept the write lock past the busy timeout: the file
    /// is fine, moving it aside would lose the history.
    #[error(
        "the state database {path} is busy: another process held its write lock for over 5s ({cause})\n  fix: see which process holds it with `fuser {path}`; a long write ends by itself"
    )]
    Busy {
        path: PathBuf,
        cause: rusqlite::Error,
    },
}

impl StoreError {
    /// A database error, told apart: busy (a lock held elsewhere) or broken.
    pub fn database(path: &Path, cause: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
        let busy = matches!(
            cause.sqlite_error_code(),
            Some(DatabaseBusy | DatabaseLocked)
        );
        let path = path.to_path_buf();
        if busy {
            StoreError::Busy { path, cause }
        } else {
            StoreError::Database { path, cause }
        }
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Creates the directory the database at `path` lives in, if need be.
pub fn ensure_state_dir(path: &Path) -> Result<(), StoreError> {
    let Some(dir) = path.parent() else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|cause| StoreError::StateDir {
        dir: dir.to_path_buf(),
        cause,
    })
}

/// Refuses a database written by a newer opsdeck, before anything writes to it.
fn refuse_newer(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|cause| StoreError::database(path, cause))?;
    if version > schema::CURRENT {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: schema::CURRENT,
        });
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it forward.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        ensure_state_dir(path)?;
        let db = |cause| StoreError::database(path, cause);
        let mut conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
        // A transaction that reads then writes takes the write lock first:
        // a deferred one fails at once (no busy wait) when another process
        // wrote in between, as the change counters' read-then-write do.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        // Read the version before anything that writes, so a newer file is left as it is.
        refuse_newer(&conn, path)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        // NORMAL is durable in WAL mode against process crashes (kill -9); only an
        // OS crash or power loss can lose the last transactions.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(db)?;
        // The database is small and read by index: SQLite's default 2 MiB page
        // cache would only grow the resident set of a process left running.
        conn.pragma_update(None, "cache_size", -256).map_err(db)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Moves every committed transaction from the WAL into the database file
    /// and empties the WAL (as far as other processes' readers allow), so a copy
    /// of the .db file alone is a full backup.
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        // Returns (busy, WAL frames, frames checkpointed); busy only means
        // another process still reads: what it could move, it moved.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|cause| StoreError::database(&self.path, cause))
    }

    /// Opens an existing database without changing it (for `opsdeck audit`).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let db = |cause| StoreError::database(path, cause);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
        refuse_newer(&conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The schema an older opsdeck left (read-only opens do not migrate).
    pub fn older_schema(&self) -> Result<Option<(i64, i64)>, StoreError> {
        let version = self.schema_version()?;
        Ok((version < schema::CURRENT).then_some((version, schema::CURRENT)))
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.error(e))
    }

    /// `error` for use while a transaction borrows the connection.
    fn error_for(&self) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
        let path = self.path.clone();
        move |cause| StoreError::database(&path, cause)
    }

    fn error(&self, cause: rusqlite::Error) -> StoreError {
        StoreError::database(&self.path, cause)
    }

    /// Applies the migrations this file has not seen, all in one transaction
    /// (a new file is created in one commit, not one per version). BEGIN
    /// IMMEDIATE makes concurrent starts take turns: the second reads the
    /// version the first left.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let error = self.error_for();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&error)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&error)?;
        if version > schema::CURRENT {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: schema::CURRENT,
            });
        }
        if version == schema::CURRENT {
            return Ok(());
        }
        for step in &schema::MIGRATIONS[version as usize..] {
            tx.execute_batch(step).map_err(&error)?;
        }
        tx.pragma_update(None, "user_version", schema::CURRENT)
            .and_then(|()| tx.commit())
            .map_err(&error)?;
        tracing::info!(
            "state database {} migrated from schema version {version} to {}",
            self.path.display(),
            schema::CURRENT
        );
        Ok(())
    }

    /// Deletes history older than `before_ms` (Unix ms) from every pruned table.
    pub fn prune(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        let mut removed = 0;
        for (table, column) in schema::PRUNED {
            removed += tx
                .execute(
                    &format!("DELETE FROM {table} WHERE {column} < ?1"),
                    [before_ms],
                )
                .map_err(&error)?;
        }
        tx.commit().map_err(&error)?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("opsdeck-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("opsdeck.db")
    }

    #[test]
    fn a_new_file_is_created_in_wal_mode_at_the_current_version() {
        let path = temp_db("new");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::CURRENT);
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        drop(store);
        // Opening again is a no-op migration.
        assert_eq!(
            Store::open(&path).unwrap().schema_version().unwrap(),
            schema::CURRENT
        );
    }

    #[test]
    fn an_empty_existing_file_is_migrated() {
        let path = temp_db("empty");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"").unwrap();
        assert_eq!(
            Store::open(&path).unwrap().schema_version().unwrap(),
            schema::CURRENT
        );
    }

    #[test]
    fn every_earlier_version_migrates_to_the_current_one() {
        for start in 0..schema::CURRENT {
            let path = temp_db(&format!("v{start}"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            {
                let conn = Connection::open(&path).unwrap();
                for step in &schema::MIGRATIONS[..start as usize] {
                    conn.execute_batch(step).unwrap();
                }
                conn.pragma_update(None, "user_version", start).unwrap();
            }
            assert_eq!(
                Store::open(&path).unwrap().schema_version().unwrap(),
                schema::CURRENT,
                "from v{start}"
            );
        }
    }

    #[test]
    fn a_newer_database_is_refused_and_left_untouched() {
        let path = temp_db("newer");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = Store::open(&path).err().expect("refused");
        assert!(err.to_string().contains("schema version 99"), "{err}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before, "file unchanged");
        assert!(!path.with_extension("db-wal").exists());
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error_naming_it() {
        let path = temp_db("corrupt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            b"this is not a database, it is a text file that someone put here",
        )
        .unwrap();
        let err = Store::open(&path).err().expect("refused").to_string();
        assert!(
            err.contains(&path.display().to_string()) && err.contains("--no-store"),
            "{err}"
        );
    }

    #[test]
    fn prune_removes_only_history_older_than_the_cutoff() {
        let mut store = Store::open(&temp_db("prune")).unwrap();
        let now = chrono::Utc::now();
        for days in [40, 31, 29, 1] {
            let at = now - chrono::Duration::days(days);
            store
                .append_audit(&NewAudit::event(at, "a@b", &format!("old.{days}"), "ok"))
                .unwrap();
        }
        let cutoff = now - chrono::Duration::days(30);
        assert_eq!(store.prune(cutoff.timestamp_millis()).unwrap(), 2);
        let left: Vec<String> = store
            .audit_since(chrono::DateTime::<chrono::Utc>::MIN_UTC)
            .unwrap()
            .into_iter()
            .map(|r| r.entry.action)
            .collect();
        assert_eq!(left, vec!["old.29", "old.1"]);
    }
}
