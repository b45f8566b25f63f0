//! Maintenance tasks end to end: the real binary in tmux runs real child
//! processes. A triggered run shows its output and outcome, a cancel kills the
//! whole process group, a schedule fires on its own, quitting stops what runs,
//! and `opsdeck task run` exits with the task's status.

mod tmux;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tmux::{BIN, Tmux, audit_records, status_line};

const SEEN: Duration = Duration::from_secs(20);

/// A config file outside the tmux sandbox (which `Tmux::start` wipes).
fn write_config(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("opsdeck-tasks-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, body).unwrap();
    path
}

/// The pane row of the task named `name`.
fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.starts_with('│') && l.contains(name) && !l.contains("now "))
        .unwrap_or("")
}

/// Processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let out = Command::new("pgrep")
        .args(["-f", marker])
        .output()
        .expect("pgrep (procps)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Polls `done` until it holds, failing with `what` after `timeout`.
fn wait_until(what: &str, timeout: Duration, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_gone(marker: &str, timeout: Duration) {
    wait_until(
        &format!("every {marker:?} process to be gone"),
        timeout,
        || processes_with(marker).is_empty(),
    );
}

/// opsdeck in tmux (120x36) with a config of `body`; the config's path.
fn start(name: &str, body: &str, extra: &[&str]) -> (Tmux, PathBuf) {
    let config = write_config(name, body);
    let mut args = vec!["-c", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    let t = Tmux::start(&format!("tasks-{name}"), &args, 120, 36, &[]);
    (t, config)
}

/// `t` on the selected task, its confirmation (named `name`), Enter.
fn trigger(t: &Tmux, name: &str) -> String {
    t.send(&["t"]);
    let screen = t.wait_text(&format!("Run {name} now"), SEEN);
    t.send(&["Enter"]);
    screen
}

/// `opsdeck task list --format json` for a state home.
fn task_list(config: &Path, state_home: &Path) -> Vec<Value> {
    let args = [
        "-c",
        config.to_str().unwrap(),
        "task",
        "list",
        "--format",
        "json",
    ];
    tmux::json_lines(&args, state_home, &state_home.join("no-config"))
}

#[test]
fn trigger_from_the_pane_runs_the_task_and_shows_output_and_outcome() {
    let (t, config) = start(
        "trigger",
        r#"
[[task]]
id = "greet"
name = "Greeter"
priority = "critical"
command = ["sh", "-c", "echo hello-from-greet; echo to-stderr >&2; read line; echo read-exit=$?"]
timeout = "30s"

[[task]]
id = "fails"
name = "Failing check"
priority = "low"
command = ["sh", "-c", "echo about-to-fail; exit 3"]
"#,
        &[],
    );
    t.wait_text("Tasks", SEEN);
    t.send(&["2"]);
    t.wait_text("Greeter", SEEN);
    // The confirmation names the command.
    let screen = trigger(&t, "Greeter");
    assert!(screen.contains("sh -c 'echo hello-from-greet;"), "{screen}");
    let screen = t.wait_for("the run to succeed", SEEN, |s| {
        row(s, "Greeter").contains("succeeded")
    });
    assert!(row(&screen, "Greeter").contains("✓"), "{screen}");
    // Its output (stdin was EOF, not the terminal: `read` failed at once).
    t.send(&["Enter"]);
    let screen = t.wait_text("hello-from-greet", SEEN);
    assert!(screen.contains("to-stderr"), "{screen}");
    assert!(
        screen.contains("read-exit=1"),
        "stdin must be null: {screen}"
    );
    t.send(&["Escape"]);
    // Wait for it to close: an Esc and a key read together are Alt+key.
    t.wait_for("the details to close", SEEN, |s| {
        !s.contains("hello-from-greet")
    });

    // The failing task: its state and the overview's count.
    t.send(&["j"]);
    trigger(&t, "Failing check");
    let screen = t.wait_for("the failure", SEEN, |s| {
        row(s, "Failing check").contains("failed")
    });
    assert!(row(&screen, "Failing check").contains("exit 3"), "{screen}");
    t.send(&["0"]);
    let screen = t.wait_text("failing", SEEN);
    assert!(screen.contains("Tasks"), "{screen}");

    // Both runs are in the store and the trigger in the audit log.
    let state_home = t.dir.join("state");
    let tasks = task_list(&config, &state_home);
    let last = |id: &str| tasks.iter().find(|t| t["id"] == id).unwrap()["last_run"].clone();
    assert_eq!(last("greet")["state"], "succeeded");
    assert_eq!(last("fails")["state"], "failed");
    assert_eq!(last("fails")["exit_code"], 3);
    let audit = audit_records(&state_home);
    // Each trigger is written twice, as every write is: its intent (with the
    // argv) before, its outcome (pointing at the intent) after.
    let of_phase = |phase: &str| -> Vec<&Value> {
        audit
            .iter()
            .filter(|r| r["action"] == "task.trigger" && r["phase"] == phase)
            .collect()
    };
    let (intents, outcomes) = (of_phase("intent"), of_phase("outcome"));
    assert_eq!((intents.len(), outcomes.len()), (2, 2), "{audit:?}");
    assert_eq!(intents[0]["target"], "greet");
    assert!(
        intents[0]["params"]["command"]
            .as_str()
            .unwrap()
            .contains("hello-from-greet")
    );
    assert_eq!(outcomes[0]["intent_id"], intents[0]["id"]);
    assert_eq!(outcomes[0]["outcome"], "started");
}

#[test]
fn cancel_kills_the_whole_process_group() {
    let (t, _) = start(
        "cancel",
        r#"
[[task]]
id = "sleepy"
name = "Sleepy"
command = ["sh", "-c", "sleep 3011 & sleep 3011 & echo children-started; wait"]
timeout = "10m"
"#,
        &[],
    );
    t.wait_text("Tasks", SEEN);
    t.send(&["2"]);
    trigger(&t, "Sleepy");
    t.wait_for("the run to start", SEEN, |s| {
        row(s, "Sleepy").contains("running")
    });
    wait_until("both children", SEEN, || {
        processes_with("sleep 3011").len() >= 2
    });
    t.send(&["x"]);
    t.wait_text("Cancel Sleepy", SEEN);
    t.send(&["Enter"]);
    t.wait_for("the cancel", SEEN, |s| {
        row(s, "Sleepy").contains("cancelled")
    });
    wait_gone("sleep 3011", Duration::from_secs(5));
    let audit = audit_records(&t.dir.join("state"));
    assert!(
        audit
            .iter()
            .any(|r| r["action"] == "task.cancel" && r["target"] == "sleepy")
    );
}

#[test]
fn a_schedule_fires_by_itself_and_quitting_stops_a_running_task() {
    let (t, config) = start(
        "schedule",
        r#"
[[task]]
id = "tick"
name = "Ticker"
schedule = "*/2 * * * * *"
command = ["sh", "-c", "echo tick-ran"]

[[task]]
id = "long"
name = "Long one"
command = ["sh", "-c", "sleep 3022"]
timeout = "10m"
"#,
        &[],
    );
    t.wait_text("Tasks", SEEN);
    t.send(&["2"]);
    t.wait_for("a scheduled run", SEEN, |s| {
        row(s, "Ticker").contains("succeeded")
    });
    // Start the long one, then quit: it is cancelled and recorded, not orphaned.
    t.send(&["j"]);
    trigger(&t, "Long one");
    t.wait_for("the long run", SEEN, |s| {
        row(s, "Long one").contains("running")
    });
    t.send(&["q"]);
    // Quitting would cancel the run: asked first; Esc stays, q again quits.
    t.wait_text("Quitting cancels them", SEEN);
    t.send(&["Escape"]);
    t.wait_for("the dialog to close", SEEN, |s| {
        !s.contains("Quitting cancels")
    });
    assert!(!processes_with("sleep 3022").is_empty(), "still running");
    t.send(&["q"]);
    t.wait_text("Quitting cancels them", SEEN);
    t.send(&["q"]);
    let screen = t.wait_text("EXIT=", SEEN);
    assert!(screen.contains("EXIT=0"), "{screen}");
    wait_gone("sleep 3022", Duration::from_secs(5));
    let tasks = task_list(&config, &t.dir.join("state"));
    let long = tasks.iter().find(|t| t["id"] == "long").unwrap();
    assert_eq!(long["last_run"]["state"], "cancelled", "{long}");
    let tick = tasks.iter().find(|t| t["id"] == "tick").unwrap();
    assert_eq!(tick["last_run"]["state"], "succeeded", "{tick}");
}

#[test]
fn read_only_refuses_trigger() {
    let (t, _) = start(
        "readonly",
        r#"
[[task]]
id = "greet"
name = "Greeter"
command = ["true"]
"#,
        &["--read-only"],
    );
    t.wait_text("Greeter", SEEN);
    t.send(&["2", "t"]);
    let screen = t.wait_text("read-only", SEEN);
    assert!(
        status_line(&screen).contains("not triggering task greet"),
        "{screen}"
    );
    assert!(!screen.contains("Run Greeter now"), "{screen}");
}

#[test]
fn task_run_streams_output_and_exits_with_the_tasks_status() {
    let config = write_config(
        "cli",
        r#"
[[task]]
id = "ok"
command = ["sh", "-c", "echo line-one; echo line-two"]

[[task]]
id = "three"
command = ["sh", "-c", "echo failing >&2; exit 3"]

[[task]]
id = "slow"
command = ["sh", "-c", "sleep 3033 & sleep 3033 & wait"]
timeout = "1s"

[[task]]
id = "missing"
command = ["/nonexistent/opsdeck-test-binary"]
"#,
    );
    let state =
        std::env::temp_dir().join(format!("opsdeck-tasks-cli-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let task = |args: &[&str]| {
        Command::new(BIN)
            .args(["-c", config.to_str().unwrap(), "task"])
            .args(args)
            .env("XDG_STATE_HOME", &state)
            .output()
            .unwrap()
    };
    let ok = task(&["run", "ok"]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "line-one\nline-two\n");
    let three = task(&["run", "three"]);
    assert_eq!(three.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&three.stderr).contains("failing"));
    let began = Instant::now();
    let slow = task(&["run", "slow"]);
    assert_eq!(
        slow.status.code(),
        Some(124),
        "timed out is 124, as timeout(1)"
    );
    assert!(began.elapsed() < Duration::from_secs(8));
    wait_gone("sleep 3033", Duration::from_secs(3));
    let missing = task(&["run", "missing"]);
    assert_eq!(missing.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/opsdeck-test-binary"));
    let unknown = task(&["run", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("no task \"nope\"") && err.contains("ok, three, slow, missing"),
        "{err}"
    );
    // The list shows each task's last outcome from the store.
    let list = task(&["list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or("")
            .to_string()
    };
    assert!(line("three").contains("failed"), "{text}");
    assert!(line("slow").contains("timed out"), "{text}");
    assert!(line("ok").contains("succeeded"), "{text}");
    let _ = std::fs::remove_dir_all(&state);
}

/// The pids that recorded runs of `task`, oldest first.
fn run_pids(state_home: &Path, task: &str) -> Vec<i64> {
    let db = state_home.join("opsdeck/opsdeck.db");
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare("SELECT pid FROM task_runs WHERE task_id = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([task], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn only_the_leader_schedules_a_follower_shows_its_runs_and_takes_over() {
    let config = write_config(
        "leader",
        r#"
[[task]]
id = "beat"
name = "Heartbeat"
schedule = "*/2 * * * * *"
command = ["sh", "-c", "echo beat"]
"#,
    );
    let shared = std::env::temp_dir().join(format!("opsdeck-tasks-shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&shared);
    std::fs::create_dir_all(&shared).unwrap();
    let env = [("XDG_STATE_HOME", shared.to_str().unwrap())];
    let args = ["-c", config.to_str().unwrap()];
    let leader = Tmux::start("tasks-leader", &args, 120, 30, &env);
    leader.wait_text("leader", SEEN);
    let leader_pid = i64::from(leader.opsdeck_pid());
    let follower = Tmux::start("tasks-follower", &args, 120, 30, &env);
    follower.wait_text("follower", SEEN);
    let follower_pid = i64::from(follower.opsdeck_pid());
    follower.send(&["2"]);
    // The follower shows the leader's runs, read from the store.
    follower.wait_for("the leader's run", SEEN, |s| {
        row(s, "Heartbeat").contains("succeeded")
    });
    let pids = run_pids(&shared, "beat");
    assert!(!pids.is_empty());
    assert!(
        pids.iter().all(|p| *p == leader_pid),
        "only the leader ran it: {pids:?}"
    );
    // The leader quits: the follower takes over the schedule.
    leader.send(&["q"]);
    leader.wait_text("EXIT=0", SEEN);
    follower.wait_text("leader", SEEN);
    wait_until("the new leader to run the schedule", SEEN, || {
        run_pids(&shared, "beat").contains(&follower_pid)
    });
    let _ = std::fs::remove_dir_all(&shared);
}

#[test]
fn tasks_do_not_inherit_opsdecks_secrets() {
    let config = write_config(
        "secrets",
        r#"
[[prometheus]]
name = "main"
url = "http://127.0.0.1:9"
bearer_token_env = "OPSDECK_TEST_PROM_TOKEN"

[[task]]
id = "env"
command = ["sh", "-c", "echo token=${OPSDECK_TEST_PROM_TOKEN:-unset} id=$OPSDECK_TASK_ID other=$OPSDECK_TEST_OTHER"]
"#,
    );
    let out = Command::new(BIN)
        .args([
            "--no-store",
            "-c",
            config.to_str().unwrap(),
            "task",
            "run",
            "env",
        ])
        .env("OPSDECK_TEST_PROM_TOKEN", "s3cret-value")
        .env("OPSDECK_TEST_OTHER", "kept")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "token=unset id=env other=kept\n"
    );
}

/// A follower triggers a task and is then killed (SIGKILL: no chance to stop
/// its run). The live leader notices within seconds: the run ends as
/// abandoned, and its processes (a grandchild included) are stopped.
#[test]
fn a_live_leader_stops_and_closes_the_run_of_a_killed_opsdeck() {
    let config = write_config(
        "ghost",
        r#"
[[task]]
id = "ghost"
name = "Ghost"
command = ["sh", "-c", "sleep 3023 & sleep 3023; wait"]
timeout = "10m"
"#,
    );
    let shared =
        std::env::temp_dir().join(format!("opsdeck-tasks-ghost-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&shared);
    std::fs::create_dir_all(&shared).unwrap();
    let env = [("XDG_STATE_HOME", shared.to_str().unwrap())];
    let args = ["-c", config.to_str().unwrap()];
    let leader = Tmux::start("tasks-ghost-leader", &args, 120, 30, &env);
    leader.wait_text("leader", SEEN);
    let follower = Tmux::start("tasks-ghost-follower", &args, 120, 30, &env);
    follower.wait_text("follower", SEEN);
    follower.send(&["2"]);
    trigger(&follower, "Ghost");
    wait_until("the run's processes", SEEN, || {
        processes_with("sleep 3023").len() >= 2
    });
    leader.send(&["2"]);
    leader.wait_for("the run on the leader", SEEN, |s| {
        row(s, "Ghost").contains("running")
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(follower.opsdeck_pid()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    leader.wait_for("the run closed", Duration::from_secs(10), |s| {
        let r = row(s, "Ghost");
        !r.contains("running") && r.contains("failed")
    });
    wait_gone("sleep 3023", Duration::from_secs(5));
    let _ = std::fs::remove_dir_all(&shared);
}

/// opsdeck killed with SIGKILL (no chance to stop anything) while a task
/// runs, with no other opsdeck on the host: the task's process dies with it.
#[test]
fn a_task_dies_with_a_killed_opsdeck() {
    let (t, _) = start(
        "die-with",
        r#"
[[task]]
id = "orphan"
name = "Orphan"
command = ["sleep", "3037"]
timeout = "10m"
"#,
        &[],
    );
    t.send(&["2"]);
    trigger(&t, "Orphan");
    wait_until("the run's process", SEEN, || {
        !processes_with("sleep 3037").is_empty()
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(t.opsdeck_pid()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_gone("sleep 3037", Duration::from_secs(5));
}

/// The pids of the processes that ran the task writing `$PPID` to `file`.
fn runners(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Read-only changes nothing. One started first, alone, with a schedule every
/// 2 s runs nothing; a writable one started after leads and runs it, and the
/// read-only one says which process leads. When that leader is killed (-9),
/// the next writable one takes over; the read-only one never runs a thing.
#[test]
fn read_only_never_leads_a_writable_opsdeck_does_and_is_named() {
    let dir = std::env::temp_dir().join(format!("opsdeck-tasks-lead-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("state")).unwrap();
    let ran = dir.join("ran");
    let config = write_config(
        "lead",
        &format!(
            r#"
[[task]]
id = "often"
name = "Every two seconds"
schedule = "*/2 * * * * *"
command = ["sh", "-c", "echo $PPID >> {}"]
"#,
            ran.display()
        ),
    );
    let state = dir.join("state");
    let env = [("XDG_STATE_HOME", state.to_str().unwrap())];
    let writable = ["-c", config.to_str().unwrap()];
    let read_only = ["-c", config.to_str().unwrap(), "--read-only"];
    let says = |t: &Tmux, what: &str| {
        t.wait_for(what, SEEN, |s| status_line(s).contains(what));
    };

    let ro = Tmux::start("tasks-lead-ro", &read_only, 120, 30, &env);
    says(&ro, "· nobody leads");
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(runners(&ran), Vec::<i32>::new(), "the read-only one ran it");

    let first = Tmux::start("tasks-lead-w1", &writable, 120, 30, &env);
    let first_pid = first.opsdeck_pid();
    says(&first, "· leader");
    wait_until("a run by the writable leader", SEEN, || {
        runners(&ran).contains(&first_pid)
    });
    let leads_first = format!("· follower · led by pid {first_pid}");
    says(&ro, &leads_first);
    let second = Tmux::start("tasks-lead-w2", &writable, 120, 30, &env);
    says(&second, &leads_first);

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(first_pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let second_pid = second.opsdeck_pid();
    says(&second, "· leader");
    says(&ro, &format!("· follower · led by pid {second_pid}"));
    wait_until("a run by the next leader", SEEN, || {
        runners(&ran).contains(&second_pid)
    });
    let ro_pid = ro.opsdeck_pid();
    assert!(!runners(&ran).contains(&ro_pid), "{:?}", runners(&ran));
    let _ = std::fs::remove_dir_all(&dir);
}
