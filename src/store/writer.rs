//! The store thread: every read and write goes through it, so SQLite's blocking
//! calls never stall the event loop. Each request can carry a reply that is sent
//! only after the write is committed, so the UI reports success only for what is
//! durable.

use super::acks::{AlertEvent, NewAck, StoredAck};
use super::local_alerts::SharedAlerts;
use super::tasks::{Abandoned, RunChanges};
use super::{AuditRecord, NewAudit, Store, StoreError};
use crate::engine::tasks::Run;
use std::sync::mpsc;
use tokio::sync::oneshot;

type Reply<T> = Option<oneshot::Sender<Result<T, String>>>;

/// Events shown in an alert's details, at most.
const HISTORY: usize = 20;

/// Runs per task a dashboard loads at start (history in the details view).
pub const RUNS_PER_TASK: usize = 20;

/// Records of other processes read per request, at most.
const FEED_BATCH: usize = 100;

enum Request {
    Audit(NewAudit, Reply<i64>),
    Ack(NewAck, Reply<i64>),
    Unack(Unack, Reply<usize>),
    LocalAcks(chrono::DateTime<chrono::Utc>, Reply<Vec<StoredAck>>),
    RecordEvents(Vec<AlertEvent>),
    History(String, Reply<Vec<AlertEvent>>),
    RemoveLocalAck(
        i64,
        serde_json::Value,
        chrono::DateTime<chrono::Utc>,
        Reply<usize>,
    ),
    Prune {
        before_ms: i64,
        reply: Reply<usize>,
    },
    FromOthers {
        after_id: i64,
        reply: Reply<Vec<AuditRecord>>,
    },
    InsertRun(Box<Run>, Reply<i64>),
    FinishRun(Box<Run>, Reply<()>),
    LoadRuns(Reply<RunChanges>),
    RunsChanged(i64, Reply<RunChanges>),
    RunOutput(i64, Reply<Option<String>>),
    CloseAbandonedRuns(
        chrono::DateTime<chrono::Utc>,
        StopGroup,
        Reply<Vec<Abandoned>>,
    ),
    SetRunPgid(i64, u32),
    ShareLocalAlerts(
        Vec<crate::engine::rules::RuleAlert>,
        chrono::DateTime<chrono::Utc>,
    ),
    LocalAlerts(Reply<SharedAlerts>),
    /// Any other store call, with its reply inside: a feature's own reads and
    /// writes go through this thread without a variant here.
    Call(Box<dyn FnOnce(&mut Store) + Send>),
    /// Checkpoint the WAL into the database file, close, and stop the thread.
    Close(Reply<()>),
}

/// Stops what is left of an abandoned run's processes (the runtime's; the
/// store does not manage processes), returning how many it stopped.
pub type StopGroup = Box<dyn Fn(&Abandoned) -> usize + Send>;

/// An un-acknowledgement to record.
#[derive(Debug, Clone)]
pub struct Unack {
    pub source: String,
    pub silence_id: String,
    pub alert_key: String,
    pub labels: serde_json::Value,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A cheap handle to the store thread; clone it freely.
#[derive(Clone)]
pub struct StoreHandle {
    tx: mpsc::Sender<Request>,
}

impl StoreHandle {
    /// Starts the store thread, which owns `store` until every handle is dropped.
    pub fn spawn(store: Store) -> std::io::Result<StoreHandle> {
        let (tx, rx) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("store".into())
            .spawn(move || {
                let mut store = store;
                for request in rx {
                    if let Request::Close(reply) = request {
                        // Checkpointed and closed: the .db file alone is then a
                        // full copy (SQLite removes the WAL when the last
                        // connection closes).
                        let result = store.checkpoint();
                        drop(store);
                        answer(reply, result, "close");
                        return;
                    }
                    handle(&mut store, request);
                }
            })?;
        Ok(StoreHandle { tx })
    }

    /// Checkpoints the WAL into the database file and closes it; the receiver
    /// hears once it is closed. Requests sent after it are lost (logged).
    pub fn close(&self) -> oneshot::Receiver<Result<(), String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Close(Some(reply)));
        rx
    }

    /// Appends an audit record; the receiver gets its id once committed.
    pub fn audit(&self, record: NewAudit) -> oneshot::Receiver<Result<i64, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Audit(record, Some(reply)));
        rx
    }

    /// Records an acknowledgement; the receiver hears once it is committed.
    pub fn ack(&self, ack: NewAck) -> oneshot::Receiver<Result<i64, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Ack(ack, Some(reply)));
        rx
    }

    /// Records that an acknowledgement's silence was expired.
    pub fn unack(&self, unack: Unack) -> oneshot::Receiver<Result<usize, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Unack(unack, Some(reply)));
        rx
    }

    /// Records alert transitions without waiting; a failure is logged.
    pub fn record_events(&self, events: Vec<AlertEvent>) {
        self.send(Request::RecordEvents(events));
    }

    /// The newest events of the alert with `alert_key`, newest first.
    pub fn history(&self, alert_key: String) -> oneshot::Receiver<Result<Vec<AlertEvent>, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::History(alert_key, Some(reply)));
        rx
    }

    /// Acknowledgements of local alerts open at `now`, from every opsdeck here.
    pub fn local_acks(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> oneshot::Receiver<Result<Vec<StoredAck>, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::LocalAcks(now, Some(reply)));
        rx
    }

    /// Ends the local acknowledgement `id`.
    pub fn remove_local_ack(
        &self,
        id: i64,
        labels: serde_json::Value,
        at: chrono::DateTime<chrono::Utc>,
    ) -> oneshot::Receiver<Result<usize, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::RemoveLocalAck(id, labels, at, Some(reply)));
        rx
    }

    /// Appends an audit record without waiting; a failure is logged.
    pub fn audit_later(&self, record: NewAudit) {
        self.send(Request::Audit(record, None));
    }

    /// Removes history older than `before_ms`; the receiver gets the number of rows.
    pub fn prune(&self, before_ms: i64) -> oneshot::Receiver<Result<usize, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Prune {
            before_ms,
            reply: Some(reply),
        });
        rx
    }

    /// What other opsdeck processes recorded after `after_id`.
    pub fn from_others(
        &self,
        after_id: i64,
    ) -> oneshot::Receiver<Result<Vec<AuditRecord>, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::FromOthers {
            after_id,
            reply: Some(reply),
        });
        rx
    }

    /// Records a run's start (or a skip); the receiver gets its id once committed.
    pub fn insert_run(&self, run: Run) -> oneshot::Receiver<Result<i64, String>> {
        self.ask(|reply| Request::InsertRun(Box::new(run), reply))
    }

    /// Records how a run ended; the receiver hears once it is committed.
    pub fn finish_run(&self, run: Run) -> oneshot::Receiver<Result<(), String>> {
        self.ask(|reply| Request::FinishRun(Box::new(run), reply))
    }

    /// The newest runs of each task, their success counts and the change counter.
    pub fn load_runs(&self) -> oneshot::Receiver<Result<RunChanges, String>> {
        self.ask(Request::LoadRuns)
    }

    /// Runs any process wrote after change `after`.
    pub fn runs_changed(&self, after: i64) -> oneshot::Receiver<Result<RunChanges, String>> {
        self.ask(|reply| Request::RunsChanged(after, reply))
    }

    /// One run's output tail.
    pub fn run_output(&self, id: i64) -> oneshot::Receiver<Result<Option<String>, String>> {
        self.ask(|reply| Request::RunOutput(id, reply))
    }

    /// Ends runs left open by processes that died.
    pub fn close_abandoned_runs(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        stop: StopGroup,
    ) -> oneshot::Receiver<Result<Vec<Abandoned>, String>> {
        self.ask(|reply| Request::CloseAbandonedRuns(now, stop, reply))
    }

    /// Records the process group a run's command runs in.
    pub fn set_run_pgid(&self, run_id: i64, pgid: u32) {
        self.send(Request::SetRunPgid(run_id, pgid));
    }

    fn ask<T>(
        &self,
        request: impl FnOnce(Reply<T>) -> Request,
    ) -> oneshot::Receiver<Result<T, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(request(Some(reply)));
        rx
    }

    /// Replaces the shared local alerts (the leader, when they change).
    pub fn share_local_alerts(
        &self,
        alerts: Vec<crate::engine::rules::RuleAlert>,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        self.send(Request::ShareLocalAlerts(alerts, at));
    }

    /// The local alerts the leader shared last.
    pub fn local_alerts(&self) -> oneshot::Receiver<Result<SharedAlerts, String>> {
        self.ask(Request::LocalAlerts)
    }

    /// Runs `call` on the store thread, in order with every other request;
    /// the receiver gets its result once it is committed. `what` names it in
    /// the log when it fails.
    pub fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        call: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> oneshot::Receiver<Result<T, String>> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Call(Box::new(move |store| {
            answer(Some(reply), call(store), what);
        })));
        rx
    }

    fn send(&self, request: Request) {
        if self.tx.send(request).is_err() {
            tracing::error!("store thread is gone; a request was lost");
        }
    }
}

/// One request, on the store thread.
fn handle(store: &mut Store, request: Request) {
    match request {
        Request::Audit(record, reply) => answer(reply, store.append_audit(&record), "audit"),
        Request::Ack(ack, reply) => answer(reply, store.record_ack(&ack), "ack"),
        Request::Unack(u, reply) => answer(
            reply,
            store.record_unack(&u.source, &u.silence_id, &u.alert_key, &u.labels, u.at),
            "unack",
        ),
        Request::RecordEvents(events) => answer(None, store.record_events(&events), "alert events"),
        Request::History(key, reply) => {
            answer(reply, store.alert_history(&key, HISTORY), "history")
        }
        Request::LocalAcks(now, reply) => answer(reply, store.open_local_acks(now), "read acks"),
        Request::RemoveLocalAck(id, labels, at, reply) => {
            answer(reply, store.remove_local_ack(id, &labels, at), "unack")
        }
        Request::Prune { before_ms, reply } => answer(reply, store.prune(before_ms), "prune"),
        Request::FromOthers { after_id, reply } => {
            answer(reply, store.audit_from_others(after_id, FEED_BATCH), "read")
        }
        Request::InsertRun(run, reply) => answer(reply, store.insert_run(&run), "task run"),
        Request::FinishRun(run, reply) => answer(reply, store.finish_run(&run), "task run end"),
        Request::LoadRuns(reply) => answer(reply, store.load_runs(RUNS_PER_TASK), "read task runs"),
        Request::RunsChanged(after, reply) => answer(
            reply,
            store.runs_changed(after, FEED_BATCH),
            "read task runs",
        ),
        Request::RunOutput(id, reply) => answer(reply, store.run_output(id), "read task output"),
        Request::CloseAbandonedRuns(now, stop, reply) => answer(
            reply,
            store.close_abandoned_runs(now, &stop),
            "close task runs",
        ),
        Request::SetRunPgid(id, pgid) => answer(None, store.set_run_pgid(id, pgid), "task run"),
        Request::ShareLocalAlerts(alerts, at) => answer(
            None,
            store.replace_local_alerts(&alerts, at),
            "share local alerts",
        ),
        Request::LocalAlerts(reply) => answer(reply, store.local_alerts(), "read local alerts"),
        Request::Call(call) => call(store),
        // The thread's loop closes (it owns the store).
        Request::Close(reply) => answer(reply, Ok(()), "close"),
    }
}

fn answer<T>(reply: Reply<T>, result: Result<T, StoreError>, what: &str) {
    let result = result.map_err(|e| e.to_string());
    if let Err(e) = &result {
        tracing::error!("store {what} failed: {e}");
    }
    if let Some(reply) = reply {
        let _ = reply.send(result);
    }
}
