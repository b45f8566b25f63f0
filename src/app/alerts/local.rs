//! opsdeck's own rules as a source of the Alerts pane: each local sample and
//! each `[[scrape]]` feeds their series; their alerts merge into the list; the
//! leader (one opsdeck per host) notifies, records and pushes them.

use super::update::Effect;
use crate::app::remote::{Payload, RemoteUpdate};
use crate::app::sources::SourceKind;
use crate::app::state::{AppState, StoreRole};
use crate::app::update::Effect as AppEffect;
use crate::collect::model::ResourceSample;
use chrono::{DateTime, Utc};

/// A local sample feeds the rules' series (and the scaling metrics read
/// from them); then the rules evaluate.
pub fn on_sample(state: &mut AppState, sample: &ResourceSample) -> Vec<AppEffect> {
    state.rules.ingest_sample(&state.host.hostname, sample);
    if state.rules.is_empty() {
        return Vec::new();
    }
    evaluate(state)
}

/// A `[[scrape]]` result (or failure: `up` is 0) feeds the rules' series.
/// Returns whether it did (then the rules evaluate at once, not at the next
/// local sample).
pub fn ingest_scrape(state: &mut AppState, update: &RemoteUpdate) -> bool {
    let Some(source) = state.remote.sources.get(update.source) else {
        return false;
    };
    if source.kind != SourceKind::Scrape {
        return false;
    }
    let scrape = match &update.result {
        Ok(Payload::Scrape(scrape)) => Some(scrape.as_ref()),
        _ => None,
    };
    // Kept only when something reads them (a rule, a scaling metric).
    state.rules.ingest_scrape(source, scrape, update.at);
    !state.rules.is_empty()
}

/// Evaluates the rules now and lists their alerts. Their notifications go out
/// from one opsdeck per host: the leader (or this one, without a store), and
/// never from a read-only one.
pub fn evaluate(state: &mut AppState) -> Vec<AppEffect> {
    // One that follows shows what the leader evaluated (`shared`).
    if !state.evaluates_rules() {
        return Vec::new();
    }
    let now = state.now;
    let (ask, hold) = super::shared::before_evaluating(state, now);
    if hold {
        return ask.into_iter().collect();
    }
    let acknowledged = super::shared::acknowledged(state);
    state.rules.engine.set_acknowledged(&acknowledged);
    let before = std::mem::take(&mut state.remote.alert_inputs.local);
    state.rules.evaluate_into(now, &mut state.remote);
    // Most seconds nothing changes: the list is merged again only when it does.
    if state.remote.alert_inputs.local != before {
        super::local_splice::local_alerts_changed(state, &before);
    }
    let outgoing = state.rules.take_notifications();
    let events = state.rules.take_events();
    let mut effects = Vec::new();
    // The leader (or one without a store) notifies; never a read-only one.
    let leads = state.runs_host_work();
    if leads && !outgoing.is_empty() && !state.config.notifier.is_empty() {
        effects.push(AppEffect::Alerts(Effect::Notify(outgoing)));
    }
    let changed = !events.is_empty();
    if state.store == StoreRole::Leader && changed {
        effects.push(AppEffect::Alerts(Effect::RecordEvents(events)));
    }
    if leads && let Some(push) = push_local(state, now, changed) {
        effects.push(push);
    }
    effects.extend(super::shared::share(state, now));
    effects
}

/// Local alerts for `[ack] push_local_to`: at once when one changes, else every
/// `PUSH_EVERY` while any fires.
fn push_local(state: &mut AppState, now: DateTime<Utc>, changed: bool) -> Option<AppEffect> {
    let name = state.config.ack.push_local_to.as_deref()?;
    let source = state
        .remote
        .sources
        .iter()
        .position(|s| s.kind == SourceKind::Alertmanager && s.name == name)?;
    let due = state.rules.last_push.is_none_or(|last| {
        (now - last)
            .to_std()
            .is_ok_and(|age| age >= crate::app::local_rules::PUSH_EVERY)
    });
    let alerts = state.rules.postable(now);
    if alerts.is_empty() || !(changed || due) {
        return None;
    }
    state.rules.last_push = Some(now);
    Some(AppEffect::Alerts(Effect::PushAlerts { source, alerts }))
}
