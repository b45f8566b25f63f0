//! Keys and actions: an open dialog or the `/` prompt takes keys first; else
//! the keymap turns a key into an `Action`. Write actions go to `dispatch`,
//! the rest move the view (`navigation`).

use super::action::{Action, PaneId};
use super::dispatch;
use super::navigation;
use super::state::{AppState, Overlay};
use super::update::Effect;
use crossterm::event::{KeyEvent, KeyEventKind};

pub fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    match &mut state.view.overlay {
        Some(Overlay::Confirm(_)) => dispatch::confirm_key(state, key),
        Some(Overlay::FilterInput(_)) => {
            super::filter_prompt::on_key(state, key);
            Vec::new()
        }
        _ => match state.keymap.action_for(&key) {
            Some(action) => on_action(state, action),
            None => Vec::new(),
        },
    }
}

pub fn on_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    // A task's details list its runs: moving picks the run whose output shows.
    if matches!(state.view.overlay, Some(Overlay::Details))
        && state.view.focus == PaneId::Tasks
        && navigation::is_move(action)
    {
        return super::tasks::move_run_selection(state, action);
    }
    // An alert's details scroll: a long label or annotation shows in full.
    if matches!(state.view.overlay, Some(Overlay::Details))
        && state.view.focus == PaneId::Alerts
        && navigation::is_move(action)
    {
        navigation::scroll_details(state, action);
        return Vec::new();
    }
    // A recovery run's view: `x` asks whether to abort it; other keys close
    // the view (the run goes on).
    if matches!(
        state.view.overlay,
        Some(Overlay::Recovery(_) | Overlay::StoredRecovery(_))
    ) && !matches!(
        action,
        Action::CancelTask | Action::Quit | Action::Suspend | Action::Pause | Action::Redraw
    ) {
        state.view.overlay = None;
        return Vec::new();
    }
    // The hand-over summary scrolls.
    if matches!(state.view.overlay, Some(Overlay::Report)) && navigation::is_move(action) {
        navigation::scroll_details(state, action);
        return Vec::new();
    }
    // While help or details are open, any bound key other than quit closes them first.
    if matches!(
        state.view.overlay,
        Some(Overlay::Help | Overlay::Details | Overlay::Report)
    ) && !matches!(
        action,
        Action::Quit | Action::Suspend | Action::Pause | Action::Redraw
    ) {
        let toggled_same = matches!(
            (&state.view.overlay, action),
            (Some(Overlay::Help), Action::Help)
                | (Some(Overlay::Details), Action::Details)
                | (Some(Overlay::Report), Action::Handover)
        );
        state.view.overlay = None;
        if toggled_same || matches!(action, Action::Overview) {
            return Vec::new();
        }
    }
    if action.is_write() {
        return dispatch::open(state, action);
    }
    match action {
        Action::Quit => quit(state),
        Action::Suspend => vec![Effect::Suspend],
        Action::Redraw => vec![Effect::Redraw],
        Action::Details => navigation::details(state),
        Action::Handover => super::report::open(state),
        _ => {
            navigation::on_view_action(state, action);
            Vec::new()
        }
    }
}

/// Quitting stops this opsdeck's running task runs: ask first, unless nobody
/// is there to answer (wall mode).
fn quit(state: &mut AppState) -> Vec<Effect> {
    let tasks = state.tasks.scheduler.running_count();
    let recoveries = state
        .recoveries
        .runs
        .iter()
        .filter(|r| r.outcome.is_none())
        .count();
    let running = tasks + recoveries;
    if running == 0 || state.mode.wall {
        return vec![Effect::Quit(0)];
    }
    let count = |n: usize, what: &str| match n {
        0 => None,
        1 => Some(format!("1 {what}")),
        n => Some(format!("{n} {what}s")),
    };
    let runs: Vec<String> = [count(tasks, "task run"), count(recoveries, "recovery run")]
        .into_iter()
        .flatten()
        .collect();
    let notes = vec![
        format!(
            "This opsdeck has {} going. Quitting cancels them",
            runs.join(" and ")
        ),
        "(their process groups are stopped and the runs recorded as cancelled or aborted)."
            .to_string(),
    ];
    let dialog = super::confirm::Confirm::new(
        super::confirm::Draft::Quit(running),
        "Quit?".into(),
        Vec::new(),
    )
    .notes(notes)
    .keys("or q quit", "stay");
    state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
    Vec::new()
}
