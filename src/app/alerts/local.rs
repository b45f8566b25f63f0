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

/// Feeds a sample to the local rules, evaluates them, and lists their alerts.
/// Their notifications go out from one opsdeck per host: the leader (or this
/// one, without a store).
pub fn evaluate_rules(state: &mut AppState, sample: &ResourceSample) -> Vec<AppEffect> {
    if state.rules.is_empty() {
        return Vec::new();
    }
    state.rules.record_sample(&state.host.hostname, sample);
    let before = std::mem::take(&mut state.remote.alert_inputs.local);
    state
        .rules
        .evaluate_into(sample.taken_at, &mut state.remote);
    // Most seconds nothing changes: the list is merged again only when it does.
    if state.remote.alert_inputs.local != before {
        super::update::remerge(state);
    }
    let outgoing = state.rules.take_notifications();
    let events = state.rules.take_events();
    let mut effects = Vec::new();
    // Every opsdeck on the host evaluates; one records and notifies.
    let leads = matches!(state.store, StoreRole::Leader | StoreRole::Off);
    if leads && !outgoing.is_empty() && !state.config.notifier.is_empty() {
        effects.push(AppEffect::Alerts(Effect::Notify(outgoing)));
    }
    let changed = !events.is_empty();
    if state.store == StoreRole::Leader && changed {
        effects.push(AppEffect::Alerts(Effect::RecordEvents(events)));
    }
    if leads && let Some(push) = push_local(state, sample.taken_at, changed) {
        effects.push(push);
    }
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

/// A `[[scrape]]` result (or failure) feeds the local rules' series and `up`.
pub fn record_scrape(state: &mut AppState, update: &RemoteUpdate) {
    let Some(source) = state.remote.sources.get(update.source) else {
        return;
    };
    if source.kind != SourceKind::Scrape || state.rules.is_empty() {
        return;
    }
    let instance = crate::app::local_rules::scrape_instance(&source.endpoint);
    let scrape = match &update.result {
        Ok(Payload::Scrape(scrape)) => Some(scrape.as_ref()),
        _ => None,
    };
    let job = source.name.clone();
    state
        .rules
        .record_scrape(&job, &instance, scrape, update.at);
}
