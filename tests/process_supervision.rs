//! The supervised process runner against real processes: timeouts, cancels and
//! leftovers kill the whole process group (zombies included), output is
//! bounded, stdin is null, exits and spawn errors are reported as they were.

use opsdeck::engine::tasks::Exit;
use opsdeck::runtime::process::{Command, Stream, TAIL_BYTES, run};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

fn cmd(argv: &[&str], timeout: Duration, kill_grace: Duration) -> Command {
    let mut cmd = Command::new(argv.iter().copied(), timeout);
    cmd.kill_grace = kill_grace;
    cmd
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Pids (zombies included) whose process group is `pgid`: field 5 of
/// /proc/PID/stat, counted after the `)` closing the command name, which may
/// itself hold spaces and parentheses.
fn group_members(pgid: u32) -> Vec<u32> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // The process may end while we look.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(after_comm) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        // state, ppid, pgrp
        if after_comm.split_whitespace().nth(2) == Some(pgid.to_string().as_str()) {
            members.push(pid);
        }
    }
    members
}

/// Whether a pid is gone entirely (not even a zombie).
fn gone(pid: u32) -> bool {
    !PathBuf::from(format!("/proc/{pid}")).exists()
}

fn assert_group_gone(pgid: u32) {
    let members = group_members(pgid);
    let described: Vec<String> = members
        .iter()
        .map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default())
        .collect();
    assert!(members.is_empty(), "group {pgid} still has {described:?}");
    assert!(gone(pgid), "leader {pgid} still in /proc");
}

async fn run_quiet(cmd: &Command) -> opsdeck::runtime::process::Outcome {
    run(cmd, CancellationToken::new(), |_, _| {}).await
}

#[tokio::test]
async fn timeout_kills_the_whole_group() {
    let c = cmd(
        &["sh", "-c", "sleep 300 & sleep 300 & wait"],
        secs(1.0),
        secs(1.0),
    );
    let started = Instant::now();
    let out = run_quiet(&c).await;
    assert_eq!(out.exit, Exit::TimedOut);
    assert!(
        started.elapsed() < secs(3.0),
        "took {:?}",
        started.elapsed()
    );
    assert!(out.duration >= secs(1.0));
    assert_group_gone(out.pid.expect("it started"));
}

#[tokio::test]
async fn cancel_kills_the_whole_group() {
    let c = cmd(
        &["sh", "-c", "sleep 300 & sleep 300 & wait"],
        secs(60.0),
        secs(1.0),
    );
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(secs(0.3)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let out = run(&c, cancel, |_, _| {}).await;
    assert_eq!(out.exit, Exit::Cancelled);
    assert!(
        started.elapsed() < secs(2.0),
        "took {:?}",
        started.elapsed()
    );
    assert_group_gone(out.pid.expect("it started"));
}

#[tokio::test]
async fn cancelled_before_start_never_starts() {
    let c = cmd(&["sleep", "300"], secs(60.0), secs(1.0));
    let cancel = CancellationToken::new();
    cancel.cancel();
    let out = run(&c, cancel, |_, _| {}).await;
    assert_eq!(out.exit, Exit::Cancelled);
    assert_eq!(out.pid, None, "started although cancelled");
}

#[tokio::test]
async fn sigterm_ignored_gets_sigkill_after_the_grace() {
    // `sleep` inherits the ignored SIGTERM (SIG_IGN survives exec).
    let c = cmd(
        &["sh", "-c", "trap '' TERM; sleep 300 & sleep 300; wait"],
        secs(1.0),
        secs(0.5),
    );
    let started = Instant::now();
    let out = run_quiet(&c).await;
    let took = started.elapsed();
    assert_eq!(out.exit, Exit::TimedOut);
    assert!(took >= secs(1.5), "SIGKILL before the grace: {took:?}");
    assert!(took < secs(3.0), "took {took:?}");
    assert_group_gone(out.pid.expect("it started"));
}

#[tokio::test]
async fn output_beyond_the_tail_keeps_the_end_from_a_line_start() {
    let c = cmd(&["sh", "-c", "seq 1 200000"], secs(30.0), secs(1.0));
    let out = run_quiet(&c).await;
    assert_eq!(out.exit, Exit::Code(0));
    assert!(out.output.ends_with("200000\n"));
    assert!(out.output.len() <= TAIL_BYTES);
    assert!(out.dropped_bytes > 0);
    let all: String = (1..=200_000).map(|n| format!("{n}\n")).collect();
    assert_eq!(
        out.dropped_bytes + out.output.len() as u64,
        all.len() as u64
    );
    // Starts at a line start: the text is exactly the last lines of the output.
    let first: u32 = out.output.lines().next().unwrap().parse().unwrap();
    let expected: String = (first..=200_000).map(|n| format!("{n}\n")).collect();
    assert_eq!(out.output, expected);
}

#[tokio::test]
async fn stdin_is_null() {
    let started = Instant::now();
    let out = run_quiet(&cmd(&["cat"], secs(10.0), secs(1.0))).await;
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(out.output, "");
    assert!(started.elapsed() < secs(2.0), "cat waited for input");

    let c = cmd(
        &["sh", "-c", "read x; echo \"got:$?\""],
        secs(10.0),
        secs(1.0),
    );
    let out = run_quiet(&c).await;
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(out.output, "got:1\n");
    assert!(started.elapsed() < secs(2.0), "read waited for input");
}

#[tokio::test]
async fn exit_codes_and_signals() {
    let out = run_quiet(&cmd(&["sh", "-c", "exit 3"], secs(10.0), secs(1.0))).await;
    assert_eq!(out.exit, Exit::Code(3));
    assert!(out.pid.is_some());

    let out = run_quiet(&cmd(&["sh", "-c", "kill -SEGV $$"], secs(10.0), secs(1.0))).await;
    assert_eq!(out.exit, Exit::Signal(11));
}

#[tokio::test]
async fn spawn_failures_name_the_program() {
    let out = run_quiet(&cmd(&["opsdeck-no-such-cmd"], secs(10.0), secs(1.0))).await;
    let Exit::SpawnFailed(why) = &out.exit else {
        panic!("{:?}", out.exit)
    };
    assert!(why.contains("\"opsdeck-no-such-cmd\""), "{why}");
    assert!(why.contains("No such file"), "{why}");
    assert_eq!(out.pid, None);

    let out = run_quiet(&cmd(&[], secs(10.0), secs(1.0))).await;
    assert_eq!(out.exit, Exit::SpawnFailed("empty command".into()));

    // Not executable.
    let out = run_quiet(&cmd(&["/etc/passwd"], secs(10.0), secs(1.0))).await;
    let Exit::SpawnFailed(why) = &out.exit else {
        panic!("{:?}", out.exit)
    };
    assert!(why.contains("\"/etc/passwd\""), "{why}");
    assert!(why.contains("Permission denied"), "{why}");

    let mut c = cmd(&["pwd"], secs(10.0), secs(1.0));
    c.workdir = Some("/opsdeck/no/such/dir".into());
    let out = run_quiet(&c).await;
    let Exit::SpawnFailed(why) = &out.exit else {
        panic!("{:?}", out.exit)
    };
    assert!(why.contains("\"pwd\""), "{why}");
    assert!(why.contains("/opsdeck/no/such/dir"), "{why}");
}

#[tokio::test]
async fn env_and_workdir() {
    let mut c = cmd(&["sh", "-c", "echo \"$FOO\""], secs(10.0), secs(1.0));
    c.env.insert("FOO".into(), "bar $(x) ; baz".into());
    let out = run_quiet(&c).await;
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(out.output, "bar $(x) ; baz\n");

    // The parent's environment is inherited.
    let c = cmd(&["sh", "-c", "echo \"$PATH\""], secs(10.0), secs(1.0));
    let out = run_quiet(&c).await;
    assert_eq!(out.output.trim_end(), std::env::var("PATH").unwrap());

    let dir = std::env::temp_dir().canonicalize().unwrap();
    let mut c = cmd(&["pwd"], secs(10.0), secs(1.0));
    c.workdir = Some(dir.clone());
    let out = run_quiet(&c).await;
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(out.output, format!("{}\n", dir.display()));
}

/// A leader that exits at once, leaving `script`'s background sleep in its
/// group: the run ends promptly (not waiting for the EOF the sleep holds back)
/// and the sleep is gone.
async fn assert_leftovers_stopped(script: &str, kill_grace: Duration) {
    let c = cmd(&["sh", "-c", script], secs(60.0), kill_grace);
    let started = Instant::now();
    let out = run_quiet(&c).await;
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(out.output, "started\n");
    assert!(
        started.elapsed() < secs(3.0),
        "took {:?}",
        started.elapsed()
    );
    assert_group_gone(out.pid.expect("it started"));
}

#[tokio::test]
async fn leftovers_of_a_finished_leader_are_killed() {
    assert_leftovers_stopped("sleep 300 & echo started", secs(1.0)).await;
}

#[tokio::test]
async fn leftovers_ignoring_sigterm_get_sigkill() {
    assert_leftovers_stopped("trap '' TERM; sleep 300 & echo started", secs(0.5)).await;
}

#[tokio::test]
async fn both_streams_reach_the_tail_and_the_callback() {
    let c = cmd(
        &["sh", "-c", "echo out; echo err >&2; echo out2"],
        secs(10.0),
        secs(1.0),
    );
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let out = run(&c, CancellationToken::new(), |stream, chunk| match stream {
        Stream::Stdout => stdout.extend_from_slice(chunk),
        Stream::Stderr => stderr.extend_from_slice(chunk),
    })
    .await;
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(stdout, b"out\nout2\n");
    assert_eq!(stderr, b"err\n");
    let mut lines: Vec<&str> = out.output.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["err", "out", "out2"]);
    assert_eq!(out.dropped_bytes, 0);
}

#[tokio::test]
async fn a_full_stderr_never_blocks_stdout() {
    // Far more than a pipe buffer on stderr before a word on stdout.
    let c = cmd(
        &["sh", "-c", "head -c 2000000 /dev/zero >&2; echo done"],
        secs(10.0),
        secs(1.0),
    );
    let mut err_bytes = 0usize;
    let mut stdout = Vec::new();
    let started = Instant::now();
    let out = run(&c, CancellationToken::new(), |stream, chunk| match stream {
        Stream::Stderr => err_bytes += chunk.len(),
        Stream::Stdout => stdout.extend_from_slice(chunk),
    })
    .await;
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(err_bytes, 2_000_000);
    // Not necessarily last in the tail: what stderr still buffered when
    // "done" was written may be read after it.
    assert_eq!(stdout, b"done\n");
    assert!(out.output.len() <= TAIL_BYTES);
    assert!(started.elapsed() < secs(5.0));
}

#[tokio::test]
async fn endless_output_is_bounded_and_timed_out() {
    let c = cmd(&["yes"], secs(0.5), secs(1.0));
    let out = run_quiet(&c).await;
    assert_eq!(out.exit, Exit::TimedOut);
    assert!(out.output.len() <= TAIL_BYTES);
    assert!(out.output.ends_with("y\n"));
    assert!(out.output.lines().all(|l| l == "y"));
    assert!(out.dropped_bytes > 0);
    assert_group_gone(out.pid.expect("it started"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_on_a_multi_thread_runtime() {
    let c = cmd(
        &["sh", "-c", "sleep 300 & echo hi; sleep 300"],
        secs(0.5),
        secs(1.0),
    );
    let out = run_quiet(&c).await;
    assert_eq!(out.exit, Exit::TimedOut);
    assert_eq!(out.output, "hi\n");
    assert_group_gone(out.pid.expect("it started"));
}

#[test]
fn works_in_a_local_set_like_the_app() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio::task::LocalSet::new().block_on(&rt, async {
        // A callback that is not Send, as a local task may hold.
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let sink = seen.clone();
        let c = cmd(&["sh", "-c", "echo local"], secs(10.0), secs(1.0));
        let out = tokio::task::spawn_local(async move {
            run(&c, CancellationToken::new(), move |_, chunk| {
                sink.borrow_mut().extend_from_slice(chunk)
            })
            .await
        })
        .await
        .unwrap();
        assert_eq!(out.exit, Exit::Code(0));
        assert_eq!(&*seen.borrow(), b"local\n");
    });
}

#[tokio::test]
async fn dropping_the_run_still_kills_the_group() {
    // `sleep 301`: no other test starts one, so they are this run's.
    let c = cmd(
        &["sh", "-c", "sleep 301 & sleep 301 & wait"],
        secs(60.0),
        secs(1.0),
    );
    let run = run(&c, CancellationToken::new(), |_, _| {});
    // Dropped mid-run, as a caller giving up on it would.
    let _ = tokio::time::timeout(secs(0.3), run).await;
    let mut alive = Vec::new();
    for _ in 0..40 {
        tokio::time::sleep(secs(0.05)).await;
        alive = live_processes_with_cmdline(b"sleep\x00301\x00");
        if alive.is_empty() {
            break;
        }
    }
    // Zombies may stay: nobody waits for a dropped run's orphans.
    assert!(alive.is_empty(), "a dropped run left {alive:?} running");
}

/// Pids not yet dead (zombies excluded) running exactly this command line.
fn live_processes_with_cmdline(cmdline: &[u8]) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().next());
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == cmdline)
                && state.is_some_and(|s| s != "Z")
        })
        .collect()
}
