//! Everything about one `[[task]]` that does not need the others, and the
//! `TaskSpec` built from it once it passed.

use super::Task;
use crate::engine::tasks::{Missed, Schedule, TaskSpec};
use std::time::Duration;

/// Longest allowed `timeout`: a maintenance run longer than a day is a stuck run.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// More retries than this only hides a task that always fails.
const MAX_RETRIES: u32 = 100;

/// Checks `t` (its table is `table`, e.g. `task.3`); its spec when nothing was
/// wrong with it.
pub(super) fn spec(
    t: &Task,
    table: &str,
    err: &mut impl FnMut(&str, &str, String),
) -> Option<TaskSpec> {
    let mut failed = false;
    let mut err = |table: &str, key: &str, message: String| {
        failed = true;
        err(table, key, message);
    };
    check_command(&t.command, table, "command", &mut err);
    let schedule = schedule(t, table, &mut err);
    check_limits(t, table, &mut err);
    check_env(&t.env, table, &mut err);
    check_workdir(t, table, &mut err);
    if failed {
        return None;
    }
    Some(TaskSpec {
        id: t.id.clone(),
        name: if t.name.is_empty() {
            t.id.clone()
        } else {
            t.name.clone()
        },
        description: t.description.clone(),
        priority: t.priority,
        category: t.category.clone(),
        schedule,
        command: t.command.clone(),
        env: t.env.clone(),
        workdir: t.workdir.clone(),
        timeout: t.timeout,
        retries: t.retries,
        retry_backoff: t.retry_backoff,
        depends_on: t.depends_on.clone(),
        concurrency: t.concurrency,
        missed: t.missed,
        missed_grace: t.missed_grace,
        enabled: t.enabled,
    })
}

/// An argv (`command`, a step's `verify`): a program, no NUL.
pub(in crate::config) fn check_command(
    command: &[String],
    table: &str,
    key: &str,
    err: &mut impl FnMut(&str, &str, String),
) {
    match command.first() {
        None => err(
            table,
            key,
            "must not be empty: an argv array such as [\"df\", \"-hP\"]".into(),
        ),
        Some(program) if program.trim().is_empty() => err(
            table,
            key,
            "the program (the first element) must not be empty".into(),
        ),
        _ => {}
    }
    // A NUL cannot be passed to exec; better now than at 3 a.m.
    if command.iter().any(|a| a.contains('\0')) {
        err(table, key, "arguments must not contain NUL".into());
    }
}

/// The parsed `schedule` in its `timezone`; None when the task has none or
/// either is wrong (reported).
fn schedule(t: &Task, table: &str, err: &mut impl FnMut(&str, &str, String)) -> Option<Schedule> {
    // The zone first, on its own key; the pattern is then parsed in that zone
    // (or the local one when the zone is wrong, so both errors are reported).
    let zone = match t.timezone.as_deref() {
        Some(name) => match Schedule::parse("@daily", Some(name)) {
            Ok(_) => Some(name),
            Err(e) => {
                err(table, "timezone", e);
                None
            }
        },
        None => None,
    };
    match Schedule::parse(t.schedule.as_deref()?, zone) {
        Ok(schedule) => Some(schedule),
        Err(e) => {
            err(table, "schedule", e);
            None
        }
    }
}

fn check_limits(t: &Task, table: &str, err: &mut impl FnMut(&str, &str, String)) {
    if t.timeout < Duration::from_secs(1) {
        err(table, "timeout", "must be at least 1s".into());
    } else if t.timeout > MAX_TIMEOUT {
        err(table, "timeout", "must be at most 24h".into());
    }
    if t.retries > MAX_RETRIES {
        err(
            table,
            "retries",
            format!("must be at most {MAX_RETRIES} (it is {})", t.retries),
        );
    }
    if t.retry_backoff < Duration::from_secs(1) {
        err(table, "retry_backoff", "must be at least 1s".into());
    }
    if t.missed == Missed::RunOnce && t.missed_grace < Duration::from_secs(60) {
        err(
            table,
            "missed_grace",
            "must be at least 1m when missed = \"run_once\"".into(),
        );
    }
}

/// Variables added to a child's environment (a task's, a step's `env`).
pub(in crate::config) fn check_env(
    env: &std::collections::BTreeMap<String, String>,
    table: &str,
    err: &mut impl FnMut(&str, &str, String),
) {
    for (name, value) in env {
        let problem = if name.is_empty() {
            "a variable name must not be empty"
        } else if name.contains('=') {
            "a variable name must not contain `=`"
        } else if name.contains('\0') || value.contains('\0') {
            "names and values must not contain NUL"
        } else {
            continue;
        };
        // On the variable itself when its name can be found as a key path.
        let (sub, key) = if name.is_empty() || name.contains('.') {
            (table.to_string(), "env")
        } else {
            (format!("{table}.env"), name.as_str())
        };
        err(&sub, key, format!("{problem} (variable {name:?})"));
    }
}

fn check_workdir(t: &Task, table: &str, err: &mut impl FnMut(&str, &str, String)) {
    if let Some(dir) = &t.workdir
        && !dir.is_absolute()
    {
        err(
            table,
            "workdir",
            format!(
                "must be an absolute path, not {:?} (opsdeck may be started from any directory)",
                dir.display().to_string()
            ),
        );
    }
}
