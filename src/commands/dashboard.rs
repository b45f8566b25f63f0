//! `opsdeck` with no command: the live dashboard.

use crate::app::AppState;
use crate::app::state::{Mode, StatusKind};
use crate::cli::Cli;
use crate::clock::{Clock, SystemClock};
use crate::collect::local;
use crate::config::General;
use crate::config::paths::Paths;
use crate::runtime;
use crate::store::leader::{Leadership, Role};
use crate::store::writer::StoreHandle;
use crate::store::{NewAudit, Store};
use std::io::IsTerminal;

pub fn run(cli: &Cli, paths: &Paths) -> anyhow::Result<i32> {
    // The TUI never starts on a broken config: load everything first.
    let source = super::read_source(paths)?;
    let config = super::load(cli, &source)?;
    let styles = super::styles(cli, &config, paths, &source)?;
    anyhow::ensure!(
        std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        "the dashboard needs a terminal; for a one-shot report use `opsdeck snapshot`"
    );
    let clock = SystemClock;
    let actor = super::actor(&config);
    // Opened before the terminal is taken, so a store problem is a plain error.
    let mut persistence = if cli.no_store {
        None
    } else {
        Some(open_store(paths, &config.general, &actor, cli, &clock)?)
    };
    let log_warning = runtime::logging::init(&paths.log_file());
    let mode = Mode {
        read_only: cli.read_only || cli.wall,
        wall: cli.wall,
    };
    let mut remote = runtime::remote::sources(&config);
    let rules = crate::app::local_rules::LocalRules::attach(&config, &mut remote);
    let mut state = AppState::new(config, mode, local::host_info(), clock.now());
    state.local_offset = *chrono::Local::now().offset();
    state.actor = actor.clone();
    state.remote = remote;
    state.rules = rules;
    if let Some(p) = &persistence {
        // Others' activity is shown from this session's start on, not replayed.
        state.activity_after = p.started_at_id;
        state.set_role(p.leadership.role());
    }
    tracing::info!(
        "opsdeck {} started: config {}, theme {}, {} colours{}",
        env!("CARGO_PKG_VERSION"),
        source.name,
        state.config.ui.theme,
        styles.depth.name(),
        if mode.read_only { ", read-only" } else { "" }
    );
    if let Some(warning) = log_warning {
        tracing::warn!("{warning}");
        state.set_status(StatusKind::Warning, warning);
    }
    // A panic (the hook has given the terminal back) still ends the session
    // and closes the database; then it goes on, exit code 101.
    let run =
        std::panic::AssertUnwindSafe(|| runtime::run(state, &styles, &clock, persistence.as_mut()));
    let (result, panic) = match std::panic::catch_unwind(run) {
        Ok(result) => (result, None),
        Err(payload) => (Err(anyhow::anyhow!("panic")), Some(payload)),
    };
    let outcome = match &result {
        Ok(code) => format!("exit code {code}"),
        Err(e) => format!("error: {e:#}"),
    };
    tracing::info!("opsdeck stopped ({outcome})");
    if let Some(p) = persistence {
        end_session(
            p,
            NewAudit::event(clock.now(), &actor, "session.end", &outcome),
        );
    }
    // The log file is written as events move out of the hot buffer; flush them.
    runtime::logging::move_events();
    if let Some(payload) = panic {
        std::panic::resume_unwind(payload);
    }
    result
}

/// Records the session's end and closes the database, both committed before
/// the process exits: the end of a session is never lost, and the .db file
/// alone is then a full copy of the state (checkpointed).
fn end_session(p: runtime::Persistence, end: NewAudit) {
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

/// Opens the state database, records the session start, and starts the store
/// thread and the leadership lock beside the database.
fn open_store(
    paths: &Paths,
    general: &General,
    actor: &str,
    cli: &Cli,
    clock: &dyn Clock,
) -> anyhow::Result<runtime::Persistence> {
    let db = paths.database();
    let store = Store::open(&db)?;
    let read_only = cli.read_only || cli.wall;
    // A read-only opsdeck changes nothing, so it never leads: it only looks.
    let mut leadership = Leadership::new(&db.with_extension("lock"), !read_only);
    let leads = leadership
        .poll()
        .map_err(|e| anyhow::anyhow!("cannot use the lock file beside {}: {e}", db.display()))?
        == Role::Leader;
    let start =
        NewAudit::event(clock.now(), actor, "session.start", "ok").with_params(serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "read_only": read_only,
            "wall": cli.wall,
            "leader": leads,
        }));
    let start_id = store.append_audit(&start)?;
    Ok(runtime::Persistence {
        started_at_id: start_id,
        store: StoreHandle::spawn(store)?,
        leadership,
        retention: general.retention,
    })
}
