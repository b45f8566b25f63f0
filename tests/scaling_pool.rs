//! The autoscaling test harness (`tests/scaling/`): real worker processes that
//! a real Prometheus scrapes, scaled by `executor.sh`, and nothing left
//! running once the pool is dropped.

mod servers;

#[path = "scaling/mod.rs"]
mod scaling_pool;

use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use scaling_pool::{WorkerPool, is_alive};
use serde_json::Value;
use servers::{Stack, StackOptions, get_json, http_get};

const TIMEOUT: Duration = Duration::from_secs(30);

/// The one sample's value of an instant query's `data.result`, if it has
/// exactly one.
fn single_value(result: &Value) -> Option<f64> {
    match result.as_array()?.as_slice() {
        [sample] => sample["value"][1].as_str()?.parse().ok(),
        _ => None,
    }
}

/// The `workers` job's targets as Prometheus sees them, for failure messages.
fn worker_targets(stack: &Stack) -> String {
    let targets = get_json(&format!("{}/api/v1/targets", stack.prometheus));
    let Some(active) = targets["data"]["activeTargets"].as_array() else {
        return targets.to_string();
    };
    active
        .iter()
        .filter(|t| t["labels"]["job"] == "workers")
        .map(|t| {
            format!(
                "{} {} {}",
                t["scrapeUrl"].as_str().unwrap_or("?"),
                t["health"].as_str().unwrap_or("?"),
                t["lastError"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits (30 s) until `promql` gives one sample equal to `want`; panics with
/// what it gave last, the pool's state and Prometheus's view of the workers.
fn wait_for(stack: &Stack, pool: &WorkerPool, promql: &str, want: f64) {
    let start = Instant::now();
    loop {
        let result = stack.prometheus_query(promql);
        if single_value(&result).is_some_and(|v| (v - want).abs() < 1e-9) {
            eprintln!("`{promql}` = {want} after {:.1?}", start.elapsed());
            return;
        }
        if start.elapsed() >= TIMEOUT {
            panic!(
                "after {TIMEOUT:?}, `{promql}` gives {result} instead of {want}\n\
                 running workers: {} of {} slots; pid files: {:?}\n\
                 Prometheus's `workers` targets: {}\n\
                 pool folder: {}",
                pool.running(),
                pool.ports.len(),
                pool.pids(),
                worker_targets(stack),
                pool.dir.display(),
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Remembers every pid the pool has recorded so far.
fn remember(pool: &WorkerPool, seen: &mut BTreeSet<u32>) {
    seen.extend(pool.pids().into_iter().map(|(_, pid)| pid));
}

#[test]
fn prometheus_sees_the_pool_scale_and_share_the_demand() {
    let pool = WorkerPool::new(4);
    let mut seen = BTreeSet::new();
    pool.scale(2);
    assert_eq!(pool.running(), 2, "after scale(2): {:?}", pool.pids());
    remember(&pool, &mut seen);

    let stack = Stack::start(
        StackOptions::default()
            .without_default_rules()
            .scrape(&pool.scrape_config("workers")),
    );
    let count = r#"count(up{job="workers"} == 1)"#;
    let avg = r#"avg(worker_load{job="workers"})"#;

    wait_for(&stack, &pool, count, 2.0);
    wait_for(&stack, &pool, avg, 0.0);

    pool.set_demand(200.0);
    wait_for(&stack, &pool, avg, 100.0);

    pool.scale(4);
    assert_eq!(pool.running(), 4, "after scale(4): {:?}", pool.pids());
    remember(&pool, &mut seen);
    wait_for(&stack, &pool, count, 4.0);
    wait_for(&stack, &pool, avg, 50.0);

    pool.scale(1);
    assert_eq!(pool.running(), 1, "after scale(1): {:?}", pool.pids());
    wait_for(&stack, &pool, count, 1.0);
    wait_for(&stack, &pool, avg, 200.0);
    assert_eq!(pool.running(), 1, "running() after scale(1)");
    assert_eq!(seen.len(), 4, "pids recorded across the scales: {seen:?}");

    drop(stack);
    let dir = pool.dir.clone();
    drop(pool);
    let alive: Vec<u32> = seen.iter().copied().filter(|&pid| is_alive(pid)).collect();
    assert!(
        alive.is_empty(),
        "workers still running after the pool was dropped: {alive:?} (of {seen:?})"
    );
    assert!(
        !dir.exists(),
        "the pool's folder was not removed: {}",
        dir.display()
    );
}

/// Runs the pool's executor template with `replicas` in place of
/// `{replicas}`.
fn run_executor(pool: &WorkerPool, replicas: &str) -> Output {
    let argv: Vec<String> = pool
        .executor()
        .into_iter()
        .map(|a| a.replace("{replicas}", replicas))
        .collect();
    Command::new(&argv[0])
        .args(&argv[1..])
        .output()
        .unwrap_or_else(|e| panic!("run {argv:?}: {e}"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `/proc/PID/stat`'s session id.
fn session_of(pid: u32) -> u32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    let (_, rest) = stat.rsplit_once(") ").expect("a stat line");
    // state ppid pgrp session
    rest.split(' ')
        .nth(3)
        .and_then(|s| s.parse().ok())
        .expect("the session field")
}

#[test]
fn executor_checks_its_argument_is_idempotent_and_detaches_the_workers() {
    let pool = WorkerPool::new(3);
    let template = pool.executor();
    assert_eq!(template.len(), 4, "{template:?}");
    assert_eq!(template[0], "bash");
    assert!(
        std::path::Path::new(&template[1]).is_absolute(),
        "{template:?}"
    );
    assert_eq!(template[3], "{replicas}");

    for bad in ["abc", "-1", "1.5", "", "4", "99999999999999999999"] {
        let output = run_executor(&pool, bad);
        assert_eq!(
            output.status.code(),
            Some(2),
            "executor with {bad:?}: {output:?}"
        );
        assert!(!output.stderr.is_empty(), "no message for {bad:?}");
        assert_eq!(pool.running(), 0, "started a worker for {bad:?}");
    }

    let output = run_executor(&pool, "2");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout(&output), "scaled to 2 (started 2, stopped 0)");
    let output = run_executor(&pool, "2");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout(&output), "scaled to 2 (started 0, stopped 0)");
    assert_eq!(pool.running(), 2);

    // Each worker leads a session of its own, so killing the executor's
    // process group (or session) leaves it running.
    let own = session_of(std::process::id());
    for (port, pid) in pool.pids() {
        assert_eq!(
            session_of(pid),
            pid,
            "worker on {port} is not a session leader"
        );
        assert_ne!(session_of(pid), own);
    }

    // The workers answer /metrics in the text format, and 404 elsewhere.
    let port = pool.ports[0];
    let (status, body) = http_get(&format!("http://127.0.0.1:{port}/metrics"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("# HELP worker_load "), "{body}");
    assert!(body.contains("# TYPE worker_load gauge\n"), "{body}");
    assert!(body.contains("\nworker_load 0.0\n"), "{body}");
    pool.set_demand(3.0);
    let (_, body) = http_get(&format!("http://127.0.0.1:{port}/metrics"));
    assert!(
        body.contains("\nworker_load 1.5\n"),
        "demand 3 over 2: {body}"
    );
    let (status, _) = http_get(&format!("http://127.0.0.1:{port}/nope"));
    assert_eq!(status, 404);

    // Scaling down stops them and removes their pid files.
    let pids: Vec<u32> = pool.pids().into_iter().map(|(_, pid)| pid).collect();
    let output = run_executor(&pool, "0");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout(&output), "scaled to 0 (started 0, stopped 2)");
    assert_eq!(pool.running(), 0);
    assert!(pool.pids().is_empty(), "{:?}", pool.pids());
    assert!(pids.iter().all(|&pid| !is_alive(pid)), "{pids:?}");

    // A worker exits promptly on SIGTERM.
    pool.scale(1);
    let (_, pid) = pool.pids()[0];
    kill(Pid::from_raw(pid as i32), Signal::SIGTERM).expect("SIGTERM the worker");
    let start = Instant::now();
    while is_alive(pid) && start.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!is_alive(pid), "worker {pid} still runs 1 s after SIGTERM");
    // Its slot is empty again, so the same count starts it anew.
    let output = run_executor(&pool, "1");
    assert_eq!(stdout(&output), "scaled to 1 (started 1, stopped 0)");
    assert_eq!(pool.running(), 1);
}
