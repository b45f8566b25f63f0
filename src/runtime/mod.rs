//! The runtime: owns the terminal and the state, feeds messages to `update`, runs
//! the effects it returns, and draws when something changed (coalesced, at most
//! 10 frames per second, with synchronized output).

mod actions;
pub mod backend;
mod collectors;
pub mod logging;
pub mod notify;
pub mod process;
pub mod remote;
mod tasks;
pub use tasks::{record_outcome, task_command};
pub mod terminal;

use crate::app::{AppState, Effect, Msg, update};
use crate::clock::Clock;
use crate::store::leader::Leadership;
use crate::store::writer::StoreHandle;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};

/// Minimum time between two frames (10 frames per second at most).
const FRAME_INTERVAL: Duration = Duration::from_millis(100);

/// The state database as the running dashboard uses it.
pub struct Persistence {
    /// The id of this session's `session.start` record.
    pub started_at_id: i64,
    pub store: StoreHandle,
    pub leadership: Leadership,
    pub retention: Duration,
}

/// How often the leader prunes history older than `general.retention`.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Runs the dashboard until quit; returns the process exit code.
pub fn run(
    mut state: AppState,
    clock: &dyn Clock,
    persistence: Option<&mut Persistence>,
) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // A LocalSet, so the remote pollers can run as local tasks.
    tokio::task::LocalSet::new().block_on(&rt, async {
        terminal::install_panic_hook();
        let mut term = terminal::enter()?;
        let result = event_loop(&mut term, &mut state, clock, persistence).await;
        terminal::restore();
        result
    })
}

async fn event_loop(
    term: &mut terminal::Tui,
    state: &mut AppState,
    clock: &dyn Clock,
    mut persistence: Option<&mut Persistence>,
) -> anyhow::Result<i32> {
    let mut last_prune: Option<Instant> = None;
    // At most one read of the others' activity at a time.
    let feed_busy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acks_busy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tx, mut rx) = mpsc::channel::<Msg>(64);
    let refresh = state.config.general.refresh;
    collectors::spawn_local(state.config.ui.processes, refresh, tx.clone());
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    // The clock and staleness marks need a tick even when no data arrives.
    let mut tick = interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);

    draw(term, state)?;
    // Remote clients after the first frame: TLS setup reads the system's CA store.
    let remote = remote::connect(&state.config);
    let intervals = state.remote.sources.iter().map(|s| s.interval).collect();
    remote::spawn_all(remote.pollers, intervals, tx.clone());
    // Deliveries report to the notifiers' health marks.
    let report = state
        .remote
        .sources
        .iter()
        .position(|s| s.kind == crate::app::sources::SourceKind::Notifier)
        .map(|first| notify::Report {
            first,
            tx: tx.clone(),
        });
    let actions = actions::ActionContext {
        clients: remote.clients,
        store: persistence.as_deref().map(|p| p.store.clone()),
        source_names: state
            .remote
            .sources
            .iter()
            .map(|s| s.name.clone())
            .collect(),
        actor: state.actor.clone(),
    };
    // Lets the end-to-end tests check that a panic gives the terminal back.
    #[cfg(debug_assertions)]
    if std::env::var_os("OPSDECK_TEST_PANIC").is_some() {
        panic!("deliberate panic requested by OPSDECK_TEST_PANIC");
    }
    let runner = tasks::TaskRunner::new(
        persistence.as_deref().map(|p| p.store.clone()),
        state.config.secret_env_vars(),
        tx.clone(),
    );
    let runs_busy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if !state.tasks.is_empty()
        && let Some(p) = persistence.as_deref()
    {
        load_runs(&p.store, p.leadership.is_leader(), &tx);
    }
    let mut last_draw = Instant::now();
    let mut dirty = false;
    let code = 'events: loop {
        let next_frame = last_draw + FRAME_INTERVAL;
        let msg = tokio::select! {
            _ = sleep_until(next_frame), if dirty => {
                draw_now(term, state, &mut last_draw, &mut dirty)?;
                continue;
            }
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Resize(..))) => {
                    // Redraw at once on resize, not at the next frame slot.
                    term.autoresize()?;
                    draw_now(term, state, &mut last_draw, &mut dirty)?;
                    continue;
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    tracing::error!("terminal input failed: {e}");
                    Msg::Terminate(1)
                }
                // stdin closed: nobody is there to see the dashboard.
                None => Msg::Terminate(0),
            },
            Some(msg) = rx.recv() => msg,
            _ = tick.tick() => {
                if let Some(p) = persistence.as_deref_mut() {
                    dirty |= keep_leadership(state, p, &mut last_prune, clock, &tx);
                    poll_activity(&p.store, state.activity_after, &feed_busy, &tx);
                    if crate::app::local_rules::LocalRules::has_alerts(&state.remote.alert_inputs) {
                        poll_local_acks(&p.store, clock.now(), &acks_busy, &tx);
                    }
                    if state.tasks.loaded {
                        poll_runs(&p.store, state.tasks.change, &runs_busy, &tx);
                    }
                }
                Msg::Tick(clock.now())
            }
            _ = sigterm.recv() => Msg::Terminate(128 + 15),
            _ = sighup.recv() => Msg::Terminate(128 + 1),
            _ = sigint.recv() => Msg::Terminate(128 + 2),
        };
        let was_tick = matches!(msg, Msg::Tick(_));
        for effect in update(state, msg) {
            match effect {
                Effect::Quit(code) => break 'events code,
                Effect::Suspend => {
                    terminal::suspend(term)?;
                    draw_now(term, state, &mut last_draw, &mut dirty)?;
                }
                Effect::Redraw => {
                    term.backend_mut().invalidate();
                    term.clear()?;
                    draw_now(term, state, &mut last_draw, &mut dirty)?;
                }
                Effect::Audit(record) => {
                    if let Some(p) = persistence.as_deref() {
                        p.store.audit_later(record);
                    }
                }
                Effect::CreateSilence(request) => {
                    actions::create_silence(actions.clone(), request, tx.clone());
                }
                Effect::ExpireSilence(request) => {
                    actions::expire_silence(actions.clone(), request, tx.clone());
                }
                Effect::Notify(batch) => {
                    notify::send_reporting(&state.config.notifier, batch, report.as_ref());
                }
                Effect::PushAlerts { source, alerts } => {
                    actions::push_alerts(&actions, source, alerts);
                }
                Effect::Bell => {
                    use std::io::Write;
                    let backend = term.backend_mut();
                    let _ = backend.write_all(b"\x07").and_then(|()| backend.flush());
                }
                Effect::RecordEvents(events) => {
                    if let Some(p) = persistence.as_deref() {
                        p.store.record_events(events);
                    }
                }
                Effect::LoadHistory(key) => {
                    if let Some(p) = persistence.as_deref() {
                        let reply = p.store.history(key.clone());
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            if let Ok(Ok(events)) = reply.await {
                                let _ = tx.send(Msg::History(key, events)).await;
                            }
                        });
                    }
                }
                Effect::AckLocal(request) => {
                    actions::ack_local(actions.clone(), request, tx.clone());
                }
                Effect::UnackLocal(request) => {
                    actions::unack_local(actions.clone(), request, tx.clone());
                }
                other => run_task_effect(other, &runner, persistence.as_deref(), &tx),
            }
        }
        // Samples already redraw (and move the clock) every refresh; a tick only
        // draws when nothing else did, e.g. to age a stale source.
        dirty |= !was_tick || last_draw.elapsed() >= Duration::from_millis(900);
    };
    // Runs still going are cancelled and their ends recorded before exit.
    runner.shutdown().await;
    Ok(code)
}

/// The effects of the task scheduler (from ticks and from messages).
fn run_task_effect(
    effect: Effect,
    runner: &tasks::TaskRunner,
    persistence: Option<&Persistence>,
    tx: &mpsc::Sender<Msg>,
) {
    match effect {
        Effect::StartTask(start) => runner.start(*start),
        Effect::RecordSkip(skip) => runner.skip(*skip),
        Effect::CancelTask(task) => runner.cancel(&task),
        Effect::LoadRuns => {
            if let Some(p) = persistence {
                load_runs(&p.store, p.leadership.is_leader(), tx);
            }
        }
        Effect::LoadRunOutput { task, run_id } => {
            if let Some(p) = persistence {
                let reply = p.store.run_output(run_id);
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(output)) = reply.await {
                        let output = output.unwrap_or_default();
                        let _ = tx
                            .send(Msg::RunOutput {
                                task,
                                run_id,
                                output,
                            })
                            .await;
                    }
                });
            }
        }
        // Not printed: a task spec may carry secrets in its env.
        _ => tracing::error!("an effect that is not a task's reached the task runner"),
    }
}

/// Reads every task's recent runs; the leader first closes runs whose process
/// died (the store thread answers in order).
fn load_runs(store: &StoreHandle, leads: bool, tx: &mpsc::Sender<Msg>) {
    if leads {
        drop(store.close_abandoned_runs(chrono::Utc::now()));
    }
    let reply = store.load_runs();
    let tx = tx.clone();
    tokio::spawn(async move {
        match reply.await {
            Ok(Ok(changes)) => {
                let _ = tx
                    .send(Msg::TaskRuns {
                        changes,
                        full: true,
                    })
                    .await;
            }
            Ok(Err(e)) => tracing::error!("cannot read task runs: {e}"),
            Err(_) => {}
        }
    });
}

/// Runs other processes (or this one) wrote since the last read.
fn poll_runs(store: &StoreHandle, after: i64, busy: &Busy, tx: &mpsc::Sender<Msg>) {
    poll_store(
        busy,
        tx,
        || store.runs_changed(after),
        |changes| {
            (!changes.runs.is_empty()).then_some(Msg::TaskRuns {
                changes,
                full: false,
            })
        },
    );
}

/// Polls the leadership lock (a follower takes over when the leader is gone) and,
/// while leading, prunes old history once an hour. Returns whether state changed.
fn keep_leadership(
    state: &mut AppState,
    p: &mut Persistence,
    last_prune: &mut Option<Instant>,
    clock: &dyn Clock,
    tx: &mpsc::Sender<Msg>,
) -> bool {
    let was = p.leadership.is_leader();
    let leads = match p.leadership.poll() {
        Ok(leads) => leads,
        Err(e) => {
            tracing::warn!("cannot check leadership: {e}");
            false
        }
    };
    if leads && last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
        *last_prune = Some(Instant::now());
        let before =
            clock.now() - chrono::Duration::from_std(p.retention).unwrap_or(chrono::Duration::MAX);
        let reply = p.store.prune(before.timestamp_millis());
        tokio::spawn(async move {
            if let Ok(Ok(removed)) = reply.await
                && removed > 0
            {
                tracing::info!("retention: removed {removed} old records");
            }
        });
    }
    if leads != was {
        tracing::info!(
            "leadership: this opsdeck {}",
            if leads { "now leads" } else { "follows" }
        );
        // Through the event loop, so the effects (the schedule restarting from
        // the store) are carried out.
        if tx.try_send(Msg::Leadership(leads)).is_err() {
            update(state, Msg::Leadership(leads));
        }
        return true;
    }
    false
}

/// Asks the store what other processes recorded; the answer arrives as a message.
fn poll_activity(store: &StoreHandle, after: i64, busy: &Busy, tx: &mpsc::Sender<Msg>) {
    poll_store(
        busy,
        tx,
        || store.from_others(after),
        |records| (!records.is_empty()).then_some(Msg::Activity(records)),
    );
}

/// Reads the open acknowledgements of local alerts (every opsdeck on the host
/// writes them); the answer arrives as a message.
fn poll_local_acks(
    store: &StoreHandle,
    now: chrono::DateTime<chrono::Utc>,
    busy: &Busy,
    tx: &mpsc::Sender<Msg>,
) {
    poll_store(
        busy,
        tx,
        || store.local_acks(now),
        |acks| Some(Msg::LocalAcks(acks)),
    );
}

/// Set while a read of one kind is out, so a slow store never queues up reads.
type Busy = std::sync::Arc<std::sync::atomic::AtomicBool>;

/// Sends a store read and turns its answer into a message, one read of a kind
/// at a time.
fn poll_store<T: Send + 'static>(
    busy: &Busy,
    tx: &mpsc::Sender<Msg>,
    read: impl FnOnce() -> tokio::sync::oneshot::Receiver<Result<T, String>>,
    to_msg: impl FnOnce(T) -> Option<Msg> + Send + 'static,
) {
    use std::sync::atomic::Ordering;
    if busy.swap(true, Ordering::AcqRel) {
        return;
    }
    let reply = read();
    let (busy, tx) = (busy.clone(), tx.clone());
    tokio::spawn(async move {
        if let Ok(Ok(answer)) = reply.await
            && let Some(msg) = to_msg(answer)
        {
            let _ = tx.send(msg).await;
        }
        busy.store(false, Ordering::Release);
    });
}

/// Draws a frame now and notes that the screen is up to date.
fn draw_now(
    term: &mut terminal::Tui,
    state: &AppState,
    last_draw: &mut Instant,
    dirty: &mut bool,
) -> std::io::Result<()> {
    draw(term, state)?;
    *last_draw = Instant::now();
    *dirty = false;
    Ok(())
}

/// Draws a frame; the backend writes only what changed, as one synchronized update.
fn draw(term: &mut terminal::Tui, state: &AppState) -> std::io::Result<()> {
    logging::move_events();
    term.draw(|frame| crate::ui::draw(frame, state)).map(drop)
}
