//! What `[[notifier]]` webhooks receive, as plain data: routing by label matchers
//! (`engine::matcher`)
//! and the JSON body, in Alertmanager's webhook format (version 4) so that any
//! receiver written for Alertmanager (chat bridges, PagerDuty/Opsgenie relays,
//! `alertmanager-webhook-logger`...) accepts opsdeck's local alerts unchanged.
//! No I/O and no clock here: `runtime::notify` does the sending.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::engine::matcher::{self, Matcher};
use crate::engine::rules::{Labels, RuleAlert, Transition};

/// A firing or resolved notification of one local alert, for `[[notifier]]`s.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `Firing` or `Resolved`.
    pub kind: Transition,
    pub alert: RuleAlert,
}

/// Go's zero `time.Time`: the `endsAt` Alertmanager sends for an alert that is
/// still firing. Receivers test for it, so it must be exactly this string.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Whether an alert with `labels` goes to a notifier with these matchers: all
/// must match; none means everything.
pub fn routes(matchers: &[Matcher], labels: &Labels) -> bool {
    matcher::all_match(matchers, labels)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The labels (or annotations) every map shares with the same value.
fn common<'a>(mut maps: impl Iterator<Item = &'a Labels>) -> Labels {
    let Some(first) = maps.next() else {
        return Labels::new();
    };
    let mut shared = first.clone();
    for map in maps {
        shared.retain(|k, v| map.get(k) == Some(v));
    }
    shared
}

/// Go's `LabelSet.String()`: `{alertname="X", job="y"}`, sorted; it is the
/// second half of Alertmanager's `groupKey`.
fn label_set_string(labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// The webhook body for one message to `receiver`, in Alertmanager's format.
///
/// `alerts` are one group: the runtime sends one message per `alertname`, so
/// `groupLabels` is `{alertname}` when they share it (empty otherwise) and
/// `groupKey` is what Alertmanager's root route would give: `{}:{alertname="X"}`.
pub fn webhook_payload(alerts: &[&Notification], receiver: &str, external_url: &str) -> Value {
    let firing = alerts.iter().any(|n| n.kind == Transition::Firing);
    let common_labels = common(alerts.iter().map(|n| &n.alert.labels));
    let common_annotations = common(alerts.iter().map(|n| &n.alert.annotations));
    let group_labels: Labels = common_labels
        .get_key_value("alertname")
        .map(|(k, v)| (k.clone(), v.clone()))
        .into_iter()
        .collect();
    let items: Vec<Value> = alerts
        .iter()
        .map(|n| {
            let a = &n.alert;
            let resolved = n.kind == Transition::Resolved;
            let ends_at = match (resolved, a.resolved_at) {
                (true, Some(at)) => rfc3339(at),
                // Firing, or (never in practice) resolved without a time.
                _ => GO_ZERO_TIME.to_string(),
            };
            json!({
                "status": if resolved { "resolved" } else { "firing" },
                "labels": a.labels,
                "annotations": a.annotations,
                "startsAt": rfc3339(a.fired_at.unwrap_or(a.active_since)),
                "endsAt": ends_at,
                "generatorURL": "",
                "fingerprint": format!("{:016x}", a.fingerprint),
            })
        })
        .collect();
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{}", label_set_string(&group_labels)),
        "truncatedAlerts": 0,
        "status": if firing { "firing" } else { "resolved" },
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": common_labels,
        "commonAnnotations": common_annotations,
        "externalURL": external_url,
        "alerts": items,
    })
}

/// Splits a batch into Alertmanager-style groups by `alertname`, in name order,
/// keeping each group's alerts in batch order.
pub fn group_by_alertname<'a>(alerts: &[&'a Notification]) -> Vec<Vec<&'a Notification>> {
    let mut groups: BTreeMap<&str, Vec<&'a Notification>> = BTreeMap::new();
    for n in alerts {
        let name = n.alert.labels.get("alertname").map_or("", String::as_str);
        groups.entry(name).or_default().push(n);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::{AlertPhase, RuleAlert};
    use chrono::TimeZone;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap() + chrono::Duration::seconds(secs)
    }

    fn note(kind: Transition, instance: &str) -> Notification {
        let labels = labels(&[
            ("alertname", "HighLoad"),
            ("instance", instance),
            ("severity", "critical"),
        ]);
        Notification {
            kind,
            alert: RuleAlert {
                rule: "HighLoad".into(),
                fingerprint: crate::engine::rules::fingerprint(&labels),
                labels,
                annotations: self::labels(&[
                    ("runbook", "https://wiki/load"),
                    ("summary", &format!("load on {instance}")),
                ]),
                phase: AlertPhase::Firing,
                active_since: t(0),
                fired_at: Some(t(60)),
                resolved_at: (kind == Transition::Resolved).then(|| t(120)),
                value: 7.5,
                last_notified: None,
                firing_notified: false,
            },
        }
    }

    #[test]
    fn firing_payload_matches_alertmanager_format() {
        let a = note(Transition::Firing, "db-1");
        let b = note(Transition::Resolved, "db-2");
        let got = webhook_payload(&[&a, &b], "pager", "http://ops-1");
        let fp = |n: &Notification| format!("{:016x}", n.alert.fingerprint);
        let expected = json!({
            "version": "4",
            "groupKey": "{}:{alertname=\"HighLoad\"}",
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "pager",
            "groupLabels": {"alertname": "HighLoad"},
            "commonLabels": {"alertname": "HighLoad", "severity": "critical"},
            "commonAnnotations": {"runbook": "https://wiki/load"},
            "externalURL": "http://ops-1",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "HighLoad", "instance": "db-1", "severity": "critical"},
                    "annotations": {"runbook": "https://wiki/load", "summary": "load on db-1"},
                    "startsAt": "2026-11-24T12:01:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "",
                    "fingerprint": fp(&a),
                },
                {
                    "status": "resolved",
                    "labels": {"alertname": "HighLoad", "instance": "db-2", "severity": "critical"},
                    "annotations": {"runbook": "https://wiki/load", "summary": "load on db-2"},
                    "startsAt": "2026-11-24T12:01:00Z",
                    "endsAt": "2026-11-24T12:02:00Z",
                    "generatorURL": "",
                    "fingerprint": fp(&b),
                },
            ],
        });
        assert_eq!(got, expected);
        assert_eq!(fp(&a).len(), 16);
    }

    #[test]
    fn all_resolved_is_a_resolved_message_and_mixed_names_have_no_group_labels() {
        let a = note(Transition::Resolved, "db-1");
        let got = webhook_payload(&[&a], "r", "http://x");
        assert_eq!(got["status"], "resolved");
        let mut other = note(Transition::Firing, "db-1");
        other
            .alert
            .labels
            .insert("alertname".into(), "Other".into());
        let got = webhook_payload(&[&a, &other], "r", "http://x");
        assert_eq!(got["groupLabels"], json!({}));
        assert_eq!(got["groupKey"], "{}:{}");
        assert_eq!(
            got["commonLabels"],
            json!({"instance": "db-1", "severity": "critical"})
        );
        assert_eq!(group_by_alertname(&[&a, &other]).len(), 2);
    }

    #[test]
    fn unfired_alert_starts_at_active_since() {
        let mut a = note(Transition::Firing, "db-1");
        a.alert.fired_at = None;
        let got = webhook_payload(&[&a], "r", "http://x");
        assert_eq!(got["alerts"][0]["startsAt"], "2026-11-24T12:00:00Z");
    }

    #[test]
    fn matchers_route_like_alertmanager() {
        let l = labels(&[("severity", "critical"), ("instance", "db-1")]);
        let m = |s: &str| s.parse::<Matcher>().unwrap();
        assert!(routes(&[], &l));
        assert!(routes(&[m(r#"severity="critical""#)], &l));
        assert!(routes(&[m("severity=critical")], &l));
        assert!(!routes(&[m(r#"severity!="critical""#)], &l));
        assert!(routes(&[m(r#"instance=~"db-.*""#)], &l));
        assert!(!routes(&[m(r#"instance=~"db""#)], &l), "anchored");
        assert!(
            routes(&[m(r#"team!~"web|api""#)], &l),
            "missing label is empty"
        );
        assert!(!routes(
            &[m(r#"severity="critical""#), m(r#"instance="db-2""#)],
            &l
        ));
    }
}
