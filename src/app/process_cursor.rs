//! The process list's cursor follows a process, not a row number. The list is
//! sorted by CPU again every sample, and a cursor that kept its row moved to
//! four different processes in 6 s, the details dialog with it. As in htop,
//! once the operator has moved the cursor or opened details, it stays on that
//! pid wherever it sorts; the collector is asked to keep that process listed
//! when it is no longer among the busiest, so a process that is missing from a
//! sample has ended. Until the operator picks one, the cursor keeps its row
//! (the busiest process first), and nothing is announced.

use super::action::PaneId;
use super::state::{AppState, Overlay, StatusKind};
use super::update::{Effect, clamp_selection};
use crate::collect::model::ProcessRow;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessCursor {
    /// The process the cursor is on, as last seen; None until the operator
    /// picks one.
    pub followed: Option<ProcessRow>,
    /// The pid the collector was last asked to keep listed.
    pub kept: Option<u32>,
    /// The process whose details are open: the one they were opened on, always.
    pub details: Option<ProcessDetails>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProcessDetails {
    /// As last seen.
    pub row: ProcessRow,
    /// When the first sample without it was taken.
    pub ended_at: Option<DateTime<Utc>>,
}

/// The operator moved the cursor: it follows the process it is on now.
pub fn pick(state: &mut AppState) {
    state.view.process.followed = row_at_cursor(state);
}

/// Enter on a process: its details, which stay on it.
pub fn open_details(state: &mut AppState) {
    pick(state);
    state.view.process.details = state
        .view
        .process
        .followed
        .clone()
        .map(|row| ProcessDetails {
            row,
            ended_at: None,
        });
}

/// The list changed under the cursor (new samples, a filter): the cursor goes
/// where its process is now; when that process has ended, it stays on its row
/// and says so.
pub fn follow(state: &mut AppState) {
    update_details(state);
    let Some(followed) = state.view.process.followed.clone() else {
        clamp_selection(state, PaneId::Resources);
        return;
    };
    let visible = state.visible_processes();
    if let Some(i) = visible.iter().position(|p| p.pid == followed.pid) {
        let row = visible[i].clone();
        state.list_mut(PaneId::Resources).selected = i;
        state.view.process.followed = Some(row);
        return;
    }
    clamp_selection(state, PaneId::Resources);
    let (listed, ended_at) = where_is(state, followed.pid);
    if listed || ended_at.is_some() {
        // Hidden by the filter, or gone: the cursor is on another process now.
        state.view.process.followed = row_at_cursor(state);
    }
    if ended_at.is_some() && state.view.focus == PaneId::Resources {
        let name = short_name(&followed.command);
        let text = format!("process {} ({name}) ended", followed.pid);
        state.set_status(StatusKind::Info, text);
    }
    // Else it left the busiest before the collector was asked to keep it:
    // the next sample lists it, or says that it ended.
}

/// After every message: the collector keeps the followed process listed.
pub fn keep_followed(state: &mut AppState) -> Option<Effect> {
    let pid = state.view.process.followed.as_ref().map(|p| p.pid);
    let cursor = &mut state.view.process;
    (cursor.kept != pid).then(|| {
        cursor.kept = pid;
        Effect::KeepProcess(pid)
    })
}

/// The open details take the newest figures of their process, or mark it ended.
fn update_details(state: &mut AppState) {
    let open = state.view.focus == PaneId::Resources
        && matches!(state.view.overlay, Some(Overlay::Details));
    if !open {
        state.view.process.details = None;
        return;
    }
    let Some(pid) = state.view.process.details.as_ref().map(|d| d.row.pid) else {
        return;
    };
    let found = latest_row(state, pid);
    let (_, ended_at) = where_is(state, pid);
    let Some(details) = state.view.process.details.as_mut() else {
        return;
    };
    if details.ended_at.is_some() {
        return;
    }
    match found {
        Some(row) => details.row = row,
        None => details.ended_at = ended_at,
    }
}

/// Whether `pid` is in the newest sample, and if it is not and the collector
/// was keeping it, when it was found gone.
fn where_is(state: &AppState, pid: u32) -> (bool, Option<DateTime<Utc>>) {
    let Some(sample) = state.resources.latest.as_ref() else {
        return (false, None);
    };
    let listed = sample.top_processes.iter().any(|p| p.pid == pid);
    let gone = !listed && sample.kept_pid == Some(pid);
    (listed, gone.then_some(sample.taken_at))
}

fn latest_row(state: &AppState, pid: u32) -> Option<ProcessRow> {
    let sample = state.resources.latest.as_ref()?;
    sample.top_processes.iter().find(|p| p.pid == pid).cloned()
}

fn row_at_cursor(state: &AppState) -> Option<ProcessRow> {
    let selected = state.list(PaneId::Resources).selected;
    state
        .visible_processes()
        .get(selected)
        .map(|p| (*p).clone())
}

/// "/usr/sbin/sshd -D" → "sshd", "postgres: checkpointer" → "postgres";
/// "[comm]" (no command line) as it is.
fn short_name(command: &str) -> String {
    let first = command.split_whitespace().next().unwrap_or(command);
    let name = if first.starts_with('[') {
        first
    } else {
        first.rsplit('/').next().unwrap_or(first)
    };
    name.trim_end_matches(':').chars().take(24).collect()
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn short_names_are_the_program() {
        assert_eq!(short_name("/usr/sbin/sshd -D"), "sshd");
        assert_eq!(short_name("postgres: checkpointer"), "postgres");
        assert_eq!(short_name("[kworker/0:1]"), "[kworker/0:1]");
    }
}
