//! `opsdeck` with no command: the live dashboard.

use super::session;
use crate::app::AppState;
use crate::app::state::{Mode, StatusKind};
use crate::cli::Cli;
use crate::clock::{Clock, SystemClock};
use crate::collect::local;
use crate::config::paths::Paths;
use crate::runtime;
use crate::store::NewAudit;
use std::io::IsTerminal;

pub fn run(cli: &Cli, paths: &Paths) -> anyhow::Result<i32> {
    crate::engine::tasks::schedule::look_up_local_zone_meanwhile();
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
    // Who leads is known before the first frame, which shows it. The database
    // is opened on a thread of its own (creating and migrating one takes
    // longer than drawing the first frame) and waited for once that frame is
    // on screen.
    let store = if cli.no_store {
        None
    } else {
        Some((
            session::lead(paths, cli.read_only())?,
            session::OpeningStore::start(paths),
        ))
    };
    let retention = config.general.retention;
    let log_warning = runtime::logging::init(&paths.log_file());
    let mode = Mode {
        read_only: cli.read_only(),
        wall: cli.wall,
    };
    let mut state = initial_state(config, mode, &actor, &clock);
    if let Some((leadership, _)) = &store {
        state.set_role(leadership.role());
    }
    announce(&mut state, &source, &styles, log_warning);
    // A panic (the hook has given the terminal back) still ends the session
    // and closes the database; then it goes on, exit code 101.
    let mut persistence = None;
    let open_store = store.map(|(leadership, opening)| {
        let session = session::Session {
            actor: &actor,
            cli,
            clock: &clock,
            retention,
        };
        Box::new(move || opening.finish(leadership, &session)) as runtime::OpenStore<'_>
    });
    let run = std::panic::AssertUnwindSafe(|| {
        runtime::run(state, &styles, &clock, &mut persistence, open_store)
    });
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
        session::end(
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

/// The state before the first frame: the config, this host, the sources.
fn initial_state(
    config: crate::config::Config,
    mode: Mode,
    actor: &str,
    clock: &dyn Clock,
) -> AppState {
    let mut remote = runtime::remote::sources(&config);
    let rules = crate::app::local_rules::LocalRules::attach(&config, &mut remote);
    let mut state = AppState::new(config, mode, local::host_info(), clock.now());
    state.local_offset = *chrono::Local::now().offset();
    state.actor = actor.to_string();
    state.remote = remote;
    state.rules = rules;
    state
}

/// Says in the log what started, and shows a problem with the log file.
fn announce(
    state: &mut AppState,
    source: &super::Source,
    styles: &crate::ui::theme::Styles,
    log_warning: Option<String>,
) {
    tracing::info!(
        "opsdeck {} started: config {}, theme {}, {} colours{}",
        env!("CARGO_PKG_VERSION"),
        source.name,
        state.config.ui.theme,
        styles.depth.name(),
        if state.mode.read_only {
            ", read-only"
        } else {
            ""
        }
    );
    if let Some(warning) = log_warning {
        tracing::warn!("{warning}");
        state.set_status(StatusKind::Warning, warning);
    }
}
