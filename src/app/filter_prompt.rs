//! The `/` prompt: the focused list is filtered as the operator types. While
//! the text does not parse, the last filter that did stays applied and the
//! prompt shows what is wrong, with its column. Enter keeps the filter (not
//! while the text is wrong), Esc puts back the filter from before `/`.

use super::action::PaneId;
use super::filter::{Fields, Filter, Problem};
use super::state::{AppState, ListView, Overlay, StatusKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The prompt's state while it is open.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPrompt {
    pub text: String,
    /// The list's filter and cursor when `/` was pressed: Esc puts them back.
    pub before: ListView,
    /// What is wrong with `text`: an error (not applied) or a warning.
    pub problem: Option<Problem>,
}

/// Process rows' fields (`ProcessRow`'s `Filterable`).
pub const PROCESS_FIELDS: &[&str] = &["pid", "user", "command", "cmd"];
/// Task rows' fields (`TaskRow`'s `Filterable`).
pub const TASK_FIELDS: &[&str] = &["id", "name", "category", "priority", "state"];

pub fn open(state: &mut AppState) {
    let focus = state.view.focus;
    if focus == PaneId::Log {
        state.set_status(StatusKind::Info, "Log: use + / - to choose levels");
        return;
    }
    let before = state.list(focus).clone();
    let text = before
        .filter
        .as_ref()
        .map(Filter::source)
        .unwrap_or_default();
    state.view.overlay = Some(Overlay::FilterInput(FilterPrompt {
        text,
        before,
        problem: None,
    }));
}

pub fn on_key(state: &mut AppState, key: KeyEvent) {
    let Some(Overlay::FilterInput(prompt)) = &mut state.view.overlay else {
        return;
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => cancel(state),
        KeyCode::Char('c') if ctrl => cancel(state),
        // Wrong text is never applied on Enter: the prompt stays with its error.
        KeyCode::Enter if prompt.problem.as_ref().is_some_and(|p| p.error) => {}
        KeyCode::Enter => state.view.overlay = None,
        KeyCode::Backspace => {
            prompt.text.pop();
            retyped(state);
        }
        KeyCode::Char('u') if ctrl => {
            prompt.text.clear();
            retyped(state);
        }
        KeyCode::Char(c) if !ctrl => {
            prompt.text.push(c);
            retyped(state);
        }
        _ => {}
    }
}

fn cancel(state: &mut AppState) {
    if let Some(Overlay::FilterInput(prompt)) = state.view.overlay.take() {
        *state.list_mut(state.view.focus) = prompt.before;
        if state.view.focus == PaneId::Alerts {
            super::alerts::view::refilter(state);
        }
    }
}

/// The text changed: apply it if it parses, else say why not.
fn retyped(state: &mut AppState) {
    let focus = state.view.focus;
    let Some(Overlay::FilterInput(prompt)) = &state.view.overlay else {
        return;
    };
    let checked = Filter::check(&prompt.text, || fields(state, focus));
    let Some(Overlay::FilterInput(prompt)) = &mut state.view.overlay else {
        return;
    };
    let applied = match checked {
        Ok(checked) => {
            prompt.problem = checked.warning;
            checked.filter
        }
        Err(problem) => {
            prompt.problem = Some(problem);
            return;
        }
    };
    let view = state.list_mut(focus);
    if view.filter != applied {
        view.filter = applied;
        view.selected = 0;
        // The followed process stays selected if the filter shows it.
        if focus == PaneId::Resources {
            super::process_cursor::follow(state);
        }
        if focus == PaneId::Alerts {
            super::alerts::view::refilter(state);
        }
    }
}

/// What the rows of `pane` can be filtered on.
fn fields(state: &AppState, pane: PaneId) -> Fields {
    match pane {
        PaneId::Resources => Fields::Fixed(PROCESS_FIELDS),
        PaneId::Tasks => Fields::Fixed(TASK_FIELDS),
        PaneId::Alerts => {
            // Borrowed while collecting: a storm repeats the same few names.
            let names: std::collections::BTreeSet<&str> = state
                .remote
                .alerts
                .iter()
                .flat_map(|a| a.labels.keys())
                .chain(["state"])
                .collect();
            Fields::Labels(names.into_iter().map(str::to_owned).collect())
        }
        PaneId::Scaling | PaneId::Log => Fields::Fixed(&[]),
    }
}
