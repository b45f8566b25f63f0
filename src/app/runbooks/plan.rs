//! `r` on an alert: the plan of the runbook that would run, before anything
//! does. Every step with its exact argv, which are dangerous, the variables
//! the alert fills in, and the guard rails that apply now. Tab picks another
//! linked runbook, `d` toggles a dry run, Enter runs, Esc cancels.

use crate::app::action::PaneId;
use crate::app::alerts::label_key;
use crate::app::confirm::{Confirm, Draft, PlanRow};
use crate::app::intent::RecoveryRef;
use crate::app::state::{AppState, Overlay, StatusKind};
use crate::app::tasks::shell_words;
use crate::config::duration::short;
use crate::engine::runbooks::{AlertContext, RunbookSpec, StepAction};
use crossterm::event::{KeyCode, KeyEvent};

/// Opens the plan for the selected alert's first linked runbook.
pub fn open_plan(state: &mut AppState) {
    if state.view.focus != PaneId::Alerts {
        let what = "select an alert in the Alerts pane first (3)";
        state.set_status(StatusKind::Info, format!("run recovery: {what}"));
        return;
    }
    let Some(alert) = state.selected_alert() else {
        state.set_status(StatusKind::Info, "run recovery: no alert selected");
        return;
    };
    let labels = alert.labels.clone();
    // A run for it is going: `r` opens that run's view again.
    let key = crate::app::alerts::label_key(&labels);
    if let Some(run) = state
        .recoveries
        .runs
        .iter()
        .rev()
        .find(|r| r.outcome.is_none() && r.alert_key == key)
    {
        state.view.overlay = Some(Overlay::Recovery(run.key));
        return;
    }
    let summary = alert.annotations.get("summary").unwrap_or("").to_string();
    let linked: Vec<&RunbookSpec> = RunbookSpec::linked(state.config.runbooks(), &labels).collect();
    let Some(first) = linked.first() else {
        let name = labels.get("alertname").unwrap_or("alert");
        let text = if state.config.runbooks().is_empty() {
            "no runbooks are configured (see [[runbook]] in the config)".to_string()
        } else {
            format!("no runbook matches {name} (see each runbook's `match`)")
        };
        state.set_status(StatusKind::Info, format!("run recovery: {text}"));
        return;
    };
    let draft = RecoveryRef {
        runbook_id: first.id.clone(),
        name: first.name.clone(),
        labels,
        summary,
        dry_run: false,
    };
    let dialog = dialog(state, draft, false);
    state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
}

/// Tab and `d` in the open plan; false when the key is not theirs.
pub fn on_plan_key(state: &mut AppState, key: KeyEvent) -> bool {
    let Some(Overlay::Confirm(open)) = &state.view.overlay else {
        return false;
    };
    let Draft::RunRecovery(draft) = &open.draft else {
        return false;
    };
    if open.busy {
        return false;
    }
    let mut draft = draft.clone();
    let mut dry_run = open.dry_run == Some(true);
    match key.code {
        KeyCode::Char('d') => dry_run = !dry_run,
        KeyCode::Tab | KeyCode::BackTab => {
            let linked: Vec<&RunbookSpec> =
                RunbookSpec::linked(state.config.runbooks(), &draft.labels).collect();
            if linked.is_empty() {
                return false;
            }
            let at = linked
                .iter()
                .position(|r| r.id == draft.runbook_id)
                .unwrap_or(0);
            let step = if key.code == KeyCode::Tab {
                1
            } else {
                linked.len() - 1
            };
            let next = linked[(at + step) % linked.len()];
            draft.runbook_id = next.id.clone();
            draft.name = next.name.clone();
        }
        _ => return false,
    }
    let dialog = dialog(state, draft, dry_run);
    state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
    true
}

fn dialog(state: &AppState, draft: RecoveryRef, dry_run: bool) -> Confirm {
    let runbooks = state.config.runbooks();
    let linked: Vec<&RunbookSpec> = RunbookSpec::linked(runbooks, &draft.labels).collect();
    let spec = linked
        .iter()
        .find(|r| r.id == draft.runbook_id)
        .copied()
        .unwrap_or(linked[0]);
    let alert = AlertContext::new(draft.labels.clone(), draft.summary.clone());
    let mut plan = vec![PlanRow::new("runbook", &spec.name).aside(choice(&linked, spec))];
    plan.push(PlanRow::new("alert", label_key(&draft.labels)));
    plan.push(PlanRow::new("mode", spec.mode.as_str()).aside(format!(
        " · timeout {} · {} retr{}",
        short(spec.timeout),
        spec.retries,
        if spec.retries == 1 { "y" } else { "ies" }
    )));
    for (i, step) in spec.steps.iter().enumerate() {
        let action = match &step.action {
            StepAction::Command(argv) => shell_words(argv),
            StepAction::Notify(name) => format!("notify {name}"),
        };
        let mut aside = format!(" · timeout {}", short(step.timeout));
        if let Some(verify) = step.verify_text() {
            aside.push_str(&format!(" · then {verify}"));
        }
        let label = if step.dangerous {
            format!("step {} !", i + 1)
        } else {
            format!("step {}", i + 1)
        };
        plan.push(PlanRow::new(&label, format!("{}: {action}", step.name)).aside(aside));
    }
    let env = alert.env();
    let shown: Vec<String> = env
        .iter()
        .filter(|(k, _)| !k.starts_with("OPSDECK_ALERT_LABEL_"))
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    plan.push(PlanRow::new("env", shown.join(" ")).aside(format!(
        " · and OPSDECK_ALERT_LABEL_* for its {} label(s)",
        draft.labels.len()
    )));
    let mut notes = guard_rails(state, spec, &draft);
    notes.push("Tab: another linked runbook · d: dry run (nothing is executed)".into());
    let title = format!("Run {}", spec.name);
    let mut dialog = Confirm::new(Draft::RunRecovery(draft), title, plan)
        .notes(notes)
        .keys(if dry_run { "show it" } else { "run" }, "cancel");
    dialog.dry_run = Some(dry_run);
    dialog
}

/// "1 of 2 linked (Tab: next)", or nothing when only one is.
fn choice(linked: &[&RunbookSpec], spec: &RunbookSpec) -> String {
    if linked.len() < 2 {
        return String::new();
    }
    let at = linked.iter().position(|r| r.id == spec.id).unwrap_or(0);
    format!(" · {} of {} linked (Tab: next)", at + 1, linked.len())
}

/// What holds the run back or watches it, now.
fn guard_rails(state: &AppState, spec: &RunbookSpec, draft: &RecoveryRef) -> Vec<String> {
    let mut notes = Vec::new();
    let dangerous = spec.steps.iter().filter(|s| s.dangerous).count();
    if dangerous > 0 {
        notes.push(format!(
            "{dangerous} step(s) marked ! are dangerous: each asks again before it runs."
        ));
    }
    let key = label_key(&draft.labels);
    if let Some(run) = state.recoveries.running_elsewhere(&spec.id, &key) {
        notes.push(format!(
            "Another opsdeck runs {} for this alert (run {} by {}): a second run is refused.",
            run.runbook, run.id, run.actor
        ));
    }
    notes.push(format!(
        "Steps run as {}, each in its own process group; the alert reaches them only as variables.",
        state.actor
    ));
    notes
}
