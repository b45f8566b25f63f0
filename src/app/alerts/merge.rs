//! The merge: every source's alerts into one list. Each pass finds the row an
//! alert joins through a hash index ([`identity`]), so a merge costs in
//! proportion to the alerts, never to their square.

use super::identity::{Extras, Prober, RowIndex};
use super::{
    Ack, Alert, AlertInputs, AlertState, RESOLVED_KEPT, earliest, is_ack_comment, local_ack_id,
    silences, stale,
};
use crate::app::sources::SourceId;
use crate::collect::alertmanager::{AmAlert, AmAlertState};
use crate::collect::prometheus::PromAlertState;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// Merges every source's alerts into one list, sorted for display; alerts of the
/// previous list that vanished while their sources were healthy stay as resolved
/// for `RESOLVED_KEPT`. Learns external labels afresh: see [`merge_with`].
pub fn merge(
    inputs: &AlertInputs,
    previous: &[Alert],
    healthy: impl Fn(SourceId) -> bool,
    group_by: &str,
    now: DateTime<Utc>,
) -> Vec<Alert> {
    merge_with(inputs, &mut Extras::new(), previous, healthy, group_by, now)
}

/// [`merge`], with the external label names learned by earlier merges (and
/// adding any this one learns).
pub fn merge_with(
    inputs: &AlertInputs,
    extras: &mut Extras,
    previous: &[Alert],
    healthy: impl Fn(SourceId) -> bool,
    group_by: &str,
    now: DateTime<Utc>,
) -> Vec<Alert> {
    let mut prober = Prober::default();
    let mut alerts = local_rows(inputs);
    // Room for every listed alert at once, what the merge did not use given
    // back at the end: grown by doubling, a storm's rows would be held at up
    // to twice their size, and copied while they grow.
    alerts.reserve_exact(listed(&inputs.alertmanager) + listed(&inputs.prometheus));
    add_alertmanager(&mut alerts, inputs, extras, &mut prober);
    add_prometheus(&mut alerts, inputs, extras, &mut prober);
    apply_pending_acks(&mut alerts, inputs, extras);
    stale::mark_stale(&mut alerts, previous, &healthy, extras, &mut prober);
    silences::apply_everywhere(&mut alerts, inputs, now);
    keep_gone(&mut alerts, previous, healthy, now, extras, &mut prober);
    sort(&mut alerts, group_by);
    alerts.shrink_to_fit();
    alerts
}

fn listed<T>(lists: &BTreeMap<SourceId, Vec<T>>) -> usize {
    lists.values().map(Vec::len).sum()
}

/// opsdeck's own alerts, with the store's acknowledgements applied.
fn local_rows(inputs: &AlertInputs) -> Vec<Alert> {
    let acks: HashMap<&str, &crate::store::acks::StoredAck> = inputs
        .local_acks
        .iter()
        .map(|a| (a.alert_key.as_str(), a))
        .collect();
    let mut alerts: Vec<Alert> = inputs.local.clone();
    for alert in &mut alerts {
        if alert.state == AlertState::Resolved || acks.is_empty() {
            continue;
        }
        if let Some(ack) = acks.get(alert.key().as_str()) {
            alert.state = AlertState::Acknowledged;
            alert.ack = Some(Box::new(Ack {
                silence_id: local_ack_id(ack.id),
                by: ack.author.clone(),
                at: ack.created,
                until: ack.expires,
                comment: ack.comment.clone(),
            }));
        }
    }
    alerts
}

fn add_alertmanager(
    alerts: &mut Vec<Alert>,
    inputs: &AlertInputs,
    extras: &mut Extras,
    prober: &mut Prober,
) {
    // Only local rows can be the same alert as an Alertmanager's.
    let local = alerts.len();
    prober.new_list();
    let mut index = RowIndex::build(alerts, extras);
    let unclaimed = |x: &Alert| x.alertmanager.is_none();
    for (&source, list) in &inputs.alertmanager {
        for a in list {
            let row = from_alertmanager(inputs, source, a);
            // A local alert pushed to this Alertmanager ([ack] push_local_to) is
            // the same alert: one row, with both sources and Alertmanager's say on
            // silences.
            let mut found = index.find(&row.labels, extras, alerts, unclaimed);
            if found.is_none()
                && local > 0
                && prober.learn(&row.labels, &alerts[..local], extras, unclaimed)
            {
                index = RowIndex::build(&alerts[..local], extras);
                found = index.find(&row.labels, extras, alerts, unclaimed);
            }
            match found {
                Some(i) => {
                    let existing = &mut alerts[i];
                    existing.sources.push(source);
                    existing.alertmanager = Some(source);
                    if row.state != AlertState::Firing {
                        existing.state = row.state;
                        existing.ack = row.ack.or(existing.ack.take());
                    }
                    existing.silenced_by = row.silenced_by;
                    existing.inhibited_by = row.inhibited_by;
                }
                None => alerts.push(row),
            }
        }
    }
}

fn add_prometheus(
    alerts: &mut Vec<Alert>,
    inputs: &AlertInputs,
    extras: &mut Extras,
    prober: &mut Prober,
) {
    prober.new_list();
    let mut index = RowIndex::build(alerts, extras);
    for (&source, list) in &inputs.prometheus {
        let other = |a: &Alert| !a.sources.contains(&source);
        for p in list {
            let state = match p.state {
                PromAlertState::Pending => AlertState::Pending,
                PromAlertState::Firing => AlertState::Firing,
                PromAlertState::Inactive => continue,
            };
            let mut found = index.find(&p.labels, extras, alerts, other);
            if found.is_none() && prober.learn(&p.labels, alerts, extras, other) {
                index = RowIndex::build(alerts, extras);
                found = index.find(&p.labels, extras, alerts, other);
            }
            match found {
                Some(i) => {
                    let a = &mut alerts[i];
                    a.sources.push(source);
                    a.since = earliest(a.since, p.active_at);
                    super::stale::fill_in(&mut a.annotations, &p.annotations);
                }
                None => {
                    index.insert(&p.labels, extras, alerts.len());
                    alerts.push(Alert::new(
                        source,
                        p.labels.clone(),
                        p.annotations.clone(),
                        state,
                        p.active_at,
                    ));
                }
            }
        }
    }
}

/// An acknowledgement this opsdeck just made shows at once, before its
/// Alertmanager reports the alert as suppressed.
fn apply_pending_acks(alerts: &mut [Alert], inputs: &AlertInputs, extras: &Extras) {
    if inputs.pending_acks.is_empty() {
        return;
    }
    let index = RowIndex::build(alerts, extras);
    for pending in &inputs.pending_acks {
        let found = index.find(&pending.labels, extras, alerts, |a| {
            a.alertmanager == Some(pending.source) && a.labels == pending.labels
        });
        if let Some(i) = found
            && alerts[i].ack.is_none()
        {
            alerts[i].state = AlertState::Acknowledged;
            alerts[i].ack = Some(Box::new(pending.ack.clone()));
        }
    }
}

/// Alerts no source lists any more: resolved for `RESOLVED_KEPT` when their
/// sources are healthy, kept as they were (stale) when a source fails.
fn keep_gone(
    alerts: &mut Vec<Alert>,
    previous: &[Alert],
    healthy: impl Fn(SourceId) -> bool,
    now: DateTime<Utc>,
    extras: &mut Extras,
    prober: &mut Prober,
) {
    prober.new_list();
    let mut index = RowIndex::build(alerts, extras);
    for old in previous {
        let mut still_listed = index.find(&old.labels, extras, alerts, |_| true).is_some();
        if !still_listed && prober.learn(&old.labels, alerts, extras, |_| true) {
            index = RowIndex::build(alerts, extras);
            still_listed = index.find(&old.labels, extras, alerts, |_| true).is_some();
        }
        if still_listed {
            continue;
        }
        let gone_for_real = old.sources.iter().all(|s| healthy(*s));
        let resolved_at = old.resolved_at.unwrap_or(now);
        let kept = (now - resolved_at)
            .to_std()
            .is_ok_and(|age| age < RESOLVED_KEPT);
        // A pending alert that goes away never fired: it is dropped, as Prometheus does.
        let never_fired = old.state == AlertState::Pending;
        let row = if gone_for_real && never_fired {
            None
        } else if (gone_for_real || old.resolved_at.is_some()) && kept {
            Some(Alert {
                state: AlertState::Resolved,
                resolved_at: Some(resolved_at),
                ack: None,
                stale: false,
                ..old.clone()
            })
        } else if !gone_for_real && old.resolved_at.is_none() {
            // Its source is failing: keep showing what it last said (marked stale).
            Some(Alert {
                stale: true,
                ..old.clone()
            })
        } else {
            None
        };
        if let Some(row) = row {
            index.insert(&row.labels, extras, alerts.len());
            alerts.push(row);
        }
    }
}

fn from_alertmanager(inputs: &AlertInputs, source: SourceId, a: &AmAlert) -> Alert {
    let ack = a
        .silenced_by
        .iter()
        .filter_map(|id| inputs.silence(source, id))
        .find(|s| is_ack_comment(&s.comment))
        .map(|s| Box::new(super::Ack::from_silence(s)));
    let state = match a.state {
        AmAlertState::Suppressed if ack.is_some() => AlertState::Acknowledged,
        AmAlertState::Suppressed if !a.silenced_by.is_empty() => AlertState::Silenced,
        AmAlertState::Suppressed if !a.inhibited_by.is_empty() => AlertState::Inhibited,
        // Suppressed with neither list: an older Alertmanager; call it silenced.
        AmAlertState::Suppressed => AlertState::Silenced,
        AmAlertState::Active | AmAlertState::Unprocessed => AlertState::Firing,
    };
    Alert {
        alertmanager: Some(source),
        fired_at: a.starts_at,
        generator_url: a.generator_url.clone(),
        silenced_by: a.silenced_by.clone(),
        inhibited_by: a.inhibited_by.clone(),
        ack,
        ..Alert::new(
            source,
            a.labels.clone(),
            a.annotations.clone(),
            state,
            a.starts_at,
        )
    }
}

/// Group (when grouping), then resolved last, then severity, then newest
/// first, then by labels; stable, so two copies of one label set keep
/// their sources' order.
fn sort(alerts: &mut [Alert], group_by: &str) {
    alerts.sort_by(|a, b| order(a, b, group_by));
}

/// The order of the list (see [`sort`]).
pub(super) fn order(a: &Alert, b: &Alert, group_by: &str) -> std::cmp::Ordering {
    // With no group_by both read "" and compare equal.
    fn group<'a>(x: &'a Alert, by: &str) -> &'a str {
        x.labels.get(by).unwrap_or("")
    }
    let resolved = |x: &Alert| x.state == AlertState::Resolved;
    // Alerts without the label go after every group.
    let ungrouped = |x: &Alert| !group_by.is_empty() && group(x, group_by).is_empty();
    ungrouped(a)
        .cmp(&ungrouped(b))
        .then(group(a, group_by).cmp(group(b, group_by)))
        .then(resolved(a).cmp(&resolved(b)))
        .then(a.severity.cmp(&b.severity))
        .then(b.since.cmp(&a.since))
        .then_with(|| a.labels.cmp(&b.labels))
}
