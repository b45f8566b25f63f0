//! Acknowledgements: each one an Alertmanager silence (or, later, a local ack),
//! stored with its silence id so who acknowledged what survives restarts, and an
//! alert event for the report.

use super::{Store, StoreError};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::params;

#[derive(Debug, Clone, PartialEq)]
pub struct NewAck {
    /// The alert's label set, as `app::alerts::label_key` writes it.
    pub alert_key: String,
    /// Labels as a JSON object, for the alert event.
    pub labels: serde_json::Value,
    /// The source's name (`[[alertmanager]] name`).
    pub source: String,
    pub silence_id: Option<String>,
    pub author: String,
    pub comment: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

impl Store {
    /// Records an acknowledgement and its `acked` event in one transaction.
    pub fn record_ack(&mut self, ack: &NewAck) -> Result<i64, StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        tx.execute(
            "INSERT INTO acknowledgements (alert_key, source, silence_id, author, comment, created_ms, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                ack.alert_key,
                ack.source,
                ack.silence_id,
                ack.author,
                ack.comment,
                ack.created.timestamp_millis(),
                ack.expires.timestamp_millis(),
            ],
        )
        .map_err(&error)?;
        let id = tx.last_insert_rowid();
        insert_event(
            &tx,
            &ack.alert_key,
            &ack.source,
            "acked",
            ack.created,
            &ack.labels,
        )
        .map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(id)
    }

    /// Marks the acknowledgement behind `silence_id` removed, with an `unacked`
    /// event. Returns how many acknowledgements it closed (0 when another opsdeck or
    /// a browser made the silence).
    pub fn record_unack(
        &mut self,
        source: &str,
        silence_id: &str,
        alert_key: &str,
        labels: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        let closed = tx
            .execute(
                "UPDATE acknowledgements SET removed_ms = ?1
                 WHERE source = ?2 AND silence_id = ?3 AND removed_ms IS NULL",
                params![at.timestamp_millis(), source, silence_id],
            )
            .map_err(&error)?;
        insert_event(&tx, alert_key, source, "unacked", at, labels).map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(closed)
    }

    /// Acknowledgements of opsdeck's own alerts (source `local`) still open at
    /// `now`: what every opsdeck on the host shows, until they expire by themselves.
    pub fn open_local_acks(&self, now: DateTime<Utc>) -> Result<Vec<StoredAck>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, alert_key, author, comment, created_ms, expires_ms FROM acknowledgements
                 WHERE source = 'local' AND removed_ms IS NULL AND expires_ms > ?1
                 ORDER BY created_ms",
            )
            .map_err(|e| self.error(e))?;
        let time = |ms: i64| Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
        let rows = stmt
            .query_map(params![now.timestamp_millis()], |r| {
                Ok(StoredAck {
                    id: r.get(0)?,
                    alert_key: r.get(1)?,
                    author: r.get(2)?,
                    comment: r.get(3)?,
                    created: time(r.get(4)?),
                    expires: time(r.get(5)?),
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Ends a local acknowledgement now (un-acknowledge), with its event.
    pub fn remove_local_ack(
        &mut self,
        id: i64,
        labels: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        let key: Option<String> = tx
            .query_row(
                "SELECT alert_key FROM acknowledgements WHERE id = ?1 AND removed_ms IS NULL",
                params![id],
                |r| r.get(0),
            )
            .ok();
        let Some(key) = key else {
            return Ok(0);
        };
        tx.execute(
            "UPDATE acknowledgements SET removed_ms = ?1 WHERE id = ?2",
            params![at.timestamp_millis(), id],
        )
        .map_err(&error)?;
        insert_event(&tx, &key, "local", "unacked", at, labels).map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(1)
    }
}

/// A transition of an alert, as the alert's history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    pub alert_key: String,
    pub source: String,
    /// pending, fired, resolved, acked, unacked
    pub kind: String,
    pub at: DateTime<Utc>,
    /// Shared with the row: a storm's first look records thousands.
    pub labels: crate::labels::LabelSet,
    /// When the episode began (a remote alert's start): the same transition
    /// of the same episode, told again after a restart, is recorded once.
    pub started: Option<DateTime<Utc>>,
}

impl Store {
    /// Records transitions (local rules' pending / fired / resolved) at once.
    pub fn record_events(&mut self, events: &[AlertEvent]) -> Result<(), StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        for e in events {
            // The same transition of the same episode, told again (by an
            // opsdeck that restarted, or a new leader), is one event.
            tx.execute(
                "INSERT INTO alert_events (alert_key, source, kind, at_ms, labels, started_ms)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE ?6 IS NULL OR NOT EXISTS (
                     SELECT 1 FROM alert_events
                     WHERE alert_key = ?1 AND kind = ?3 AND started_ms = ?6)",
                params![
                    e.alert_key,
                    e.source,
                    e.kind,
                    e.at.timestamp_millis(),
                    serde_json::to_string(&e.labels).unwrap_or_default(),
                    e.started.map(|t| t.timestamp_millis()),
                ],
            )
            .map_err(&error)?;
        }
        tx.commit().map_err(&error)
    }

    /// The newest `limit` events of one alert, newest first.
    pub fn alert_history(
        &self,
        alert_key: &str,
        limit: usize,
    ) -> Result<Vec<AlertEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT alert_key, source, kind, at_ms, labels FROM alert_events
                 WHERE alert_key = ?1 ORDER BY at_ms DESC, id DESC LIMIT ?2",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![alert_key, limit as i64], |r| {
                let labels: String = r.get(4)?;
                Ok(AlertEvent {
                    alert_key: r.get(0)?,
                    source: r.get(1)?,
                    kind: r.get(2)?,
                    at: Utc
                        .timestamp_millis_opt(r.get(3)?)
                        .single()
                        .unwrap_or_default(),
                    labels: serde_json::from_str(&labels).unwrap_or_default(),
                    started: None,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// An open acknowledgement as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAck {
    pub id: i64,
    pub alert_key: String,
    pub author: String,
    pub comment: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

fn insert_event(
    tx: &rusqlite::Transaction,
    alert_key: &str,
    source: &str,
    kind: &str,
    at: DateTime<Utc>,
    labels: &serde_json::Value,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO alert_events (alert_key, source, kind, at_ms, labels) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![alert_key, source, kind, at.timestamp_millis(), labels.to_string()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ack_then_unack_is_recorded_with_events() {
        let dir = std::env::temp_dir().join(format!("opsdeck-acks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut store = Store::open(&dir.join("opsdeck.db")).unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let ack = NewAck {
            alert_key: r#"{alertname="Down"}"#.into(),
            labels: serde_json::json!({"alertname": "Down"}),
            source: "main".into(),
            silence_id: Some("abc".into()),
            author: "ann@ops".into(),
            comment: "ACK! looking".into(),
            created: t,
            expires: t + chrono::Duration::hours(1),
        };
        store.record_ack(&ack).unwrap();
        // An Alertmanager ack is not a local one.
        assert!(store.open_local_acks(t).unwrap().is_empty());
        let closed = store
            .record_unack("main", "abc", &ack.alert_key, &ack.labels, t)
            .unwrap();
        assert_eq!(closed, 1);
        let local = NewAck {
            source: "local".into(),
            silence_id: None,
            ..ack.clone()
        };
        let id = store.record_ack(&local).unwrap();
        let open = store.open_local_acks(t).unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].id, open[0].author.as_str()), (id, "ann@ops"));
        // It expires by itself.
        assert!(
            store
                .open_local_acks(t + chrono::Duration::hours(2))
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.remove_local_ack(id, &ack.labels, t).unwrap(), 1);
        assert!(store.open_local_acks(t).unwrap().is_empty());
        let events: i64 = store
            .conn
            .query_row("SELECT count(*) FROM alert_events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(events, 4);
        let history = store.alert_history(&ack.alert_key, 10).unwrap();
        let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["unacked", "acked", "unacked", "acked"]);
        // A transition told again (after a restart) is kept once.
        let fired = AlertEvent {
            alert_key: ack.alert_key.clone(),
            source: "prom main".into(),
            kind: "fired".into(),
            at: t,
            labels: serde_json::from_value(ack.labels.clone()).unwrap(),
            started: Some(t - chrono::Duration::minutes(5)),
        };
        store.record_events(std::slice::from_ref(&fired)).unwrap();
        // Told again later, by an opsdeck that restarted: the same episode.
        let again = AlertEvent {
            at: t + chrono::Duration::minutes(30),
            ..fired
        };
        store.record_events(&[again]).unwrap();
        let history = store.alert_history(&ack.alert_key, 10).unwrap();
        assert_eq!(history.iter().filter(|e| e.kind == "fired").count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
