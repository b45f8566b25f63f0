//! `update(state, msg) -> effects`: the only code that changes `AppState`.
//! Pure: time arrives in messages, and I/O is returned as `Effect`s for the
//! runtime. This file routes; each feature's messages and effects are its own
//! (`alerts::Msg`, `tasks::Effect`, …) and handled in its own module.

use super::action::Action;
use super::intent::{Write, Written};
use super::state::{AppState, StatusKind, StoreRole};
use super::{alerts, resources, tasks};
use crate::app::remote::RemoteUpdate;
use crate::store::leader::Role;
use crate::store::{AuditRecord, NewAudit};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

pub use super::navigation::{PAGE, clamp_selection};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Action(Action),
    /// Every second: the clock, and what is due (schedules, store reads).
    Tick(DateTime<Utc>),
    /// A terminating signal: leave cleanly with this exit code.
    Terminate(i32),
    /// This process became or stopped being the leader, or another one leads now.
    Leadership(Role),
    /// What other opsdeck processes on this host recorded since the last look.
    Activity(Vec<AuditRecord>),
    /// The local host collector.
    Resources(resources::Msg),
    /// One poll of a remote source.
    Remote(Box<RemoteUpdate>),
    Alerts(alerts::Msg),
    Tasks(tasks::Msg),
    Runbooks(super::runbooks::Msg),
    Health(super::health::Msg),
    Scaling(super::scaling::Msg),
    Report(super::report::Msg),
    /// The runtime carried out (or could not carry out) a write.
    Written(Box<Written>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Restore the terminal and exit with this code.
    Quit(i32),
    /// Restore the terminal, stop (SIGTSTP), and take it back on `fg`.
    Suspend,
    /// Clear the terminal and draw every cell again.
    Redraw,
    /// Ring the terminal bell: a critical alert started firing.
    Bell,
    /// Append to the audit log (through the store thread; dropped with --no-store).
    Audit(NewAudit),
    /// Carry out a confirmed write: intent recorded first, outcome after.
    Write(Box<Write>),
    /// Read what other opsdeck processes recorded after this audit id.
    PollActivity {
        after: i64,
    },
    Alerts(alerts::Effect),
    Tasks(tasks::Effect),
    Runbooks(super::runbooks::Effect),
    Health(super::health::Effect),
    Scaling(super::scaling::Effect),
    Report(super::report::Effect),
    /// Have the local collector list this process even when it is not among
    /// the busiest: the one the process cursor follows.
    KeepProcess(Option<u32>),
}

/// Applies one message. Every effect returned must be carried out: dropping
/// one loses a write, a run or a schedule.
#[must_use]
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    // A cursor on a recovery run stays on it as runs come and go (keys move it).
    let moved_by_keys = matches!(msg, Msg::Key(_) | Msg::Action(_));
    let run_cursor = (!moved_by_keys)
        .then(|| super::runbooks::run_cursor(state))
        .flatten();
    let mut effects = apply(state, msg);
    effects.extend(alerts::update::after_update(state));
    effects.extend(super::runbooks::after_update(state));
    effects.extend(super::process_cursor::keep_followed(state));
    if let Some(cursor) = run_cursor {
        super::runbooks::restore_run_cursor(state, cursor);
    }
    effects
}

fn apply(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => super::input::on_key(state, key),
        Msg::Action(action) => super::input::on_action(state, action),
        Msg::Tick(now) => on_tick(state, now),
        Msg::Terminate(code) => vec![Effect::Quit(code)],
        Msg::Leadership(leads) => on_leadership(state, leads),
        Msg::Activity(records) => {
            on_activity(state, &records);
            Vec::new()
        }
        Msg::Resources(msg) => resources::on_msg(state, msg),
        Msg::Remote(remote) => alerts::update::on_remote(state, *remote),
        Msg::Alerts(msg) => alerts::update::on_msg(state, msg),
        Msg::Tasks(msg) => tasks::on_msg(state, msg),
        Msg::Runbooks(msg) => super::runbooks::on_msg(state, msg),
        Msg::Health(msg) => super::health::on_msg(state, msg),
        Msg::Scaling(msg) => super::scaling::on_msg(state, msg),
        Msg::Report(msg) => super::report::on_msg(state, msg),
        Msg::Written(written) => super::dispatch::written(state, *written),
    }
}

/// The clock moves; each feature says what is due, and what to read from the
/// store (other opsdeck processes write it too).
fn on_tick(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    state.now = now;
    let mut effects = tasks::on_tick(state, now);
    effects.extend(alerts::update::on_tick(state));
    effects.extend(super::runbooks::on_tick(state));
    effects.extend(super::health::on_tick(state));
    effects.extend(super::scaling::on_tick(state));
    effects.extend(super::report::on_tick(state));
    if state.store != StoreRole::Off {
        effects.push(Effect::PollActivity {
            after: state.activity_after,
        });
    }
    effects
}

fn on_leadership(state: &mut AppState, role: Role) -> Vec<Effect> {
    if state.store == StoreRole::Off {
        return Vec::new();
    }
    let was_leader = state.store == StoreRole::Leader;
    state.set_role(role);
    if role != Role::Leader || was_leader {
        return Vec::new();
    }
    state.set_status(
        StatusKind::Info,
        "this opsdeck now leads: it runs the work that must not run twice",
    );
    super::scaling::on_lead(state);
    tasks::on_lead(state)
}

/// What other opsdeck processes on this host did: in the log, and on the
/// status line when it is something people do.
fn on_activity(state: &mut AppState, records: &[AuditRecord]) {
    for record in records {
        state.activity_after = state.activity_after.max(record.id);
        let (r, pid) = (&record.entry, record.pid);
        // A write's intent is followed by its outcome, which says what happened.
        if r.phase == crate::store::Phase::Intent {
            continue;
        }
        let target = if r.target.is_empty() {
            String::new()
        } else {
            format!(" {}", r.target)
        };
        let line = format!(
            "{} (pid {}): {}{target}: {}",
            r.actor, pid, r.action, r.outcome
        );
        tracing::info!(target: "activity", "{line}");
        // Sessions come and go quietly; what people do to alerts, tasks and
        // scaling is shown to everyone at once.
        if !r.action.starts_with("session.") {
            state.set_status(StatusKind::Info, line);
        }
    }
}
