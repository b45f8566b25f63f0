//! The one place write actions are dispatched. Read-only mode is enforced here,
//! not per pane, so no key, dialog or future pane can slip past it; and every
//! accepted intent leaves here as one `Effect::Write` for the runtime's one
//! wrapper, which audits it before and after.

use super::action::{Action, PaneId};
use super::alerts::Labels;
use super::alerts::label_key;
use super::confirm::{AckContext, DialogKey};
use super::intent::{Done, Feature, Intent, Write, Written};
use super::state::{AppState, Overlay, StatusKind};
use super::update::Effect;
use crate::store::NewAudit;

/// A write key (`a`, `u`, `t`, `x`, `r`, `s`): opens its confirmation, or says
/// why there is nothing to confirm.
pub fn open(state: &mut AppState, action: Action) -> Vec<Effect> {
    debug_assert!(action.is_write());
    if state.mode.read_only {
        let target = selected_target(state, action);
        return refuse_read_only(state, action, target);
    }
    if let (Action::CancelTask, Some(key)) = (action, super::runbooks::run_key(state)) {
        super::runbooks::open_abort(state, key);
        return Vec::new();
    }
    if let Some(run) = listed_run(state, action) {
        match action {
            Action::CancelTask => super::runbooks::abort_listed(state, run.run_id, run.live),
            _ => state.set_status(
                StatusKind::Info,
                format!(
                    "{}: a recovery run is selected, not a task",
                    action_verb(action)
                ),
            ),
        }
        return Vec::new();
    }
    match action {
        Action::Acknowledge => super::ack::open_ack(state),
        Action::RunRecovery if !state.config.runbooks().is_empty() => {
            super::runbooks::open_plan(state);
        }
        Action::Unacknowledge => super::ack::open_expire(state),
        Action::TriggerTask | Action::CancelTask if !state.tasks.is_empty() => {
            super::tasks::open_confirm(state, action == Action::CancelTask);
        }
        Action::Scale if !state.scaling.is_empty() => super::scaling::open_confirm(state),
        _ => {
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
        }
    }
    Vec::new()
}

/// The recovery run `t` or `x` would act on: the open stored run's view, or
/// the Tasks pane's cursor on the runs under the tasks.
fn listed_run(state: &AppState, action: Action) -> Option<super::runbooks::RunRow> {
    if !matches!(action, Action::TriggerTask | Action::CancelTask) {
        return None;
    }
    // A stored run's view is never of a run live here (Enter opens those live).
    if let Some(Overlay::StoredRecovery(id)) = state.view.overlay {
        return Some(super::runbooks::RunRow {
            run_id: id,
            ..super::runbooks::RunRow::default()
        });
    }
    if state.view.focus != PaneId::Tasks {
        return None;
    }
    super::runbooks::selected_run(state)
}

/// A key in the open confirmation: edit, cancel, or confirm (then dispatch).
pub fn confirm_key(state: &mut AppState, key: crossterm::event::KeyEvent) -> Vec<Effect> {
    let quit_key = state.keymap.action_for(&key) == Some(Action::Quit);
    let Some(Overlay::Confirm(dialog)) = &mut state.view.overlay else {
        return Vec::new();
    };
    // On the quit question, the quit key again (or Ctrl-C) also confirms.
    if dialog.is_quit() && quit_key {
        return vec![Effect::Quit(0)];
    }
    if super::runbooks::on_plan_key(state, key) {
        return Vec::new();
    }
    let Some(Overlay::Confirm(dialog)) = &mut state.view.overlay else {
        return Vec::new();
    };
    match dialog.on_key(key) {
        DialogKey::Submit => {}
        DialogKey::Cancel => {
            let draft = dialog.draft.clone();
            state.view.overlay = None;
            return match draft {
                // A dangerous step asked: no is the run's end.
                super::confirm::Draft::ConfirmStep(step) => super::runbooks::declined(state, &step),
                super::confirm::Draft::AbortRecovery(step) => {
                    state.view.overlay = Some(Overlay::Recovery(step.run));
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        DialogKey::Edited | DialogKey::Ignored => return Vec::new(),
    }
    let ctx = AckContext {
        now: state.now,
        actor: &state.actor,
        comment_template: &state.config.ack.comment_template,
    };
    match dialog.intent(&ctx) {
        Ok(Some(intent)) => dispatch(state, intent),
        Ok(None) => vec![Effect::Quit(0)],
        Err(e) => {
            dialog.error = Some(e);
            Vec::new()
        }
    }
}

/// Every confirmed write: refused in read-only mode (and the refusal audited),
/// else carried out by its feature and handed to the runtime's write wrapper.
pub fn dispatch(state: &mut AppState, intent: Intent) -> Vec<Effect> {
    if state.mode.read_only {
        state.view.overlay = None;
        let target = intent_target(&intent);
        return refuse_read_only(state, intent.action(), Some(target));
    }
    let source = match &intent {
        Intent::Acknowledge(r) => alertmanager_name(state, r.source),
        Intent::Unacknowledge(r) => alertmanager_name(state, r.source),
        _ => None,
    };
    let record = intent.record(state.now, &state.actor, source.as_deref());
    // Sent: the dialog waits for the answer (the task scheduler, too, acts only
    // once the intent is recorded).
    if let Some(Overlay::Confirm(dialog)) = &mut state.view.overlay {
        dialog.busy = true;
        dialog.error = None;
    }
    vec![Effect::Write(Box::new(Write { intent, record }))]
}

/// What `update` does once the runtime has recorded a write's intent (and
/// carried out what is the runtime's to do).
pub fn written(state: &mut AppState, written: Written) -> Vec<Effect> {
    match (written.intent.feature(), written.result) {
        (Feature::Alerts, result) => super::alerts::update::on_written(
            state,
            Written {
                intent: written.intent,
                result,
            },
        ),
        (Feature::Tasks, Ok(Done::IntentRecorded(intent_id))) => {
            let intent = written.intent;
            let (outcome, mut effects) = super::tasks::carry_out(state, &intent);
            let record = intent.outcome_record(state.now, &state.actor, intent_id, &outcome);
            // Queued before the run's own row: the store writes in order.
            effects.insert(0, Effect::Audit(record));
            effects
        }
        (Feature::Runbooks, Ok(Done::IntentRecorded(intent_id))) => {
            let intent = written.intent;
            let (outcome, mut effects) = super::runbooks::carry_out(state, &intent);
            let record = intent.outcome_record(state.now, &state.actor, intent_id, &outcome);
            effects.insert(0, Effect::Audit(record));
            effects
        }
        (Feature::Scaling, Ok(Done::IntentRecorded(intent_id))) => {
            super::scaling::carry_out(state, &written.intent, intent_id)
        }
        (Feature::Tasks | Feature::Runbooks | Feature::Scaling, result) => {
            // The intent could not be recorded: nothing was started or stopped.
            state.view.overlay = None;
            let why = result.err().unwrap_or_else(|| "unexpected answer".into());
            let what = written.intent.audit_name();
            state.set_status(StatusKind::Error, format!("{what}: {why}"));
            Vec::new()
        }
    }
}

/// The Alertmanager an acknowledgement goes to, by name; `None` for opsdeck's
/// own alerts, acknowledged in the store.
fn alertmanager_name(state: &AppState, source: super::sources::SourceId) -> Option<String> {
    if Some(source) == state.rules.source {
        return None;
    }
    let name = state.remote.sources.get(source).map(|s| s.name.clone());
    Some(name.unwrap_or_default())
}

/// What a refused write would have acted on: as the status line names it,
/// and as the audit log's `target` does for the write itself.
struct Target {
    shown: String,
    audit: String,
}

/// The selected row the write key would act on, if any.
fn selected_target(state: &AppState, action: Action) -> Option<Target> {
    match (action, state.view.focus) {
        (Action::Acknowledge | Action::Unacknowledge, PaneId::Alerts) => {
            state.selected_alert().map(|a| Target {
                shown: alert_name(&a.labels),
                audit: label_key(&a.labels),
            })
        }
        (Action::RunRecovery, PaneId::Alerts) => state.selected_alert().map(|a| Target {
            shown: format!("for {}", alert_name(&a.labels)),
            audit: label_key(&a.labels),
        }),
        (Action::CancelTask, PaneId::Tasks)
            if let Some(run) = super::runbooks::selected_run(state) =>
        {
            let shown = match run.run_id {
                0 => format!("recovery run of {}", run.runbook),
                id => format!("recovery run {id}"),
            };
            Some(Target {
                shown,
                audit: run.runbook,
            })
        }
        (Action::Scale, PaneId::Scaling) => super::scaling::selected(state).map(|i| {
            let name = state.config.scaling_targets()[i].scaler.name.clone();
            Target {
                shown: name.clone(),
                audit: name,
            }
        }),
        (Action::TriggerTask, PaneId::Tasks) if super::runbooks::selected_run(state).is_some() => {
            None
        }
        (Action::TriggerTask | Action::CancelTask, PaneId::Tasks) => {
            state.selected_task().map(|t| Target {
                shown: format!("task {}", t.id),
                audit: t.id.clone(),
            })
        }
        _ => None,
    }
}

fn intent_target(intent: &Intent) -> Target {
    let shown = match intent {
        Intent::Acknowledge(r) => alert_name(&r.labels),
        Intent::Unacknowledge(r) => alert_name(&r.labels),
        Intent::TriggerTask(t) | Intent::CancelTask(t) => format!("task {}", t.task_id),
        Intent::RunRecovery(r) => format!("runbook {} for {}", r.runbook_id, alert_name(&r.labels)),
        Intent::ConfirmStep(s) | Intent::AbortRecovery(s) => {
            format!("runbook {} step {}", s.runbook_id, s.step + 1)
        }
        Intent::Scale(r) => format!("{} to {}", r.name, r.to),
    };
    Target {
        shown,
        audit: intent.target(),
    }
}

/// `HighCPU{instance="db-1"}`: the alert name and the labels that tell its
/// alerts apart (severity shows in the row's colour).
pub(crate) fn alert_name(labels: &Labels) -> String {
    let name = labels.get("alertname").unwrap_or("alert");
    let mut rest = labels
        .iter()
        .filter(|(k, _)| !matches!(*k, "alertname" | "severity"))
        .peekable();
    if rest.peek().is_none() {
        name.to_string()
    } else {
        format!("{name}{}", label_key(rest))
    }
}

/// Refuses a write in read-only mode: a status line and an audit record, both
/// naming what was refused.
fn refuse_read_only(state: &mut AppState, action: Action, target: Option<Target>) -> Vec<Effect> {
    let why = if state.mode.wall {
        "--wall"
    } else {
        "--read-only"
    };
    let (verb, anything) = doing(action);
    let what = match &target {
        Some(t) => format!("{verb} {}", t.shown),
        None => format!("{verb}{anything}"),
    };
    state.set_status(
        StatusKind::Warning,
        format!("read-only ({why}): not {what}"),
    );
    tracing::info!("read-only: not {what}");
    let record = NewAudit::event(
        state.now,
        &state.actor,
        action.config_name(),
        &format!("refused: read-only ({why})"),
    );
    let record = match &target {
        Some(t) => record.with_target(&t.audit),
        None => record,
    };
    vec![Effect::Audit(record)]
}

/// The action in the status line's "not …", and its object when nothing is
/// selected.
fn doing(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Acknowledge => ("acknowledging", " an alert"),
        Action::Unacknowledge => ("un-acknowledging", " an alert"),
        Action::TriggerTask => ("triggering", " a task"),
        Action::CancelTask => ("cancelling", " a task"),
        Action::RunRecovery => ("running recovery", ""),
        _ => ("scaling", ""),
    }
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
