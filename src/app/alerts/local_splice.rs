//! When only opsdeck's own alerts changed (a host rule went pending, fired or
//! resolved), their rows are merged on their own and put in place in the
//! sorted list; the remote rows are left as they are. In a storm of 30,000
//! remote alerts the host's CPU rules flap from second to second, and merging
//! the whole list for each change took a third of a core.
//!
//! Only when no remote row has the alertname of a local one: then no local
//! alert can be one row with a remote alert (which needs equal labels, but
//! for external ones), and the two merge apart exactly as they merge together.

use super::{Alert, AlertInputs, merge};
use crate::app::sources::SourceId;
use crate::app::state::AppState;

/// opsdeck's own alerts changed from `before` to `alert_inputs.local`:
/// their rows take the change in the cheapest way that keeps the list true.
pub fn local_alerts_changed(state: &mut AppState, before: &[Alert]) {
    if super::local_patch::annotations_only(state, before) || splice(state, before) {
        return;
    }
    super::update::remerge(state);
}

/// Merges the local rows alone and puts them in place; false (nothing
/// done) when a local alert may join a remote one.
fn splice(state: &mut AppState, before: &[Alert]) -> bool {
    let Some(local) = state.rules.source else {
        return false;
    };
    let selected = state.selected_alert().map(|a| a.labels.clone());
    let remote = &mut state.remote;
    let names = &remote.remote_alertnames;
    let shares_a_name = |a: &Alert| a.labels.get("alertname").is_some_and(|n| names.contains(n));
    let local_only = |a: &Alert| a.sources.iter().all(|s| *s == local);
    // A resolved row that is due goes with a whole merge (as on a tick).
    let resolved_due = remote.resolved_due.is_some_and(|due| state.now >= due);
    if resolved_due
        || remote.alert_inputs.local.iter().any(shares_a_name)
        || before.iter().any(shares_a_name)
        || remote
            .alerts
            .iter()
            .filter(|a| local_only(a))
            .any(shares_a_name)
    {
        return false;
    }
    let old: Vec<Alert> = remote.alerts.extract_if(.., |a| local_only(a)).collect();
    let inputs = local_inputs(&remote.alert_inputs);
    let group_by = state.config.ui.alerts.group_by.as_str();
    let sources = &remote.sources;
    let healthy = |id: SourceId| sources.get(id).is_some_and(|s| s.error.is_none());
    let now = state.now;
    let rows = merge::merge_with(&inputs, &mut remote.extras, &old, healthy, group_by, now);
    let quiet = super::update::bell_quiet(state);
    let rings = state
        .bell
        .observe_changed(&old, &rows, &state.remote.extras, now, quiet);
    let remote = &mut state.remote;
    put_in_place(&mut remote.alerts, rows, group_by);
    remote.merged(now);
    super::update::after_merge(state, selected, rings);
    true
}

/// Sorted `rows` into the sorted `alerts`, each after those that sort with it:
/// a few by insertion (no new list), many in one pass.
fn put_in_place(alerts: &mut Vec<Alert>, rows: Vec<Alert>, group_by: &str) {
    const INSERTED_ONE_BY_ONE: usize = 8;
    if rows.len() <= INSERTED_ONE_BY_ONE {
        for row in rows {
            let at = alerts.partition_point(|a| merge::order(a, &row, group_by).is_le());
            alerts.insert(at, row);
        }
        return;
    }
    let mut merged = Vec::with_capacity(alerts.len() + rows.len());
    let mut rest = std::mem::take(alerts).into_iter().peekable();
    for row in rows {
        while let Some(a) = rest.next_if(|a| merge::order(a, &row, group_by).is_le()) {
            merged.push(a);
        }
        merged.push(row);
    }
    merged.extend(rest);
    *alerts = merged;
}

/// The inputs of the local rows: theirs, the store's acknowledgements, and
/// every Alertmanager's silences (one applies to any alert it matches).
fn local_inputs(all: &AlertInputs) -> AlertInputs {
    AlertInputs {
        local: all.local.clone(),
        local_acks: all.local_acks.clone(),
        silences: all.silences.clone(),
        silence_matchers: all.silence_matchers.clone(),
        ..AlertInputs::default()
    }
}
