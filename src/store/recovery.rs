//! Recovery runs and their steps: each written when it starts and again when
//! it ends, before anything shows either, so every opsdeck on the host (and
//! `opsdeck runbook list`) sees the same runs. A change counter lets readers
//! pick up runs other processes wrote.

use super::tasks::Abandoned;
use super::{Store, StoreError};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Row, Transaction, params};

/// A run as it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecoveryRun {
    pub runbook: String,
    /// The alert's key (its label set, as the Alerts pane keys it); None for a
    /// run for no alert.
    pub alert_key: Option<String>,
    pub alert_labels: serde_json::Value,
    /// manual (the dashboard), cli, auto.
    pub trigger: String,
    pub dry_run: bool,
    pub started: DateTime<Utc>,
    pub actor: String,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecoveryRun {
    pub id: i64,
    pub runbook: String,
    pub alert_key: Option<String>,
    pub trigger: String,
    /// running, or how it ended (`RunOutcome::as_str`).
    pub state: String,
    pub dry_run: bool,
    pub attempt: u32,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub detail: String,
    pub actor: String,
    /// The alert's labels (empty for a run for no alert).
    pub alert_labels: crate::labels::LabelSet,
    /// The newest step attempt: (position, state), once a step started.
    pub step: Option<(u32, String)>,
}

/// One attempt of one step, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStep {
    /// 1-based, as shown.
    pub position: u32,
    pub name: String,
    pub run_attempt: u32,
    pub attempt: u32,
    pub command: Vec<String>,
    pub state: String,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub exit_code: Option<i32>,
    pub detail: String,
    pub output: String,
}

impl StoredStep {
    /// The attempt of step `step` as it ended with `result` (the run may
    /// already have reset the step for its next attempt).
    pub fn ended(
        run: &crate::engine::runbooks::RecoveryRun,
        step: usize,
        result: &crate::engine::runbooks::StepResult,
        output: &str,
    ) -> StoredStep {
        StoredStep {
            state: result.state.as_str().to_string(),
            exit_code: result.exit_code,
            detail: result.detail.clone(),
            finished: Some(Utc::now()),
            output: output.to_string(),
            ..StoredStep::attempt_of(run, step)
        }
    }

    /// Step `step` of `run` as its current attempt stands (no output yet).
    pub fn attempt_of(run: &crate::engine::runbooks::RecoveryRun, step: usize) -> StoredStep {
        use crate::engine::runbooks::StepAction;
        let spec = &run.spec.steps[step];
        let record = &run.steps[step];
        StoredStep {
            position: step as u32 + 1,
            name: spec.name.clone(),
            run_attempt: run.attempt,
            attempt: record.attempt.max(1),
            command: match &spec.action {
                StepAction::Command(argv) => argv.clone(),
                StepAction::Notify(n) => vec![format!("notify {n}")],
            },
            state: record.state.as_str().to_string(),
            started: record.started,
            finished: record.finished,
            exit_code: record.exit_code,
            detail: record.detail.clone(),
            output: String::new(),
        }
    }
}

pub(super) const RUN_COLUMNS: &str = "id, runbook, alert_key, trigger, state, dry_run, attempt, started_ms, \
    finished_ms, detail, actor, alert_labels, \
    (SELECT s.position || ' ' || s.state FROM recovery_steps s \
     WHERE s.run_id = recovery_runs.id ORDER BY s.id DESC LIMIT 1)";
/// The column after `RUN_COLUMNS`.
const AFTER_RUN_COLUMNS: usize = 13;

impl Store {
    /// Records a run's start; returns its id.
    pub fn insert_recovery_run(&mut self, run: &NewRecoveryRun) -> Result<i64, StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        let change = next_change(&tx).map_err(&error)?;
        tx.execute(
            "INSERT INTO recovery_runs (runbook, alert_key, alert_labels, trigger, state, dry_run,
                 started_ms, actor, pid, change)
             VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7, ?8, ?9)",
            params![
                run.runbook,
                run.alert_key,
                run.alert_labels.to_string(),
                run.trigger,
                run.dry_run,
                run.started.timestamp_millis(),
                run.actor,
                std::process::id(),
                change,
            ],
        )
        .map_err(&error)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(&error)?;
        Ok(id)
    }

    /// The run's attempt, and how it ended once `finished` is set.
    pub fn update_recovery_run(
        &mut self,
        id: i64,
        state: &str,
        attempt: u32,
        finished: Option<DateTime<Utc>>,
        detail: &str,
    ) -> Result<(), StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        let change = next_change(&tx).map_err(&error)?;
        tx.execute(
            "UPDATE recovery_runs SET state = ?2, attempt = ?3, finished_ms = ?4, detail = ?5,
                 change = ?6
             WHERE id = ?1",
            params![
                id,
                state,
                attempt,
                finished.map(|t| t.timestamp_millis()),
                detail,
                change
            ],
        )
        .map_err(&error)?;
        if let Some(at) = finished {
            // A step whose end could not be recorded does not run on inside
            // an ended run.
            tx.execute(
                "UPDATE recovery_steps SET state = 'failed', finished_ms = ?2,
                     detail = 'its end was not recorded; the run ended'
                 WHERE run_id = ?1 AND state = 'running'",
                params![id, at.timestamp_millis()],
            )
            .map_err(&error)?;
        }
        tx.commit().map_err(&error)?;
        Ok(())
    }

    /// Records that a step attempt started; returns the step row's id.
    pub fn insert_recovery_step(
        &mut self,
        run_id: i64,
        step: &StoredStep,
    ) -> Result<i64, StoreError> {
        let error = self.error_for();
        let command = serde_json::to_string(&step.command).unwrap_or_else(|_| "[]".into());
        let tx = self.conn.transaction().map_err(&error)?;
        tx.execute(
            "INSERT INTO recovery_steps (run_id, position, name, state, started_ms, run_attempt,
                 attempt, command)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                run_id,
                step.position,
                step.name,
                step.state,
                step.started.map(|t| t.timestamp_millis()),
                step.run_attempt,
                step.attempt,
                command,
            ],
        )
        .map_err(&error)?;
        let id = tx.last_insert_rowid();
        touch_run(&tx, id).map_err(&error)?;
        // The step runs: whatever the run waited on is answered.
        tx.execute(
            "UPDATE recovery_runs SET detail = '' WHERE id = ?1 AND detail LIKE ?2",
            params![run_id, format!("{}%", crate::engine::runbooks::ASKING)],
        )
        .map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(id)
    }

    /// How the step attempt `id` ended.
    pub fn finish_recovery_step(&mut self, id: i64, step: &StoredStep) -> Result<(), StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        tx.execute(
            "UPDATE recovery_steps SET state = ?2, finished_ms = ?3, exit_code = ?4,
                 detail = ?5, output_tail = ?6
             WHERE id = ?1",
            params![
                id,
                step.state,
                step.finished.map(|t| t.timestamp_millis()),
                step.exit_code,
                step.detail,
                step.output,
            ],
        )
        .map_err(&error)?;
        touch_run(&tx, id).map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(())
    }

    /// The output a running step attempt wrote so far (its tail), for the
    /// other opsdecks that show the run.
    pub fn set_recovery_step_output(&mut self, id: i64, output: &str) -> Result<(), StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        let updated = tx
            .execute(
                "UPDATE recovery_steps SET output_tail = ?2 WHERE id = ?1 AND state = 'running'",
                params![id, output],
            )
            .map_err(&error)?;
        if updated > 0 {
            touch_run(&tx, id).map_err(&error)?;
        }
        tx.commit().map_err(&error)?;
        Ok(())
    }

    /// The process group a step attempt's command runs in, once started.
    pub fn set_recovery_step_pgid(&mut self, id: i64, pgid: u32) -> Result<(), StoreError> {
        self.set_pgid("recovery_steps", id, pgid)
    }

    /// Runs left `running` by processes that are gone (killed, crashed) end as
    /// failed, each once `stop` has stopped what is left of its running
    /// step's process group (`Abandoned::task` is the runbook's id).
    pub fn close_abandoned_recovery_runs(
        &mut self,
        now: DateTime<Utc>,
        stop: &dyn Fn(&Abandoned) -> usize,
    ) -> Result<Vec<Abandoned>, StoreError> {
        let error = self.error_for();
        let open: Vec<(i64, String, i64, DateTime<Utc>)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, runbook, pid, started_ms FROM recovery_runs WHERE state = 'running'")
                .map_err(&error)?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, ms(r.get(3)?))))
                .map_err(&error)?
                .collect::<Result<_, _>>()
                .map_err(&error)?
        };
        let mut closed = Vec::new();
        for (id, runbook, pid, started) in open {
            if super::tasks::process_alive(pid) {
                continue;
            }
            let steps: Vec<(i64, i64, Option<i64>)> = {
                let mut stmt = self
                    .conn
                    .prepare("SELECT id, pgid, started_ms FROM recovery_steps WHERE run_id = ?1 AND state = 'running'")
                    .map_err(&error)?;
                stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .map_err(&error)?
                    .collect::<Result<_, _>>()
                    .map_err(&error)?
            };
            let mut stopped = 0;
            for (step_id, pgid, step_started) in steps {
                let abandoned = Abandoned {
                    task: runbook.clone(),
                    run_id: id,
                    pgid: i32::try_from(pgid).unwrap_or(0),
                    started: step_started.map_or(started, ms),
                };
                stopped += stop(&abandoned);
                self.conn
                    .execute(
                        "UPDATE recovery_steps SET state = 'failed', finished_ms = ?2,
                             detail = 'abandoned: its opsdeck ended during the step'
                         WHERE id = ?1",
                        params![step_id, now.timestamp_millis()],
                    )
                    .map_err(&error)?;
            }
            let why = format!(
                "abandoned: the opsdeck running it (pid {pid}) ended during the run; \
                 {stopped} process(es) left of it stopped"
            );
            let attempt = self.recovery_run(id)?.map_or(1, |r| r.attempt);
            self.update_recovery_run(id, "failed", attempt, Some(now), &why)?;
            closed.push(Abandoned {
                task: runbook,
                run_id: id,
                pgid: 0,
                started,
            });
        }
        Ok(closed)
    }

    /// The runs written since the change counter `after`, at most `limit`
    /// (a first read, `after` 0, gets the newest, not the oldest), in the
    /// order they changed, with the counter to read from next.
    pub fn recovery_runs_changed(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<StoredRecoveryRun>, i64), StoreError> {
        let error = self.error_for();
        // A first read takes the newest; later ones page on from the counter,
        // so no change is skipped however many come between two reads.
        let order = if after == 0 { "DESC" } else { "" };
        let sql = format!(
            "SELECT * FROM (SELECT {RUN_COLUMNS}, change FROM recovery_runs WHERE change > ?1
                 ORDER BY change {order} LIMIT ?2)
             ORDER BY change"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(&error)?;
        let mut change = after;
        let runs = stmt
            .query_map(params![after, limit as i64], |r| {
                Ok((read_run(r)?, r.get::<_, i64>(AFTER_RUN_COLUMNS)?))
            })
            .map_err(&error)?
            .map(|row| {
                row.map(|(run, c)| {
                    change = change.max(c);
                    run
                })
            })
            .collect::<Result<_, _>>()
            .map_err(&error)?;
        Ok((runs, change))
    }

    /// The newest run of each runbook.
    pub fn last_recovery_runs(&self) -> Result<Vec<StoredRecoveryRun>, StoreError> {
        let error = self.error_for();
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM recovery_runs
             WHERE id IN (SELECT MAX(id) FROM recovery_runs GROUP BY runbook)
             ORDER BY id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(&error)?;
        let rows = stmt.query_map([], read_run).map_err(&error)?;
        rows.collect::<Result<_, _>>().map_err(&error)
    }

    /// The newest `limit` runs for an alert, each with its step attempts.
    pub fn recovery_history(
        &self,
        alert_key: &str,
        limit: usize,
    ) -> Result<Vec<(StoredRecoveryRun, Vec<StoredStep>)>, StoreError> {
        let error = self.error_for();
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM recovery_runs WHERE alert_key = ?1 ORDER BY id DESC LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(&error)?;
        let runs: Vec<StoredRecoveryRun> = stmt
            .query_map(params![alert_key, limit as i64], read_run)
            .map_err(&error)?
            .collect::<Result<_, _>>()
            .map_err(&error)?;
        runs.into_iter()
            .map(|run| {
                let steps = self.recovery_steps(run.id)?;
                Ok((run, steps))
            })
            .collect()
    }

    /// A run, if it is stored.
    pub fn recovery_run(&self, id: i64) -> Result<Option<StoredRecoveryRun>, StoreError> {
        let error = self.error_for();
        let sql = format!("SELECT {RUN_COLUMNS} FROM recovery_runs WHERE id = ?1");
        let mut stmt = self.conn.prepare(&sql).map_err(&error)?;
        let mut rows = stmt.query_map([id], read_run).map_err(&error)?;
        rows.next().transpose().map_err(&error)
    }

    /// Every step attempt of a run, in the order they started.
    pub fn recovery_steps(&self, run_id: i64) -> Result<Vec<StoredStep>, StoreError> {
        let error = self.error_for();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT position, name, run_attempt, attempt, command, state, started_ms,
                     finished_ms, exit_code, detail, output_tail
                 FROM recovery_steps WHERE run_id = ?1 ORDER BY id",
            )
            .map_err(&error)?;
        let rows = stmt.query_map([run_id], read_step).map_err(&error)?;
        rows.collect::<Result<_, _>>().map_err(&error)
    }
}

/// A step of the run changed: readers of runs see it (step `step_id`'s run
/// gets the next change).
fn touch_run(tx: &Transaction, step_id: i64) -> rusqlite::Result<()> {
    let change = next_change(tx)?;
    tx.execute(
        "UPDATE recovery_runs SET change = ?2
         WHERE id = (SELECT run_id FROM recovery_steps WHERE id = ?1)",
        params![step_id, change],
    )?;
    Ok(())
}

fn next_change(tx: &Transaction) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT COALESCE(MAX(change), 0) + 1 FROM recovery_runs",
        [],
        |r| r.get(0),
    )
}

pub(super) fn ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

pub(super) fn read_run(r: &Row) -> rusqlite::Result<StoredRecoveryRun> {
    Ok(StoredRecoveryRun {
        id: r.get(0)?,
        runbook: r.get(1)?,
        alert_key: r.get(2)?,
        trigger: r.get(3)?,
        state: r.get(4)?,
        dry_run: r.get(5)?,
        attempt: r.get(6)?,
        started: ms(r.get(7)?),
        finished: r.get::<_, Option<i64>>(8)?.map(ms),
        detail: r.get(9)?,
        actor: r.get(10)?,
        alert_labels: serde_json::from_str(&r.get::<_, String>(11)?).unwrap_or_default(),
        step: r.get::<_, Option<String>>(12)?.and_then(|s| {
            let (position, state) = s.split_once(' ')?;
            Some((position.parse().ok()?, state.to_string()))
        }),
    })
}

fn read_step(r: &Row) -> rusqlite::Result<StoredStep> {
    let command: String = r.get(4)?;
    Ok(StoredStep {
        position: r.get(0)?,
        name: r.get(1)?,
        run_attempt: r.get(2)?,
        attempt: r.get(3)?,
        command: serde_json::from_str(&command).unwrap_or_default(),
        state: r.get(5)?,
        started: r.get::<_, Option<i64>>(6)?.map(ms),
        finished: r.get::<_, Option<i64>>(7)?.map(ms),
        exit_code: r.get(8)?,
        detail: r.get(9)?,
        output: r.get(10)?,
    })
}

#[cfg(test)]
#[path = "recovery_tests.rs"]
mod tests;
