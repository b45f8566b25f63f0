//! The one place write actions are dispatched. Read-only mode is enforced here, not
//! per pane, so no key, dialog or future pane can slip past it.

use super::action::Action;
use super::state::{AppState, StatusKind};
use super::update::Effect;
use crate::store::NewAudit;

pub fn write_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    debug_assert!(action.is_write());
    let verb = action_verb(action);
    if state.mode.read_only {
        let why = if state.mode.wall {
            "--wall"
        } else {
            "--read-only"
        };
        state.set_status(
            StatusKind::Warning,
            format!("read-only ({why}): {verb} is disabled"),
        );
        tracing::info!("{verb} refused: read-only mode");
        let record = NewAudit::event(
            state.now,
            &state.actor,
            action.config_name(),
            &format!("refused: read-only ({why})"),
        );
        return vec![Effect::Audit(record)];
    }
    // The engines that carry these out (alerts, tasks, runbooks, scaling) are not
    // configured yet, so there is nothing the action could apply to.
    let what = match action {
        Action::Acknowledge | Action::Unacknowledge => {
            "no alert selected: no alert sources are configured"
        }
        Action::TriggerTask | Action::CancelTask => "no task selected: no tasks are configured",
        Action::RunRecovery => "no runbook to run: no runbooks are configured",
        _ => "no scaling target selected: no scaling targets are configured",
    };
    state.set_status(StatusKind::Info, format!("{verb}: {what}"));
    Vec::new()
}

fn action_verb(action: Action) -> &'static str {
    match action {
        Action::Acknowledge => "acknowledge",
        Action::Unacknowledge => "un-acknowledge",
        Action::TriggerTask => "trigger task",
        Action::CancelTask => "cancel task",
        Action::RunRecovery => "run recovery",
        _ => "scale",
    }
}
