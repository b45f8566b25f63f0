//! What a poller last sent of the lists that feed the alert merge, so that an
//! unchanged list is sent as `None`: merging 10,000 alerts again on the event
//! loop's thread for nothing would cost the keyboard. Alert lists are compared
//! before decoding (`collect::unchanged`); silences, short lists, after.

use crate::collect::alertmanager::Silence;
use crate::collect::unchanged::{Fresh, unordered};
use std::hash::Hash;

/// Digests of the lists last sent; forgotten when a poll fails, so the first
/// good poll after a failure sends everything.
#[derive(Debug, Default)]
pub struct Sent {
    /// The digest of the alert list last sent.
    pub alerts: Option<u64>,
    silences: Option<u64>,
    /// Prometheus's warnings with that list (part of its digest).
    pub warnings: Vec<String>,
}

impl Sent {
    pub fn forget(&mut self) {
        *self = Sent::default();
    }

    /// The alert list to send: `None` when it is the one sent last.
    pub fn alerts<T>(&mut self, fresh: Fresh<T>) -> Option<T> {
        match fresh {
            Fresh::Same => None,
            Fresh::New(list, digest) => {
                self.alerts = digest;
                Some(list)
            }
        }
    }

    /// The silences to send: `None` when they are the ones sent last.
    pub async fn silences(&mut self, silences: Vec<Silence>) -> Option<Vec<Silence>> {
        let digested = tokio::task::spawn_blocking(move || {
            let digest = silence_digest(&silences);
            (silences, digest)
        })
        .await;
        // The digest never panics; if the pool is gone, send them anyway.
        let Ok((silences, digest)) = digested else {
            return None;
        };
        let same = self.silences == Some(digest);
        self.silences = Some(digest);
        (!same).then_some(silences)
    }
}

fn silence_digest(silences: &[Silence]) -> u64 {
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

    fn silence(id: &str, comment: &str) -> Silence {
        serde_json::from_value(serde_json::json!({
            "id": id, "matchers": [{"name": "alertname", "value": "A", "isRegex": false}],
            "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2026-01-01T01:00:00Z",
            "createdBy": "ana", "comment": comment, "status": {"state": "active"}
        }))
        .expect("silence")
    }

    #[tokio::test]
    async fn silences_are_sent_when_they_change_and_after_a_failure() {
        let mut sent = Sent::default();
        let (a, b) = (silence("1", "ACK! on it"), silence("2", "maintenance"));
        assert!(sent.silences(vec![a.clone(), b.clone()]).await.is_some());
        assert!(sent.silences(vec![b.clone(), a.clone()]).await.is_none());
        let mut edited = b.clone();
        edited.comment = "maintenance, longer".into();
        assert!(sent.silences(vec![a.clone(), edited]).await.is_some());
        sent.forget();
        assert!(sent.silences(vec![a, b]).await.is_some());
    }

    #[test]
    fn an_alert_list_is_sent_unless_it_is_the_same() {
        let mut sent = Sent::default();
        assert_eq!(sent.alerts(Fresh::New(vec![1], Some(7))), Some(vec![1]));
        assert_eq!(sent.alerts, Some(7));
        assert_eq!(sent.alerts::<Vec<i32>>(Fresh::Same), None);
    }
}
