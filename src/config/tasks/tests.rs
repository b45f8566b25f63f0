//! `[[task]]` validation, through `config::parse` as a user meets it.

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
    let config = crate::config::parse(text, "test.toml").unwrap();
    let specs = config.tasks();
    let ids: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["db.optimize", "backup_verify", "last-friday", "manual"]
    );
    let db = &specs[0];
    assert_eq!(db.name, "Database optimisation");
    let schedule = db.schedule.as_ref().expect("scheduled");
    assert_eq!(
        (schedule.pattern(), schedule.zone_name().as_str()),
        ("0 2 * * *", "Europe/Berlin")
    );
    assert_eq!(db.timeout, std::time::Duration::from_secs(600));
    assert_eq!(specs[2].depends_on, ["db.optimize", "backup_verify"]);
    // No name: the id; no schedule: triggered by hand only.
    assert_eq!(specs[3].name, "manual");
    assert!(specs[3].schedule.is_none() && !specs[3].enabled);
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
    // Both wrong: both reported, in file order.
    let all = errors(&task(
        "a",
        "schedule = \"99 * * * *\"\ntimezone = \"Nowhere\"",
    ));
    let keys: Vec<&str> = all.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["task[0].schedule", "task[0].timezone"]);
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
