//! The one place write actions are dispatched. Read-only mode is enforced here, not
//! per pane, so no key, dialog or future pane can slip past it.

use super::ack::{AckDialog, ExpireConfirm, ExpireRequest, SilenceRequest, render_comment};
use super::action::{Action, PaneId};
use super::state::{AppState, Overlay, StatusKind};
use super::update::Effect;
use crate::store::NewAudit;

pub fn write_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    debug_assert!(action.is_write());
    if let Some(refused) = refuse_if_read_only(state, action) {
        return refused;
    }
    match action {
        Action::Acknowledge => return open_ack(state),
        Action::Unacknowledge => return open_expire(state),
        Action::TriggerTask | Action::CancelTask if !state.tasks.is_empty() => {
            return super::tasks::open_confirm(state, action == Action::CancelTask);
        }
        _ => {}
    }
    // The engines that carry these out (runbooks, scaling) are not configured
    // yet, so there is nothing the action could apply to.
    let what = match action {
        Action::TriggerTask | Action::CancelTask => {
            "no task selected: no tasks are configured (see [[task]] in the config)"
        }
        Action::RunRecovery => "no runbook to run: no runbooks are configured",
        _ => "no scaling target selected: no scaling targets are configured",
    };
    let verb = action_verb(action);
    state.set_status(StatusKind::Info, format!("{verb}: {what}"));
    Vec::new()
}

/// Enter in the acknowledge dialog: the silence to create.
pub fn submit_ack(state: &mut AppState) -> Vec<Effect> {
    if let Some(refused) = refuse_if_read_only(state, Action::Acknowledge) {
        state.overlay = None;
        return refused;
    }
    let (now, actor) = (state.now, state.actor.clone());
    let template = state.config.ack.comment_template.clone();
    let local_source = state.rules.source;
    let Some(Overlay::Ack(dialog)) = &mut state.overlay else {
        return Vec::new();
    };
    let duration = match dialog.parsed_duration() {
        Ok(d) => d,
        Err(e) => {
            dialog.error = Some(e);
            return Vec::new();
        }
    };
    let comment = match render_comment(&template, &dialog.comment, &actor) {
        Ok(c) => c,
        Err(e) => {
            dialog.error = Some(e);
            return Vec::new();
        }
    };
    dialog.busy = true;
    dialog.error = None;
    let ends_at = now + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::hours(1));
    let request = SilenceRequest {
        source: dialog.source,
        labels: dialog.labels.clone(),
        starts_at: now,
        ends_at,
        created_by: actor,
        comment,
    };
    if Some(request.source) == local_source {
        vec![Effect::AckLocal(request)]
    } else {
        vec![Effect::CreateSilence(request)]
    }
}

/// Enter in the un-acknowledge confirmation: the silence to expire.
pub fn submit_expire(state: &mut AppState) -> Vec<Effect> {
    if let Some(refused) = refuse_if_read_only(state, Action::Unacknowledge) {
        state.overlay = None;
        return refused;
    }
    let local_source = state.rules.source;
    let Some(Overlay::Expire(confirm)) = &mut state.overlay else {
        return Vec::new();
    };
    confirm.busy = true;
    let request = ExpireRequest {
        source: confirm.source,
        silence_id: confirm.silence_id.clone(),
        labels: confirm.labels.clone(),
    };
    if Some(request.source) == local_source {
        vec![Effect::UnackLocal(request)]
    } else {
        vec![Effect::ExpireSilence(request)]
    }
}

/// Enter in a task's confirmation: trigger or cancel it.
pub fn submit_task(state: &mut AppState, confirm: super::tasks::TaskConfirm) -> Vec<Effect> {
    let action = if confirm.cancel {
        Action::CancelTask
    } else {
        Action::TriggerTask
    };
    if let Some(refused) = refuse_if_read_only(state, action) {
        state.overlay = None;
        return refused;
    }
    super::tasks::submit_confirm(state, confirm)
}

fn open_ack(state: &mut AppState) -> Vec<Effect> {
    let local_source = state.rules.source;
    let Some(alert) = selected_alert(state, "acknowledge") else {
        return Vec::new();
    };
    let local = local_source.filter(|id| alert.sources.contains(id));
    let problem = match (alert.alertmanager.or(local), &alert.ack) {
        (None, _) => Some(format!(
            "{} comes from Prometheus only: acknowledging silences it in an Alertmanager, and none has it",
            alert.name()
        )),
        (Some(_), Some(ack)) => Some(format!(
            "{} is already acknowledged by {}; u un-acknowledges",
            alert.name(),
            ack.by
        )),
        _ => None,
    };
    if let Some(problem) = problem {
        state.set_status(StatusKind::Warning, format!("acknowledge: {problem}"));
        return Vec::new();
    }
    // An Alertmanager alert is silenced there; a local one is acknowledged in the store.
    let source = alert.alertmanager.or(local).unwrap_or_default();
    let labels = alert.labels.clone();
    let dialog = AckDialog::new(source, labels, state.config.ack.default_duration);
    state.overlay = Some(Overlay::Ack(dialog));
    Vec::new()
}

fn open_expire(state: &mut AppState) -> Vec<Effect> {
    let local_source = state.rules.source;
    let Some(alert) = selected_alert(state, "un-acknowledge") else {
        return Vec::new();
    };
    let local = local_source.filter(|id| alert.sources.contains(id));
    let (Some(source), Some(ack)) = (alert.alertmanager.or(local), &alert.ack) else {
        let name = alert.name().to_string();
        state.set_status(
            StatusKind::Warning,
            format!("un-acknowledge: {name} is not acknowledged"),
        );
        return Vec::new();
    };
    let confirm = ExpireConfirm {
        source,
        silence_id: ack.silence_id.clone(),
        labels: alert.labels.clone(),
        by: ack.by.clone(),
        busy: false,
    };
    state.overlay = Some(Overlay::Expire(confirm));
    Vec::new()
}

/// The alert under the cursor, or a status line saying why there is none.
fn selected_alert<'a>(state: &'a mut AppState, verb: &str) -> Option<&'a super::alerts::Alert> {
    let why = if state.focus != PaneId::Alerts {
        Some("select an alert in the Alerts pane first (3)")
    } else if state.selected_alert().is_none() {
        Some("no alert selected")
    } else {
        None
    };
    if let Some(why) = why {
        state.set_status(StatusKind::Info, format!("{verb}: {why}"));
        return None;
    }
    state.selected_alert()
}

/// Refuses every write in read-only mode, with a status line and an audit record.
fn refuse_if_read_only(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
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
        return Some(vec![Effect::Audit(record)]);
    }
    None
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
