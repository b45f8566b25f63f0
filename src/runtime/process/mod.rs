//! Supervised child processes (tasks, runbook steps, executors).
//!
//! A command is an argv run without a shell, in its own process group, with
//! stdin null and both output pipes drained at once into a bounded tail. On
//! timeout or cancel the whole group gets SIGTERM, then SIGKILL after a grace;
//! whatever the leader leaves behind in its group gets the same when it exits,
//! so nothing a run started (and did not move out of the group) outlives it.

mod abandoned;
mod lifeline;
mod tail;
pub use abandoned::stop_abandoned_group;

pub use tail::OutputTail;

use crate::engine::tasks::Exit;
use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::collections::BTreeMap;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How much of a run's combined output is kept (the engine's figure: the pane
/// keeps as much of a live run).
pub use crate::engine::tasks::OUTPUT_TAIL_BYTES as TAIL_BYTES;
/// Time between SIGTERM and SIGKILL when a command does not say.
pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(5);

/// How often a group being stopped is checked (and its orphans reaped).
const GROUP_POLL: Duration = Duration::from_millis(25);
/// How long output is still read once the group is gone: only a process that
/// left the group can hold the pipes then, and it must not hold up the run.
const DRAIN_CAP: Duration = Duration::from_secs(1);
/// How long a group may outlive SIGKILL (a process stuck in the kernel, an
/// orphan nobody reaps) before the run ends anyway.
const KILL_WAIT: Duration = Duration::from_secs(2);
const READ_CHUNK: usize = 8 * 1024;

/// A command to run: never through a shell.
#[derive(Debug, Clone)]
pub struct Command {
    /// The program (looked up in PATH like `execvp`) and its arguments.
    pub argv: Vec<String>,
    /// Set on top of the inherited environment.
    pub env: BTreeMap<String, String>,
    /// Inherited variables the child must not see (opsdeck's own secrets).
    pub env_remove: Vec<String>,
    pub workdir: Option<PathBuf>,
    pub timeout: Duration,
    /// Time between SIGTERM and SIGKILL to the group.
    pub kill_grace: Duration,
    /// Told the child's pid (its process group) once it is started.
    pub started: Option<tokio::sync::mpsc::UnboundedSender<u32>>,
}

impl Command {
    /// A command with no extra environment, the current directory and the
    /// default kill grace.
    pub fn new<S: Into<String>>(argv: impl IntoIterator<Item = S>, timeout: Duration) -> Self {
        Self {
            argv: argv.into_iter().map(Into::into).collect(),
            env: BTreeMap::new(),
            env_remove: Vec::new(),
            workdir: None,
            timeout,
            kill_grace: DEFAULT_KILL_GRACE,
            started: None,
        }
    }
}

/// Which pipe a chunk of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How a run ended and what it wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub exit: Exit,
    /// The tail of stdout and stderr in arrival order, lossy UTF-8 (so up to
    /// 3 × [`TAIL_BYTES`] bytes if the output was not UTF-8); after truncation
    /// it starts at a char boundary, at a line start when one is near.
    pub output: String,
    /// Output bytes not in `output`.
    pub dropped_bytes: u64,
    pub duration: Duration,
    /// The leader's pid, which is also the group id; None if it never started.
    pub pid: Option<u32>,
}

impl Outcome {
    fn not_started(why: String, start: Instant) -> Self {
        Self {
            exit: Exit::SpawnFailed(why),
            output: String::new(),
            dropped_bytes: 0,
            duration: start.elapsed(),
            pid: None,
        }
    }
}

/// Where a run is.
enum Phase {
    /// The leader runs; timeout and cancel are armed.
    Running,
    /// The group got SIGTERM at `since` (and SIGKILL at `killed`).
    Stopping {
        since: Instant,
        killed: Option<Instant>,
    },
    /// The group is gone (or given up on): reading what is left in the pipes.
    Draining,
}

/// `argv` with a timeout and opsdeck's secrets out of its environment,
/// output kept, nobody to cancel it or follow its lines: a probe, a count,
/// an executor.
pub async fn run_plain(argv: &[String], timeout: Duration, hidden_env: &[String]) -> Outcome {
    let mut command = Command::new(argv.iter().cloned(), timeout);
    command.env_remove = hidden_env.to_vec();
    run(&command, CancellationToken::new(), |_, _| {}).await
}

/// Runs `cmd` to its end, feeding each chunk of output to `on_output` as it
/// arrives. Never panics: failures to start are `Exit::SpawnFailed`.
///
/// Stop a run with `cancel` rather than by dropping this future: dropping it
/// SIGKILLs the group but cannot reap the members that were orphaned.
pub async fn run(
    cmd: &Command,
    cancel: CancellationToken,
    mut on_output: impl FnMut(Stream, &[u8]),
) -> Outcome {
    let start = Instant::now();
    let Some(program) = cmd.argv.first() else {
        return Outcome::not_started("empty command".to_string(), start);
    };
    if cancel.is_cancelled() {
        // Nothing to stop yet: do not start it at all.
        return Outcome {
            exit: Exit::Cancelled,
            ..Outcome::not_started(String::new(), start)
        };
    }
    lifeline::become_subreaper();
    let mut child = match build(cmd, program).spawn() {
        Ok(child) => child,
        Err(e) => {
            let why = spawn_error(program, cmd.workdir.as_deref(), &e);
            tracing::debug!("spawn failed: {why}");
            return Outcome::not_started(why, start);
        }
    };
    // A pid is there until the child is reaped, which has not happened yet.
    let pid = child.id();
    let Some(pgid) = pid.and_then(|p| i32::try_from(p).ok()).map(Pid::from_raw) else {
        return Outcome::not_started(format!("{program:?}: started without a pid"), start);
    };
    if let (Some(tx), Some(pid)) = (&cmd.started, pid) {
        let _ = tx.send(pid);
    }
    let ended = supervise(&mut child, pgid, cmd, cancel, &mut on_output).await;
    let exit = match (ended.killed_for, ended.status) {
        (Some(exit), _) => exit,
        (None, Some(Ok(status))) => exit_of(status),
        (None, Some(Err(e))) => Exit::SpawnFailed(format!("{program:?}: cannot wait for it: {e}")),
        // Running only ends with a status or a kill.
        (None, None) => Exit::SpawnFailed(format!("{program:?}: lost track of it")),
    };
    let outcome = Outcome {
        exit,
        output: ended.tail.text(),
        dropped_bytes: ended.tail.dropped_bytes(),
        duration: start.elapsed(),
        pid,
    };
    tracing::debug!(
        "{program:?} (pid {pgid}) ended: {:?} after {:?}",
        outcome.exit,
        outcome.duration
    );
    outcome
}

/// The child as `run` starts it: argv without a shell, its own process group,
/// stdin null, output piped.
fn build(cmd: &Command, program: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    for name in &cmd.env_remove {
        command.env_remove(name);
    }
    command
        .args(&cmd.argv[1..])
        .envs(&cmd.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        // Last resort only (it reaches the leader, not the group): see GroupGuard.
        .kill_on_drop(true);
    if let Some(dir) = &cmd.workdir {
        command.current_dir(dir);
    }
    lifeline::die_with_parent(&mut command);
    command
}

/// How a supervised group ended.
struct Ended {
    status: Option<io::Result<ExitStatus>>,
    killed_for: Option<Exit>,
    tail: OutputTail,
}

/// Reads the output, enforces the timeout and the cancel, and stops the whole
/// group (leftovers included) until it is gone and its pipes are drained.
async fn supervise(
    child: &mut tokio::process::Child,
    pgid: Pid,
    cmd: &Command,
    cancel: CancellationToken,
    on_output: &mut impl FnMut(Stream, &[u8]),
) -> Ended {
    let mut guard = GroupGuard(Some(pgid));
    let mut tail = OutputTail::new();
    let (mut stdout, mut stderr) = (child.stdout.take(), child.stderr.take());
    let (mut out_buf, mut err_buf) = (vec![0u8; READ_CHUNK], vec![0u8; READ_CHUNK]);
    let mut status: Option<io::Result<ExitStatus>> = None;
    let mut killed_for: Option<Exit> = None;
    let mut phase = Phase::Running;
    let timeout = tokio::time::sleep(cmd.timeout);
    let cancelled = cancel.cancelled();
    let drain_end = tokio::time::sleep(DRAIN_CAP);
    tokio::pin!(timeout, cancelled, drain_end);
    let mut poll = tokio::time::interval(GROUP_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        if matches!(phase, Phase::Draining) && stdout.is_none() && stderr.is_none() {
            break;
        }
        let running = matches!(phase, Phase::Running);
        let stopping = matches!(phase, Phase::Stopping { .. });
        let draining = matches!(phase, Phase::Draining);
        // Both pipes in one select: a child filling one never blocks on it
        // while the other is being read.
        tokio::select! {
            read = read_some(&mut stdout, &mut out_buf), if stdout.is_some() => {
                take_output(read, &mut stdout, &out_buf, Stream::Stdout, &mut tail, on_output);
            }
            read = read_some(&mut stderr, &mut err_buf), if stderr.is_some() => {
                take_output(read, &mut stderr, &err_buf, Stream::Stderr, &mut tail, on_output);
            }
            st = child.wait(), if status.is_none() && !draining => {
                status = Some(st);
                if running {
                    // The leader is done: what it left in its group goes too.
                    phase = stop_leftovers(pgid, leader_reaped(&status));
                } else {
                    poll.reset_immediately();
                }
            }
            () = &mut timeout, if running => {
                killed_for = Some(Exit::TimedOut);
                phase = terminate(pgid);
            }
            () = &mut cancelled, if running => {
                killed_for = Some(Exit::Cancelled);
                phase = terminate(pgid);
            }
            _ = poll.tick(), if stopping => {
                phase = advance_stop(phase, pgid, leader_reaped(&status), cmd.kill_grace);
            }
            () = &mut drain_end, if draining => break,
        }
        if running && matches!(phase, Phase::Stopping { .. }) {
            // The first check one poll after SIGTERM, not at once.
            poll.reset();
        }
        if !draining && matches!(phase, Phase::Draining) {
            drain_end.as_mut().reset(Instant::now() + DRAIN_CAP);
            // Stopped (SIGKILL at most is all it could do): no more signals.
            guard.disarm();
        }
    }
    Ended {
        status,
        killed_for,
        tail,
    }
}

/// Reads from a pipe, or never completes once it is closed.
async fn read_some<R: AsyncRead + Unpin>(
    pipe: &mut Option<R>,
    buf: &mut [u8],
) -> io::Result<usize> {
    match pipe {
        Some(pipe) => pipe.read(buf).await,
        None => std::future::pending().await,
    }
}

/// Hands a read chunk to the tail and the caller; closes the pipe at its end.
fn take_output<R>(
    read: io::Result<usize>,
    pipe: &mut Option<R>,
    buf: &[u8],
    stream: Stream,
    tail: &mut OutputTail,
    on_output: &mut impl FnMut(Stream, &[u8]),
) {
    match read {
        Ok(0) => *pipe = None,
        Ok(n) => {
            tail.push(&buf[..n]);
            on_output(stream, &buf[..n]);
        }
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
        Err(e) => {
            tracing::debug!("reading {stream:?} failed: {e}");
            *pipe = None;
        }
    }
}

fn leader_reaped(status: &Option<io::Result<ExitStatus>>) -> bool {
    matches!(status, Some(Ok(_)))
}

/// After the leader ended by itself: done if its group went with it, else the
/// group is stopped like on timeout.
fn stop_leftovers(pgid: Pid, reaped: bool) -> Phase {
    if reaped {
        reap_group(pgid);
    }
    if group_gone(pgid) {
        Phase::Draining
    } else {
        tracing::debug!("process group {pgid} outlived its leader: stopping it");
        terminate(pgid)
    }
}

/// SIGTERM to the group, and SIGCONT so stopped members get it too.
fn terminate(pgid: Pid) -> Phase {
    let _ = killpg(pgid, Signal::SIGTERM);
    let _ = killpg(pgid, Signal::SIGCONT);
    Phase::Stopping {
        since: Instant::now(),
        killed: None,
    }
}

/// One step of stopping the group: reap, check, SIGKILL after the grace, give
/// up a while after that.
fn advance_stop(phase: Phase, pgid: Pid, reaped: bool, grace: Duration) -> Phase {
    let Phase::Stopping { since, killed } = phase else {
        return phase;
    };
    // Only once tokio has reaped the leader: earlier, waiting on the group
    // could take the leader's status from under it.
    if reaped {
        reap_group(pgid);
    }
    if group_gone(pgid) {
        return Phase::Draining;
    }
    match killed {
        None if since.elapsed() >= grace => {
            tracing::debug!("process group {pgid} outlived SIGTERM: SIGKILL");
            let _ = killpg(pgid, Signal::SIGKILL);
            Phase::Stopping {
                since,
                killed: Some(Instant::now()),
            }
        }
        Some(at) if at.elapsed() >= KILL_WAIT => {
            tracing::warn!(
                "process group {pgid} still exists {KILL_WAIT:?} after SIGKILL; giving up on it"
            );
            Phase::Draining
        }
        _ => Phase::Stopping { since, killed },
    }
}

/// Reaps the group's members that ended as our children (orphans reparented
/// to this subreaper). Never `waitpid(-1)`: that would take tokio's children.
fn reap_group(pgid: Pid) {
    let group = Pid::from_raw(-pgid.as_raw());
    loop {
        match waitpid(group, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => break,
            Ok(_) | Err(Errno::EINTR) => {}
            // ECHILD: no child of ours left in the group.
            Err(_) => break,
        }
    }
}

/// Whether no process (zombies included) is left in the group.
fn group_gone(pgid: Pid) -> bool {
    killpg(pgid, None) == Err(Errno::ESRCH)
}

fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Code(-1),
    }
}

/// Names the program, and the workdir when that is what is missing (the error
/// from `chdir` in the child does not say).
fn spawn_error(program: &str, workdir: Option<&Path>, e: &io::Error) -> String {
    if let Some(dir) = workdir {
        match std::fs::metadata(dir) {
            Err(de) => return format!("{program:?}: workdir {dir:?}: {de}"),
            Ok(meta) if !meta.is_dir() => {
                return format!("{program:?}: workdir {dir:?} is not a directory");
            }
            Ok(_) => {}
        }
    }
    format!("{program:?}: {e}")
}

/// SIGKILLs the group if the run is dropped before it is over; tokio's
/// `kill_on_drop` reaches only the leader.
struct GroupGuard(Option<Pid>);

impl GroupGuard {
    /// Once the group is gone its id may be reused: never signal it again.
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            let _ = killpg(pgid, Signal::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_is_send_with_a_send_callback() {
        fn assert_send<T: Send>(_: &T) {}
        let cmd = Command::new(["true"], Duration::from_secs(1));
        let fut = run(&cmd, CancellationToken::new(), |_, _| {});
        assert_send(&fut);
    }

    #[test]
    fn exit_from_status() {
        assert_eq!(exit_of(ExitStatus::from_raw(3 << 8)), Exit::Code(3));
        assert_eq!(exit_of(ExitStatus::from_raw(11)), Exit::Signal(11));
    }
}
