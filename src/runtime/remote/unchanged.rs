//! Lists a poller sends only when they changed. In a storm Alertmanager holds
//! thousands of alerts that stay the same poll after poll; merging them again
//! on the event loop's thread would cost the keyboard for nothing. The poller
//! compares a digest of what the merge reads (not `endsAt`, `updatedAt` or a
//! rule's current value, which move every evaluation) with what it sent last,
//! on the blocking pool, and sends `None` for a list that did not change.

use crate::app::remote::Payload;
use crate::collect::alertmanager::{AmAlert, Silence};
use crate::collect::prometheus::PromAlert;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Digests of the lists last sent; reset when a poll fails, so the first good
/// poll after a failure sends everything.
#[derive(Debug, Default)]
pub struct Sent {
    alerts: Option<u64>,
    silences: Option<u64>,
}

impl Sent {
    pub fn forget(&mut self) {
        *self = Sent::default();
    }

    /// Replaces the lists that did not change since the last poll by `None`.
    pub async fn thin(&mut self, payload: Payload) -> Payload {
        let digests = |payload: Payload| {
            let (alerts, silences) = match &payload {
                Payload::Prometheus(p) => (p.alerts.as_deref().map(prom_digest), None),
                Payload::Alertmanager(a) => (
                    a.alerts.as_deref().map(am_digest),
                    a.silences.as_deref().map(silence_digest),
                ),
                _ => (None, None),
            };
            (payload, alerts, silences)
        };
        let (mut payload, alerts, silences) =
            match tokio::task::spawn_blocking(move || digests(payload)).await {
                Ok(done) => done,
                // The digest never panics; if the pool is gone, we are exiting.
                Err(_) => return Payload::Delivered,
            };
        let same_alerts = alerts.is_some() && alerts == self.alerts;
        let same_silences = silences.is_some() && silences == self.silences;
        self.alerts = alerts.or(self.alerts);
        self.silences = silences.or(self.silences);
        match &mut payload {
            Payload::Prometheus(p) if same_alerts => p.alerts = None,
            Payload::Alertmanager(a) => {
                if same_alerts {
                    a.alerts = None;
                }
                if same_silences {
                    a.silences = None;
                }
            }
            _ => {}
        }
        payload
    }
}

/// Order does not matter: servers list from maps.
fn unordered<T>(items: &[T], each: impl Fn(&T, &mut DefaultHasher)) -> u64 {
    let sum = items.iter().fold(0u64, |sum, item| {
        let mut h = DefaultHasher::new();
        each(item, &mut h);
        sum.wrapping_add(h.finish())
    });
    sum ^ items.len() as u64
}

pub fn am_digest(alerts: &[AmAlert]) -> u64 {
    unordered(alerts, |a, h| {
        a.labels.hash(h);
        a.annotations.hash(h);
        (a.state as u8).hash(h);
        a.starts_at.hash(h);
        a.generator_url.hash(h);
        a.silenced_by.hash(h);
        a.inhibited_by.hash(h);
    })
}

pub fn prom_digest(alerts: &[PromAlert]) -> u64 {
    unordered(alerts, |a, h| {
        a.labels.hash(h);
        a.annotations.hash(h);
        (a.state as u8).hash(h);
        a.active_at.hash(h);
    })
}

pub fn silence_digest(silences: &[Silence]) -> u64 {
    unordered(silences, |s, h| {
        s.id.hash(h);
        (s.state as u8).hash(h);
        s.starts_at.hash(h);
        s.ends_at.hash(h);
        s.created_by.hash(h);
        s.comment.hash(h);
        for m in &s.matchers {
            (&m.name, &m.value, m.is_regex, m.is_equal).hash(h);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::remote::AmSnapshot;

    fn am(labels: &[(&str, &str)]) -> AmAlert {
        serde_json::from_value(serde_json::json!({
            "fingerprint": "f", "labels": labels.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
            "annotations": {}, "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2026-01-01T00:05:00Z",
            "updatedAt": "2026-01-01T00:00:00Z",
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}, "receivers": []
        }))
        .expect("alert")
    }

    fn snapshot(alerts: Vec<AmAlert>) -> Payload {
        Payload::Alertmanager(Box::new(AmSnapshot {
            member: "m".into(),
            alerts: Some(alerts),
            silences: Some(Vec::new()),
            version: None,
            members: 1,
            failing_members: Vec::new(),
        }))
    }

    fn alerts_of(p: &Payload) -> Option<usize> {
        match p {
            Payload::Alertmanager(a) => a.alerts.as_ref().map(Vec::len),
            _ => panic!("not alertmanager"),
        }
    }

    #[tokio::test]
    async fn an_unchanged_list_is_sent_once_in_any_order() {
        let mut sent = Sent::default();
        let (a, b) = (am(&[("alertname", "A")]), am(&[("alertname", "B")]));
        let first = sent.thin(snapshot(vec![a.clone(), b.clone()])).await;
        assert_eq!(alerts_of(&first), Some(2));
        // The same alerts, listed the other way round, a later endsAt.
        let mut later = a.clone();
        later.ends_at = Some(chrono::Utc::now());
        let again = sent.thin(snapshot(vec![b.clone(), later])).await;
        assert_eq!(alerts_of(&again), None, "nothing the merge reads changed");
        let mut silenced = b.clone();
        silenced.silenced_by = vec!["s1".into()];
        let changed = sent.thin(snapshot(vec![a.clone(), silenced])).await;
        assert_eq!(alerts_of(&changed), Some(2));
        sent.forget();
        let after_failure = sent.thin(snapshot(vec![a.clone(), b.clone()])).await;
        assert_eq!(
            alerts_of(&after_failure),
            Some(2),
            "sent in full after a failure"
        );
    }
}
