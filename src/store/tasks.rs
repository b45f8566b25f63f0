//! Task runs: each is written when it starts (or is skipped) and again when it
//! ends, before the screen shows either. Every write bumps a change counter,
//! which other opsdeck processes follow to show runs they did not start.

use super::{Store, StoreError};
use crate::engine::tasks::{Run, RunState, RunStats, Trigger};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Row, Transaction, params};
use std::collections::HashMap;

/// Runs changed since a reader last looked, with the counter to look from next.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunChanges {
    pub runs: Vec<Run>,
    pub change: i64,
    /// Success counts per task, re-read when a run ended.
    pub stats: Option<HashMap<String, RunStats>>,
}

pub(super) const COLUMNS: &str =
    "id, task_id, trigger, state, attempt, started_ms, finished_ms, exit_code, detail, actor";

impl Store {
    /// Records a run's start (or a skip); returns its id (`run.id` is not read).
    pub fn insert_run(&mut self, run: &Run) -> Result<i64, StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        let change = next_change(&tx).map_err(&error)?;
        tx.execute(
            "INSERT INTO task_runs (task_id, trigger, state, attempt, started_ms, finished_ms, detail, actor, pid, change)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                run.task_id,
                run.trigger.as_str(),
                run.state.as_str(),
                run.attempt,
                run.started.timestamp_millis(),
                run.finished.map(|t| t.timestamp_millis()),
                run.detail,
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

    /// Records how the run `run.id` ended: state, end, exit code, detail, output.
    pub fn finish_run(&mut self, run: &Run) -> Result<(), StoreError> {
        let error = self.error_for();
        let tx = self.conn.transaction().map_err(&error)?;
        let change = next_change(&tx).map_err(&error)?;
        tx.execute(
            "UPDATE task_runs SET state = ?2, finished_ms = ?3, exit_code = ?4, detail = ?5,
                 output_tail = ?6, change = ?7
             WHERE id = ?1",
            params![
                run.id,
                run.state.as_str(),
                run.finished.unwrap_or(run.started).timestamp_millis(),
                run.exit_code,
                run.detail,
                run.output.as_deref().unwrap_or_default(),
                change,
            ],
        )
        .map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(())
    }

    /// The process group a run's command runs in, once it is started.
    pub fn set_run_pgid(&mut self, id: i64, pgid: u32) -> Result<(), StoreError> {
        self.set_pgid("task_runs", id, pgid)
    }

    /// The process group of row `id` of `table` (a run, a step attempt).
    pub(super) fn set_pgid(&mut self, table: &str, id: i64, pgid: u32) -> Result<(), StoreError> {
        self.conn
            .execute(
                &format!("UPDATE {table} SET pgid = ?2 WHERE id = ?1"),
                params![id, pgid],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Runs left `running` by processes that are gone (killed, crashed) end as
    /// failed, so no task shows running forever, once `stop` has stopped
    /// what is left of their process group (it returns how many it stopped).
    pub fn close_abandoned_runs(
        &mut self,
        now: DateTime<Utc>,
        stop: &dyn Fn(&Abandoned) -> usize,
    ) -> Result<Vec<Abandoned>, StoreError> {
        let error = self.error_for();
        let open: Vec<(Run, i64, i64)> = {
            let sql = format!(
                "SELECT {COLUMNS}, pid, pgid FROM task_runs WHERE state IN ('running', 'pending')"
            );
            let mut stmt = self.conn.prepare(&sql).map_err(&error)?;
            stmt.query_map([], |r| Ok((read_run(r)?, r.get(10)?, r.get(11)?)))
                .map_err(&error)?
                .collect::<Result<_, _>>()
                .map_err(&error)?
        };
        let mut closed = Vec::new();
        for (mut run, pid, pgid) in open {
            if process_alive(pid) {
                continue;
            }
            let abandoned = Abandoned {
                task: run.task_id.clone(),
                run_id: run.id,
                pgid: i32::try_from(pgid).unwrap_or(0),
                started: run.started,
            };
            // Stopped before it is closed: a re-trigger must not start a
            // second copy beside one still running.
            let stopped = stop(&abandoned);
            let why = format!(
                "abandoned: the opsdeck running it (pid {pid}) ended during the run; \
                 {stopped} process(es) left of it stopped"
            );
            run.end(RunState::Failed, now, why);
            self.finish_run(&run)?;
            closed.push(abandoned);
        }
        Ok(closed)
    }

    /// The newest `per_task` runs of every task (without output), newest first.
    pub fn recent_runs(&self, per_task: usize) -> Result<Vec<Run>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM (
                 SELECT *, ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY started_ms DESC, id DESC) AS n
                 FROM task_runs)
             WHERE n <= ?1 ORDER BY started_ms DESC, id DESC"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        stmt.query_map([per_task as i64], read_run)
            .map_err(|e| self.error(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.error(e))
    }

    /// What a reader starts from: the newest `per_task` runs of each task, the
    /// success counts, and the change counter to follow from.
    pub fn load_runs(&self, per_task: usize) -> Result<RunChanges, StoreError> {
        let change = self
            .conn
            .query_row("SELECT COALESCE(MAX(change), 0) FROM task_runs", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.error(e))?;
        Ok(RunChanges {
            runs: self.recent_runs(per_task)?,
            change,
            stats: Some(self.run_stats()?),
        })
    }

    /// Runs written after change `after` (without output), oldest change first.
    pub fn runs_changed(&self, after: i64, limit: usize) -> Result<RunChanges, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, change FROM task_runs WHERE change > ?1 ORDER BY change LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        let mut change = after;
        let runs: Vec<Run> = stmt
            .query_map(params![after, limit as i64], |r| {
                Ok((read_run(r)?, r.get::<_, i64>(10)?))
            })
            .map_err(|e| self.error(e))?
            .map(|row| {
                row.map(|(run, c)| {
                    change = change.max(c);
                    run
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|e| self.error(e))?;
        let ended = runs.iter().any(|r| r.state.is_finished());
        let stats = if ended { Some(self.run_stats()?) } else { None };
        Ok(RunChanges {
            runs,
            change,
            stats,
        })
    }

    /// One run's output tail.
    pub fn run_output(&self, id: i64) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT output_tail FROM task_runs WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Succeeded and failed (or timed out) runs per task over the kept history.
    pub fn run_stats(&self) -> Result<HashMap<String, RunStats>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT task_id,
                        SUM(state = 'succeeded'),
                        SUM(state IN ('failed', 'timed_out'))
                 FROM task_runs GROUP BY task_id",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                RunStats {
                    succeeded: r.get(1)?,
                    failed: r.get(2)?,
                },
            ))
        })
        .map_err(|e| self.error(e))?
        .collect::<Result<_, _>>()
        .map_err(|e| self.error(e))
    }
}

fn next_change(tx: &Transaction) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT COALESCE(MAX(change), 0) + 1 FROM task_runs",
        [],
        |r| r.get(0),
    )
}

pub(super) fn read_run(r: &Row) -> rusqlite::Result<Run> {
    let ms = |v: i64| Utc.timestamp_millis_opt(v).single().unwrap_or_default();
    let trigger: String = r.get(2)?;
    let state: String = r.get(3)?;
    Ok(Run {
        id: r.get(0)?,
        task_id: r.get(1)?,
        trigger: Trigger::parse(&trigger).unwrap_or(Trigger::Manual),
        state: RunState::parse(&state).unwrap_or(RunState::Failed),
        attempt: r.get(4)?,
        started: ms(r.get(5)?),
        finished: r.get::<_, Option<i64>>(6)?.map(ms),
        exit_code: r.get(7)?,
        detail: r.get(8)?,
        output: None,
        actor: r.get(9)?,
    })
}

/// A run closed as abandoned: its processes may still be running.
#[derive(Debug, Clone, PartialEq)]
pub struct Abandoned {
    pub task: String,
    pub run_id: i64,
    pub pgid: i32,
    pub started: DateTime<Utc>,
}

/// Whether a process with this pid exists (ours counts: a run we have open is
/// not abandoned).
pub(super) fn process_alive(pid: i64) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        // It exists but belongs to someone else.
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(name: &str) -> Store {
        let dir = std::env::temp_dir().join(format!("opsdeck-runs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Store::open(&dir.join("opsdeck.db")).unwrap()
    }

    fn new_run(task: &str, state: RunState, at_s: i64) -> Run {
        let at = Utc.timestamp_opt(at_s, 0).unwrap();
        let mut run = Run::start(task, Trigger::Schedule, 1, "scheduler@test", at);
        if state.is_finished() {
            run.end(state, at, String::new());
        }
        run
    }

    #[test]
    fn a_run_is_recorded_at_start_and_end_and_followed_by_change() {
        let mut s = store("follow");
        let first = s.runs_changed(0, 100).unwrap();
        assert!(first.runs.is_empty());
        let id = s
            .insert_run(&new_run("disk", RunState::Running, 1000))
            .unwrap();
        let seen = s.runs_changed(first.change, 100).unwrap();
        assert_eq!(seen.runs.len(), 1);
        assert_eq!(seen.runs[0].state, RunState::Running);
        assert_eq!(seen.stats, None, "nothing ended, nothing to recount");
        let mut run = new_run("disk", RunState::Running, 1000);
        run.id = id;
        run.end(
            RunState::Failed,
            Utc.timestamp_opt(1005, 0).unwrap(),
            "exit 3".into(),
        );
        run.exit_code = Some(3);
        run.output = Some("disk full\n".into());
        s.finish_run(&run).unwrap();
        let ended = s.runs_changed(seen.change, 100).unwrap();
        assert_eq!(ended.runs.len(), 1);
        let run = &ended.runs[0];
        assert_eq!(
            (run.state, run.exit_code, run.detail.as_str()),
            (RunState::Failed, Some(3), "exit 3")
        );
        assert_eq!(run.duration(), Some(chrono::Duration::seconds(5)));
        assert_eq!(
            ended.stats.unwrap()["disk"],
            RunStats {
                succeeded: 0,
                failed: 1
            }
        );
        assert_eq!(s.run_output(id).unwrap().as_deref(), Some("disk full\n"));
        assert!(s.runs_changed(ended.change, 100).unwrap().runs.is_empty());
    }

    #[test]
    fn recent_runs_keeps_the_newest_per_task() {
        let mut s = store("recent");
        for t in 0..5 {
            s.insert_run(&new_run("a", RunState::Skipped, 100 + t))
                .unwrap();
        }
        s.insert_run(&new_run("b", RunState::Skipped, 50)).unwrap();
        let runs = s.recent_runs(2).unwrap();
        let starts: Vec<_> = runs
            .iter()
            .map(|r| (r.task_id.as_str(), r.started.timestamp()))
            .collect();
        assert_eq!(starts, vec![("a", 104), ("a", 103), ("b", 50)]);
    }

    #[test]
    fn runs_of_a_dead_process_are_closed_as_abandoned() {
        let mut s = store("abandoned");
        let ours = s.insert_run(&new_run("a", RunState::Running, 100)).unwrap();
        let theirs = s.insert_run(&new_run("b", RunState::Running, 100)).unwrap();
        // A pid that cannot exist.
        s.conn
            .execute(
                "UPDATE task_runs SET pid = 2147483000 WHERE id = ?1",
                [theirs],
            )
            .unwrap();
        s.set_run_pgid(theirs, 4242).unwrap();
        let closed = s.close_abandoned_runs(Utc::now(), &|_| 0).unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!((closed[0].run_id, closed[0].pgid), (theirs, 4242));
        let runs = s.recent_runs(5).unwrap();
        let by_id = |id| runs.iter().find(|r| r.id == id).unwrap();
        assert_eq!(by_id(ours).state, RunState::Running);
        assert_eq!(by_id(theirs).state, RunState::Failed);
        assert!(
            by_id(theirs).detail.contains("abandoned"),
            "{}",
            by_id(theirs).detail
        );
    }
}
