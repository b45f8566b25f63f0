//! The dashboard's session in the state database: opened beside the first
//! frame (creating and migrating a new database takes longer than drawing
//! it), recorded at its start and end, closed cleanly on every exit path.

use crate::cli::Cli;
use crate::clock::Clock;
use crate::config::paths::Paths;
use crate::runtime;
use crate::store::leader::{Leadership, Role};
use crate::store::writer::StoreHandle;
use crate::store::{NewAudit, Store};
use std::time::Duration;

/// The state database being opened on a thread of its own.
pub struct OpeningStore(std::thread::JoinHandle<anyhow::Result<Store>>);

/// What the session's records need to know.
pub struct Session<'a> {
    pub actor: &'a str,
    pub cli: &'a Cli,
    pub clock: &'a dyn Clock,
    pub retention: Duration,
}

impl OpeningStore {
    pub fn start(paths: &Paths) -> OpeningStore {
        let db = paths.database();
        OpeningStore(std::thread::spawn(move || Ok(Store::open(&db)?)))
    }

    /// Waits for the database, records the session's start and starts the
    /// store thread.
    pub fn finish(
        self,
        leadership: Leadership,
        session: &Session,
    ) -> anyhow::Result<runtime::Persistence> {
        let store = self
            .0
            .join()
            .map_err(|_| anyhow::anyhow!("opening the state database panicked"))??;
        let start = NewAudit::event(session.clock.now(), session.actor, "session.start", "ok")
            .with_params(serde_json::json!({
                "version": env!("CARGO_PKG_VERSION"),
                "read_only": session.cli.read_only(),
                "wall": session.cli.wall,
                "leader": leadership.role() == Role::Leader,
            }));
        let start_id = store.append_audit(&start)?;
        Ok(runtime::Persistence {
            started_at_id: start_id,
            store: StoreHandle::spawn(store)?,
            leadership,
            retention: session.retention,
        })
    }
}

/// Takes the leadership lock beside the database if this opsdeck may lead,
/// else reads who holds it. A read-only opsdeck changes nothing, so it never
/// leads: it only looks.
pub fn lead(paths: &Paths, read_only: bool) -> anyhow::Result<Leadership> {
    let db = paths.database();
    crate::store::ensure_state_dir(&db)?;
    let mut leadership = Leadership::new(&db.with_extension("lock"), !read_only);
    leadership
        .poll()
        .map_err(|e| anyhow::anyhow!("cannot use the lock file beside {}: {e}", db.display()))?;
    Ok(leadership)
}

/// Records the session's end and closes the database, both committed before
/// the process exits: the end of a session is never lost, and the .db file
/// alone is then a full copy of the state (checkpointed).
pub fn end(p: runtime::Persistence, end: NewAudit) {
    if let Ok(Err(e)) | Err(e) = p
        .store
        .audit(end)
        .blocking_recv()
        .map_err(|e| e.to_string())
    {
        tracing::error!("cannot record session.end: {e}");
    }
    if let Ok(Err(e)) | Err(e) = p.store.close().blocking_recv().map_err(|e| e.to_string()) {
        tracing::error!("cannot close the state database cleanly: {e}");
    }
}
