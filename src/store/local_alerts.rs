//! The local rules' alerts as the leader last evaluated them. The leader
//! replaces the whole set when it changes; every other opsdeck on the host
//! reads it, shows it, and keeps it as its engine's state, so all show the
//! same states and ages and a new leader goes on with the same cooldowns.

use super::{Store, StoreError};
use crate::engine::rules::{AlertPhase, Labels, RuleAlert};

/// The local alerts as the leader last wrote them, and when.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharedAlerts {
    pub alerts: Vec<RuleAlert>,
    /// When the leader last evaluated (`None`: no leader has yet).
    pub at: Option<DateTime<Utc>>,
}
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{OptionalExtension, params};

fn phase_str(phase: AlertPhase) -> &'static str {
    match phase {
        AlertPhase::Pending => "pending",
        AlertPhase::Firing => "firing",
        AlertPhase::Resolved => "resolved",
    }
}

fn phase_of(s: &str) -> AlertPhase {
    match s {
        "pending" => AlertPhase::Pending,
        "firing" => AlertPhase::Firing,
        _ => AlertPhase::Resolved,
    }
}

fn time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.and_then(|ms| Utc.timestamp_millis_opt(ms).single())
}

fn labels_of(json: &str) -> Labels {
    serde_json::from_str(json).unwrap_or_default()
}

impl Store {
    /// Replaces the shared local alerts with `alerts`, in one transaction.
    pub fn replace_local_alerts(
        &mut self,
        alerts: &[RuleAlert],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        tx.execute("DELETE FROM local_alerts", []).map_err(&error)?;
        for a in alerts {
            tx.execute(
                "INSERT INTO local_alerts (fingerprint, rule, labels, annotations, phase,
                     active_since_ms, fired_at_ms, resolved_at_ms, value, last_notified_ms,
                     firing_notified)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    // SQLite integers are i64: the u64 is kept bit for bit.
                    a.fingerprint as i64,
                    a.rule,
                    serde_json::to_string(&a.labels).unwrap_or_default(),
                    serde_json::to_string(&a.annotations).unwrap_or_default(),
                    phase_str(a.phase),
                    a.active_since.timestamp_millis(),
                    a.fired_at.map(|t| t.timestamp_millis()),
                    a.resolved_at.map(|t| t.timestamp_millis()),
                    a.value.is_finite().then_some(a.value),
                    a.last_notified.map(|t| t.timestamp_millis()),
                    a.firing_notified,
                ],
            )
            .map_err(&error)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO local_alerts_evaluated (id, evaluated_ms) VALUES (1, ?1)",
            [at.timestamp_millis()],
        )
        .map_err(&error)?;
        tx.commit().map_err(&error)
    }

    /// The shared local alerts, in fingerprint order, and when they were written.
    pub fn local_alerts(&self) -> Result<SharedAlerts, StoreError> {
        let error = self.error_for();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT fingerprint, rule, labels, annotations, phase, active_since_ms,
                        fired_at_ms, resolved_at_ms, value, last_notified_ms, firing_notified
                 FROM local_alerts ORDER BY fingerprint",
            )
            .map_err(&error)?;
        let rows = stmt
            .query_map([], |r| {
                let labels: String = r.get(2)?;
                let annotations: String = r.get(3)?;
                let phase: String = r.get(4)?;
                let fingerprint: i64 = r.get(0)?;
                Ok(RuleAlert {
                    fingerprint: fingerprint as u64,
                    rule: r.get(1)?,
                    labels: labels_of(&labels),
                    annotations: labels_of(&annotations),
                    phase: phase_of(&phase),
                    active_since: time(Some(r.get(5)?)).unwrap_or_default(),
                    fired_at: time(r.get(6)?),
                    resolved_at: time(r.get(7)?),
                    value: r.get::<_, Option<f64>>(8)?.unwrap_or(f64::NAN),
                    last_notified: time(r.get(9)?),
                    firing_notified: r.get(10)?,
                })
            })
            .map_err(&error)?;
        let alerts = rows.collect::<Result<_, _>>().map_err(&error)?;
        let at: Option<i64> = self
            .conn
            .query_row(
                "SELECT evaluated_ms FROM local_alerts_evaluated WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(&error)?;
        Ok(SharedAlerts {
            alerts,
            at: time(at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leaders_alerts_read_back_whole() {
        let dir = std::env::temp_dir().join(format!("opsdeck-local-alerts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut store = Store::open(&dir.join("opsdeck.db")).unwrap();
        let t = |s: i64| Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap();
        let mut labels = Labels::new();
        labels.insert("alertname".into(), "HostCpuHigh".into());
        let alert = RuleAlert {
            rule: "HostCpuHigh".into(),
            fingerprint: u64::MAX - 7,
            labels: labels.clone(),
            annotations: labels,
            phase: AlertPhase::Firing,
            active_since: t(0),
            fired_at: Some(t(60)),
            resolved_at: None,
            value: 97.5,
            last_notified: Some(t(61)),
            firing_notified: true,
        };
        store
            .replace_local_alerts(std::slice::from_ref(&alert), t(62))
            .unwrap();
        let shared = store.local_alerts().unwrap();
        assert_eq!(shared.alerts, vec![alert.clone()]);
        assert_eq!(shared.at, Some(t(62)));
        let nan = RuleAlert {
            value: f64::NAN,
            ..alert
        };
        store.replace_local_alerts(&[nan], t(63)).unwrap();
        let back = store.local_alerts().unwrap().alerts;
        assert_eq!(back.len(), 1, "replaced, not added");
        assert!(back[0].value.is_nan());
        store.replace_local_alerts(&[], t(64)).unwrap();
        let none = store.local_alerts().unwrap();
        assert!(none.alerts.is_empty());
        assert_eq!(none.at, Some(t(64)), "no alert, but evaluated then");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
