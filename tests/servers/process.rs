//! Starting, watching and killing the servers' processes: each runs in its
//! own process group, logs to a file in the stack's folder, and is killed by
//! a watchdog if the test process dies without dropping its stack.

use std::fs;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use super::shared::{READY_TIMEOUT, free_port};
use super::{Stack, alertmanager, node_exporter, prometheus};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    NodeExporter,
    Alertmanager(usize),
    Prometheus,
}

pub(super) struct Server {
    pub(super) role: Role,
    pub(super) name: String,
    pub(super) port: u16,
    /// The Alertmanager's cluster (gossip) port; 0 when not clustered.
    pub(super) cluster_port: u16,
    child: Option<Child>,
    log: PathBuf,
    /// Where this start's output begins in the log.
    log_offset: u64,
}

impl Server {
    pub(super) fn new(role: Role, dir: &Path, clustered: bool) -> Server {
        let name = match role {
            Role::NodeExporter => "node_exporter".to_string(),
            Role::Alertmanager(i) => format!("alertmanager-{i}"),
            Role::Prometheus => "prometheus".to_string(),
        };
        let cluster_port = if clustered && matches!(role, Role::Alertmanager(_)) {
            free_port()
        } else {
            0
        };
        Server {
            role,
            log: dir.join(format!("{name}.log")),
            name,
            port: free_port(),
            cluster_port,
            child: None,
            log_offset: 0,
        }
    }

    /// `--web.listen-address=127.0.0.1:PORT`, the same flag for every server.
    pub(super) fn listen_arg(&self) -> String {
        format!("--web.listen-address=127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`.
    pub(super) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Kills the servers' process groups if the test process dies without
/// dropping the stack (Ctrl-C, SIGKILL, abort): it reads `+pgid`/`-pgid` lines
/// and, at end of input, kills the groups still listed.
pub(super) struct Watchdog {
    child: Child,
    stdin: Option<ChildStdin>,
}

const WATCHDOG_SCRIPT: &str = r#"pgs=" "
while IFS= read -r line; do
  case $line in
    +*) pgs="$pgs${line#+} " ;;
    -*) pgs=${pgs/ ${line#-} / } ;;
  esac
done
for pg in $pgs; do kill -s KILL -- "-$pg" 2>/dev/null; done
"#;

impl Watchdog {
    pub(super) fn start() -> Watchdog {
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start the watchdog (bash)");
        let stdin = child.stdin.take();
        Watchdog { child, stdin }
    }

    fn send(&mut self, line: String) {
        if let Some(stdin) = &mut self.stdin {
            let _ = stdin.write_all(line.as_bytes());
            let _ = stdin.flush();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.wait();
    }
}

impl Stack {
    pub(super) fn index(&self, role: Role) -> usize {
        self.servers
            .iter()
            .position(|s| s.role == role)
            .unwrap_or_else(|| panic!("no {role:?} in this stack"))
    }

    pub(super) fn update_urls(&mut self) {
        self.alertmanagers.clear();
        for server in &self.servers {
            match server.role {
                Role::NodeExporter => self.node_exporter = server.url(),
                Role::Alertmanager(_) => self.alertmanagers.push(server.url()),
                Role::Prometheus => self.prometheus = server.url(),
            }
        }
    }

    fn command(&self, index: usize) -> Command {
        let server = &self.servers[index];
        match server.role {
            Role::NodeExporter => node_exporter::command(self, server),
            Role::Alertmanager(_) => alertmanager::command(self, server),
            Role::Prometheus => prometheus::command(self, server),
        }
    }

    pub(super) fn spawn(&mut self, index: usize) {
        if self.servers[index].role == Role::Prometheus {
            prometheus::write_config(self);
        }
        let mut cmd = self.command(index);
        let server = &mut self.servers[index];
        let mut log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&server.log)
            .expect("open the server's log");
        server.log_offset = log.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = writeln!(log, "=== {cmd:?}");
        cmd.current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log file"))
            .stderr(log)
            .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", server.name));
        self.watchdog.send(format!("+{}\n", child.id()));
        server.child = Some(child);
    }

    pub(super) fn kill(&mut self, index: usize) {
        let server = &mut self.servers[index];
        if let Some(mut child) = server.child.take() {
            let pid = Pid::from_raw(child.id() as i32);
            if killpg(pid, Signal::SIGKILL).is_err() {
                let _ = kill(pid, Signal::SIGKILL);
            }
            let _ = child.wait();
            self.watchdog.send(format!("-{pid}\n"));
        }
    }

    /// Sends `signal` to a running server (SIGSTOP freezes it: its port still
    /// accepts connections that are never answered, as a hung server's does).
    pub(super) fn signal(&mut self, index: usize, signal: Signal) {
        let server = &self.servers[index];
        let child = server.child.as_ref().expect("server was started");
        kill(Pid::from_raw(child.id() as i32), signal)
            .unwrap_or_else(|e| panic!("{signal} to {}: {e}", server.name));
    }

    /// Starts a stopped server again on the same ports; retries a few times
    /// while the port is still taken.
    pub(super) fn restart(&mut self, index: usize) {
        self.kill(index);
        for _ in 0..10 {
            self.spawn(index);
            if self.wait_ready(index) {
                return;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        panic!(
            "{}: its port stayed in use\n{}",
            self.servers[index].name,
            self.tail(index)
        );
    }

    /// Waits until the server is ready; when it could not bind its port,
    /// starts it again on new ports and returns true (the URLs changed).
    pub(super) fn ready_or_move(&mut self, index: usize) -> bool {
        let mut moved = false;
        for _ in 0..5 {
            if self.wait_ready(index) {
                return moved;
            }
            let server = &mut self.servers[index];
            server.port = free_port();
            if server.cluster_port != 0 {
                server.cluster_port = free_port();
            }
            self.update_urls();
            self.spawn(index);
            moved = true;
        }
        panic!(
            "{}: no free port after 5 tries\n{}",
            self.servers[index].name,
            self.tail(index)
        );
    }

    /// True once the server answers its readiness check as this stack's;
    /// false when it exited because its port was taken; panics otherwise.
    fn wait_ready(&mut self, index: usize) -> bool {
        let start = Instant::now();
        loop {
            if self.is_ready(index) {
                return true;
            }
            let server = &mut self.servers[index];
            let child = server.child.as_mut().expect("server was started");
            if let Ok(Some(status)) = child.try_wait() {
                let pid = child.id();
                server.child = None;
                self.watchdog.send(format!("-{pid}\n"));
                if self
                    .this_start_log(index)
                    .contains("address already in use")
                {
                    return false;
                }
                panic!(
                    "{} exited ({status}) before it was ready\n{}",
                    self.servers[index].name,
                    self.tail(index)
                );
            }
            if start.elapsed() > READY_TIMEOUT {
                panic!(
                    "{} not ready after {READY_TIMEOUT:?}\n{}",
                    self.servers[index].name,
                    self.tail(index)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ready, and really this stack's server (not another one that took
    /// the port): each server's module says how it shows the stack's token.
    fn is_ready(&self, index: usize) -> bool {
        let server = &self.servers[index];
        let base = server.url();
        match server.role {
            Role::NodeExporter => node_exporter::is_ready(self, &base),
            Role::Alertmanager(_) => alertmanager::is_ready(self, &base),
            Role::Prometheus => prometheus::is_ready(self, &base),
        }
    }

    fn this_start_log(&self, index: usize) -> String {
        let server = &self.servers[index];
        let log = fs::read(&server.log).unwrap_or_default();
        let from = (server.log_offset as usize).min(log.len());
        String::from_utf8_lossy(&log[from..]).into_owned()
    }

    fn tail(&self, index: usize) -> String {
        let log = self.this_start_log(index);
        let lines: Vec<&str> = log.lines().collect();
        let from = lines.len().saturating_sub(40);
        format!(
            "--- last lines of {} ---\n{}",
            self.servers[index].log.display(),
            lines[from..].join("\n")
        )
    }
}
