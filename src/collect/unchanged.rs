//! Whether an alert list changed since the last poll, told from the raw JSON
//! before anything is decoded. In a storm, Alertmanager and Prometheus list
//! the same thousands of alerts poll after poll; decoding them into owned
//! maps each time would cost a few percent of a core for nothing. The digest
//! reads the body borrowed (no allocation per alert) and hashes the raw text
//! of the fields the merge reads, in any order; not `endsAt`, `updatedAt` or
//! a rule's current value, which move at every evaluation. Go writes map keys
//! sorted, so equal content is equal text; text that differs only in form
//! just costs one decode.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A list as one poll found it: the same as the last one sent, or new (with
/// its digest, when the body could be read for one).
#[derive(Debug, Clone, PartialEq)]
pub enum Fresh<T> {
    Same,
    New(T, Option<u64>),
}

/// Sums per-item hashes: servers list from maps, in no fixed order.
pub fn unordered<T>(items: &[T], each: impl Fn(&T, &mut DefaultHasher)) -> u64 {
    let sum = items.iter().fold(0u64, |sum, item| {
        let mut h = DefaultHasher::new();
        each(item, &mut h);
        sum.wrapping_add(h.finish())
    });
    sum ^ items.len() as u64
}

type Raw<'a> = Option<&'a RawValue>;

fn raw(h: &mut DefaultHasher, value: Raw<'_>) {
    value.map(RawValue::get).hash(h);
}

#[derive(Deserialize)]
struct AmAlertText<'a> {
    #[serde(borrow)]
    labels: Raw<'a>,
    #[serde(borrow)]
    annotations: Raw<'a>,
    #[serde(borrow, rename = "startsAt")]
    starts_at: Raw<'a>,
    #[serde(borrow, rename = "generatorURL")]
    generator_url: Raw<'a>,
    /// State, silencedBy, inhibitedBy.
    #[serde(borrow)]
    status: Raw<'a>,
}

/// The digest of `GET /api/v2/alerts`, and how many alerts it lists; `None`
/// if it is not such a list.
pub fn alertmanager_alerts(body: &[u8]) -> Option<(u64, usize)> {
    let alerts: Vec<AmAlertText<'_>> = serde_json::from_slice(body).ok()?;
    let digest = unordered(&alerts, |a, h| {
        for field in [
            a.labels,
            a.annotations,
            a.starts_at,
            a.generator_url,
            a.status,
        ] {
            raw(h, field);
        }
    });
    Some((digest, alerts.len()))
}

#[derive(Deserialize)]
struct PromAlertText<'a> {
    #[serde(borrow)]
    labels: Raw<'a>,
    #[serde(borrow)]
    annotations: Raw<'a>,
    #[serde(borrow)]
    state: Raw<'a>,
    #[serde(borrow, rename = "activeAt")]
    active_at: Raw<'a>,
}

#[derive(Deserialize)]
struct PromAlertsText<'a> {
    #[serde(borrow)]
    alerts: Vec<PromAlertText<'a>>,
}

#[derive(Deserialize)]
struct PromEnvelopeText<'a> {
    status: &'a str,
    #[serde(borrow)]
    data: PromAlertsText<'a>,
    #[serde(borrow)]
    warnings: Raw<'a>,
    #[serde(borrow)]
    infos: Raw<'a>,
}

/// The digest of a successful `GET /api/v1/alerts` (its warnings included);
/// `None` for anything else, which is then decoded and reported as it is.
pub fn prometheus_alerts(body: &[u8]) -> Option<u64> {
    let envelope: PromEnvelopeText<'_> = serde_json::from_slice(body).ok()?;
    if envelope.status != "success" {
        return None;
    }
    let alerts = unordered(&envelope.data.alerts, |a, h| {
        for field in [a.labels, a.annotations, a.state, a.active_at] {
            raw(h, field);
        }
    });
    let mut h = DefaultHasher::new();
    alerts.hash(&mut h);
    raw(&mut h, envelope.warnings);
    raw(&mut h, envelope.infos);
    Some(h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn am(name: &str, ends: &str, silenced: &str) -> String {
        format!(
            r#"{{"labels":{{"alertname":"{name}","job":"node"}},"annotations":{{}},"startsAt":"2026-01-01T00:00:00Z","endsAt":"{ends}","updatedAt":"{ends}","fingerprint":"f","generatorURL":"http://p/graph","receivers":[{{"name":"x"}}],"status":{{"state":"active","silencedBy":[{silenced}],"inhibitedBy":[]}}}}"#
        )
    }

    fn list(items: &[String]) -> Vec<u8> {
        format!("[{}]", items.join(",")).into_bytes()
    }

    #[test]
    fn alertmanagers_list_in_another_order_with_later_ends_is_the_same() {
        let first = alertmanager_alerts(&list(&[
            am("A", "2026-01-01T00:05:00Z", ""),
            am("B", "2026-01-01T00:05:00Z", ""),
        ]));
        assert!(first.is_some());
        let later = alertmanager_alerts(&list(&[
            am("B", "2026-01-01T00:06:00Z", ""),
            am("A", "2026-01-01T00:06:00Z", ""),
        ]));
        assert_eq!(first, later, "nothing the merge reads changed");
        let silenced = alertmanager_alerts(&list(&[
            am("B", "2026-01-01T00:06:00Z", r#""s1""#),
            am("A", "2026-01-01T00:06:00Z", ""),
        ]));
        assert_ne!(first, silenced);
        let one_gone = alertmanager_alerts(&list(&[am("A", "2026-01-01T00:06:00Z", "")]));
        assert_ne!(first, one_gone);
        assert_eq!(alertmanager_alerts(b"<html>login</html>"), None);
    }

    fn prom(value: &str, state: &str, warnings: &str) -> Vec<u8> {
        format!(
            r#"{{"status":"success","data":{{"alerts":[{{"labels":{{"alertname":"A"}},"annotations":{{}},"state":"{state}","activeAt":"2026-01-01T00:00:00Z","value":"{value}"}}]}}{warnings}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn prometheus_values_move_but_the_list_is_the_same() {
        let first = prometheus_alerts(&prom("1e+00", "firing", ""));
        assert!(first.is_some());
        assert_eq!(first, prometheus_alerts(&prom("2e+00", "firing", "")));
        assert_ne!(first, prometheus_alerts(&prom("1e+00", "pending", "")));
        let warned = prom("1e+00", "firing", r#","warnings":["partial response"]"#);
        assert_ne!(first, prometheus_alerts(&warned));
        let error =
            br#"{"status":"error","errorType":"bad_data","error":"x","data":{"alerts":[]}}"#;
        assert_eq!(prometheus_alerts(error), None);
    }
}
