//! Automatic recovery on the leader: when an alert linked to a runbook with
//! `auto.enabled` starts firing, the runbook is started, unless a guard rail
//! holds it (`engine::runbooks::auto`). Every start and every skip is audited
//! and shown on the alert. Looked at only when the alert list changed, and
//! only with such a runbook configured.

use super::actions::live_run;
use super::update::{Effect, StartRecovery};
use crate::app::alerts::{Alert, AlertState};
use crate::app::intent::RecoveryRef;
use crate::app::state::{AppState, StatusKind};
use crate::app::update::Effect as AppEffect;
use crate::engine::runbooks::auto::{AutoContext, skip_reason};
use crate::engine::runbooks::{AlertContext, RunbookSpec};
use crate::store::NewAudit;
use std::collections::HashSet;

/// After every update: alerts that started firing get their runbook.
pub fn after_update(state: &mut AppState) -> Vec<AppEffect> {
    if !state.runs_host_work() || !state.config.runbooks().iter().any(|r| r.auto.enabled) {
        return Vec::new();
    }
    let generation = state.remote.generation;
    if state.recoveries.auto_generation == Some(generation) {
        return Vec::new();
    }
    let first_look = state.recoveries.auto_generation.is_none();
    state.recoveries.auto_generation = Some(generation);
    let auto: Vec<&RunbookSpec> = state
        .config
        .runbooks()
        .iter()
        .filter(|r| r.auto.enabled)
        .collect();
    let mut firing = HashSet::new();
    let mut started: Vec<(RunbookSpec, Alert)> = Vec::new();
    for alert in &state.remote.alerts {
        if alert.stale || matches!(alert.state, AlertState::Pending | AlertState::Resolved) {
            continue;
        }
        for spec in auto.iter().filter(|r| r.matches(&alert.labels)) {
            let key = (spec.id.clone(), alert.key());
            if !state.recoveries.auto_firing.contains(&key) {
                started.push(((*spec).clone(), alert.clone()));
            }
            firing.insert(key);
        }
    }
    state.recoveries.auto_firing = firing;
    // What already fired when this opsdeck began to lead is someone's already.
    if first_look {
        return Vec::new();
    }
    started
        .into_iter()
        .flat_map(|(spec, alert)| start_or_skip(state, &spec, &alert))
        .collect()
}

fn start_or_skip(state: &mut AppState, spec: &RunbookSpec, alert: &Alert) -> Vec<AppEffect> {
    let key = alert.key();
    let context = context(state, spec, alert, &key);
    let name = crate::app::dispatch::alert_name(&alert.labels);
    let audit = |outcome: &str| {
        NewAudit::event(state.now, &state.actor, "runbook.auto", outcome)
            .with_target(&spec.id)
            .with_params(serde_json::json!({ "alert": key }))
    };
    if let Some(why) = skip_reason(spec, &context, state.now) {
        let record = audit(&format!("skipped: {why}"));
        state.recoveries.auto_skips.insert(key.clone(), why.clone());
        let text = format!("auto-recovery {} for {name} skipped: {why}", spec.name);
        state.set_status(StatusKind::Warning, text);
        return vec![AppEffect::Audit(record)];
    }
    let record = audit("started");
    state.recoveries.auto_skips.remove(&key);
    let summary = alert.annotations.get("summary").unwrap_or("").to_string();
    let draft = RecoveryRef {
        runbook_id: spec.id.clone(),
        name: spec.name.clone(),
        labels: alert.labels.clone(),
        summary: summary.clone(),
        dry_run: false,
    };
    let run_key = state.recoveries.add(live_run(
        spec,
        &draft,
        format!("{} · auto", state.actor),
        state.now,
    ));
    let start = StartRecovery {
        key: run_key,
        spec: spec.clone(),
        alert: AlertContext::new(alert.labels.clone(), summary),
        dry_run: false,
        actor: state.actor.clone(),
        trigger: "auto",
    };
    state.set_status(
        StatusKind::Info,
        format!("auto-recovery {} started for {name}", spec.name),
    );
    vec![
        AppEffect::Audit(record),
        AppEffect::Runbooks(Effect::Start(Box::new(start))),
    ]
}

/// What the guard rails look at, from this opsdeck's runs and the store's.
fn context(state: &AppState, spec: &RunbookSpec, alert: &Alert, key: &str) -> AutoContext {
    let quiet = match alert.state {
        AlertState::Acknowledged => Some(match &alert.ack {
            Some(ack) => format!("acknowledged by {}", ack.by),
            None => "acknowledged".to_string(),
        }),
        AlertState::Silenced => Some(format!("silenced ({})", alert.silenced_by.join(", "))),
        AlertState::Inhibited => Some("inhibited by another alert".to_string()),
        _ => None,
    };
    let r = &state.recoveries;
    let stored = r.stored.get(key).filter(|s| s.runbook == spec.id);
    let live = r
        .runs
        .iter()
        .rev()
        .find(|l| l.runbook == spec.id && l.alert_key == key);
    let running =
        live.is_some_and(|l| l.outcome.is_none()) || stored.is_some_and(|s| s.state == "running");
    let last_ended = live
        .and_then(|l| l.finished)
        .into_iter()
        .chain(stored.and_then(|s| s.finished))
        .max();
    let hour_ago = state.now - chrono::Duration::hours(1);
    let mine: HashSet<i64> = r
        .runs
        .iter()
        .filter(|l| l.run_id > 0)
        .map(|l| l.run_id)
        .collect();
    let live_starts = r
        .runs
        .iter()
        .filter(|l| l.runbook == spec.id && l.started >= hour_ago && !l.dry_run)
        .count();
    let stored_starts = r
        .recent_starts
        .iter()
        .filter(|(id, runbook, at)| runbook == &spec.id && *at >= hour_ago && !mine.contains(id))
        .count();
    AutoContext {
        quiet,
        running,
        last_ended,
        started_last_hour: live_starts + stored_starts,
    }
}
