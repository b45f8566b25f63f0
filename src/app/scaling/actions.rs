//! `s` on a scaling target: the confirmation (the recommended count, or one
//! typed by hand, with the exact argv it will run), the write path's intent,
//! and the execution's end (the autoscaler counts a change that happened).

use super::{Effect, Execution};
use crate::app::PaneId;
use crate::app::confirm::{Confirm, Draft, Field, PlanRow};
use crate::app::intent::{Intent, ScaleRef};
use crate::app::state::{AppState, Overlay, StatusKind};
use crate::app::update::Effect as AppEffect;
use crate::engine::scaling::executor_argv;
use crate::store::NewAudit;
use crate::store::scaling::ScalingRecord;

/// The dialog's field.
pub const REPLICAS: &str = "replicas";

/// What a `s` dialog scales, before the count is read from its field.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleDraft {
    pub target: usize,
    pub name: String,
    pub from: u32,
    pub recommended: Option<u32>,
    pub min: u32,
    pub max: u32,
    pub executor: Vec<String>,
}

impl ScaleDraft {
    /// The intent for the count typed, or why it is not one.
    pub fn intent(&self, typed: &str) -> Result<ScaleRef, String> {
        let to: u32 = typed
            .trim()
            .parse()
            .map_err(|_| format!("replicas: {typed:?} is not a whole number"))?;
        if !(self.min..=self.max).contains(&to) {
            return Err(format!(
                "replicas: {to} is outside this target's min..max ({}..{})",
                self.min, self.max
            ));
        }
        Ok(ScaleRef {
            target: self.target,
            name: self.name.clone(),
            from: self.from,
            to,
            argv: executor_argv(&self.executor, &self.name, to),
            approved: self.recommended == Some(to),
        })
    }
}

/// `s` in the Scaling pane: confirm the recommendation, or a count by hand.
pub fn open_confirm(state: &mut AppState) {
    if state.view.focus != PaneId::Scaling {
        state.set_status(
            StatusKind::Info,
            "scale: select a target in the Scaling pane first (4)",
        );
        return;
    }
    let Some(i) = super::selected(state) else {
        state.set_status(StatusKind::Info, "scale: no target selected");
        return;
    };
    let spec = &state.config.scaling_targets()[i];
    let view = &state.scaling.targets[i];
    let name = spec.scaler.name.clone();
    if let Some((_, from, to)) = view.under_way() {
        state.set_status(
            StatusKind::Info,
            format!("scale {name}: already scaling {from} → {to}"),
        );
        return;
    }
    let Some(from) = view.inputs.as_ref().and_then(|i| i.current) else {
        let why = view
            .inputs
            .as_ref()
            .and_then(|i| i.current_error.clone())
            .unwrap_or_else(|| "not read yet".into());
        state.set_status(
            StatusKind::Warning,
            format!("scale {name}: the current replicas are unknown ({why})"),
        );
        return;
    };
    let recommended = view.decision.as_ref().map(|d| d.desired);
    let draft = ScaleDraft {
        target: i,
        name: name.clone(),
        from,
        recommended,
        min: spec.scaler.min,
        max: spec.scaler.max,
        executor: spec.executor.clone(),
    };
    let start = recommended.unwrap_or(from);
    let mut notes = vec![match recommended {
        Some(r) if r != from => format!("The autoscaler recommends {r}: {}", view.summary),
        Some(_) => format!("The autoscaler would keep it: {}", view.summary),
        None => "The autoscaler has not decided yet.".into(),
    }];
    notes.push(format!(
        "Type another count ({}..{}) to set it by hand. Runs as {}, at most {}.",
        spec.scaler.min,
        spec.scaler.max,
        state.actor,
        crate::config::duration::short(spec.timeout)
    ));
    let mut dialog = Confirm::new(Draft::Scale(draft), format!("Scale {name}"), Vec::new())
        .notes(notes)
        .fields(
            vec![Field {
                label: REPLICAS,
                value: start.to_string(),
            }],
            0,
        )
        .keys("scale", "cancel");
    refresh_plan(&mut dialog);
    state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
}

/// The plan as the count typed so far makes it: the exact argv.
pub fn refresh_plan(dialog: &mut Confirm) {
    let Draft::Scale(draft) = &dialog.draft else {
        return;
    };
    let typed = dialog.field(REPLICAS).to_string();
    let mut plan = vec![PlanRow::new("target", draft.name.clone())];
    match draft.intent(&typed) {
        Ok(r) => {
            plan.push(PlanRow::new("replicas", format!("{} → {}", r.from, r.to)));
            plan.push(PlanRow::new("command", crate::engine::shell_words(&r.argv)));
        }
        Err(e) => plan.push(PlanRow::new("replicas", e)),
    }
    dialog.plan = plan;
}

/// A confirmed `s`, its intent on record: the execution starts, from the
/// count read last (the dialog's may be out of date by now).
pub fn carry_out(state: &mut AppState, intent: &Intent, intent_id: Option<i64>) -> Vec<AppEffect> {
    state.view.overlay = None;
    let Intent::Scale(r) = intent else {
        return Vec::new();
    };
    let Some(view) = state.scaling.targets.get(r.target) else {
        return Vec::new();
    };
    if let Some((_, from, to)) = view.under_way() {
        // An auto change started while the dialog was open: the intent is
        // answered, not dropped.
        let why = format!("refused: already scaling {from} → {to}");
        state.set_status(StatusKind::Warning, format!("scale {}: {why}", r.name));
        let record = intent.outcome_record(state.now, &state.actor, intent_id, &why);
        return vec![AppEffect::Audit(record)];
    }
    let from = view.current().unwrap_or(r.from);
    let (trigger, why) = if r.approved {
        ("approved", view.summary.clone())
    } else {
        ("manual", format!("set to {} by hand", r.to))
    };
    state.set_status(
        StatusKind::Info,
        format!("scaling {} {from} → {}…", r.name, r.to),
    );
    let approval = Approval {
        intent: intent.clone(),
        intent_id,
    };
    let actor = state.actor.clone();
    execute(
        state,
        r.target,
        (from, r.to),
        trigger,
        actor,
        Some(approval),
        why,
    )
}

/// An operator's `s` whose execution answers it in the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub intent: Intent,
    pub intent_id: Option<i64>,
}

/// Starts an execution (unless one is under way).
pub(super) fn execute(
    state: &mut AppState,
    target: usize,
    (from, to): (u32, u32),
    trigger: &'static str,
    actor: String,
    approval: Option<Approval>,
    why: String,
) -> Vec<AppEffect> {
    let Some(spec) = state.config.scaling_targets().get(target) else {
        return Vec::new();
    };
    let view = &mut state.scaling.targets[target];
    if view.executing.is_some() {
        return Vec::new();
    }
    view.executing = Some((state.now, from, to));
    vec![AppEffect::Scaling(Effect::Execute(Box::new(Execution {
        target,
        name: spec.scaler.name.clone(),
        from,
        to,
        argv: spec.command(to),
        timeout: spec.timeout,
        trigger,
        actor,
        approval,
        why,
    })))]
}

/// An execution ended; its record is written (or said why not).
pub fn on_executed(
    state: &mut AppState,
    target: usize,
    mut record: ScalingRecord,
    stored: Result<i64, String>,
    approval: Option<Approval>,
) -> Vec<AppEffect> {
    let Some(spec) = state.config.scaling_targets().get(target) else {
        return Vec::new();
    };
    let interval = spec.interval;
    let now = state.now;
    let name = record.target.clone();
    let view = &mut state.scaling.targets[target];
    view.executing = None;
    let (from, to) = (record.current, record.desired);
    if record.executed {
        view.scaler.scaled(record.at, from, to);
        // From when it ended: an executor may take longer than the window.
        view.settling = Some((to, super::evaluate::settle_until(now, interval)));
    }
    let mut text = if record.executed {
        format!("scaled {name} {from} → {to} ({})", record.trigger)
    } else {
        format!("scaling {name} {from} → {to} {}", record.outcome)
    };
    match &stored {
        Ok(id) => record.id = *id,
        Err(e) => text.push_str(&format!("; not recorded: {e}")),
    }
    let kind = if record.executed && stored.is_ok() {
        StatusKind::Info
    } else {
        StatusKind::Error
    };
    if record.executed {
        tracing::info!("{text}");
    } else {
        tracing::warn!("{text}");
    }
    let outcome = record.outcome.clone();
    view.last_execution = Some(record.clone());
    view.keep(record);
    state.set_status(kind, text);
    let audit = match approval {
        // An operator's `s`: the outcome of the intent the write path recorded.
        Some(a) => a
            .intent
            .outcome_record(state.now, &state.actor, a.intent_id, &outcome),
        // The leader's own: an event in the log, for the report's actions.
        None => NewAudit::event(state.now, &state.actor, "scaling.auto", &outcome)
            .with_params(serde_json::json!({ "from": from, "to": to }))
            .with_target(&name),
    };
    vec![AppEffect::Audit(audit)]
}
