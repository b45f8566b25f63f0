//! The autoscaler's records: each evaluation that changed something (with
//! its inputs, so it can be replayed, and every stage of the decision) and
//! each execution (its argv, outcome and output). Written before the screen
//! shows them; `opsdeck scaling history` and the ops report read them.

use super::{Store, StoreError};
use crate::engine::scaling::{Decision, Inputs};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::params;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Evaluation,
    Execution,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Evaluation => "evaluation",
            RecordKind::Execution => "execution",
        }
    }
}

/// One record of one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalingRecord {
    /// 0 until stored.
    pub id: i64,
    pub target: String,
    pub at: DateTime<Utc>,
    pub kind: RecordKind,
    /// An evaluation's mode (recommend, auto); an execution's trigger
    /// (auto, approved, manual).
    pub trigger: String,
    pub current: u32,
    pub desired: u32,
    /// The decision in one line, or the execution's outcome in words.
    pub summary: String,
    pub inputs: Inputs,
    /// Every stage (an evaluation's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// What ran (an execution's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// The change was carried out and succeeded.
    pub executed: bool,
    pub dry_run: bool,
    /// ok, failed: why, or (an evaluation's) what became of it.
    pub outcome: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub output: String,
    pub actor: String,
}

pub(super) const COLUMNS: &str = "id, target, at_ms, kind, trigger, current, desired, reason, inputs, stages, \
     command, executed, dry_run, outcome, output, actor";

impl Store {
    /// Stores a record; returns its id.
    pub fn insert_scaling(&mut self, r: &ScalingRecord) -> Result<i64, StoreError> {
        let error = self.error_for();
        let json = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "{}".into());
        self.conn
            .execute(
                "INSERT INTO scaling_decisions (target, at_ms, kind, trigger, current, desired,
                     reason, inputs, stages, command, executed, dry_run, outcome, output, actor, pid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    r.target,
                    r.at.timestamp_millis(),
                    r.kind.as_str(),
                    r.trigger,
                    r.current,
                    r.desired,
                    r.summary,
                    json(serde_json::to_string(&r.inputs)),
                    json(serde_json::to_string(&r.decision)),
                    json(serde_json::to_string(&r.command)),
                    r.executed,
                    r.dry_run,
                    r.outcome,
                    r.output,
                    r.actor,
                    std::process::id(),
                ],
            )
            .map_err(&error)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A target's records since `since`, oldest first (every target's when
    /// `target` is None).
    pub fn scaling_records(
        &self,
        target: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<ScalingRecord>, StoreError> {
        let error = self.error_for();
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM scaling_decisions
                 WHERE at_ms >= ?1 AND (?2 IS NULL OR target = ?2) ORDER BY at_ms, id"
            ))
            .map_err(&error)?;
        let rows = stmt
            .query_map(params![since.timestamp_millis(), target], read_record)
            .map_err(&error)?;
        rows.collect::<Result<_, _>>().map_err(&error)
    }

    /// Records written by other processes after id `after`, oldest first
    /// (at most `limit`), and the id to follow from next: what a follower
    /// shows, and how anyone learns of another opsdeck's executions. When
    /// the newest id is below `after`, pruning emptied the table and ids
    /// start again: everything there is comes back.
    pub fn scaling_records_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<ScalingRecord>, i64), StoreError> {
        let error = self.error_for();
        // The newest id first, and nothing above it read: a row committed
        // between the two statements is read next time, not skipped.
        let newest = self.last_scaling_id().map_err(&error)?;
        let after = if newest < after { 0 } else { after };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM scaling_decisions
                 WHERE id > ?1 AND id <= ?2 AND pid != ?3 ORDER BY id LIMIT ?4"
            ))
            .map_err(&error)?;
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(
                params![after, newest, std::process::id(), limit_sql],
                read_record,
            )
            .map_err(&error)?;
        let records: Vec<ScalingRecord> = rows.collect::<Result<_, _>>().map_err(&error)?;
        // Past this process's own rows too, so they are not read again.
        let last = match records.last() {
            Some(r) if records.len() == limit => r.id,
            _ => newest,
        };
        Ok((records, last))
    }

    fn last_scaling_id(&self) -> rusqlite::Result<i64> {
        self.conn.query_row(
            "SELECT COALESCE(MAX(id), 0) FROM scaling_decisions",
            [],
            |r| r.get(0),
        )
    }

    /// Each of `targets`' newest `per_target` records, oldest first, and the
    /// newest id of all (where following starts).
    pub fn scaling_latest(
        &self,
        targets: &[String],
        per_target: usize,
    ) -> Result<(Vec<ScalingRecord>, i64), StoreError> {
        let error = self.error_for();
        let last = self.last_scaling_id().map_err(&error)?;
        // Per target, through its (target, at_ms) index: a month of records
        // is not read to find the last fifty.
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM scaling_decisions WHERE target = ?1 AND id <= ?2
                 ORDER BY at_ms DESC, id DESC LIMIT ?3"
            ))
            .map_err(&error)?;
        let per_target = i64::try_from(per_target).unwrap_or(i64::MAX);
        let mut records = Vec::new();
        for target in targets {
            let rows = stmt
                .query_map(params![target, last, per_target], read_record)
                .map_err(&error)?;
            for row in rows {
                records.push(row.map_err(&error)?);
            }
        }
        records.sort_by_key(|r| r.id);
        Ok((records, last))
    }
}

pub(super) fn read_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScalingRecord> {
    let kind: String = r.get(3)?;
    let inputs: String = r.get(8)?;
    let stages: String = r.get(9)?;
    let command: String = r.get(10)?;
    Ok(ScalingRecord {
        id: r.get(0)?,
        target: r.get(1)?,
        at: Utc
            .timestamp_millis_opt(r.get(2)?)
            .single()
            .unwrap_or_default(),
        kind: if kind == "execution" {
            RecordKind::Execution
        } else {
            RecordKind::Evaluation
        },
        trigger: r.get(4)?,
        current: r.get(5)?,
        desired: r.get(6)?,
        summary: r.get(7)?,
        // Rows of schema 1 (never written) or damaged JSON read as empty.
        inputs: serde_json::from_str(&inputs).unwrap_or_default(),
        decision: serde_json::from_str(&stages).unwrap_or(None),
        command: serde_json::from_str(&command).unwrap_or_default(),
        executed: r.get(11)?,
        dry_run: r.get(12)?,
        outcome: r.get(13)?,
        output: r.get(14)?,
        actor: r.get(15)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scaling::Reading;

    #[test]
    fn records_are_kept_and_read_back_per_target_in_order() {
        let dir =
            std::env::temp_dir().join(format!("opsdeck-scaling-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut s = Store::open(&dir.join("opsdeck.db")).unwrap();
        let at = |secs: i64| Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap();
        let record = |target: &str, secs, kind| ScalingRecord {
            id: 0,
            target: target.into(),
            at: at(secs),
            kind,
            trigger: "auto".into(),
            current: 2,
            desired: 4,
            summary: "cpu 140 vs 70 → 4; 2 → 4".into(),
            inputs: Inputs {
                current: Some(2),
                current_error: None,
                readings: vec![Reading::read("cpu", Ok(140.0))],
            },
            decision: None,
            command: vec!["scale".into(), "4".into()],
            executed: kind == RecordKind::Execution,
            dry_run: false,
            outcome: "ok".into(),
            output: String::new(),
            actor: "opsdeck@host".into(),
        };
        s.insert_scaling(&record("web", 10, RecordKind::Evaluation))
            .unwrap();
        s.insert_scaling(&record("db", 11, RecordKind::Evaluation))
            .unwrap();
        let id = s
            .insert_scaling(&record("web", 12, RecordKind::Execution))
            .unwrap();
        let web = s.scaling_records(Some("web"), at(0)).unwrap();
        assert_eq!(web.len(), 2);
        assert_eq!(web[1].id, id);
        assert_eq!(web[1].inputs.values(), [Some(140.0)]);
        assert_eq!(web[1].kind, RecordKind::Execution);
        assert_eq!(s.scaling_records(None, at(11)).unwrap().len(), 2);

        // Following: only other processes' rows, and past this one's own.
        assert_eq!(s.scaling_records_after(0, 10).unwrap(), (vec![], id));
        s.conn
            .execute(
                "UPDATE scaling_decisions SET pid = 1 WHERE target = 'db'",
                [],
            )
            .unwrap();
        let (others, last) = s.scaling_records_after(0, 10).unwrap();
        assert_eq!(others.iter().map(|r| &r.target).collect::<Vec<_>>(), ["db"]);
        assert_eq!(last, id);
        // Ids below where a reader was: the table was emptied and refilled.
        let (again, _) = s.scaling_records_after(1_000, 10).unwrap();
        assert_eq!(again.len(), 1);
        // A limit reached: the next read goes on from the last row read.
        let (_, last) = s.scaling_records_after(0, 1).unwrap();
        assert_eq!(last, others[0].id);

        // The latest per target, oldest first, and where following starts.
        s.insert_scaling(&record("web", 13, RecordKind::Evaluation))
            .unwrap();
        let (latest, last) = s.scaling_latest(&["web".into(), "db".into()], 2).unwrap();
        let seen: Vec<(&str, i64)> = latest
            .iter()
            .map(|r| (r.target.as_str(), r.at.timestamp() - 1_700_000_000))
            .collect();
        assert_eq!(seen, [("db", 11), ("web", 12), ("web", 13)]);
        assert_eq!(last, latest[2].id);
    }
}
