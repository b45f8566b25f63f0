//! The runtime: owns the terminal, the state and the styles, feeds messages to `update`, runs
//! the effects it returns, and draws when something changed (coalesced, at most
//! 10 frames per second, with synchronized output).
//!
//! Each feature's effects are carried out in its own module (`alerts`,
//! `tasks`); every write goes through `write`, the one audited wrapper; store
//! reads that `update` asks for on a tick go through `polls`.

mod alerts;
pub mod allocator;
pub mod backend;
mod collectors;
pub mod health;
mod inputs;
mod log_layer;
pub mod logging;
pub mod notify;
mod polls;
pub mod process;
mod recovery;
pub mod remote;
pub mod report;
pub mod runbooks;
pub mod scaling;
mod screen;
pub mod signals;
mod tasks;
pub use tasks::{record_outcome, task_command};
pub mod terminal;
mod write;

use crate::app::{AppState, Effect, Msg, update};
use crate::clock::Clock;
use crate::store::leader::{Leadership, Role};
use crate::store::writer::StoreHandle;
use crate::ui::theme::Styles;
use inputs::Input;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The state database as the running dashboard uses it.
pub struct Persistence {
    /// The id of this session's `session.start` record.
    pub started_at_id: i64,
    pub store: StoreHandle,
    pub leadership: Leadership,
    pub retention: Duration,
}

/// Opens the state database; called once the first frame is on screen.
pub type OpenStore<'a> = Box<dyn FnOnce() -> anyhow::Result<Persistence> + 'a>;

/// How often the leader prunes history older than `general.retention`.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Runs the dashboard until quit; returns the process exit code.
pub fn run(
    mut state: AppState,
    styles: &Styles,
    clock: &dyn Clock,
    persistence: &mut Option<Persistence>,
    open_store: Option<OpenStore<'_>>,
) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // A LocalSet, so the remote pollers can run as local tasks.
    tokio::task::LocalSet::new().block_on(&rt, async {
        // Caught before the terminal is taken, so none can leave it raw.
        let signals = signals::Terminating::new()?;
        terminal::install_panic_hook();
        let mut term = terminal::enter()?;
        let store = StoreSlot {
            persistence,
            open: open_store,
        };
        let result = event_loop(&mut term, &mut state, styles, clock, store, signals).await;
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
    pub recovery: recovery::RecoveryRunner,
    pub health: health::Prober,
    pub scaling: scaling::ScalingRunner,
    pub notifiers: Vec<crate::config::notifier::Notifier>,
    /// Deliveries report to the notifiers' health marks.
    pub report: Option<notify::Report>,
    pub polls: polls::Polls,
    /// Read by the local collector before each sample.
    pub kept_pid: collectors::KeptPid,
}

impl Executor {
    fn new(
        state: &AppState,
        store: Option<StoreHandle>,
        tx: &mpsc::Sender<Msg>,
        kept_pid: collectors::KeptPid,
    ) -> Self {
        // Remote clients after the first frame: TLS setup reads the system's CA store.
        let remote = remote::connect(&state.config);
        let prometheus = remote.clients.prometheus.clone();
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
            recovery: recovery::RecoveryRunner::new(
                store.clone(),
                state.config.notifier.clone(),
                state.config.secret_env_vars(),
                tx.clone(),
            ),
            health: health::Prober::new(
                state.config.health_checks(),
                state.config.secret_env_vars(),
                tx.clone(),
            ),
            scaling: scaling::ScalingRunner::new(
                &state.config,
                prometheus,
                store.clone(),
                tx.clone(),
            ),
            store,
            notifiers: state.config.notifier.clone(),
            report,
            polls: polls::Polls::default(),
            kept_pid,
        }
    }

    fn run(&self, effect: Effect) {
        match effect {
            Effect::Audit(mut record) => {
                if let Some(store) = &self.store {
                    // As the write wrapper stamps intents: the time it is
                    // written, so an outcome never sorts before its intent
                    // (`update` knows only the last tick's time).
                    record.at = record.at.max(chrono::Utc::now());
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
            Effect::Runbooks(effect) => recovery::run_effect(self, effect),
            Effect::Health(crate::app::health::Effect::Probe(check)) => self.health.probe(check),
            Effect::Health(crate::app::health::Effect::Record(change)) => {
                if let Some(store) = &self.store {
                    // Not waited for: an observation, logged if it fails.
                    drop(store.call("health change", move |s| s.insert_health_change(&change)));
                }
            }
            Effect::Scaling(effect) => self.scaling.run(effect),
            Effect::Report(effect) => report::run_effect(self, effect),
            Effect::KeepProcess(pid) => self
                .kept_pid
                .store(pid.unwrap_or(0), std::sync::atomic::Ordering::Relaxed),
            // Not printed: a task spec may carry secrets in its env.
            _ => tracing::error!("a terminal effect reached the executor"),
        }
    }
}

/// The state database: where it goes once open, and how to open it.
struct StoreSlot<'p, 'o> {
    persistence: &'p mut Option<Persistence>,
    open: Option<OpenStore<'o>>,
}

impl<'p> StoreSlot<'p, '_> {
    /// Waits for the database being opened (nothing after the first frame
    /// runs without it).
    fn opened(self, state: &mut AppState) -> anyhow::Result<&'p mut Option<Persistence>> {
        if let Some(open) = self.open {
            let p = self.persistence.insert(open()?);
            // Others' activity is shown from this session's start on, not replayed.
            state.activity_after = p.started_at_id;
        }
        Ok(self.persistence)
    }
}

async fn event_loop(
    term: &mut terminal::Tui,
    state: &mut AppState,
    styles: &Styles,
    clock: &dyn Clock,
    store: StoreSlot<'_, '_>,
    signals: signals::Terminating,
) -> anyhow::Result<i32> {
    let mut last_prune: Option<Instant> = None;
    let (tx, rx) = mpsc::channel::<Msg>(64);
    let refresh = state.config.general.refresh;
    let kept_pid = collectors::KeptPid::default();
    let top_n = state.config.ui.processes;
    collectors::spawn_local(top_n, refresh, kept_pid.clone(), tx.clone());
    let mut inputs = inputs::Inputs::new(rx, signals);
    let mut screen = screen::Screen::new(term, styles);
    screen.draw_now(state)?;
    let persistence = store.opened(state)?;
    let store = persistence.as_ref().map(|p| p.store.clone());
    let executor = Executor::new(state, store, &tx, kept_pid);
    // Lets the end-to-end tests check that a panic gives the terminal back.
    #[cfg(debug_assertions)]
    if std::env::var_os("OPSDECK_TEST_PANIC").is_some() {
        panic!("deliberate panic requested by OPSDECK_TEST_PANIC");
    }
    if !state.tasks.is_empty()
        && let Some(p) = persistence.as_ref()
    {
        tasks::load_runs(&p.store, p.leadership.is_leader(), &tx);
    }
    let code = loop {
        let mut msgs = Vec::with_capacity(2);
        match inputs.next(screen.frame_due()).await {
            Input::Frame => screen.draw_now(state)?,
            Input::Resize => screen.resized(state)?,
            Input::Nothing => {}
            Input::Msg(msg) => msgs.push(msg),
            Input::Tick => {
                logging::rotate_if_due();
                if let Some(p) = persistence.as_mut()
                    && let Some(changed) = keep_leadership(p, &mut last_prune, clock)
                {
                    // Applied here, with its effects carried out like any message's.
                    msgs.push(changed);
                }
                msgs.push(Msg::Tick(clock.now()));
            }
        }
        if msgs.is_empty() {
            continue;
        }
        let only_a_tick = matches!(msgs.as_slice(), [Msg::Tick(_)]);
        if let Some(code) = apply(state, &mut screen, &executor, msgs)? {
            break code;
        }
        screen.changed(only_a_tick);
    };
    // Runs still going are cancelled and their ends recorded before exit.
    executor.runner.shutdown().await;
    executor.recovery.shutdown().await;
    Ok(code)
}

/// Applies messages and carries out every effect they return: the terminal's
/// on the screen, the rest by the executor. `Some(code)`: quit.
fn apply(
    state: &mut AppState,
    screen: &mut screen::Screen,
    executor: &Executor,
    msgs: Vec<Msg>,
) -> std::io::Result<Option<i32>> {
    for msg in msgs {
        for effect in update(state, msg) {
            match screen.carry_out(state, effect)? {
                Some(Effect::Quit(code)) => return Ok(Some(code)),
                Some(other) => executor.run(other),
                None => {}
            }
        }
    }
    Ok(None)
}

/// Polls the leadership lock (a follower takes over when the leader is gone;
/// a read-only one only sees who leads) and, while leading, prunes old
/// history once an hour. Returns the change, if any.
fn keep_leadership(
    p: &mut Persistence,
    last_prune: &mut Option<Instant>,
    clock: &dyn Clock,
) -> Option<Msg> {
    let was = p.leadership.role();
    let role = match p.leadership.poll() {
        Ok(role) => role,
        // As it was: a leader never gets here, and a follower tries again.
        Err(e) => {
            tracing::warn!("cannot check leadership: {e}");
            was
        }
    };
    let leads = role == Role::Leader;
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
    if role == was {
        return None;
    }
    match role {
        Role::Leader => tracing::info!("leadership: this opsdeck now leads"),
        Role::Follower { leader: Some(pid) } => {
            tracing::info!("leadership: opsdeck pid {pid} leads")
        }
        Role::Follower { leader: None } => tracing::info!("leadership: no opsdeck leads"),
    }
    Some(Msg::Leadership(role))
}
