//! What `update` does for the Alerts pane: remote polls and local rules feed
//! one merged list (the cursor stays on its alert), transitions go to the
//! history, a new critical alert rings once, acknowledgements' results show.

use super::AlertState;
use crate::app::action::PaneId;
use crate::app::remote::RemoteUpdate;
use crate::app::sources::SourceId;
use crate::app::state::{AppState, Overlay, StoreRole};
use crate::app::update::{Effect as AppEffect, clamp_selection};
use crate::collect::alertmanager::PostableAlert;
use crate::store::acks::{AlertEvent, StoredAck};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What the store tells the Alerts pane.
#[derive(Debug)]
pub enum Msg {
    /// Open acknowledgements of local alerts, as the store has them now.
    LocalAcks(Vec<StoredAck>),
    /// The history of one alert, newest first.
    History(String, Vec<AlertEvent>),
    /// The local alerts as the leader evaluated them (for one that does not lead).
    Shared(crate::store::local_alerts::SharedAlerts),
}

/// What the Alerts pane asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append alerts' transitions to their history (the leader only).
    RecordEvents(Vec<AlertEvent>),
    /// Read the history of the alert with this key (for its details).
    LoadHistory(String),
    /// Read the acknowledgements of local alerts open at `now` (every opsdeck
    /// on the host writes them).
    PollAcks { now: DateTime<Utc> },
    /// Post local alerts to an Alertmanager (`[ack] push_local_to`).
    PushAlerts {
        source: SourceId,
        alerts: Vec<PostableAlert>,
    },
    /// Send local alerts' firing/resolved notifications to the `[[notifier]]`s.
    Notify(Vec<crate::app::local_rules::Notification>),
    /// Write the local alerts for the other opsdecks on the host (the leader).
    ShareLocal {
        alerts: Vec<crate::engine::rules::RuleAlert>,
        at: DateTime<Utc>,
    },
    /// Read the local alerts the leader wrote (the others).
    PollShared,
}

pub fn on_msg(state: &mut AppState, msg: Msg) -> Vec<AppEffect> {
    match msg {
        Msg::History(key, events) => state.view.history = Some((key, events)),
        Msg::Shared(alerts) => super::shared::adopt(state, alerts),
        Msg::LocalAcks(acks) => {
            if state.remote.alert_inputs.local_acks != acks {
                state.remote.alert_inputs.local_acks = acks;
                remerge(state);
            }
        }
    }
    Vec::new()
}

/// One poll of a remote source.
pub fn on_remote(state: &mut AppState, remote: RemoteUpdate) -> Vec<AppEffect> {
    if remote.at > state.now {
        state.now = remote.at;
    }
    let rules_fed = super::local::ingest_scrape(state, &remote);
    if state.remote.apply(remote) {
        remerge(state);
    }
    // Rules over a scrape's series are evaluated when it arrives.
    if rules_fed {
        super::local::evaluate(state)
    } else {
        Vec::new()
    }
}

/// The result of an acknowledgement (or its end): shown, and merged in at once.
pub fn on_written(state: &mut AppState, written: crate::app::intent::Written) -> Vec<AppEffect> {
    let changed = written.result.is_ok();
    crate::app::ack::on_written(state, written);
    if changed {
        remerge(state);
    }
    Vec::new()
}

/// Every tick: resolved rows that are due go (no poll merges an unchanged
/// list); the store's acknowledgements are read while there are local alerts
/// to apply them to.
pub fn on_tick(state: &mut AppState) -> Vec<AppEffect> {
    if state
        .remote
        .resolved_due
        .is_some_and(|due| state.now >= due)
    {
        remerge(state);
    }
    let wanted = crate::app::local_rules::LocalRules::has_alerts(&state.remote.alert_inputs);
    let mut effects = Vec::new();
    if state.store != StoreRole::Off && wanted {
        effects.push(AppEffect::Alerts(Effect::PollAcks { now: state.now }));
    }
    effects.extend(super::shared::on_tick(state));
    effects
}

/// Enter on an alert: its details, with its history read from the store.
pub fn open_details(state: &mut AppState) -> Vec<AppEffect> {
    match state.selected_alert().map(|a| a.key()) {
        Some(key) => {
            state.view.history = None;
            let mut effects = crate::app::runbooks::details_opened(state, &key);
            effects.push(AppEffect::Alerts(Effect::LoadHistory(key)));
            effects
        }
        None => Vec::new(),
    }
}

/// States of the alerts only remote sources report (local rules record their
/// own transitions), by a hash of their labels (formatting 10,000 keys per
/// merge would cost more than the merge).
fn remote_states(state: &AppState) -> impl Iterator<Item = (u64, AlertState)> + '_ {
    let local = state.rules.source;
    state
        .remote
        .alerts
        .iter()
        .filter(move |a| local.is_none_or(|id| !a.sources.contains(&id)))
        .map(|a| (label_hash(a), a.state))
}

fn label_hash(alert: &super::Alert) -> u64 {
    super::identity::identity(&alert.labels, &super::Extras::new())
}

/// Remote alerts that went pending, firing or resolved since the last merge, for
/// their history (written by the leader, once per host).
fn record_remote_transitions(state: &mut AppState, before: &HashMap<u64, AlertState>) {
    if state.store != StoreRole::Leader {
        return;
    }
    let now = state.now;
    let local = state.rules.source;
    let quiet = |s: AlertState| {
        matches!(
            s,
            AlertState::Acknowledged | AlertState::Silenced | AlertState::Inhibited
        )
    };
    let mut events = Vec::new();
    for alert in &state.remote.alerts {
        // A failing source's last word is no transition.
        if local.is_some_and(|id| alert.sources.contains(&id)) || alert.stale {
            continue;
        }
        let kind = match alert.state {
            AlertState::Pending => "pending",
            AlertState::Firing => "fired",
            AlertState::Resolved => "resolved",
            // Acks are recorded when they are made; silences live in Alertmanager.
            _ => continue,
        };
        let hash = label_hash(alert);
        let changed = match (before.get(&hash).copied(), alert.state) {
            (None, new) => new != AlertState::Resolved,
            (Some(old), new) if old == new => false,
            // Back from an ack or a silence: not a new firing.
            (Some(old), AlertState::Firing) => !quiet(old),
            _ => true,
        };
        if changed {
            let source = alert
                .sources
                .iter()
                .filter_map(|id| state.remote.sources.get(*id))
                .map(|s| s.label())
                .collect::<Vec<_>>()
                .join(", ");
            let seen_to_fire = before.get(&hash) == Some(&AlertState::Pending);
            let at = match alert.state {
                AlertState::Resolved => alert.resolved_at.unwrap_or(now),
                AlertState::Pending => alert.since.unwrap_or(now),
                // When a source says it began firing; else now, if it was seen
                // pending here; else (already firing at the first look) its start.
                _ => match alert.fired_at {
                    Some(fired) => fired,
                    None if seen_to_fire => now,
                    None => alert.since.unwrap_or(now),
                },
            };
            events.push(AlertEvent {
                alert_key: alert.key(),
                source,
                kind: kind.into(),
                at,
                labels: alert.labels.clone(),
                // One event per transition of an episode: a restart tells it again.
                started: alert.since,
            });
        }
    }
    state.pending_events.extend(events);
}

/// Seconds after start during which new critical alerts do not ring.
const BELL_QUIET_SECS: i64 = 10;

/// Merges the alerts again, keeping the cursor on the same alert (not the same
/// row number): a new critical alert sorting in above must not move `a` or `u`
/// onto another alert. Details of an alert that is gone close.
pub fn remerge(state: &mut AppState) {
    let selected = state.selected_alert().map(|a| a.labels.clone());
    let group_by = state.config.ui.alerts.group_by.clone();
    let before: HashMap<u64, AlertState> = remote_states(state).collect();
    state.remote.remerge(&group_by, state.now);
    record_remote_transitions(state, &before);
    let rings = state.bell.observe(
        &state.remote.alerts,
        &state.remote.extras,
        state.now,
        bell_quiet(state),
    );
    after_merge(state, selected, rings);
}

/// The first seconds list what was already firing: no bell for those.
pub(super) fn bell_quiet(state: &AppState) -> bool {
    (state.now - state.started_at).num_seconds() < BELL_QUIET_SECS
}

/// After rows changed: flash and ring for a new critical alert, pick the
/// visible rows again, the cursor on the alert it was on (`selected`).
pub(super) fn after_merge(
    state: &mut AppState,
    selected: Option<super::Labels>,
    rings: super::bell::Rings,
) {
    if rings.started {
        state.view.flash_until = Some(state.now + chrono::Duration::seconds(2));
    }
    state.new_critical |= rings.ring;
    keep_selection(state, selected);
}

/// Picks the visible rows again, the cursor staying on the alert (`selected`,
/// its labels) it was on.
pub(super) fn keep_selection(state: &mut AppState, selected: Option<super::Labels>) {
    super::view::refilter(state);
    let position = selected.and_then(|labels| state.visible_position(&labels));
    match position {
        Some(i) => state.list_mut(PaneId::Alerts).selected = i,
        None => {
            if state.view.focus == PaneId::Alerts
                && matches!(state.view.overlay, Some(Overlay::Details))
            {
                state.view.overlay = None;
            }
            clamp_selection(state, PaneId::Alerts);
        }
    }
}

/// After every message: ring for a new critical alert, record transitions.
pub fn after_update(state: &mut AppState) -> Vec<AppEffect> {
    let mut effects = Vec::new();
    if std::mem::take(&mut state.new_critical) && state.config.ui.bell {
        effects.push(AppEffect::Bell);
    }
    let events = std::mem::take(&mut state.pending_events);
    if !events.is_empty() {
        effects.push(AppEffect::Alerts(Effect::RecordEvents(events)));
    }
    effects
}
