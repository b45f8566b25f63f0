//! A pool of real worker processes on 127.0.0.1 for autoscaling tests: a real
//! Prometheus scrapes them, and `executor.sh` (the executor opsdeck runs)
//! sets how many run.
//!
//! Include it from a test file in `tests/` with
//!
//! ```ignore
//! #[path = "scaling/mod.rs"]
//! mod scaling_pool;
//! use scaling_pool::WorkerPool;
//! ```
//!
//! (the `path` keeps its name apart from `opsdeck::engine::scaling`; from a
//! folder test, `#[path = "../scaling/mod.rs"]`). It needs `bash`, `setsid`,
//! `python3`, the `nix` crate and the `servers` harness's `free_port` (the
//! including test declares `mod servers;`, as it needs it for Prometheus:
//! `StackOptions::default().scrape(&pool.scrape_config("workers"))`).
//!
//! The pool's folder (`WorkerPool::dir`) holds:
//! - `ports`: one port per line, the pool's slots in order;
//! - `demand`: a float, the total demand ([`WorkerPool::set_demand`]);
//! - `replicas`: the count `executor.sh` last scaled to;
//! - `worker-PORT.pid` and `worker-PORT.log` for each started worker;
//! - `owner`: this test process's pid; a worker exits by itself within a
//!   second once that process is gone or the folder is removed.
//!
//! Each worker (`worker.py PORT DIR`) serves `GET /metrics` with one gauge,
//! `worker_load` = demand / max(1, replicas). `executor.sh DIR N` makes
//! exactly the first N slots run a worker; see the scripts' headers.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::servers::free_port;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The pool's slots and folder; dropping it kills every worker it started.
pub struct WorkerPool {
    /// The pool's folder, an absolute path in the temporary folder.
    pub dir: PathBuf,
    /// Each slot's port, in order: `executor.sh DIR N` runs the first N.
    pub ports: Vec<u16>,
}

static POOLS: AtomicU32 = AtomicU32::new(0);

/// This folder: `tests/scaling` in the crate.
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scaling")
}

/// `tests/scaling/executor.sh`, absolute.
pub fn executor_script() -> PathBuf {
    scripts_dir().join("executor.sh")
}

/// `tests/scaling/worker.py`, absolute.
pub fn worker_script() -> PathBuf {
    scripts_dir().join("worker.py")
}

impl WorkerPool {
    /// A pool of `slots` slots, none running: a fresh folder unique to this
    /// process, test (thread name) and pool, a free 127.0.0.1 port per slot
    /// (never the same twice in one process), `ports` written, demand 0.
    pub fn new(slots: usize) -> WorkerPool {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let thread = std::thread::current();
        let test: String = thread
            .name()
            .unwrap_or("test")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        let dir = std::env::temp_dir().join(format!(
            "opsdeck-workers-{}-{test}-{}-{nanos:x}",
            std::process::id(),
            POOLS.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("create the pool's folder {}: {e}", dir.display()));
        let ports: Vec<u16> = (0..slots).map(|_| free_port()).collect();
        let pool = WorkerPool { dir, ports };
        let list: String = pool.ports.iter().map(|p| format!("{p}\n")).collect();
        pool.write("ports", &list);
        pool.write("owner", &format!("{}\n", std::process::id()));
        pool.set_demand(0.0);
        pool
    }

    /// The executor's argv template for opsdeck: `["bash", "<abs
    /// executor.sh>", "<dir>", "{replicas}"]`.
    pub fn executor(&self) -> Vec<String> {
        vec![
            "bash".to_string(),
            executor_script().display().to_string(),
            self.dir.display().to_string(),
            "{replicas}".to_string(),
        ]
    }

    /// Runs `executor.sh DIR n` and waits for it (it returns once the started
    /// workers listen); panics with its status, stderr and stdout if it
    /// fails.
    pub fn scale(&self, n: usize) {
        let output = Command::new("bash")
            .arg(executor_script())
            .arg(&self.dir)
            .arg(n.to_string())
            .output()
            .unwrap_or_else(|e| panic!("run executor.sh (bash): {e}"));
        if !output.status.success() {
            panic!(
                "executor.sh {} {n} failed ({}):\nstderr:\n{}\nstdout:\n{}",
                self.dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout),
            );
        }
    }

    /// Sets the total demand the workers share (`DIR/demand`, replaced
    /// atomically).
    pub fn set_demand(&self, demand: f64) {
        self.write("demand", &format!("{demand}\n"));
    }

    /// How many slots have a pid file whose worker is alive.
    pub fn running(&self) -> usize {
        self.pids()
            .into_iter()
            .filter(|&(_, pid)| is_alive(pid))
            .count()
    }

    /// Each slot with a pid file, as (port, pid), in slot order; the worker
    /// may have died since.
    pub fn pids(&self) -> Vec<(u16, u32)> {
        self.ports
            .iter()
            .filter_map(|&port| {
                let text = fs::read_to_string(self.dir.join(format!("worker-{port}.pid"))).ok()?;
                Some((port, text.trim().parse().ok()?))
            })
            .collect()
    }

    /// `127.0.0.1:PORT` for each slot, in order.
    pub fn targets(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect()
    }

    /// One `scrape_configs` entry (indented as a list item under
    /// `scrape_configs:`) scraping every slot each second, live or not, so
    /// `count(up{job="JOB"} == 1)` counts the running workers.
    pub fn scrape_config(&self, job: &str) -> String {
        let targets: Vec<String> = self.targets().iter().map(|t| format!("'{t}'")).collect();
        format!(
            "  - job_name: '{job}'\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    \
             static_configs:\n      - targets: [{}]\n",
            targets.join(", ")
        )
    }

    /// The log of the worker on `port` (its Python errors, if any).
    pub fn log(&self, port: u16) -> String {
        fs::read_to_string(self.dir.join(format!("worker-{port}.log"))).unwrap_or_default()
    }

    /// Writes `DIR/name` through a temporary file and a rename, so a worker
    /// never reads half of it.
    fn write(&self, name: &str, contents: &str) {
        let tmp = self.dir.join(format!(".{name}.tmp"));
        fs::write(&tmp, contents).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
        fs::rename(&tmp, self.dir.join(name))
            .unwrap_or_else(|e| panic!("rename {} to {name}: {e}", tmp.display()));
    }
}

impl Drop for WorkerPool {
    /// SIGTERMs every worker with a pid file, SIGKILLs those still running
    /// after 2 s, then removes the folder (kept if the test panics, or with
    /// `OPSDECK_KEEP_TEST_SERVERS=1`).
    fn drop(&mut self) {
        let pids: Vec<u32> = self
            .pids()
            .into_iter()
            .map(|(_, pid)| pid)
            .filter(|&pid| is_alive(pid))
            .collect();
        for &pid in &pids {
            signal(pid, Signal::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while pids.iter().any(|&pid| is_alive(pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        for &pid in pids.iter().filter(|&&pid| is_alive(pid)) {
            signal(pid, Signal::SIGKILL);
        }
        for &port in &self.ports {
            let _ = fs::remove_file(self.dir.join(format!("worker-{port}.pid")));
        }
        let keep = std::thread::panicking()
            || std::env::var_os("OPSDECK_KEEP_TEST_SERVERS").is_some_and(|v| v == "1");
        if keep {
            eprintln!("worker pool's folder kept: {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether `pid` is a pool worker that has not exited: it exists, is no
/// zombie (nothing may reap the detached workers), and runs `worker.py`, so a
/// reused pid does not count.
pub fn is_alive(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next());
    if matches!(state, None | Some('Z' | 'X')) {
        return false;
    }
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|cmdline| String::from_utf8_lossy(&cmdline).contains("worker.py"))
        .unwrap_or(false)
}

/// Sends `signal` to `pid`, ignoring errors: the worker may have exited.
fn signal(pid: u32, signal: Signal) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(pid), signal);
    }
}
