//! `[[task]]`: maintenance tasks run on a cron schedule or by hand
//! (engine::tasks schedules them, runtime::process runs them).
//!
//! ```toml
//! [[task]]
//! id = "disk_report"
//! name = "Disk usage report"
//! schedule = "0 */6 * * *"
//! command = ["df", "-hP"]
//! timeout = "30s"
//! ```
//!
//! `check` refuses at load what would otherwise fail at 3 a.m.: ids that are
//! unsafe on a command line, schedules that do not parse or never match,
//! unknown or cyclic `depends_on`, relative `workdir`s, unusable `env` names.
//! It returns the tasks as the engine needs them (`TaskSpec`), built while they
//! are checked: nothing downstream parses a task's fields again.

pub(super) mod checks;
#[cfg(test)]
mod tests;

use super::{duration, graph};
use crate::engine::tasks::{Concurrency, Missed, Priority, TaskSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Unique, `[A-Za-z0-9_.-]+`; what `depends_on`, `opsdeck task run ID`
    /// and the store use.
    pub id: String,
    /// For people; default: the id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// Cron, 5 fields (minute first) or 6 (second first), or `@daily` etc.
    /// Left out: the task runs only when triggered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// IANA zone of the schedule; default the host's local zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// argv, run without a shell; the first element is the program.
    pub command: Vec<String>,
    /// Added to opsdeck's own environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Absolute; default opsdeck's working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<PathBuf>,
    /// 1s to 24h; the process group is killed when it is up.
    #[serde(default = "default_timeout", with = "duration")]
    pub timeout: Duration,
    /// Further attempts after a failed or timed-out one (at most 100).
    #[serde(default)]
    pub retries: u32,
    /// Wait before the first retry, doubling with each further one.
    #[serde(default = "default_backoff", with = "duration")]
    pub retry_backoff: Duration,
    /// Ids of tasks whose failure in this cycle skips a scheduled run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub concurrency: Concurrency,
    #[serde(default)]
    pub missed: Missed,
    /// How old a missed run may be to still be caught up (`run_once`).
    #[serde(default = "default_grace", with = "duration")]
    pub missed_grace: Duration,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn default_timeout() -> Duration {
    Duration::from_secs(300)
}

fn default_backoff() -> Duration {
    Duration::from_secs(30)
}

fn default_grace() -> Duration {
    Duration::from_secs(3600)
}

fn yes() -> bool {
    true
}

/// Semantic checks of every `[[task]]`; each error goes through
/// `err(table, key, message)` with table `task.{i}`. Returns the spec of each
/// task that passed its own checks (all of them when there was no error).
pub fn check(tasks: &[Task], err: &mut impl FnMut(&str, &str, String)) -> Vec<TaskSpec> {
    // First occurrence of each id: duplicates are reported on the later ones,
    // and dependencies resolve to the first.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut specs = Vec::new();
    for (i, t) in tasks.iter().enumerate() {
        let table = format!("task.{i}");
        match id_problem("task", &t.id, &index) {
            Some(message) => err(&table, "id", message),
            None => {
                index.insert(&t.id, i);
            }
        }
        specs.extend(checks::spec(t, &table, err));
    }
    check_dependencies(tasks, &index, err);
    specs
}

/// What is wrong with the id of a `[[section]]` item, given the ids before it.
pub(super) fn id_problem(section: &str, id: &str, index: &BTreeMap<&str, usize>) -> Option<String> {
    if id.is_empty() {
        Some("must not be empty".into())
    } else if !id.bytes().all(valid_id_byte) {
        Some(format!(
            "{id:?} may only contain letters, digits, `_`, `.` and `-` (it is used on the command line and in the store)"
        ))
    } else if id.starts_with('-') {
        // `opsdeck task run -x` would read it as an option.
        Some(format!("{id:?} must not start with `-`"))
    } else {
        index.get(id).map(|first| {
            format!("{id:?} is already the id of {section}[{first}]; ids must be unique")
        })
    }
}

fn valid_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// Unknown ids, self-dependencies and cycles in `depends_on`.
fn check_dependencies(
    tasks: &[Task],
    index: &BTreeMap<&str, usize>,
    err: &mut impl FnMut(&str, &str, String),
) {
    let nodes: Vec<(&str, &[String])> = tasks
        .iter()
        .map(|t| (t.id.as_str(), t.depends_on.as_slice()))
        .collect();
    for problem in graph::check(&nodes, index) {
        let (node, message) = match problem {
            graph::Problem::OnItself { node, id } => {
                (node, format!("task {id:?} depends on itself"))
            }
            graph::Problem::Unknown { node, id } => (
                node,
                format!("unknown task id {id:?}; {}", known_ids(index)),
            ),
            graph::Problem::Cycle(path) => {
                let ids: Vec<&str> = path.iter().map(|&i| tasks[i].id.as_str()).collect();
                (path[0], format!("dependency cycle: {}", ids.join(" → ")))
            }
        };
        err(&format!("task.{node}"), "depends_on", message);
    }
}

/// "known ids: a, b, c" (the first few), or that there are none.
fn known_ids(index: &BTreeMap<&str, usize>) -> String {
    const SHOWN: usize = 8;
    if index.is_empty() {
        return "no task has a valid id".into();
    }
    // In file order, as the operator reads them.
    let mut ids: Vec<(usize, &str)> = index.iter().map(|(id, &i)| (i, *id)).collect();
    ids.sort();
    let mut list: Vec<&str> = ids.iter().take(SHOWN).map(|(_, id)| *id).collect();
    if ids.len() > SHOWN {
        list.push("…");
    }
    format!("known ids: {}", list.join(", "))
}
