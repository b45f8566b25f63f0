//! `opsdeck runbook run` and the processes of its steps: a step's timeout,
//! a signal to opsdeck, and opsdeck killed in the middle of a run all leave
//! no process behind and no run shown as running.

use super::Home;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_step_timeout_kills_the_whole_group_and_fails_the_run() {
    let home = Home::new(
        "timeout",
        r#"
[[runbook]]
id = "stuck"
timeout = "30s"
retries = 1

[[runbook.step]]
name = "Hang"
command = ["sh", "-c", "sleep 3071 & sleep 3071 & wait"]
timeout = "1s"
"#,
    );
    let began = Instant::now();
    let (code, _, err) = home.run(&["runbook", "run", "stuck"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        began.elapsed() < Duration::from_secs(15),
        "{:?}",
        began.elapsed()
    );
    assert!(
        err.contains("timed out after 1s; process group killed"),
        "{err}"
    );
    assert!(
        err.contains("run attempt 2"),
        "the whole run was tried again: {err}"
    );
    let left = Command::new("pgrep")
        .args(["-f", "sleep 3071"])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "no grandchild left: {:?}",
        String::from_utf8_lossy(&left.stdout)
    );
    assert_eq!(home.last_run("stuck")["state"], "failed");
}

#[test]
fn sigterm_aborts_the_run_and_stops_its_processes() {
    let home = Home::new(
        "abort",
        r#"
[[runbook]]
id = "slow"

[[runbook.step]]
name = "Wait"
command = ["sh", "-c", "touch {home}/started; sleep 3072 & wait"]
timeout = "1m"

[[runbook.step]]
name = "Never"
command = ["touch", "{home}/never"]
"#,
    );
    let mut child = started(&home, "slow");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!home.path("never").exists());
    let left = Command::new("pgrep")
        .args(["-f", "sleep 3072"])
        .output()
        .unwrap();
    assert!(left.stdout.is_empty(), "the step's group was stopped");
    let last = home.last_run("slow");
    assert_eq!(last["state"], "aborted");
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("step 1 (Wait) aborted"),
        "{last}"
    );
}

#[test]
fn a_run_whose_opsdeck_was_killed_is_closed_as_failed_and_its_processes_stopped() {
    let home = Home::new(
        "killed",
        r#"
[[runbook]]
id = "slow"

[[runbook.step]]
name = "Wait"
command = ["sh", "-c", "touch {home}/started; sleep 3073"]
timeout = "1m"

[[runbook]]
id = "quick"

[[runbook.step]]
name = "Nothing"
command = ["true"]
"#,
    );
    let mut child = started(&home, "slow");
    super::state_db::wait_for_step_pgid(&home.path("state"));
    child.kill().unwrap();
    child.wait().unwrap();
    let sleeping = || {
        let out = Command::new("pgrep")
            .args(["-f", "sleep 3073"])
            .output()
            .unwrap();
        !out.stdout.is_empty()
    };
    assert!(sleeping(), "SIGKILL does not reach the step's own group");
    assert_eq!(
        home.last_run("slow")["state"],
        "running",
        "as the dead opsdeck left it"
    );

    let (code, _, err) = home.run(&["runbook", "run", "quick"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("runbook slow run 1 was abandoned"), "{err}");
    let last = home.last_run("slow");
    assert_eq!(last["state"], "failed");
    let detail = last["detail"].as_str().unwrap();
    assert!(detail.contains("ended during the run;"), "{detail}");
    assert!(
        !detail.contains("; 0 process"),
        "the sh and its sleep: {detail}"
    );
    let began = Instant::now();
    while sleeping() {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "the abandoned step was stopped"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `opsdeck runbook run ID` started, once its first step touched `started`.
fn started(home: &Home, id: &str) -> std::process::Child {
    let child = home
        .command(&["runbook", "run", id])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    super::state_db::wait_for_file(&home.path("started"));
    child
}
