//! Actions that move the view and change nothing outside it: zoom, focus,
//! cursor, filter, details, pause, the Log's levels.

use super::action::{Action, PaneId};
use super::process_cursor;
use super::state::{AppState, Overlay, StatusKind};
use super::update::Effect;
use tui_logger::{LevelFilter, TuiWidgetEvent, TuiWidgetState};

/// Rows a page key moves.
pub const PAGE: usize = 10;

pub fn is_move(action: Action) -> bool {
    matches!(
        action,
        Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown
    )
}

pub fn on_view_action(state: &mut AppState, action: Action) {
    let focus = state.view.focus;
    match action {
        // A wall display shows no dialogs: nobody is there to close them.
        Action::Help if state.mode.wall => {}
        Action::Help => state.view.overlay = Some(Overlay::Help),
        Action::Zoom(pane) => {
            state.view.zoom = Some(pane);
            state.view.focus = pane;
        }
        Action::Overview => {
            if state.view.zoom.is_none() && state.list(focus).filter.is_some() {
                // Esc in the overview clears the focused filter before anything else.
                state.list_mut(focus).filter = None;
                if focus == PaneId::Resources {
                    process_cursor::follow(state);
                }
                if focus == PaneId::Alerts {
                    super::alerts::view::refilter(state);
                }
                state.set_status(
                    StatusKind::Info,
                    format!("{}: filter cleared", focus.title()),
                );
            }
            state.view.zoom = None;
        }
        Action::FocusNext | Action::FocusPrev => {
            let order = PaneId::ALL;
            let i = order.iter().position(|p| *p == focus).unwrap_or(0);
            let n = order.len();
            let next = if action == Action::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            state.view.focus = order[next];
            if state.view.zoom.is_some() {
                state.view.zoom = Some(state.view.focus);
            }
        }
        a if is_move(a) => move_selection(state, a),
        Action::Filter => super::filter_prompt::open(state),
        Action::Pause => super::resources::toggle_pause(state),
        Action::LogMore | Action::LogLess => change_log_level(state, action == Action::LogMore),
        // Quit, suspend, redraw, details and the writes are handled by `input`.
        _ => {}
    }
}

/// Enter: details of the selected row (not on a wall display).
pub fn details(state: &mut AppState) -> Vec<Effect> {
    let focus = state.view.focus;
    if state.mode.wall || state.row_count(focus) == 0 {
        return Vec::new();
    }
    clamp_selection(state, focus);
    if focus == PaneId::Tasks
        && let Some(run) = super::runbooks::selected_run(state)
    {
        return super::runbooks::open_run(state, &run);
    }
    state.view.overlay = Some(Overlay::Details);
    state.view.details_scroll = 0;
    state.view.details_scroll_max.set(u16::MAX);
    match focus {
        PaneId::Alerts => super::alerts::update::open_details(state),
        PaneId::Resources => {
            if !super::health::open_details(state) {
                process_cursor::open_details(state);
            }
            Vec::new()
        }
        PaneId::Tasks => {
            state.tasks.detail_run = 0;
            state.tasks.output_scroll = 0;
            super::tasks::load_selected_output(state)
        }
        _ => Vec::new(),
    }
}

/// Up/Down a row, PgUp/PgDn a page, Home/End to the ends of the details.
pub fn scroll_details(state: &mut AppState, action: Action) {
    let view = &mut state.view;
    let page = PAGE as u16;
    let scroll = match action {
        Action::Up => view.details_scroll.saturating_sub(1),
        Action::Down => view.details_scroll.saturating_add(1),
        Action::PageUp => view.details_scroll.saturating_sub(page),
        Action::PageDown => view.details_scroll.saturating_add(page),
        Action::Top => 0,
        _ => u16::MAX,
    };
    // Never past the end: PgUp after the end moves at once.
    view.details_scroll = scroll.min(view.details_scroll_max.get());
}

fn change_log_level(state: &mut AppState, more: bool) {
    let levels = [
        LevelFilter::Error,
        LevelFilter::Warn,
        LevelFilter::Info,
        LevelFilter::Debug,
        LevelFilter::Trace,
    ];
    let i = levels
        .iter()
        .position(|l| *l == state.view.log_level)
        .unwrap_or(2);
    let j = if more {
        (i + 1).min(levels.len() - 1)
    } else {
        i.saturating_sub(1)
    };
    state.view.log_level = levels[j];
    state.view.log_view = TuiWidgetState::new().set_default_display_level(state.view.log_level);
    state.view.log_scroll_keys = false;
    state.set_status(
        StatusKind::Info,
        format!("Log: showing {} and above", state.view.log_level),
    );
}

fn move_selection(state: &mut AppState, action: Action) {
    let focus = state.view.focus;
    if focus == PaneId::Log {
        let event = match action {
            Action::Up | Action::PageUp => TuiWidgetEvent::PrevPageKey,
            Action::Down | Action::PageDown => TuiWidgetEvent::NextPageKey,
            _ => TuiWidgetEvent::EscapeKey,
        };
        state.view.log_scroll_keys = event != TuiWidgetEvent::EscapeKey;
        state.view.log_view.transition(event);
        return;
    }
    let count = state.row_count(focus);
    let view = state.list_mut(focus);
    let last = count.saturating_sub(1);
    view.selected = match action {
        Action::Up => view.selected.saturating_sub(1),
        Action::Down => (view.selected + 1).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageUp => view.selected.saturating_sub(PAGE),
        _ => (view.selected + PAGE).min(last),
    };
    if focus == PaneId::Resources {
        process_cursor::pick(state);
    }
}

pub fn clamp_selection(state: &mut AppState, pane: PaneId) {
    let last = state.row_count(pane).saturating_sub(1);
    let view = state.list_mut(pane);
    view.selected = view.selected.min(last);
}
