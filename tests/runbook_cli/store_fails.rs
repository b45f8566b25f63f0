//! The state database stops taking writes in the middle of a run (another
//! process holds its write lock past the busy timeout): the run stops there,
//! nothing more runs unrecorded, the operator is told why, and the run does
//! not stay `running` once the lock is gone.

use super::Home;

#[test]
fn a_step_whose_end_cannot_be_recorded_stops_the_run_before_the_next_step() {
    let home = Home::new(
        "store-fails",
        r#"
[[runbook]]
id = "two"
timeout = "1m"

[[runbook.step]]
name = "Wait"
command = ["sh", "-c", "touch {home}/started; while [ ! -e {home}/gate ]; do sleep 0.1; done"]

[[runbook.step]]
name = "Next"
command = ["touch", "{home}/second"]

[[runbook]]
id = "noop"

[[runbook.step]]
name = "Nothing"
command = ["true"]
"#,
    );
    let mut cli = home.command(&["runbook", "run", "two"]);
    let child = cli
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    super::state_db::wait_for_file(&home.path("started"));
    // Another process takes the database's write lock and keeps it.
    let db = home.path("state/opsdeck/opsdeck.db");
    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    std::fs::write(home.path("gate"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "failed: {err}");
    assert!(
        err.contains("runbook two failed")
            && err.contains("stopped: its step's end could not be recorded"),
        "{err}"
    );
    // A held lock is told as such, not as a broken file to move aside.
    assert!(
        err.contains("is busy: another process held its write lock"),
        "{err}"
    );
    assert!(!err.contains("move the file aside"), "{err}");
    assert!(
        err.contains("the next opsdeck on this host closes it as failed"),
        "{err}"
    );
    assert!(
        !home.path("second").exists(),
        "no step runs after one whose end could not be recorded"
    );
    locker.execute_batch("ROLLBACK").unwrap();
    drop(locker);
    // The next opsdeck on the host (here a dry run of another runbook)
    // closes the run its dead process left `running`.
    let (code, _, err) = home.run(&["runbook", "run", "noop", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("runbook two run 1 was abandoned"), "{err}");
    let last = home.last_run("two");
    assert_eq!(last["state"], "failed", "{last}");
    let detail = last["detail"].as_str().unwrap();
    assert!(detail.contains("abandoned"), "{last}");
}
