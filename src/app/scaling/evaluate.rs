//! A target's inputs arrive: local series are read here, the autoscaler
//! decides, the leader has an evaluation that changed something stored
//! before it is shown, and an `auto` target's change is carried out.

use super::{CHART_KEPT, ChartPoint, Effect, TargetView};
use crate::app::state::{AppState, StoreRole};
use crate::app::update::Effect as AppEffect;
use crate::engine::scaling::{Decision, Inputs, Mode, Slot, one_value};
use crate::store::scaling::{RecordKind, ScalingRecord};
use chrono::{DateTime, Utc};

/// An auto evaluation's outcome: the leader carries it out next.
pub const TO_CARRY_OUT: &str = "to carry out";

/// How long after a change evaluations wait for `current` to read it, at
/// least (three intervals when longer).
const SETTLE_AT_LEAST: chrono::Duration = chrono::Duration::seconds(30);

pub fn on_read(
    state: &mut AppState,
    target: usize,
    at: DateTime<Utc>,
    current: Option<Result<u32, String>>,
    readings: Vec<Option<Result<f64, String>>>,
) -> Vec<AppEffect> {
    let Some(spec) = state.config.scaling_targets().get(target) else {
        return Vec::new();
    };
    let follows = state.follows_leader();
    let engine = &mut state.rules.engine;
    let view = &mut state.scaling.targets[target];
    view.reading = None;
    if view.local_current.is_some() || view.local_metrics.iter().any(Option::is_some) {
        engine.forget_old(at);
    }
    let (current_query, metric_queries) = (&view.local_current, &view.local_metrics);
    let local = |slot: Slot| -> Result<f64, String> {
        let query = match slot {
            Slot::Current => current_query.as_ref(),
            Slot::Metric(j) => metric_queries.get(j).and_then(Option::as_ref),
        };
        let query = query.ok_or("the query does not parse")?;
        let values: Vec<f64> = engine.query(query, at)?.into_iter().map(|s| s.1).collect();
        one_value(&values)
    };
    let inputs = Inputs::gather(&spec.scaler.metrics, current, readings, local);
    view.inputs = Some(inputs.clone());
    view.read_at = Some(at);
    let Some(current) = inputs.current else {
        // Nothing to decide from: the last decision stays, marked stale by its age.
        return Vec::new();
    };
    if let Some((to, until)) = view.settling {
        if current != to && at < until {
            return Vec::new();
        }
        view.settling = None;
    }
    if view.under_way().is_some() || view.waiting.is_some() {
        return Vec::new();
    }
    let decision = view.scaler.evaluate(at, current, &inputs.values());
    if follows {
        // The leader's records say what is decided (`follow`); this one
        // evaluates too, so its autoscaler remembers should it take over.
        chart(view, &decision);
        return Vec::new();
    }
    let changed = view.unrecorded
        || view
            .decision
            .as_ref()
            .is_none_or(|d| key(d) != key(&decision));
    if !changed {
        return show(state, target, decision, None);
    }
    let record = evaluation_record(state, target, &decision, inputs);
    if state.store == StoreRole::Leader {
        let view = &mut state.scaling.targets[target];
        view.waiting = Some((decision, Box::new(record.clone())));
        return vec![AppEffect::Scaling(Effect::Record {
            target,
            record: Box::new(record),
        })];
    }
    // No store, or read-only with no leader: shown, and stored by nobody.
    show(state, target, decision, Some(record))
}

pub fn on_recorded(
    state: &mut AppState,
    target: usize,
    result: Result<i64, String>,
) -> Vec<AppEffect> {
    let Some(view) = state.scaling.targets.get_mut(target) else {
        return Vec::new();
    };
    let Some((decision, mut record)) = view.waiting.take() else {
        return Vec::new();
    };
    match result {
        Ok(id) => {
            record.id = id;
            show(state, target, decision, Some(*record))
        }
        Err(e) => {
            // Shown, not acted on: nothing is carried out that is not on record.
            let name = &record.target;
            tracing::error!("scaling {name}: the evaluation could not be stored: {e}");
            state.set_status(
                crate::app::state::StatusKind::Error,
                format!("scaling {name}: not stored, so not carried out: {e}"),
            );
            let view = &mut state.scaling.targets[target];
            view.summary = summary(view, &decision);
            view.decision = Some(decision);
            view.unrecorded = true;
            Vec::new()
        }
    }
}

/// What makes an evaluation worth a record: a different count, proposal or
/// reason (the readings move every time; the outcome rarely does).
fn key(d: &Decision) -> (u32, Option<u32>, u32, &[crate::engine::scaling::Reason]) {
    (d.current, d.proposed, d.desired, &d.reasons)
}

fn evaluation_record(
    state: &AppState,
    target: usize,
    decision: &Decision,
    inputs: Inputs,
) -> ScalingRecord {
    let spec = &state.config.scaling_targets()[target];
    ScalingRecord {
        id: 0,
        target: spec.scaler.name.clone(),
        at: decision.at,
        kind: RecordKind::Evaluation,
        trigger: mode_name(spec.mode).into(),
        current: decision.current,
        desired: decision.desired,
        summary: decision.summary_read(&spec.scaler, &inputs),
        inputs,
        decision: Some(decision.clone()),
        command: Vec::new(),
        executed: false,
        dry_run: spec.mode == Mode::Recommend,
        outcome: if !decision.changes() {
            "steady".into()
        } else if spec.mode == Mode::Recommend {
            "recommended".into()
        } else {
            TO_CARRY_OUT.into()
        },
        output: String::new(),
        actor: state.actor.clone(),
    }
}

pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Recommend => "recommend",
        Mode::Auto => "auto",
    }
}

/// Shows a decision (kept with its record when it changed something), and
/// carries out an auto target's change on the one opsdeck that runs them.
fn show(
    state: &mut AppState,
    target: usize,
    decision: Decision,
    record: Option<ScalingRecord>,
) -> Vec<AppEffect> {
    let spec = &state.config.scaling_targets()[target];
    let auto = spec.mode == Mode::Auto && state.runs_host_work();
    let view = &mut state.scaling.targets[target];
    view.unrecorded = false;
    view.summary = summary(view, &decision);
    chart(view, &decision);
    if let Some(record) = record {
        view.keep(record);
    }
    // Not while a change (this one's, or another opsdeck's just seen) is
    // under way or settling: the decision came from the count before it.
    let change = decision.changes() && view.under_way().is_none() && view.settling.is_none();
    let (from, to) = (decision.current, decision.desired);
    view.decision = Some(decision);
    if !(auto && change) {
        return Vec::new();
    }
    let why = view.summary.clone();
    let actor = state.actor.clone();
    super::actions::execute(state, target, (from, to), "auto", actor, None, why)
}

pub(super) fn chart(view: &mut TargetView, d: &Decision) {
    if view.chart.len() == CHART_KEPT {
        view.chart.pop_front();
    }
    view.chart.push_back(ChartPoint {
        current: d.current,
        metric: d.metrics.first().and_then(|m| m.value),
    });
}

/// Until when evaluations wait for `current` to read `to` after a change.
pub fn settle_until(at: DateTime<Utc>, interval: std::time::Duration) -> DateTime<Utc> {
    let three = chrono::Duration::from_std(interval * 3).unwrap_or(SETTLE_AT_LEAST);
    at + three.max(SETTLE_AT_LEAST)
}

/// The decision in words, with why each unreadable metric was.
pub(super) fn summary(view: &TargetView, decision: &Decision) -> String {
    match &view.inputs {
        Some(inputs) => decision.summary_read(&view.scaler.spec, inputs),
        None => decision.summary(&view.scaler.spec),
    }
}
