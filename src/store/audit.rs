//! The audit log: who did what, to what, with which parameters, and how it ended.
//! An action that changes something outside opsdeck is written twice: its intent
//! before it is sent and its outcome after, so a crash in between shows.

use super::{Store, StoreError};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::params;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Something that happened (session start and end, a refused action).
    Event,
    /// Written before an action is sent.
    Intent,
    /// Written after it, pointing at its intent.
    Outcome,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Event => "event",
            Phase::Intent => "intent",
            Phase::Outcome => "outcome",
        }
    }

    fn parse(text: &str) -> Phase {
        match text {
            "intent" => Phase::Intent,
            "outcome" => Phase::Outcome,
            _ => Phase::Event,
        }
    }
}

/// A record to append. `params` is a JSON object; secrets never go in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub phase: Phase,
    pub target: String,
    pub params: serde_json::Value,
    pub outcome: String,
    pub intent_id: Option<i64>,
}

impl NewAudit {
    pub fn event(at: DateTime<Utc>, actor: &str, action: &str, outcome: &str) -> NewAudit {
        NewAudit {
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            phase: Phase::Event,
            target: String::new(),
            params: serde_json::json!({}),
            outcome: outcome.to_string(),
            intent_id: None,
        }
    }

    pub fn with_params(mut self, params: serde_json::Value) -> NewAudit {
        self.params = params;
        self
    }

    pub fn with_target(mut self, target: &str) -> NewAudit {
        self.target = target.to_string();
        self
    }
}

/// A stored record, as `opsdeck audit --format json` prints it (one per line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    #[serde(flatten)]
    pub entry: NewAudit,
    /// The process that wrote it.
    pub pid: u32,
}

impl Store {
    /// Appends a record and returns its id once committed.
    pub fn append_audit(&self, record: &NewAudit) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO audit_log (at_ms, actor, action, phase, target, params, outcome, intent_id, pid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    record.at.timestamp_millis(),
                    record.actor,
                    record.action,
                    record.phase.as_str(),
                    record.target,
                    record.params.to_string(),
                    record.outcome,
                    record.intent_id,
                    std::process::id(),
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records of other processes newer than `after_id`, oldest first, at most
    /// `limit`: how one opsdeck sees what the others on the host do.
    pub fn audit_from_others(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.query_audit(
            "WHERE id > ?1 AND pid != ?2 ORDER BY id LIMIT ?3",
            rusqlite::params![after_id, std::process::id(), limit as i64],
        )
    }

    /// Records at or after `since`, oldest first.
    pub fn audit_since(&self, since: DateTime<Utc>) -> Result<Vec<AuditRecord>, StoreError> {
        self.query_audit(
            "WHERE at_ms >= ?1 ORDER BY at_ms, id",
            rusqlite::params![since.timestamp_millis()],
        )
    }

    fn query_audit(
        &self,
        clause: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let sql = format!(
            "SELECT id, at_ms, actor, action, phase, target, params, outcome, intent_id, pid FROM audit_log {clause}"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params, |r| {
                let params: String = r.get(6)?;
                Ok(AuditRecord {
                    id: r.get(0)?,
                    entry: NewAudit {
                        at: Utc
                            .timestamp_millis_opt(r.get(1)?)
                            .single()
                            .unwrap_or_default(),
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        phase: Phase::parse(&r.get::<_, String>(4)?),
                        target: r.get(5)?,
                        params: serde_json::from_str(&params)
                            .unwrap_or(serde_json::Value::String(params)),
                        outcome: r.get(7)?,
                        intent_id: r.get(8)?,
                    },
                    pid: r.get(9)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// `user@host` of this process: the OS user and host name.
pub fn os_actor() -> String {
    let user = nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| nix::unistd::getuid().to_string());
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_in_order() {
        let dir = std::env::temp_dir().join(format!("opsdeck-audit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir.join("opsdeck.db")).unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let intent = NewAudit {
            phase: Phase::Intent,
            ..NewAudit::event(t, "ann@db-1", "acknowledge", "")
        }
        .with_target("HighErrorRate")
        .with_params(serde_json::json!({"duration": "1h"}));
        let intent_id = store.append_audit(&intent).unwrap();
        let outcome = NewAudit {
            phase: Phase::Outcome,
            intent_id: Some(intent_id),
            ..NewAudit::event(t, "ann@db-1", "acknowledge", "ok")
        };
        store.append_audit(&outcome).unwrap();
        store
            .append_audit(&NewAudit::event(
                t - chrono::Duration::hours(2),
                "ann@db-1",
                "session.start",
                "ok",
            ))
            .unwrap();

        let records = store.audit_since(t - chrono::Duration::hours(1)).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].entry.phase, Phase::Intent);
        assert_eq!(records[0].entry.params["duration"], "1h");
        assert_eq!(records[1].entry.intent_id, Some(intent_id));
        assert_eq!(records[1].pid, std::process::id());
        assert_eq!(
            store
                .audit_since(t - chrono::Duration::hours(3))
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn actor_is_user_at_host() {
        let actor = os_actor();
        assert!(
            actor.contains('@') && !actor.starts_with('@') && !actor.ends_with('@'),
            "{actor}"
        );
    }
}
