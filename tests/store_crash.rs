//! The state database under real processes: two child processes writing at once,
//! and a child killed with SIGKILL in the middle of a stream of writes.
//!
//! A custom harness (`harness = false`): the same binary runs as the parent test and,
//! with OPSDECK_STORE_CHILD set, as a writer child.

use opsdeck::store::{NewAudit, Store};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "OPSDECK_STORE_CHILD";

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    let tests: [(&str, fn()); 2] = [
        (
            "two_processes_write_at_once_and_lose_nothing",
            two_processes_write_at_once_and_lose_nothing,
        ),
        (
            "sigkill_mid_stream_loses_nothing_reported_committed",
            sigkill_mid_stream_loses_nothing_reported_committed,
        ),
    ];
    let mut failed = 0;
    for (name, test) in tests {
        match std::panic::catch_unwind(test) {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    println!(
        "\ntest result: {}. {} passed; {failed} failed",
        if failed == 0 { "ok" } else { "FAILED" },
        tests.len() - failed
    );
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

/// Writer child: "DB|TAG|COUNT" (COUNT 0 = until killed). Prints each record's id
/// after it is committed.
fn child(spec: &str) {
    let mut parts = spec.split('|');
    let (db, tag, count) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let count: u64 = count.parse().unwrap();
    let store = Store::open(Path::new(db)).expect("child opens store");
    let mut out = std::io::stdout().lock();
    let mut i = 0u64;
    while count == 0 || i < count {
        let record = NewAudit::event(chrono::Utc::now(), "test@host", "test.write", "ok")
            .with_target(tag)
            .with_params(serde_json::json!({ "n": i }));
        let id = store.append_audit(&record).expect("append");
        writeln!(out, "{id}").unwrap();
        out.flush().unwrap();
        i += 1;
    }
}

fn spawn_writer(db: &Path, tag: &str, count: u64) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, format!("{}|{tag}|{count}", db.display()))
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn writer child")
}

fn temp_db(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("opsdeck-store-crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("opsdeck.db")
}

fn stored_ids(db: &Path, tag: &str) -> HashSet<i64> {
    let store = Store::open(db).expect("reopens cleanly");
    store
        .audit_since(chrono::DateTime::<chrono::Utc>::MIN_UTC)
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.target == tag)
        .map(|r| r.id)
        .collect()
}

fn two_processes_write_at_once_and_lose_nothing() {
    let db = temp_db("concurrent");
    Store::open(&db).unwrap();
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|tag| (tag, spawn_writer(&db, tag, 300)))
        .collect();
    for (tag, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "writer {tag} failed");
        let reported: HashSet<i64> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        assert_eq!(reported.len(), 300, "writer {tag} reported every commit");
        assert_eq!(
            stored_ids(&db, tag),
            reported,
            "every record of {tag} is stored"
        );
    }
}

fn sigkill_mid_stream_loses_nothing_reported_committed() {
    let db = temp_db("sigkill");
    Store::open(&db).unwrap();
    let mut child = spawn_writer(&db, "k", 0);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut reported = HashSet::new();
    let start = Instant::now();
    while reported.len() < 500 {
        let line = lines.next().expect("child still writing").unwrap();
        reported.insert(line.parse::<i64>().unwrap());
        assert!(start.elapsed() < Duration::from_secs(60), "writer too slow");
    }
    // SIGKILL while it keeps writing.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // Lines it printed before dying were committed too.
    for line in lines.map_while(Result::ok) {
        reported.insert(line.parse().unwrap());
    }
    let _ = child.wait();
    let stored = stored_ids(&db, "k");
    let missing: Vec<_> = reported.difference(&stored).collect();
    assert!(
        missing.is_empty(),
        "reported committed but missing after SIGKILL: {missing:?}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}
