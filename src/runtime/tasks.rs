//! Carries out the scheduler's decisions: each run is written to the store,
//! started as a supervised process group (`process`), its output streamed to
//! the pane, and its end written before the pane shows it.

use super::process::{self, Command, Outcome};
use crate::app::Msg;
use crate::app::tasks::{Effect, Msg as TasksMsg, SkipRun, StartTask};
use crate::engine::tasks::{Exit, Run, RunState, TaskSpec, Trigger};
use crate::store::writer::StoreHandle;
use chrono::Utc;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Between SIGTERM and SIGKILL: short, so quitting opsdeck is not held up long.
const KILL_GRACE: Duration = Duration::from_secs(3);

/// How often a running task's new output goes to the pane.
const OUTPUT_EVERY: Duration = Duration::from_millis(300);

/// The runs this opsdeck has going, by task id.
#[derive(Clone)]
pub struct TaskRunner {
    store: Option<StoreHandle>,
    /// Variables holding opsdeck's own secrets, kept from the tasks.
    hidden_env: Rc<Vec<String>>,
    tx: mpsc::Sender<Msg>,
    running: Rc<RefCell<HashMap<String, CancellationToken>>>,
    done: Rc<tokio::sync::Notify>,
}

impl TaskRunner {
    pub fn new(store: Option<StoreHandle>, hidden_env: Vec<String>, tx: mpsc::Sender<Msg>) -> Self {
        Self {
            store,
            hidden_env: Rc::new(hidden_env),
            tx,
            running: Rc::default(),
            done: Rc::default(),
        }
    }

    /// Records the run, runs it and records its end (on the event loop's
    /// LocalSet: the run is I/O waiting, not work).
    pub fn start(&self, start: StartTask) {
        let token = CancellationToken::new();
        self.running
            .borrow_mut()
            .insert(start.spec.id.clone(), token.clone());
        let this = self.clone();
        tokio::task::spawn_local(async move {
            let task = start.spec.id.clone();
            this.run(start, token).await;
            this.running.borrow_mut().remove(&task);
            this.done.notify_waiters();
        });
    }

    /// Records a skipped run, then shows it.
    pub fn skip(&self, skip: SkipRun) {
        let (store, tx) = (self.store.clone(), self.tx.clone());
        tokio::task::spawn_local(async move {
            let mut run = skip.run();
            match (&store, skip.local_id) {
                (_, Some(id)) => run.id = id,
                (Some(store), None) => match store.insert_run(run.clone()).await {
                    Ok(Ok(id)) => run.id = id,
                    _ => return,
                },
                (None, None) => return,
            }
            let _ = tx.send(Msg::Tasks(TasksMsg::Skipped(run))).await;
        });
    }

    /// Cancels the task's running run: its group is stopped and the run ends
    /// `cancelled`.
    pub fn cancel(&self, task: &str) {
        if let Some(token) = self.running.borrow().get(task) {
            token.cancel();
        }
    }

    /// Cancels every run and waits (bounded) until their ends are recorded.
    pub async fn shutdown(&self) {
        let tokens: Vec<_> = self.running.borrow().values().cloned().collect();
        if tokens.is_empty() {
            return;
        }
        tracing::info!("quitting: cancelling {} running task(s)", tokens.len());
        for token in tokens {
            token.cancel();
        }
        let deadline = tokio::time::Instant::now() + KILL_GRACE + Duration::from_secs(3);
        while !self.running.borrow().is_empty() {
            let done = self.done.notified();
            if tokio::time::timeout_at(deadline, done).await.is_err() {
                tracing::warn!("quitting with task runs still stopping");
                return;
            }
        }
    }

    async fn run(&self, start: StartTask, token: CancellationToken) {
        let spec = &start.spec;
        let mut run = Run::start(
            &spec.id,
            start.trigger,
            start.attempt,
            &start.actor,
            Utc::now(),
        );
        run.id = start.local_id.unwrap_or_default();
        if let (Some(store), None) = (&self.store, start.local_id) {
            match store.insert_run(run.clone()).await {
                Ok(Ok(id)) => run.id = id,
                other => {
                    let why = match other {
                        Ok(Err(e)) => e,
                        _ => "the store thread is gone".into(),
                    };
                    let why = format!("not run: its start could not be recorded: {why}");
                    run.end(RunState::Failed, Utc::now(), why);
                    log_end(&run);
                    let _ = self.tx.send(Msg::Tasks(TasksMsg::Finished(run))).await;
                    return;
                }
            }
        }
        let _ = self
            .tx
            .send(Msg::Tasks(TasksMsg::Started(run.clone())))
            .await;
        tracing::info!(
            "task {} started (run {}, {} attempt {})",
            spec.id,
            run.id,
            start.trigger.as_str(),
            start.attempt
        );

        let mut command =
            task_command(spec, run.id, start.attempt, start.trigger, &self.hidden_env);
        command.kill_grace = KILL_GRACE;
        if let (Some(store), None) = (&self.store, start.local_id) {
            // Its process group, so a leader can stop it should this opsdeck die.
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            command.started = Some(tx);
            let (store, run_id) = (store.clone(), run.id);
            tokio::task::spawn_local(async move {
                if let Some(pgid) = rx.recv().await {
                    store.set_run_pgid(run_id, pgid);
                }
            });
        }
        let outcome = self.supervise(&command, token, &spec.id, run.id).await;

        record_outcome(&mut run, outcome, spec.timeout);
        if let (Some(store), None) = (&self.store, start.local_id)
            && let Ok(Err(e)) = store.finish_run(run.clone()).await
        {
            tracing::error!(
                "task {}: cannot record the end of run {}: {e}",
                spec.id,
                run.id
            );
        }
        log_end(&run);
        let _ = self.tx.send(Msg::Tasks(TasksMsg::Finished(run))).await;
    }

    /// Runs the command, sending its output to the pane every `OUTPUT_EVERY`.
    async fn supervise(
        &self,
        command: &Command,
        token: CancellationToken,
        task: &str,
        run_id: i64,
    ) -> Outcome {
        let pending = RefCell::new(Vec::<u8>::new());
        let finished = CancellationToken::new();
        let flush = async {
            let mut every = tokio::time::interval(OUTPUT_EVERY);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    () = finished.cancelled() => return,
                }
                let bytes = std::mem::take(&mut *pending.borrow_mut());
                if !bytes.is_empty() {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let msg = Msg::Tasks(TasksMsg::Output {
                        task: task.to_string(),
                        run_id,
                        text,
                    });
                    let _ = self.tx.send(msg).await;
                }
            }
        };
        let work = async {
            let outcome = process::run(command, token, |_, chunk| {
                let mut pending = pending.borrow_mut();
                // The pane keeps a tail; so does this buffer between flushes.
                if pending.len() < process::TAIL_BYTES {
                    pending.extend_from_slice(chunk);
                }
            })
            .await;
            finished.cancel();
            outcome
        };
        let ((), outcome) = tokio::join!(flush, work);
        outcome
    }
}

/// A run's end in the log: a failed or timed-out run at WARN, so that a
/// log read at WARN (or the Log pane at `-`) shows what needs looking at.
fn log_end(run: &Run) {
    let (task, state, detail) = (&run.task_id, run.state.label(), &run.detail);
    if run.state.is_failure() {
        tracing::warn!("task {task} {state} ({detail})");
    } else {
        tracing::info!("task {task} {state} ({detail})");
    }
}

/// The process a run of `spec` is: its argv, its env plus `OPSDECK_TASK_ID`,
/// `OPSDECK_RUN_ID`, `OPSDECK_TASK_ATTEMPT` and `OPSDECK_TASK_TRIGGER`, without
/// the variables that hold opsdeck's own secrets (unless the task sets them).
pub fn task_command(
    spec: &TaskSpec,
    run_id: i64,
    attempt: u32,
    trigger: Trigger,
    hidden_env: &[String],
) -> Command {
    let mut env = spec.env.clone();
    env.insert("OPSDECK_TASK_ID".into(), spec.id.clone());
    env.insert("OPSDECK_RUN_ID".into(), run_id.to_string());
    env.insert("OPSDECK_TASK_ATTEMPT".into(), attempt.to_string());
    env.insert("OPSDECK_TASK_TRIGGER".into(), trigger.as_str().into());
    let mut command = Command::new(spec.command.iter().cloned(), spec.timeout);
    command.env = env;
    command.env_remove = hidden_env.to_vec();
    command.workdir = spec.workdir.clone();
    command
}

/// Ends `run` as its process ended: state, time, exit code, detail, output.
pub fn record_outcome(run: &mut Run, outcome: Outcome, timeout: Duration) {
    let detail = describe(&outcome, timeout);
    run.end(outcome.exit.state(), Utc::now(), detail);
    run.exit_code = match outcome.exit {
        Exit::Code(c) => Some(c),
        _ => None,
    };
    run.output = Some(outcome.output);
}

/// What the run's detail says: how it ended, and how much output was cut.
pub(crate) fn describe(outcome: &Outcome, timeout: Duration) -> String {
    let mut detail = match &outcome.exit {
        Exit::TimedOut => format!(
            "timed out after {}; process group killed",
            crate::config::duration::short(timeout)
        ),
        Exit::Cancelled => "cancelled; process group killed".into(),
        other => other.to_string(),
    };
    if outcome.dropped_bytes > 0 {
        detail.push_str(&format!(
            " ({} earlier output bytes not kept)",
            outcome.dropped_bytes
        ));
    }
    detail
}

/// The Tasks pane's effects: runs started, skipped and cancelled by the runner;
/// runs and output read from the store.
pub fn run_effect(ex: &super::Executor, effect: Effect) {
    let runner = &ex.runner;
    match effect {
        Effect::Start(start) => runner.start(*start),
        Effect::Skip(skip) => runner.skip(*skip),
        Effect::Cancel(task) => runner.cancel(&task),
        Effect::LoadRuns { close_abandoned } => {
            if let Some(store) = &ex.store {
                load_runs(store, close_abandoned, &ex.tx);
            }
        }
        Effect::CloseAbandoned => {
            if let Some(store) = &ex.store {
                close_abandoned(store);
            }
        }
        Effect::PollRuns { after } => {
            let Some(store) = &ex.store else { return };
            ex.polls.runs.read(
                &ex.tx,
                || store.runs_changed(after),
                |changes| {
                    (!changes.runs.is_empty()).then_some(Msg::Tasks(TasksMsg::Runs {
                        changes,
                        full: false,
                    }))
                },
            );
        }
        Effect::LoadOutput { task, run_id } => {
            let Some(store) = &ex.store else { return };
            let reply = store.run_output(run_id);
            let tx = ex.tx.clone();
            tokio::spawn(async move {
                if let Ok(Ok(output)) = reply.await {
                    let output = output.unwrap_or_default();
                    let msg = TasksMsg::RunOutput {
                        task,
                        run_id,
                        output,
                    };
                    let _ = tx.send(Msg::Tasks(msg)).await;
                }
            });
        }
    }
}

/// Reads every task's recent runs; the leader first closes runs whose process
/// died (the store thread answers in order).
pub fn load_runs(store: &StoreHandle, close_abandoned: bool, tx: &mpsc::Sender<Msg>) {
    if close_abandoned {
        self::close_abandoned(store);
    }
    let reply = store.load_runs();
    let tx = tx.clone();
    tokio::spawn(async move {
        match reply.await {
            Ok(Ok(changes)) => {
                let msg = TasksMsg::Runs {
                    changes,
                    full: true,
                };
                let _ = tx.send(Msg::Tasks(msg)).await;
            }
            Ok(Err(e)) => tracing::error!("cannot read task runs: {e}"),
            Err(_) => {}
        }
    });
}

/// Closes the runs whose opsdeck died, each once what is left of its process
/// group is stopped (on the store's thread: reading every process's stat is
/// no work for the thread that reads keys).
fn close_abandoned(store: &StoreHandle) {
    let stop = Box::new(|run: &crate::store::tasks::Abandoned| {
        process::stop_abandoned_group(run.pgid, run.started)
    });
    let reply = store.close_abandoned_runs(Utc::now(), stop);
    tokio::spawn(async move {
        let Ok(Ok(closed)) = reply.await else { return };
        for run in closed {
            tracing::warn!(
                "task {}: run {} abandoned (its opsdeck died); what was left of it is stopped",
                run.task,
                run.run_id
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::{Context, SubscriberExt};

    /// Every event's level and message.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<(tracing::Level, String)>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Captured {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                    if f.name() == "message" {
                        self.0 = format!("{v:?}");
                    }
                }
            }
            let mut message = Message(String::new());
            event.record(&mut message);
            let level = *event.metadata().level();
            self.0.lock().unwrap().push((level, message.0));
        }
    }

    /// Runs `command` as task `id` and returns the level its end was logged at.
    fn end_logged_at(id: &str, command: &str, timeout: Duration) -> tracing::Level {
        let toml = format!("[[task]]\nid = \"{id}\"\nname = \"{id}\"\ncommand = {command}\n");
        let mut spec = crate::config::parse(&toml, "test.toml").unwrap().tasks()[0].clone();
        // Shorter than a config allows, so the test is quick.
        spec.timeout = timeout;
        let captured = Captured::default();
        let subscriber = tracing_subscriber::registry().with(captured.clone());
        let _guard = tracing::subscriber::set_default(subscriber);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        tokio::task::LocalSet::new().block_on(&rt, async {
            let runner = TaskRunner::new(None, Vec::new(), tx);
            runner.start(StartTask {
                spec,
                trigger: Trigger::Manual,
                attempt: 1,
                actor: "test".into(),
                local_id: Some(1),
            });
            while let Some(msg) = rx.recv().await {
                if matches!(msg, Msg::Tasks(TasksMsg::Finished(_))) {
                    break;
                }
            }
        });
        let events = captured.0.lock().unwrap();
        let end = events
            .iter()
            .rfind(|(_, m)| m.starts_with(&format!("task {id} ")))
            .expect("the run's end is logged");
        end.0
    }

    #[test]
    fn failed_and_timed_out_runs_are_logged_at_warn() {
        use tracing::Level;
        let (long, short) = (Duration::from_secs(10), Duration::from_millis(200));
        assert_eq!(end_logged_at("ok", r#"["true"]"#, long), Level::INFO);
        assert_eq!(end_logged_at("bad", r#"["false"]"#, long), Level::WARN);
        assert_eq!(
            end_logged_at("slow", r#"["sleep", "5"]"#, short),
            Level::WARN
        );
    }
}
