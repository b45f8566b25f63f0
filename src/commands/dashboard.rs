//! `opsdeck` with no command: the live dashboard.

use crate::app::AppState;
use crate::app::state::{Mode, StatusKind};
use crate::cli::Cli;
use crate::clock::{Clock, SystemClock};
use crate::collect::local;
use crate::config::paths::Paths;
use crate::runtime;
use std::io::IsTerminal;

pub fn run(cli: &Cli, paths: &Paths) -> anyhow::Result<i32> {
    // The TUI never starts on a broken config: load everything first.
    let source = super::read_source(paths)?;
    let loaded = super::load(cli, paths)?;
    let styles = super::styles(cli, &loaded, paths, &source)?;
    anyhow::ensure!(
        std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        "the dashboard needs a terminal; for a one-shot report use `opsdeck snapshot`"
    );
    let log_warning = runtime::logging::init(&paths.log_file());
    let clock = SystemClock;
    let mode = Mode {
        read_only: cli.read_only || cli.wall,
        wall: cli.wall,
    };
    let mut state = AppState::new(
        loaded.config,
        loaded.keymap,
        styles,
        mode,
        local::host_info(),
        clock.now(),
    );
    state.local_offset = *chrono::Local::now().offset();
    tracing::info!(
        "opsdeck {} started: config {}, theme {}, {} colours{}",
        env!("CARGO_PKG_VERSION"),
        source.name,
        state.config.ui.theme,
        state.styles.depth.name(),
        if mode.read_only { ", read-only" } else { "" }
    );
    if let Some(warning) = log_warning {
        tracing::warn!("{warning}");
        state.set_status(StatusKind::Warning, warning);
    }
    let code = runtime::run(state, &clock)?;
    tracing::info!("opsdeck stopped (exit code {code})");
    // The log file is written as events move out of the hot buffer; flush them.
    runtime::logging::move_events();
    Ok(code)
}
