//! The runtime: owns the terminal, the state and the styles, feeds messages to `update`, runs
//! the effects it returns, and draws when something changed (coalesced, at most
//! 10 frames per second, with synchronized output).
//!
//! Each feature's effects are carried out in its own module (`alerts`,
//! `tasks`); every write goes through `write`, the one audited wrapper; store
//! reads that `update` asks for on a tick go through `polls`.

mod alerts;
pub mod backend;
mod collectors;
pub mod logging;
pub mod notify;
mod polls;
pub mod process;
pub mod remote;
mod tasks;
pub use tasks::{record_outcome, task_command};
pub mod terminal;
mod write;

use crate::app::{AppState, Effect, Msg, update};
use crate::clock::Clock;
use crate::store::leader::Leadership;
use crate::store::writer::StoreHandle;
use crate::ui::theme::Styles;
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
    styles: &Styles,
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
        let result = event_loop(&mut term, &mut state, styles, clock, persistence).await;
        terminal::restore();
        result
    })
}

/// Carries out the effects that need no terminal: writes, store reads, runs,
/// pushes. One executor per feature, in that feature's runtime module.
pub struct Executor {
    pub tx: mpsc::Sender<Msg>,
    pub store: Option<StoreHandle>,
    pub writes: write::WriteContext,
    pub runner: tasks::TaskRunner,
    pub notifiers: Vec<crate::config::notifier::Notifier>,
    /// Deliveries report to the notifiers' health marks.
    pub report: Option<notify::Report>,
    pub polls: polls::Polls,
}

impl Executor {
    fn new(state: &AppState, store: Option<StoreHandle>, tx: &mpsc::Sender<Msg>) -> Self {
        // Remote clients after the first frame: TLS setup reads the system's CA store.
        let remote = remote::connect(&state.config);
        let intervals = state.remote.sources.iter().map(|s| s.interval).collect();
        remote::spawn_all(remote.pollers, intervals, tx.clone());
        let report = state
            .remote
            .sources
            .iter()
            .position(|s| s.kind == crate::app::sources::SourceKind::Notifier)
            .map(|first| notify::Report {
                first,
                tx: tx.clone(),
            });
        Self {
            tx: tx.clone(),
            writes: write::WriteContext {
                clients: remote.clients,
                store: store.clone(),
                local_source: state.rules.source,
                actor: state.actor.clone(),
            },
            runner: tasks::TaskRunner::new(
                store.clone(),
                state.config.secret_env_vars(),
                tx.clone(),
            ),
            store,
            notifiers: state.config.notifier.clone(),
            report,
            polls: polls::Polls::default(),
        }
    }

    fn run(&self, effect: Effect) {
        match effect {
            Effect::Audit(record) => {
                if let Some(store) = &self.store {
                    store.audit_later(record);
                }
            }
            Effect::Write(w) => write::perform(self.writes.clone(), *w, self.tx.clone()),
            Effect::PollActivity { after } => {
                let Some(store) = &self.store else { return };
                self.polls.activity.read(
                    &self.tx,
                    || store.from_others(after),
                    |records| (!records.is_empty()).then_some(Msg::Activity(records)),
                );
            }
            Effect::Alerts(effect) => alerts::run(self, effect),
            Effect::Tasks(effect) => tasks::run_effect(self, effect),
            // Not printed: a task spec may carry secrets in its env.
            _ => tracing::error!("a terminal effect reached the executor"),
        }
    }
}

/// What the event loop does after `update`: the terminal's effects here, the
/// rest by the executor.
enum Next {
    Continue,
    Quit(i32),
}

async fn event_loop(
    term: &mut terminal::Tui,
    state: &mut AppState,
    styles: &Styles,
    clock: &dyn Clock,
    mut persistence: Option<&mut Persistence>,
) -> anyhow::Result<i32> {
    let mut last_prune: Option<Instant> = None;
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

    draw(term, state, styles)?;
    let executor = Executor::new(state, persistence.as_deref().map(|p| p.store.clone()), &tx);
    // Lets the end-to-end tests check that a panic gives the terminal back.
    #[cfg(debug_assertions)]
    if std::env::var_os("OPSDECK_TEST_PANIC").is_some() {
        panic!("deliberate panic requested by OPSDECK_TEST_PANIC");
    }
    if !state.tasks.is_empty()
        && let Some(p) = persistence.as_deref()
    {
        tasks::load_runs(&p.store, p.leadership.is_leader(), &tx);
    }
    let mut last_draw = Instant::now();
    let mut dirty = false;
    let code = 'events: loop {
        let next_frame = last_draw + FRAME_INTERVAL;
        let mut msgs = Vec::with_capacity(2);
        let msg = tokio::select! {
            _ = sleep_until(next_frame), if dirty => {
                draw_now(term, state, styles, &mut last_draw, &mut dirty)?;
                continue;
            }
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Resize(..))) => {
                    // Redraw at once on resize, not at the next frame slot.
                    term.autoresize()?;
                    draw_now(term, state, styles, &mut last_draw, &mut dirty)?;
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
                if let Some(p) = persistence.as_deref_mut()
                    && let Some(changed) = keep_leadership(p, &mut last_prune, clock)
                {
                    // Applied here, with its effects carried out like any message's.
                    msgs.push(changed);
                }
                Msg::Tick(clock.now())
            }
            _ = sigterm.recv() => Msg::Terminate(128 + 15),
            _ = sighup.recv() => Msg::Terminate(128 + 1),
            _ = sigint.recv() => Msg::Terminate(128 + 2),
        };
        // Samples already redraw (and move the clock) every refresh; a tick only
        // draws when nothing else did, e.g. to age a stale source.
        let was_tick = matches!(msg, Msg::Tick(_)) && msgs.is_empty();
        msgs.push(msg);
        for msg in msgs {
            for effect in update(state, msg) {
                match carry_out(
                    term,
                    state,
                    styles,
                    &executor,
                    effect,
                    &mut last_draw,
                    &mut dirty,
                )? {
                    Next::Continue => {}
                    Next::Quit(code) => break 'events code,
                }
            }
        }
        dirty |= !was_tick || last_draw.elapsed() >= Duration::from_millis(900);
    };
    // Runs still going are cancelled and their ends recorded before exit.
    executor.runner.shutdown().await;
    Ok(code)
}

/// One effect: the terminal's here, the rest by the executor.
fn carry_out(
    term: &mut terminal::Tui,
    state: &AppState,
    styles: &Styles,
    executor: &Executor,
    effect: Effect,
    last_draw: &mut Instant,
    dirty: &mut bool,
) -> std::io::Result<Next> {
    match effect {
        Effect::Quit(code) => return Ok(Next::Quit(code)),
        Effect::Suspend => {
            terminal::suspend(term)?;
            draw_now(term, state, styles, last_draw, dirty)?;
        }
        Effect::Redraw => {
            term.backend_mut().invalidate();
            term.clear()?;
            draw_now(term, state, styles, last_draw, dirty)?;
        }
        Effect::Bell => {
            use std::io::Write;
            let backend = term.backend_mut();
            let _ = backend.write_all(b"\x07").and_then(|()| backend.flush());
        }
        other => executor.run(other),
    }
    Ok(Next::Continue)
}

/// Polls the leadership lock (a follower takes over when the leader is gone) and,
/// while leading, prunes old history once an hour. Returns the change, if any.
fn keep_leadership(
    p: &mut Persistence,
    last_prune: &mut Option<Instant>,
    clock: &dyn Clock,
) -> Option<Msg> {
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
    if leads == was {
        return None;
    }
    tracing::info!(
        "leadership: this opsdeck {}",
        if leads { "now leads" } else { "follows" }
    );
    Some(Msg::Leadership(leads))
}

/// Draws a frame now and notes that the screen is up to date.
fn draw_now(
    term: &mut terminal::Tui,
    state: &AppState,
    styles: &Styles,
    last_draw: &mut Instant,
    dirty: &mut bool,
) -> std::io::Result<()> {
    draw(term, state, styles)?;
    *last_draw = Instant::now();
    *dirty = false;
    Ok(())
}

/// Draws a frame; the backend writes only what changed, as one synchronized update.
fn draw(term: &mut terminal::Tui, state: &AppState, styles: &Styles) -> std::io::Result<()> {
    logging::move_events();
    term.draw(|frame| crate::ui::draw(frame, state, styles))
        .map(drop)
}
