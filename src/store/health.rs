//! Health checks' state changes, with their causes: the leader writes them
//! (one opsdeck per host probes the same checks, one records them), the
//! ops report reads them.

use super::{Store, StoreError};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::params;

/// One change of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthChange {
    pub check: String,
    pub from: String,
    pub to: String,
    pub cause: String,
    pub at: DateTime<Utc>,
}

impl Store {
    pub fn insert_health_change(&mut self, c: &HealthChange) -> Result<(), StoreError> {
        let error = self.error_for();
        self.conn
            .execute(
                "INSERT INTO health_changes (check_name, from_state, to_state, cause, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![c.check, c.from, c.to, c.cause, c.at.timestamp_millis()],
            )
            .map_err(&error)?;
        Ok(())
    }

    /// The changes since `since`, oldest first.
    pub fn health_changes_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<HealthChange>, StoreError> {
        let error = self.error_for();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT check_name, from_state, to_state, cause, at_ms FROM health_changes
                 WHERE at_ms >= ?1 ORDER BY at_ms, id",
            )
            .map_err(&error)?;
        let rows = stmt
            .query_map([since.timestamp_millis()], |r| {
                Ok(HealthChange {
                    check: r.get(0)?,
                    from: r.get(1)?,
                    to: r.get(2)?,
                    cause: r.get(3)?,
                    at: Utc
                        .timestamp_millis_opt(r.get(4)?)
                        .single()
                        .unwrap_or_default(),
                })
            })
            .map_err(&error)?;
        rows.collect::<Result<_, _>>().map_err(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_kept_and_read_back_in_order() {
        let dir = std::env::temp_dir().join(format!("opsdeck-health-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut s = Store::open(&dir.join("opsdeck.db")).unwrap();
        let at = |secs: i64| Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap();
        let change = |secs, to: &str| HealthChange {
            check: "api".into(),
            from: "up".into(),
            to: to.into(),
            cause: "after 3 failures: connection refused".into(),
            at: at(secs),
        };
        s.insert_health_change(&change(10, "pending")).unwrap();
        s.insert_health_change(&change(20, "down")).unwrap();
        let read = s.health_changes_since(at(15)).unwrap();
        assert_eq!(read, [change(20, "down")]);
    }
}
