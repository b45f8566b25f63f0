//! The dashboard's recovery runs: each recorded, driven by `runbooks::drive`
//! on the event loop's LocalSet (waiting on processes is not work), every
//! step written to the store before the screen hears of it. A dangerous step
//! asks through the dashboard and waits for its answer; `x` stops the run.

use super::runbooks::{OutputMirror, Setting, Witness, drive};
use crate::app::Msg;
use crate::app::runbooks::{Msg as RunMsg, StartRecovery};
use crate::config::notifier::Notifier;
use crate::engine::runbooks::{RecoveryRun, StepResult};
use crate::runtime::process::Stream;
use crate::store::recovery::{NewRecoveryRun, StoredStep};
use crate::store::writer::StoreHandle;
use chrono::Utc;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// The recovery effects: runs started, answered and aborted by the runner;
/// the store's runs read; abandoned runs closed.
pub fn run_effect(ex: &super::Executor, effect: crate::app::runbooks::Effect) {
    use crate::app::runbooks::Effect;
    match effect {
        Effect::Start(start) => ex.recovery.start(*start),
        Effect::Answer { key, yes } => ex.recovery.answer(key, yes),
        Effect::Abort(key) => ex.recovery.abort(key),
        Effect::Poll { after } => {
            let Some(store) = &ex.store else { return };
            ex.polls.recoveries.read(
                &ex.tx,
                || {
                    store.call("read recovery runs", move |s| {
                        s.recovery_runs_changed(after, 100)
                    })
                },
                |(runs, change)| {
                    (!runs.is_empty()).then_some(Msg::Runbooks(RunMsg::Stored { runs, change }))
                },
            );
        }
        Effect::LoadHistory(alert_key) => {
            let Some(store) = &ex.store else { return };
            let key = alert_key.clone();
            let reply = store.call("read recovery runs", move |s| s.recovery_history(&key, 5));
            let tx = ex.tx.clone();
            tokio::spawn(async move {
                if let Ok(Ok(runs)) = reply.await {
                    let _ = tx
                        .send(Msg::Runbooks(RunMsg::History { alert_key, runs }))
                        .await;
                }
            });
        }
        Effect::LoadRun(id) => {
            let Some(store) = &ex.store else { return };
            let reply = store.call("read recovery run", move |s| {
                let run = s.recovery_run(id)?;
                run.map(|run| Ok((s.recovery_steps(id)?, run))).transpose()
            });
            let tx = ex.tx.clone();
            tokio::spawn(async move {
                let msg = match reply.await {
                    Ok(Ok(Some((steps, run)))) => RunMsg::Run {
                        run: Box::new(run),
                        steps,
                    },
                    Ok(Ok(None)) => RunMsg::RunUnreadable {
                        run_id: id,
                        why: "it is no longer in the state database (pruned)".into(),
                    },
                    Ok(Err(why)) => RunMsg::RunUnreadable { run_id: id, why },
                    Err(_) => RunMsg::RunUnreadable {
                        run_id: id,
                        why: "the store thread is gone".into(),
                    },
                };
                let _ = tx.send(Msg::Runbooks(msg)).await;
            });
        }
        Effect::CloseAbandoned => {
            let Some(store) = &ex.store else { return };
            let reply = store.call("close recovery runs", |s| {
                let stop = |a: &crate::store::tasks::Abandoned| {
                    super::process::stop_abandoned_group(a.pgid, a.started)
                };
                s.close_abandoned_recovery_runs(Utc::now(), &stop)
            });
            tokio::spawn(async move {
                let Ok(Ok(closed)) = reply.await else { return };
                for run in closed {
                    tracing::warn!(
                        "recovery {}: run {} abandoned (its opsdeck died); closed as failed, what was left of it stopped",
                        run.task,
                        run.run_id
                    );
                }
            });
        }
    }
}

/// The runs this opsdeck has going, by key.
#[derive(Clone)]
pub struct RecoveryRunner {
    store: Option<StoreHandle>,
    notifiers: Rc<Vec<Notifier>>,
    hidden_env: Rc<Vec<String>>,
    tx: mpsc::Sender<Msg>,
    running: Rc<RefCell<HashMap<u64, CancellationToken>>>,
    /// The answer a waiting dangerous step is given.
    answers: Rc<RefCell<HashMap<u64, oneshot::Sender<bool>>>>,
    done: Rc<tokio::sync::Notify>,
}

impl RecoveryRunner {
    pub fn new(
        store: Option<StoreHandle>,
        notifiers: Vec<Notifier>,
        hidden_env: Vec<String>,
        tx: mpsc::Sender<Msg>,
    ) -> Self {
        Self {
            store,
            notifiers: Rc::new(notifiers),
            hidden_env: Rc::new(hidden_env),
            tx,
            running: Rc::default(),
            answers: Rc::default(),
            done: Rc::default(),
        }
    }

    pub fn start(&self, start: StartRecovery) {
        let token = CancellationToken::new();
        self.running.borrow_mut().insert(start.key, token.clone());
        let this = self.clone();
        tokio::task::spawn_local(async move {
            let key = start.key;
            this.run(start, token).await;
            this.running.borrow_mut().remove(&key);
            this.answers.borrow_mut().remove(&key);
            this.done.notify_waiters();
        });
    }

    pub fn answer(&self, key: u64, yes: bool) {
        if let Some(reply) = self.answers.borrow_mut().remove(&key) {
            let _ = reply.send(yes);
        }
    }

    pub fn abort(&self, key: u64) {
        if let Some(token) = self.running.borrow().get(&key) {
            token.cancel();
        }
    }

    /// Aborts every run and waits (bounded) until their ends are recorded.
    pub async fn shutdown(&self) {
        let tokens: Vec<_> = self.running.borrow().values().cloned().collect();
        if tokens.is_empty() {
            return;
        }
        tracing::info!("quitting: aborting {} recovery run(s)", tokens.len());
        for token in tokens {
            token.cancel();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
        while !self.running.borrow().is_empty() {
            let done = self.done.notified();
            if tokio::time::timeout_at(deadline, done).await.is_err() {
                tracing::warn!("quitting with recovery runs still stopping");
                return;
            }
        }
    }

    async fn run(&self, start: StartRecovery, token: CancellationToken) {
        let key = start.key;
        let mut run = RecoveryRun::new(start.spec.clone(), start.dry_run, Utc::now());
        let run_id = match self.record_start(&start, &run).await {
            Ok(id) => id,
            Err(why) => {
                // Not recorded, so not run.
                let detail = format!("not run: its start could not be recorded: {why}");
                run.abort(Utc::now(), &detail);
                self.ended(key, 0, &run).await;
                return;
            }
        };
        let _ = self
            .tx
            .send(Msg::Runbooks(RunMsg::Recorded { key, run_id }))
            .await;
        tracing::info!(
            "recovery {} started for {} (run {run_id}{})",
            start.spec.id,
            crate::app::alerts::label_key(&start.alert.labels),
            if start.dry_run { ", dry run" } else { "" }
        );
        let setting = Setting {
            alert: Some(&start.alert),
            run_id,
            notifiers: &self.notifiers,
            hidden_env: &self.hidden_env,
            cancel: token,
            cancelled_why: format!("aborted by {}", start.actor),
        };
        let mut witness = DashWitness {
            key,
            run_id,
            step_row: 0,
            store: self.store.clone(),
            tx: self.tx.clone(),
            answers: self.answers.clone(),
            pending: String::new(),
            mirror: OutputMirror::default(),
        };
        if let Err(e) = drive(&mut run, &setting, &mut witness).await {
            // A step could not be recorded: the run stops there.
            run.stop(Utc::now(), &format!("{e:#}"));
        }
        self.ended(key, run_id, &run).await;
    }

    async fn record_start(&self, start: &StartRecovery, run: &RecoveryRun) -> Result<i64, String> {
        let Some(store) = &self.store else {
            return Ok(0);
        };
        let new = NewRecoveryRun {
            runbook: start.spec.id.clone(),
            alert_key: Some(crate::app::alerts::label_key(&start.alert.labels)),
            alert_labels: serde_json::to_value(&start.alert.labels).unwrap_or_default(),
            trigger: start.trigger.into(),
            dry_run: start.dry_run,
            started: run.started,
            actor: start.actor.clone(),
        };
        match store
            .call("recovery run", move |s| s.insert_recovery_run(&new))
            .await
        {
            Ok(result) => result,
            Err(_) => Err("the store thread is gone".into()),
        }
    }

    /// The end, recorded, then shown.
    async fn ended(&self, key: u64, run_id: i64, run: &RecoveryRun) {
        let outcome = run
            .outcome
            .unwrap_or(crate::engine::runbooks::RunOutcome::Failed);
        if let Some(store) = &self.store {
            let (id, attempt, finished, detail) =
                (run_id, run.attempt, run.finished, run.detail.clone());
            let state = outcome.as_str();
            let written = store
                .call("recovery run end", move |s| {
                    if id > 0 {
                        s.update_recovery_run(id, state, attempt, finished, &detail)?;
                    }
                    Ok(())
                })
                .await;
            if let Ok(Err(e)) = written {
                tracing::error!(
                    "recovery {} run {run_id}: its end ({state}) could not be recorded: {e}",
                    run.spec.id
                );
            }
        }
        let level = outcome.status();
        if level == 0 {
            tracing::info!(
                "recovery {} {}: {}",
                run.spec.id,
                outcome.label(),
                run.detail
            );
        } else {
            tracing::warn!(
                "recovery {} {}: {}",
                run.spec.id,
                outcome.label(),
                run.detail
            );
        }
        let msg = RunMsg::Ended {
            key,
            outcome,
            detail: run.detail.clone(),
            at: run.finished.unwrap_or_else(Utc::now),
            steps: run
                .steps
                .iter()
                .map(|s| (s.state, s.detail.clone()))
                .collect(),
        };
        let _ = self.tx.send(Msg::Runbooks(msg)).await;
    }
}

/// The dashboard's view of one run.
struct DashWitness {
    key: u64,
    run_id: i64,
    step_row: i64,
    store: Option<StoreHandle>,
    tx: mpsc::Sender<Msg>,
    answers: Rc<RefCell<HashMap<u64, oneshot::Sender<bool>>>>,
    /// Output not yet sent (the channel was full).
    pending: String,
    mirror: OutputMirror,
}

impl DashWitness {
    async fn flush(&mut self) {
        if !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            let _ = self
                .tx
                .send(Msg::Runbooks(RunMsg::Output {
                    key: self.key,
                    text,
                }))
                .await;
        }
    }
}

impl Witness for DashWitness {
    async fn step_started(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        attempt: u32,
    ) -> anyhow::Result<()> {
        if let Some(store) = &self.store {
            let row = StoredStep::attempt_of(run, step);
            let run_id = self.run_id;
            let (attempt_changed, run_attempt) = (run.starts_over(step, attempt), run.attempt);
            let written = store
                .call("recovery step", move |s| {
                    if attempt_changed {
                        s.update_recovery_run(run_id, "running", run_attempt, None, "")?;
                    }
                    s.insert_recovery_step(run_id, &row)
                })
                .await;
            self.mirror.restart();
            self.step_row = match written {
                Ok(Ok(id)) => id,
                Ok(Err(e)) => anyhow::bail!("its step could not be recorded: {e}"),
                Err(_) => anyhow::bail!("the store thread is gone"),
            };
        }
        let msg = RunMsg::StepStarted {
            key: self.key,
            step,
            attempt,
            run_attempt: run.attempt,
            at: run.steps[step].started.unwrap_or_else(Utc::now),
        };
        let _ = self.tx.send(Msg::Runbooks(msg)).await;
        Ok(())
    }

    fn step_pgid(&mut self, pgid: u32) {
        if let Some(store) = &self.store {
            let row = self.step_row;
            // Not waited for: the answer (a logged failure at worst) is dropped.
            drop(store.call("recovery step", move |s| {
                s.set_recovery_step_pgid(row, pgid)
            }));
        }
    }

    fn output_idle(&mut self) {
        let tail = self.mirror.due();
        self.mirror_write(tail);
    }

    fn output(&mut self, _stream: Stream, chunk: &[u8]) {
        let tail = self.mirror.push(chunk);
        self.mirror_write(tail);
        self.pending.push_str(&String::from_utf8_lossy(chunk));
        let text = std::mem::take(&mut self.pending);
        let msg = Msg::Runbooks(RunMsg::Output {
            key: self.key,
            text,
        });
        if let Err(mpsc::error::TrySendError::Full(Msg::Runbooks(RunMsg::Output {
            text, ..
        }))) = self.tx.try_send(msg)
        {
            // Kept for the next chunk (the view keeps only a tail anyway).
            let keep = text.len().saturating_sub(crate::app::runbooks::LIVE_OUTPUT);
            self.pending = text[text.ceil_char_boundary(keep)..].to_string();
        }
    }

    async fn step_ended(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        result: &StepResult,
        output: &str,
    ) -> anyhow::Result<()> {
        self.flush().await;
        if let Some(store) = &self.store {
            let row = StoredStep::ended(run, step, result, output);
            let id = self.step_row;
            match store
                .call("recovery step end", move |s| {
                    s.finish_recovery_step(id, &row)
                })
                .await
            {
                Ok(Ok(())) => {}
                Ok(Err(e)) => anyhow::bail!("its step's end could not be recorded: {e}"),
                Err(_) => anyhow::bail!("the store thread is gone"),
            }
        }
        let msg = RunMsg::StepEnded {
            key: self.key,
            step,
            state: result.shown_state(run.dry_run),
            detail: result.detail.clone(),
            at: Utc::now(),
        };
        let _ = self.tx.send(Msg::Runbooks(msg)).await;
        Ok(())
    }

    async fn confirm(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        cancel: &CancellationToken,
    ) -> bool {
        self.waiting(run, &run.asking_text(step)).await;
        let (reply, answer) = oneshot::channel();
        self.answers.borrow_mut().insert(self.key, reply);
        let _ = self
            .tx
            .send(Msg::Runbooks(RunMsg::Asking {
                key: self.key,
                step,
            }))
            .await;
        let yes = tokio::select! {
            yes = answer => yes.unwrap_or(false),
            () = cancel.cancelled() => false,
        };
        self.waiting(run, "").await;
        yes
    }
}

impl DashWitness {
    /// The output so far, for the other opsdecks. Not waited for: the
    /// step's end writes all of it anyway.
    fn mirror_write(&self, tail: Option<String>) {
        if let (Some(tail), Some(store)) = (tail, &self.store) {
            let row = self.step_row;
            drop(store.call("recovery step output", move |s| {
                s.set_recovery_step_output(row, &tail)
            }));
        }
    }

    /// The run waits on a human (`why`), or no longer (""): in the store, so
    /// every opsdeck on the host shows it.
    async fn waiting(&self, run: &RecoveryRun, why: &str) {
        let Some(store) = &self.store else { return };
        let (id, attempt, why) = (self.run_id, run.attempt, why.to_string());
        let written = store
            .call("recovery run", move |s| {
                s.update_recovery_run(id, "running", attempt, None, &why)
            })
            .await;
        if let Ok(Err(e)) = written {
            tracing::warn!("recovery run {id}: what it waits on could not be recorded: {e}");
        }
    }
}
