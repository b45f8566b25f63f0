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

use super::duration;
use crate::engine::tasks::{Concurrency, Missed, Priority, Schedule, TaskSpec};
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

impl Task {
    /// The task as the engine needs it; the config was validated at load, so the
    /// schedule parses (an error here means it was not).
    pub fn spec(&self) -> Result<TaskSpec, String> {
        let schedule = self
            .schedule
            .as_deref()
            .map(|s| Schedule::parse(s, self.timezone.as_deref()))
            .transpose()?;
        Ok(TaskSpec {
            id: self.id.clone(),
            name: if self.name.is_empty() {
                self.id.clone()
            } else {
                self.name.clone()
            },
            description: self.description.clone(),
            priority: self.priority,
            category: self.category.clone(),
            schedule,
            command: self.command.clone(),
            env: self.env.clone(),
            workdir: self.workdir.clone(),
            timeout: self.timeout,
            retries: self.retries,
            retry_backoff: self.retry_backoff,
            depends_on: self.depends_on.clone(),
            concurrency: self.concurrency,
            missed: self.missed,
            missed_grace: self.missed_grace,
            enabled: self.enabled,
        })
    }
}

/// Longest allowed `timeout`: a maintenance run longer than a day is a stuck run.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// More retries than this only hides a task that always fails.
const MAX_RETRIES: u32 = 100;

/// Semantic checks of every `[[task]]`; each error goes through
/// `err(table, key, message)` with table `task.{i}`.
pub fn check(tasks: &[Task], err: &mut impl FnMut(&str, &str, String)) {
    // First occurrence of each id: duplicates are reported on the later ones,
    // and dependencies resolve to the first.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, t) in tasks.iter().enumerate() {
        let table = format!("task.{i}");
        if t.id.is_empty() {
            err(&table, "id", "must not be empty".into());
        } else if !t.id.bytes().all(valid_id_byte) {
            err(
                &table,
                "id",
                format!(
                    "{:?} may only contain letters, digits, `_`, `.` and `-` (it is used on the command line and in the store)",
                    t.id
                ),
            );
        } else if t.id.starts_with('-') {
            // `opsdeck task run -x` would read it as an option.
            err(&table, "id", format!("{:?} must not start with `-`", t.id));
        } else if let Some(&first) = index.get(t.id.as_str()) {
            err(
                &table,
                "id",
                format!(
                    "{:?} is already the id of task[{first}]; ids must be unique",
                    t.id
                ),
            );
        } else {
            index.insert(&t.id, i);
        }
        check_one(t, &table, err);
    }
    check_dependencies(tasks, &index, err);
}

fn valid_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// Everything about one task that does not need the others.
fn check_one(t: &Task, table: &str, err: &mut impl FnMut(&str, &str, String)) {
    match t.command.first() {
        None => err(
            table,
            "command",
            "must not be empty: an argv array such as [\"df\", \"-hP\"]".into(),
        ),
        Some(program) if program.trim().is_empty() => err(
            table,
            "command",
            "the program (the first element) must not be empty".into(),
        ),
        _ => {}
    }
    // A NUL cannot be passed to exec; better now than at 3 a.m.
    if t.command.iter().any(|a| a.contains('\0')) {
        err(table, "command", "arguments must not contain NUL".into());
    }

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
    if let Some(pattern) = &t.schedule
        && let Err(e) = Schedule::parse(pattern, zone)
    {
        err(table, "schedule", e);
    }

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

    for (name, value) in &t.env {
        let problem = if name.is_empty() {
            Some("a variable name must not be empty")
        } else if name.contains('=') {
            Some("a variable name must not contain `=`")
        } else if name.contains('\0') || value.contains('\0') {
            Some("names and values must not contain NUL")
        } else {
            None
        };
        if let Some(problem) = problem {
            // On the variable itself when its name can be found as a key path.
            let (sub, key) = if name.is_empty() || name.contains('.') {
                (table.to_string(), "env")
            } else {
                (format!("{table}.env"), name.as_str())
            };
            err(&sub, key, format!("{problem} (variable {name:?})"));
        }
    }

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

/// Unknown ids, self-dependencies and cycles in `depends_on`.
fn check_dependencies(
    tasks: &[Task],
    index: &BTreeMap<&str, usize>,
    err: &mut impl FnMut(&str, &str, String),
) {
    // Edges between tasks that have a valid, unique id; the rest were reported.
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    for (i, t) in tasks.iter().enumerate() {
        let table = format!("task.{i}");
        let owns_id = index.get(t.id.as_str()) == Some(&i);
        for dep in &t.depends_on {
            match index.get(dep.as_str()) {
                Some(_) if dep == &t.id => {
                    err(
                        &table,
                        "depends_on",
                        format!("task {dep:?} depends on itself"),
                    );
                }
                Some(&j) => {
                    if owns_id && !edges[i].contains(&j) {
                        edges[i].push(j);
                    }
                }
                None => err(
                    &table,
                    "depends_on",
                    format!("unknown task id {dep:?}; {}", known_ids(index)),
                ),
            }
        }
    }
    for cycle in cycles(&edges) {
        let path: Vec<&str> = cycle.iter().map(|&i| tasks[i].id.as_str()).collect();
        err(
            &format!("task.{}", cycle[0]),
            "depends_on",
            format!("dependency cycle: {}", path.join(" → ")),
        );
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

/// One cycle per strongly connected group of two or more tasks (a group may
/// hold several overlapping cycles; one of them is enough to fix the config,
/// and listing them all can be exponential). Each starts and ends at the
/// group's first task in file order and is a shortest way round.
fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut groups = strongly_connected(edges);
    groups.retain(|g| g.len() > 1);
    groups.sort_by_key(|g| g[0]);
    groups
        .into_iter()
        .map(|group| {
            let start = group[0];
            // Breadth-first from `start`'s successors back to `start`, inside the group.
            let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
            let mut queue = std::collections::VecDeque::from([start]);
            'search: while let Some(node) = queue.pop_front() {
                for &next in &edges[node] {
                    if group.binary_search(&next).is_err() || came_from.contains_key(&next) {
                        continue;
                    }
                    came_from.insert(next, node);
                    if next == start {
                        break 'search;
                    }
                    queue.push_back(next);
                }
            }
            let mut path = vec![start];
            let mut node = came_from[&start];
            while node != start {
                path.push(node);
                node = came_from[&node];
            }
            // Walked backwards: start, last, …, first after start.
            path[1..].reverse();
            path.push(start);
            path
        })
        .collect()
}

/// Tarjan's algorithm, iterative (a config could chain many tasks); each
/// group is returned sorted.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut order = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut groups = Vec::new();
    let mut next_order = 0;
    for root in 0..n {
        if order[root] != usize::MAX {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut work = vec![(root, 0)];
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if *edge == 0 && order[node] == usize::MAX {
                order[node] = next_order;
                low[node] = next_order;
                next_order += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if order[next] == usize::MAX {
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(order[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                let mut group = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    group.push(member);
                    if member == node {
                        break;
                    }
                }
                group.sort_unstable();
                groups.push(group);
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use crate::config::error::ConfigError;

    /// All errors of a config made of `text`.
    fn errors(text: &str) -> Vec<ConfigError> {
        match crate::config::parse(text, "test.toml") {
            Ok(_) => Vec::new(),
            Err(e) => e.0,
        }
    }

    /// The only error of `text`.
    fn one_error(text: &str) -> ConfigError {
        let mut all = errors(text);
        assert_eq!(all.len(), 1, "expected one error, got {all:#?}");
        all.remove(0)
    }

    fn task(id: &str, extra: &str) -> String {
        format!("[[task]]\nid = \"{id}\"\ncommand = [\"true\"]\n{extra}\n")
    }

    /// The error of `text` on `key` (e.g. `task[1].depends_on`).
    fn error_on(text: &str, key: &str) -> ConfigError {
        let e = one_error(text);
        assert_eq!(e.key, key, "{e}");
        e
    }

    #[test]
    fn a_valid_set_of_tasks_passes() {
        let text = r#"
[general]
max_concurrent_tasks = 2

[[task]]
id = "db.optimize"
name = "Database optimisation"
priority = "high"
category = "database"
schedule = "0 2 * * *"
timezone = "Europe/Berlin"
command = ["/etc/opsdeck/scripts/db_optimize.sh", "--all"]
env = { PGHOST = "127.0.0.1" }
workdir = "/tmp"
timeout = "10m"
retries = 2
retry_backoff = "1m"
missed = "run_once"
missed_grace = "2h"

[[task]]
id = "backup_verify"
schedule = "0 0 3 * * MON-FRI"
command = ["true"]
depends_on = ["db.optimize"]
concurrency = "queue"

[[task]]
id = "last-friday"
schedule = "0 4 * * 5L"
command = ["true"]
depends_on = ["db.optimize", "backup_verify"]

[[task]]
id = "manual"
command = ["true"]
enabled = false
"#;
        let loaded = crate::config::parse(text, "test.toml").unwrap();
        assert_eq!(loaded.config.task.len(), 4);
        for t in &loaded.config.task {
            t.spec().unwrap();
        }
    }

    #[test]
    fn cron_forms_from_the_issue_parse() {
        for schedule in [
            "*/5 * * * *",
            "30 0 2 * * *",
            "0 0 L * *",
            "0 9 * * MON#1",
            "0 9 * * MON-FRI",
            "@daily",
            "@hourly",
            "@weekly",
        ] {
            let text = task("t", &format!("schedule = \"{schedule}\""));
            assert!(errors(&text).is_empty(), "{schedule}: {:?}", errors(&text));
        }
    }

    #[test]
    fn id_must_be_non_empty_and_command_line_safe() {
        let e = error_on(&task("", ""), "task[0].id");
        assert!(e.message.contains("must not be empty"), "{e}");
        for bad in ["a b", "a/b", "ünïcode", "a;rm"] {
            let e = error_on(&task(bad, ""), "task[0].id");
            assert!(e.message.contains("may only contain"), "{e}");
        }
        let e = error_on(&task("-rf", ""), "task[0].id");
        assert!(e.message.contains("must not start with `-`"), "{e}");
        assert!(errors(&task("db.optimize-v2_nightly", "")).is_empty());
    }

    #[test]
    fn duplicate_id_is_reported_on_the_second() {
        let text = format!("{}{}", task("a", ""), task("a", ""));
        let e = error_on(&text, "task[1].id");
        assert!(e.message.contains("already the id of task[0]"), "{e}");
        assert_eq!(e.line, 6);
    }

    #[test]
    fn command_must_name_a_program() {
        let e = error_on("[[task]]\nid = \"a\"\ncommand = []\n", "task[0].command");
        assert!(e.message.contains("must not be empty"), "{e}");
        assert_eq!((e.line, e.column), (3, 1));
        let e = error_on(
            "[[task]]\nid = \"a\"\ncommand = [\"\", \"x\"]\n",
            "task[0].command",
        );
        assert!(e.message.contains("first element"), "{e}");
        let e = error_on(
            "[[task]]\nid = \"a\"\ncommand = [\"echo\", \"a\\u0000b\"]\n",
            "task[0].command",
        );
        assert!(e.message.contains("NUL"), "{e}");
    }

    #[test]
    fn bad_schedule_is_reported_on_schedule() {
        for (schedule, wanted) in [
            ("61 * * * *", "out of bounds"),
            ("* * * *", "has 4 fields"),
            ("0 0 30 2 *", "never matches"),
            ("@often", "@often"),
            ("", "0 fields"),
        ] {
            let e = error_on(
                &task("a", &format!("schedule = \"{schedule}\"")),
                "task[0].schedule",
            );
            assert!(e.message.contains(wanted), "{schedule}: {e}");
            assert_eq!(e.line, 4, "{e}");
        }
    }

    #[test]
    fn bad_timezone_is_reported_on_timezone() {
        let e = error_on(
            &task("a", "schedule = \"@daily\"\ntimezone = \"Mars/Olympus\""),
            "task[0].timezone",
        );
        assert!(e.message.contains("unknown time zone"), "{e}");
        assert_eq!(e.line, 5);
        // Both wrong: both reported.
        let all = errors(&task(
            "a",
            "schedule = \"99 * * * *\"\ntimezone = \"Nowhere\"",
        ));
        let keys: Vec<&str> = all.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["task[0].timezone", "task[0].schedule"]);
        // A zone without a schedule is still checked (the task may get one later).
        error_on(&task("a", "timezone = \"Nowhere\""), "task[0].timezone");
    }

    #[test]
    fn timeout_backoff_retries_and_grace_are_bounded() {
        let e = error_on(&task("a", "timeout = \"500ms\""), "task[0].timeout");
        assert!(e.message.contains("at least 1s"), "{e}");
        let e = error_on(&task("a", "timeout = \"25h\""), "task[0].timeout");
        assert!(e.message.contains("at most 24h"), "{e}");
        assert!(errors(&task("a", "timeout = \"24h\"")).is_empty());
        assert!(errors(&task("a", "timeout = \"1s\"")).is_empty());
        let e = error_on(
            &task("a", "retry_backoff = \"0s\""),
            "task[0].retry_backoff",
        );
        assert!(e.message.contains("at least 1s"), "{e}");
        let e = error_on(&task("a", "retries = 101"), "task[0].retries");
        assert!(e.message.contains("at most 100"), "{e}");
        assert!(errors(&task("a", "retries = 100")).is_empty());
        let e = error_on(
            &task("a", "missed = \"run_once\"\nmissed_grace = \"30s\""),
            "task[0].missed_grace",
        );
        assert!(e.message.contains("at least 1m"), "{e}");
        // The grace only matters for run_once.
        assert!(errors(&task("a", "missed_grace = \"30s\"")).is_empty());
    }

    #[test]
    fn unknown_dependency_names_it_and_the_known_ids() {
        let text = format!(
            "{}{}",
            task("db", ""),
            task("backup", "depends_on = [\"db\", \"dbb\"]")
        );
        let e = error_on(&text, "task[1].depends_on");
        assert!(e.message.contains("unknown task id \"dbb\""), "{e}");
        assert!(e.message.contains("known ids: db, backup"), "{e}");
        assert_eq!((e.line, e.column), (8, 1));
    }

    #[test]
    fn self_dependency_is_an_error() {
        let e = error_on(&task("a", "depends_on = [\"a\"]"), "task[0].depends_on");
        assert!(e.message.contains("depends on itself"), "{e}");
    }

    #[test]
    fn a_cycle_is_reported_once_with_its_path_on_its_first_task() {
        let text = format!(
            "{}{}{}{}",
            task("x", ""),
            task("a", "depends_on = [\"b\"]"),
            task("b", "depends_on = [\"c\", \"x\"]"),
            task("c", "depends_on = [\"a\"]"),
        );
        let e = error_on(&text, "task[1].depends_on");
        assert_eq!(e.message, "dependency cycle: a → b → c → a");
        assert_eq!(e.line, 8);
    }

    #[test]
    fn separate_cycles_are_reported_separately_and_in_file_order() {
        let text = format!(
            "{}{}{}{}",
            task("p", "depends_on = [\"q\"]"),
            task("r", "depends_on = [\"s\"]"),
            task("q", "depends_on = [\"p\"]"),
            task("s", "depends_on = [\"r\"]"),
        );
        let all = errors(&text);
        let got: Vec<(&str, &str)> = all
            .iter()
            .map(|e| (e.key.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("task[0].depends_on", "dependency cycle: p → q → p"),
                ("task[1].depends_on", "dependency cycle: r → s → r"),
            ]
        );
    }

    #[test]
    fn overlapping_cycles_give_the_shortest_one_round_the_first_task() {
        // a → b → c → a and a → c → a share tasks: one error, the short way.
        let text = format!(
            "{}{}{}",
            task("a", "depends_on = [\"b\", \"c\"]"),
            task("b", "depends_on = [\"c\"]"),
            task("c", "depends_on = [\"a\"]"),
        );
        let e = error_on(&text, "task[0].depends_on");
        assert_eq!(e.message, "dependency cycle: a → c → a");
    }

    #[test]
    fn a_long_chain_is_no_cycle_and_does_not_overflow() {
        let mut text = task("t0", "");
        for i in 1..2000 {
            text.push_str(&task(
                &format!("t{i}"),
                &format!("depends_on = [\"t{}\"]", i - 1),
            ));
        }
        assert!(errors(&text).is_empty());
        text.push_str("[[task]]\nid = \"t0\"\ncommand = [\"true\"]\n");
        // The duplicate is the only error; it adds no edge.
        error_on(&text, "task[2000].id");
    }

    #[test]
    fn env_names_must_be_usable() {
        let e = error_on(&task("a", "env = { \"A=B\" = \"x\" }"), "task[0].env.A=B");
        assert!(e.message.contains("`=`"), "{e}");
        assert_eq!(e.line, 4);
        let e = error_on(&task("a", "env = { \"\" = \"x\" }"), "task[0].env");
        assert!(e.message.contains("must not be empty"), "{e}");
        let e = error_on(
            &task("a", "env = { \"A\\u0000\" = \"x\" }"),
            "task[0].env.A\0",
        );
        assert!(e.message.contains("NUL"), "{e}");
        assert!(errors(&task("a", "env = { PGHOST = \"db\", lower_case = \"ok\" }")).is_empty());
    }

    #[test]
    fn workdir_must_be_absolute() {
        let e = error_on(&task("a", "workdir = \"scripts\""), "task[0].workdir");
        assert!(e.message.contains("absolute"), "{e}");
        assert!(errors(&task("a", "workdir = \"/var/tmp\"")).is_empty());
    }

    #[test]
    fn shape_errors_come_from_serde_with_the_key() {
        let e = one_error(&task("a", "priority = \"urgent\""));
        assert_eq!(e.key, "task[0].priority", "{e}");
        let e = one_error(&task("a", "dependson = []"));
        assert!(e.message.contains("unknown field `dependson`"), "{e}");
    }

    #[test]
    fn max_concurrent_tasks_is_bounded() {
        for bad in [0, 65] {
            let e = error_on(
                &format!("[general]\nmax_concurrent_tasks = {bad}\n"),
                "general.max_concurrent_tasks",
            );
            assert!(e.message.contains("between 1 and 64"), "{e}");
        }
        assert!(errors("[general]\nmax_concurrent_tasks = 64\n").is_empty());
    }
}
