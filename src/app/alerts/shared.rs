//! Local alerts shared through the store, so every opsdeck on a host shows the
//! same states, ages and counts: the leader evaluates the rules and writes
//! what they give (with when each was last notified); the others read that,
//! show it, and keep it as their engine's state, so a new leader goes on with
//! the same ages and cooldowns instead of starting every alert over.

use super::AlertState;
use super::update::Effect;
use crate::app::state::{AppState, StoreRole};
use crate::app::update::Effect as AppEffect;
use crate::engine::rules::{AlertPhase, RuleAlert, fingerprint};
use crate::store::local_alerts::SharedAlerts;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

/// Values in the annotations change every evaluation: they are written this
/// often, and at once when a state or a notification changes.
const REFRESH: Duration = Duration::seconds(10);

/// A leader that starts alone goes on from what the last leader wrote, when
/// that is this recent (Prometheus's `rules.alert.for-outage-tolerance`):
/// a restart is no new alert, no new notification.
const OUTAGE_TOLERANCE: Duration = Duration::hours(1);

/// How long a starting leader waits for that before evaluating anyway.
const RESTORE_WAIT: Duration = Duration::seconds(5);

/// A leader that has not written for this long is hung (a stopped process
/// keeps its lock): what it wrote last is shown stale.
const LEADER_SILENT: Duration = Duration::seconds(30);

type Signature = Vec<(u64, AlertPhase, Option<DateTime<Utc>>, bool)>;

/// What the leader last wrote, to write again only on a change.
#[derive(Debug, Default)]
pub struct Shared {
    signature: Option<Signature>,
    at: Option<DateTime<Utc>>,
    /// The engine holds what the store had (or there was nothing to take).
    restored: bool,
    /// When a starting leader asked the store for it.
    asked: Option<DateTime<Utc>>,
}

fn signature(alerts: &[&RuleAlert]) -> Signature {
    alerts
        .iter()
        .map(|a| (a.fingerprint, a.phase, a.last_notified, a.firing_notified))
        .collect()
}

/// The leader, after evaluating: the alerts to write, when they changed.
pub fn share(state: &mut AppState, now: DateTime<Utc>) -> Option<AppEffect> {
    if state.store != StoreRole::Leader {
        return None;
    }
    let alerts: Vec<&RuleAlert> = state.rules.engine.alerts().collect();
    let new = signature(&alerts);
    let shared = &mut state.rules.shared;
    let changed = shared.signature.as_ref() != Some(&new);
    // Also with no alert: the time written is the others' sign of life.
    let due = shared.at.is_none_or(|at| now - at >= REFRESH);
    if !changed && !due {
        return None;
    }
    shared.signature = Some(new);
    shared.at = Some(now);
    let alerts = alerts.into_iter().cloned().collect();
    Some(AppEffect::Alerts(Effect::ShareLocal { alerts, at: now }))
}

/// A leader (or a read-only opsdeck with no leader to follow) that has not
/// taken the last leader's state yet asks for it, and does not evaluate
/// meanwhile (a rule with no `for` would notify again; the ages would differ).
/// Returns the effect to ask, and whether to hold off evaluating.
pub fn before_evaluating(state: &mut AppState, now: DateTime<Utc>) -> (Option<AppEffect>, bool) {
    let shared = &mut state.rules.shared;
    if state.store == StoreRole::Off || shared.restored {
        return (None, false);
    }
    match shared.asked {
        None => {
            shared.asked = Some(now);
            (Some(AppEffect::Alerts(Effect::PollShared)), true)
        }
        Some(asked) if now - asked < RESTORE_WAIT => (None, true),
        Some(_) => {
            tracing::warn!(
                "local rules: the last leader's alerts could not be read; starting afresh"
            );
            shared.restored = true;
            (None, false)
        }
    }
}

/// Every tick, an opsdeck that follows reads what the leader shared.
pub fn on_tick(state: &AppState) -> Option<AppEffect> {
    (!state.evaluates_rules() && !state.rules.is_empty())
        .then_some(AppEffect::Alerts(Effect::PollShared))
}

/// What the leader shared: shown, and kept as this engine's state (by a
/// follower always; by one that starts evaluating once, if recent enough).
pub fn adopt(state: &mut AppState, shared: SharedAlerts) {
    let fresh = shared
        .at
        .is_some_and(|at| state.now - at <= OUTAGE_TOLERANCE);
    match state.store {
        StoreRole::Follower if !state.evaluates_rules() => {}
        StoreRole::Leader | StoreRole::Follower if !state.rules.shared.restored => {
            state.rules.shared.restored = true;
            if !fresh {
                return;
            }
        }
        _ => return,
    }
    state.rules.engine.restore(&shared.alerts);
    // Written by the leader: nothing to write again should this one lead.
    state.rules.shared = Shared {
        restored: true,
        ..Shared::default()
    };
    let now = state.now;
    let silent = shared
        .at
        .map(|at| now - at)
        .filter(|age| *age > LEADER_SILENT);
    let local = state.rules.source;
    let healthy_before = local.is_some_and(|id| state.remote.healthy(id));
    if let Some(source) = local.and_then(|id| state.remote.sources.get_mut(id)) {
        match (silent, shared.at) {
            (Some(age), _) => {
                let age = crate::config::duration::short(age.to_std().unwrap_or_default());
                let why = format!("the leader has not evaluated the rules for {age}");
                if source.error.is_none() {
                    tracing::warn!("local rules: {why}");
                }
                source.failed(now, "leader silent", why);
            }
            (None, Some(at)) => source.succeeded(at, std::time::Duration::ZERO),
            (None, None) => {}
        }
    }
    let rows = state.rules.alerts();
    // New rows, or the leader went silent (or spoke again): the marks change.
    let health_changed = local.is_some_and(|id| state.remote.healthy(id)) != healthy_before;
    if state.remote.alert_inputs.local != rows || health_changed {
        let before = std::mem::replace(&mut state.remote.alert_inputs.local, rows);
        if health_changed {
            super::update::remerge(state);
        } else {
            super::local_splice::local_alerts_changed(state, &before);
        }
    }
}

/// Local alerts acknowledged (in the store) or silenced (in an
/// Alertmanager), by fingerprint: not notified as firing meanwhile.
pub fn acknowledged(state: &AppState) -> BTreeSet<u64> {
    let Some(local) = state.rules.source else {
        return BTreeSet::new();
    };
    state
        .remote
        .alerts
        .iter()
        .filter(|a| a.sources.contains(&local))
        .filter(|a| matches!(a.state, AlertState::Acknowledged | AlertState::Silenced))
        .map(|a| fingerprint(&a.labels))
        .collect()
}
