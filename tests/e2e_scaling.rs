//! Autoscaling end to end: the real binary in tmux scales a pool of real
//! worker processes (each exporting its share of a demand read from a file)
//! through an executor script, with `current` counted by a real Prometheus
//! (`count(up{job="workers"} == 1)`). The demand rises: opsdeck scales up
//! (auto, on the leader), Prometheus sees the new workers, the pane says
//! why. It falls: the scale-down waits for the stabilisation window, then
//! happens. A second target's executor fails and the pane says so. Every
//! evaluation that changed something and every execution is in
//! `opsdeck scaling history`, and `scaling explain` replays them. A second
//! opsdeck on the same state (a follower) shows the leader's decisions and
//! executions, and carries out nothing itself.

mod servers;
mod tmux;

#[path = "scaling/mod.rs"]
mod scaling_pool;

use scaling_pool::WorkerPool;
use servers::{Stack, StackOptions};
use std::process::Command;
use std::time::{Duration, Instant};
use tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");
const WINDOW_SECS: u64 = 8;

fn count(stack: &Stack) -> Option<f64> {
    let result = stack.prometheus_query(r#"count(up{job="workers"} == 1)"#);
    result.as_array()?.first()?["value"][1]
        .as_str()?
        .parse()
        .ok()
}

fn wait_until(
    what: &str,
    timeout: Duration,
    mut done: impl FnMut() -> bool,
    why: impl Fn() -> String,
) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "{what} within {timeout:?}:\n{}",
            why()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn opsdeck(args: &[&str], config: &std::path::Path, state: &std::path::Path) -> String {
    tmux::stdout_of(config, state, args)
}

#[test]
fn demand_scales_the_pool_up_at_once_and_down_after_the_window() {
    let pool = WorkerPool::new(4);
    pool.scale(1);
    let stack = Stack::start(
        StackOptions::default()
            .without_default_rules()
            .scrape(&pool.scrape_config("workers")),
    );
    wait_until(
        "Prometheus counts the one worker",
        Duration::from_secs(30),
        || count(&stack) == Some(1.0),
        || format!("{:?}", count(&stack)),
    );
    let executor: Vec<String> = pool.executor().iter().map(|a| format!("{a:?}")).collect();
    let config = format!(
        r#"
[general]
host_rules = false

[[prometheus]]
name = "main"
url = "{prometheus}"

[[scaling]]
name = "workers"
current = {{ query = 'count(up{{job="workers"}} == 1)' }}
min = 1
max = 4
interval = "2s"
mode = "auto"
executor = [{executor}]

[[scaling.metric]]
name = "load"
query = 'avg(worker_load{{job="workers"}})'
target = 50

[scaling.behavior]
scale_down = {{ stabilization = "{WINDOW_SECS}s" }}

[[scaling]]
name = "broken"
current = {{ command = ["echo", "2"] }}
max = 3
interval = "2s"
mode = "auto"
executor = ["sh", "-c", "echo no capacity for $0 replicas >&2; exit 3", "{{replicas}}"]

[[scaling.metric]]
name = "load"
query = 'avg(worker_load{{job="workers"}})'
target = 10

[scaling.behavior]
scale_down = {{ stabilization = "0s" }}
"#,
        prometheus = stack.prometheus,
        executor = executor.join(", ")
    );
    let dir =
        std::env::temp_dir().join(format!("opsdeck-e2e-scaling-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config_path = dir.join("opsdeck.toml");
    std::fs::write(&config_path, config).unwrap();
    let state = dir.join("state");
    let check = Command::new(BIN)
        .arg("check-config")
        .arg(&config_path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let t = Tmux::start_with_state("scaling", &config_path, &state, 160, 40);
    t.send(&["4"]);
    t.wait_for("workers steady at 1", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.contains("workers") && l.contains("steady"))
    });
    // Started once the first leads: it follows.
    let follower = Tmux::start_with_state("scaling-follower", &config_path, &state, 160, 40);
    follower.send(&["4"]);
    follower.wait_for(
        "the follower shows workers, decided by the leader",
        Duration::from_secs(20),
        |s| {
            s.contains(" decides ")
                && s.lines()
                    .any(|l| l.contains("workers") && l.contains("steady"))
        },
    );

    // Demand 200 on one worker: 200 vs 50 proposes 4, at once (no up window).
    pool.set_demand(200.0);
    let up = Instant::now();
    wait_until(
        "the pool scaled to 4",
        Duration::from_secs(30),
        || pool.running() == 4,
        || t.capture(),
    );
    wait_until(
        "Prometheus counts 4 workers",
        Duration::from_secs(20),
        || count(&stack) == Some(4.0),
        || t.capture(),
    );
    let screen = t.wait_for("the pane tells the chain", Duration::from_secs(15), |s| {
        s.contains("load 200 vs 50 → 4") && s.contains("executed 1→4")
    });
    assert!(up.elapsed() < Duration::from_secs(20), "{screen}");
    follower.wait_for(
        "the follower shows the leader's decision and execution",
        Duration::from_secs(10),
        |s| s.contains("load 200 vs 50 → 4") && s.contains("executed 1→4"),
    );
    t.wait_for("workers steady at 4", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.contains("workers") && l.contains("steady"))
    });

    // Demand 20 over 4: 5 vs 50 proposes 1, held by the window first.
    pool.set_demand(20.0);
    let down = Instant::now();
    t.wait_for(
        "the scale-down held by the window",
        Duration::from_secs(15),
        |s| s.contains("held at 4 by the recommendation of 4"),
    );
    assert_eq!(pool.running(), 4, "scaled down before the window passed");
    follower.wait_for(
        "the follower shows the hold",
        Duration::from_secs(10),
        |s| s.contains("held at 4 by the recommendation of 4"),
    );
    wait_until(
        "the pool scaled to 1",
        Duration::from_secs(40),
        || pool.running() == 1,
        || t.capture(),
    );
    let waited = down.elapsed();
    // The last recommendation of 4 came at most one interval (2 s) before
    // the demand fell, so the window ends at least 6 s after it.
    assert!(
        waited >= Duration::from_secs(WINDOW_SECS - 2),
        "scaled down after {waited:?}"
    );
    wait_until(
        "Prometheus counts 1 worker",
        Duration::from_secs(20),
        || count(&stack) == Some(1.0),
        || t.capture(),
    );
    t.wait_for(
        "the pane shows the scale-down",
        Duration::from_secs(15),
        |s| s.contains("executed 4→1"),
    );
    follower.wait_for(
        "the follower shows the scale-down",
        Duration::from_secs(10),
        |s| s.contains("executed 4→1"),
    );

    // The failing executor: shown, and its output kept.
    let screen = t.wait_for(
        "the broken target's failure",
        Duration::from_secs(20),
        |s| {
            s.lines()
                .any(|l| l.contains("broken") && l.contains("executor failed"))
        },
    );
    assert!(screen.contains("failed: exit 3"), "{screen}");

    // History: the evaluations and executions, stored before they were shown.
    let history = opsdeck(
        &["scaling", "history", "workers", "--format", "json"],
        &config_path,
        &state,
    );
    let records: Vec<serde_json::Value> = history
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let executions: Vec<(u64, u64)> = records
        .iter()
        .filter(|r| r["kind"] == "execution" && r["executed"] == true)
        .map(|r| {
            (
                r["current"].as_u64().unwrap(),
                r["desired"].as_u64().unwrap(),
            )
        })
        .collect();
    // Each change once: the follower carried out nothing.
    assert_eq!(executions, [(1, 4), (4, 1)], "{history}");
    let held = records.iter().any(|r| {
        r["kind"] == "evaluation"
            && r["decision"]["reasons"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "ScaleDownStabilized"))
    });
    assert!(held, "the held evaluation is on record: {history}");
    let broken = opsdeck(
        &["scaling", "history", "broken", "--format", "json"],
        &config_path,
        &state,
    );
    assert!(broken.contains("no capacity for 1 replicas"), "{broken}");
    assert!(broken.contains(r#""executed":false"#), "{broken}");

    // What if there had been no window: the held evaluations would have
    // scaled down at once.
    let explain = opsdeck(
        &["scaling", "explain", "workers", "--stabilization", "0s"],
        &config_path,
        &state,
    );
    assert!(explain.contains("scale-down stabilization 0s"), "{explain}");
    assert!(
        explain.contains('*'),
        "some evaluation decides differently: {explain}"
    );

    // The audit log has the leader's own executions.
    let audit = tmux::audit_records(&state);
    let auto: Vec<&serde_json::Value> = audit
        .iter()
        .filter(|r| r["action"] == "scaling.auto")
        .collect();
    assert!(
        auto.iter()
            .any(|r| r["target"] == "workers" && r["outcome"] == "ok"),
        "{audit:?}"
    );
    drop(follower);
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}
