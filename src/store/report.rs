//! The ops report's records: hand-overs, the host's per-minute aggregates,
//! and everything a report of a period reads (`report_inputs`), as the
//! engine's plain values.

use super::{Store, StoreError};
use crate::engine::report::inputs as report;
use crate::engine::report::inputs::{
    Action, CheckChange, CheckMinute, Handover, Inputs, Minute, OpenAck, RecoveryRun, ScalingEvent,
    Transition, TransitionKind,
};
use crate::store::scaling::RecordKind;
use chrono::{DateTime, Utc};
use rusqlite::params;

/// The last hand-over of the past 12 hours and what came after it, for the
/// dashboard's header.
#[derive(Debug, Clone, PartialEq)]
pub struct SinceHandover {
    pub handover: Handover,
    /// Alerts that started firing since.
    pub new_alerts: usize,
    /// Task runs that failed or timed out since.
    pub tasks_failed: usize,
}

/// How long a hand-over stays in the header.
pub const HANDOVER_SHOWN: chrono::TimeDelta = chrono::TimeDelta::hours(12);

use super::recovery::ms as at;

impl Store {
    /// Records a hand-over; returns its id.
    pub fn insert_handover(&mut self, h: &Handover) -> Result<i64, StoreError> {
        let error = self.error_for();
        self.conn
            .execute(
                "INSERT INTO handovers (at_ms, actor, note, pid) VALUES (?1, ?2, ?3, ?4)",
                params![h.at.timestamp_millis(), h.actor, h.note, std::process::id()],
            )
            .map_err(&error)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The newest hand-over at or before `at`.
    pub fn last_handover(&self, at: DateTime<Utc>) -> Result<Option<Handover>, StoreError> {
        let error = self.error_for();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at_ms, actor, note FROM handovers WHERE at_ms <= ?1
                 ORDER BY at_ms DESC, id DESC LIMIT 1",
            )
            .map_err(&error)?;
        let mut rows = stmt
            .query_map([at.timestamp_millis()], |r| {
                Ok(Handover {
                    at: self::at(r.get(0)?),
                    actor: r.get(1)?,
                    note: r.get(2)?,
                })
            })
            .map_err(&error)?;
        rows.next().transpose().map_err(&error)
    }

    /// The last hand-over within 12 hours of `now`, with the alerts that
    /// fired and the task runs that failed since.
    pub fn since_handover(&self, now: DateTime<Utc>) -> Result<Option<SinceHandover>, StoreError> {
        let error = self.error_for();
        let Some(handover) = self.last_handover(now)? else {
            return Ok(None);
        };
        if now - handover.at > HANDOVER_SHOWN {
            return Ok(None);
        }
        let count = |sql: &str| -> Result<usize, StoreError> {
            let n: i64 = self
                .conn
                .query_row(sql, [handover.at.timestamp_millis()], |r| r.get(0))
                .map_err(&error)?;
            Ok(usize::try_from(n).unwrap_or(0))
        };
        let new_alerts =
            count("SELECT COUNT(*) FROM alert_events WHERE kind = 'fired' AND at_ms >= ?1")?;
        let tasks_failed = count(
            "SELECT COUNT(*) FROM task_runs
             WHERE started_ms >= ?1 AND state IN ('failed', 'timed_out')",
        )?;
        Ok(Some(SinceHandover {
            handover,
            new_alerts,
            tasks_failed,
        }))
    }

    /// Writes (or, from a new leader in the same minute, replaces) a minute.
    pub fn upsert_minute(&mut self, m: &Minute) -> Result<(), StoreError> {
        let error = self.error_for();
        self.conn
            .execute(
                "INSERT OR REPLACE INTO resource_minutes (minute_ms, cpu_avg, cpu_max, mem_avg,
                     mem_max, fs_mount, fs_used_pct, fs_used_bytes, fs_total_bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    m.at.timestamp_millis(),
                    m.cpu_avg,
                    m.cpu_max,
                    m.mem_avg,
                    m.mem_max,
                    m.fs_mount,
                    m.fs_used_pct,
                    i64::try_from(m.fs_used_bytes).unwrap_or(i64::MAX),
                    i64::try_from(m.fs_total_bytes).unwrap_or(i64::MAX),
                ],
            )
            .map_err(&error)?;
        Ok(())
    }

    /// Writes (or replaces) one check's minute.
    pub fn upsert_check_minute(&mut self, m: &CheckMinute) -> Result<(), StoreError> {
        let error = self.error_for();
        let latencies: Vec<String> = m.latencies_ms.iter().map(u32::to_string).collect();
        self.conn
            .execute(
                "INSERT OR REPLACE INTO check_minutes (check_name, minute_ms, probes, failures, latencies)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    m.check,
                    m.at.timestamp_millis(),
                    m.probes,
                    m.failures,
                    latencies.join(",")
                ],
            )
            .map_err(&error)?;
        Ok(())
    }

    /// Everything a report of `since..until` reads (host, actor and level
    /// rules are the caller's).
    pub fn report_inputs(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Inputs, StoreError> {
        let error = self.error_for();
        // One snapshot of the database: a dashboard writing meanwhile does
        // not make two sections disagree.
        let snapshot = self.conn.unchecked_transaction().map_err(&error)?;
        let (s, u) = (since.timestamp_millis(), until.timestamp_millis());
        let mut inputs = Inputs {
            since,
            until,
            handover: self.last_handover(since)?,
            ..Inputs::default()
        };
        inputs.transitions = self.transitions(s, u).map_err(&error)?;
        inputs.open_acks = self.acks_open_at(u).map_err(&error)?;
        inputs.task_runs = self.report_runs(s, u).map_err(&error)?;
        inputs.recovery_runs = self.report_recoveries(s, u).map_err(&error)?;
        inputs.check_changes = self.report_checks(s, u).map_err(&error)?;
        inputs.scaling = self.report_scaling(s, u).map_err(&error)?;
        inputs.minutes = self.minutes(s, u).map_err(&error)?;
        inputs.check_minutes = self.check_minutes(s, u).map_err(&error)?;
        inputs.recorded_until = self
            .conn
            .query_row(
                "SELECT MAX(minute_ms) FROM resource_minutes WHERE minute_ms < ?1",
                [u],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map_err(&error)?
            // A minute is written once it has ended.
            .map(|ms| at(ms + 60_000));
        inputs.actions = self
            .audit_since(since)?
            .into_iter()
            .filter(|r| r.entry.at < until && r.entry.phase != super::Phase::Intent)
            .map(|r| Action {
                at: r.entry.at,
                actor: r.entry.actor,
                action: r.entry.action,
                target: r.entry.target,
                outcome: r.entry.outcome,
            })
            .collect();
        snapshot.finish().map_err(&error)?;
        Ok(inputs)
    }

    /// The period's transitions, after those of each episode open when it
    /// began (from its first firing after its last resolution). Labels are
    /// read from firings only: an episode's come from its start.
    fn transitions(&self, since: i64, until: i64) -> rusqlite::Result<Vec<Transition>> {
        let read = |r: &rusqlite::Row<'_>| {
            let kind: String = r.get(1)?;
            let labels: Option<String> = r.get(3)?;
            Ok((
                r.get::<_, String>(0)?,
                kind,
                r.get::<_, i64>(2)?,
                labels
                    .map(|l| serde_json::from_str(&l).unwrap_or_default())
                    .unwrap_or_default(),
            ))
        };
        let mut stmt = self.conn.prepare_cached(
            "WITH last AS (
                 SELECT alert_key,
                        MAX(CASE WHEN kind = 'fired' THEN at_ms END) AS fired,
                        COALESCE(MAX(CASE WHEN kind = 'resolved' THEN at_ms END), -1) AS resolved
                 FROM alert_events WHERE at_ms < ?1 AND kind IN ('fired', 'resolved')
                 GROUP BY alert_key)
             SELECT e.alert_key, e.kind, e.at_ms,
                    CASE WHEN e.kind = 'fired' THEN e.labels END
             FROM alert_events e JOIN last l ON e.alert_key = l.alert_key
             WHERE l.fired > l.resolved AND e.at_ms > l.resolved AND e.at_ms < ?1
               AND e.kind IN ('fired', 'acked')
             ORDER BY e.at_ms, e.id",
        )?;
        let mut rows: Vec<_> = stmt.query_map([since], read)?.collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT alert_key, kind, at_ms, CASE WHEN kind = 'fired' THEN labels END
             FROM alert_events
             WHERE at_ms >= ?1 AND at_ms < ?2 AND kind IN ('fired', 'resolved', 'acked')
             ORDER BY at_ms, id",
        )?;
        for row in stmt.query_map([since, until], read)? {
            rows.push(row?);
        }
        Ok(rows
            .into_iter()
            .filter_map(|(key, kind, ms, labels)| {
                Some(Transition {
                    key,
                    kind: TransitionKind::parse(&kind)?,
                    at: at(ms),
                    labels,
                })
            })
            .collect())
    }

    fn acks_open_at(&self, until: i64) -> rusqlite::Result<Vec<OpenAck>> {
        let mut stmt = self.conn.prepare(
            "SELECT alert_key, author, comment, created_ms, expires_ms, silence_id
             FROM acknowledgements
             WHERE created_ms < ?1 AND expires_ms > ?1 AND (removed_ms IS NULL OR removed_ms > ?1)
             ORDER BY expires_ms",
        )?;
        let rows = stmt.query_map([until], |r| {
            Ok(OpenAck {
                key: r.get(0)?,
                author: r.get(1)?,
                comment: r.get(2)?,
                created: at(r.get(3)?),
                expires: at(r.get(4)?),
                silence: r.get(5)?,
            })
        })?;
        rows.collect()
    }

    /// Runs started in the period, after each task's last run before it
    /// that ran (a skip says nothing of how the task is doing) and any run
    /// from before it still going.
    fn report_runs(
        &self,
        since: i64,
        until: i64,
    ) -> rusqlite::Result<Vec<crate::engine::tasks::Run>> {
        let columns = super::tasks::COLUMNS;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {columns} FROM task_runs WHERE id IN (
                 SELECT MAX(id) FROM task_runs WHERE started_ms < ?1 AND state <> 'skipped'
                 GROUP BY task_id
                 UNION SELECT id FROM task_runs
                 WHERE started_ms < ?1 AND state IN ('running', 'pending'))
             UNION ALL
             SELECT {columns} FROM task_runs WHERE started_ms >= ?1 AND started_ms < ?2
             ORDER BY 6, 1"
        ))?;
        let rows = stmt.query_map([since, until], super::tasks::read_run)?;
        rows.collect()
    }

    fn report_recoveries(&self, since: i64, until: i64) -> rusqlite::Result<Vec<RecoveryRun>> {
        let columns = super::recovery::RUN_COLUMNS;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {columns} FROM recovery_runs WHERE started_ms >= ?1 AND started_ms < ?2
             ORDER BY started_ms, id"
        ))?;
        let rows = stmt.query_map([since, until], super::recovery::read_run)?;
        rows.map(|r| {
            r.map(|run| RecoveryRun {
                alert: run.alert_labels.get("alertname").map(str::to_string),
                runbook: run.runbook,
                trigger: run.trigger,
                state: run.state,
                started: run.started,
                finished: run.finished,
                detail: run.detail,
                actor: run.actor,
            })
        })
        .collect()
    }

    /// Each check's last change before the period, and the period's.
    fn report_checks(&self, since: i64, until: i64) -> rusqlite::Result<Vec<CheckChange>> {
        let mut stmt = self.conn.prepare(
            "SELECT check_name, to_state, cause, at_ms FROM health_changes WHERE id IN (
                 SELECT MAX(id) FROM health_changes WHERE at_ms < ?1 GROUP BY check_name)
             UNION ALL
             SELECT check_name, to_state, cause, at_ms FROM health_changes
             WHERE at_ms >= ?1 AND at_ms < ?2
             ORDER BY 4, 1",
        )?;
        let rows = stmt.query_map([since, until], |r| {
            Ok(CheckChange {
                check: r.get(0)?,
                to: r.get(1)?,
                cause: r.get(2)?,
                at: at(r.get(3)?),
            })
        })?;
        rows.collect()
    }

    /// The period's scaling records, after each target's last evaluation
    /// before it.
    fn report_scaling(&self, since: i64, until: i64) -> rusqlite::Result<Vec<ScalingEvent>> {
        let columns = super::scaling::COLUMNS;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {columns} FROM scaling_decisions WHERE id IN (
                 SELECT MAX(id) FROM scaling_decisions
                 WHERE at_ms < ?1 AND kind = 'evaluation' GROUP BY target)
             UNION ALL
             SELECT {columns} FROM scaling_decisions WHERE at_ms >= ?1 AND at_ms < ?2
             ORDER BY 3, 1"
        ))?;
        let rows = stmt.query_map([since, until], super::scaling::read_record)?;
        rows.map(|r| {
            r.map(|rec| ScalingEvent {
                execution: rec.kind == RecordKind::Execution,
                target: rec.target,
                at: rec.at,
                trigger: rec.trigger,
                from: rec.current,
                to: rec.desired,
                executed: rec.executed,
                summary: rec.summary,
                outcome: rec.outcome,
                actor: rec.actor,
            })
        })
        .collect()
    }

    fn check_minutes(&self, since: i64, until: i64) -> rusqlite::Result<Vec<CheckMinute>> {
        let mut stmt = self.conn.prepare(
            "SELECT check_name, minute_ms, probes, failures, latencies FROM check_minutes
             WHERE minute_ms >= ?1 AND minute_ms < ?2 ORDER BY minute_ms, check_name",
        )?;
        let rows = stmt.query_map([since, until], |r| {
            let latencies: String = r.get(4)?;
            Ok(CheckMinute {
                check: r.get(0)?,
                at: at(r.get(1)?),
                probes: r.get(2)?,
                failures: r.get(3)?,
                latencies_ms: latencies
                    .split(',')
                    .filter_map(|v| v.parse().ok())
                    .collect(),
            })
        })?;
        rows.collect()
    }

    fn minutes(&self, since: i64, until: i64) -> rusqlite::Result<Vec<report::Minute>> {
        let mut stmt = self.conn.prepare(
            "SELECT minute_ms, cpu_avg, cpu_max, mem_avg, mem_max, fs_mount, fs_used_pct,
                    fs_used_bytes, fs_total_bytes
             FROM resource_minutes WHERE minute_ms >= ?1 AND minute_ms < ?2 ORDER BY minute_ms",
        )?;
        let rows = stmt.query_map([since, until], |r| {
            Ok(Minute {
                at: at(r.get(0)?),
                cpu_avg: r.get(1)?,
                cpu_max: r.get(2)?,
                mem_avg: r.get(3)?,
                mem_max: r.get(4)?,
                fs_mount: r.get(5)?,
                fs_used_pct: r.get(6)?,
                fs_used_bytes: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
                fs_total_bytes: u64::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
            })
        })?;
        rows.collect()
    }
}
