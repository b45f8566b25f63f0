//! The Resources pane's cursor goes on from the last process into the Checks
//! section (as it is drawn, under the processes); Enter on a check opens its
//! details, which stay on that check.

use crate::app::PaneId;
use crate::app::state::AppState;

/// A check as the cursor and the details name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckId {
    /// The built-in host check.
    Host,
    /// A `[[health_check]]`, by its index in the config.
    Check(usize),
}

/// The checks in the Checks section's order (the host's first); none when
/// there is no section (no `[[health_check]]`: the header has the host).
pub fn rows(state: &AppState) -> Vec<CheckId> {
    let health = &state.health;
    if health.checks.is_empty() {
        return Vec::new();
    }
    let host = health.host.is_some().then_some(CheckId::Host);
    host.into_iter()
        .chain((0..health.checks.len()).map(CheckId::Check))
        .collect()
}

/// The check under the Resources pane's cursor, when it is past the processes.
pub fn selected(state: &AppState) -> Option<CheckId> {
    let selected = state.list(PaneId::Resources).selected;
    let row = selected.checked_sub(state.visible_processes().len())?;
    rows(state).get(row).copied()
}

/// Enter on the Resources pane: a check's details when the cursor is on one.
pub fn open_details(state: &mut AppState) -> bool {
    state.health.details = selected(state);
    state.health.details.is_some()
}
