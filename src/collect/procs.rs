//! The process table and network rates, read through procfs (the stat files
//! by `proc_stat`).
//!
//! Not through sysinfo: it reads /proc/PID/status, stat and statm and opens the
//! directory for every process on every refresh (1.9 ms a pass for 65 processes
//! here, nearly all kernel time), and about 45 sysfs files for 4 interfaces
//! (0.34 ms). One /proc/PID/stat per process (0.7 ms) and one /proc/net/dev
//! (0.02 ms) give the same figures; BENCHMARKS.md has the measurements.

use super::model::{NetworkRate, ProcessRow};
use super::proc_stat::StatReader;
use std::collections::HashMap;
use std::time::Instant;

/// What a process is known by, read once per process image: again when it
/// execs (its comm changes) or while its command line read empty (mid-exec,
/// or a zombie).
struct Identity {
    starttime: u64,
    comm: String,
    user: String,
    command: String,
    /// The command line was empty: `command` is `[comm]` for now.
    provisional: bool,
}

pub struct ProcessTable {
    /// pid → CPU ticks (user + system) at the previous pass.
    previous: HashMap<i32, (u64, u64)>,
    identities: HashMap<i32, Identity>,
    last_pass: Option<Instant>,
    ticks_per_second: f64,
    page_size: u64,
    stats: StatReader,
}

pub struct ProcessPass {
    pub count: usize,
    pub top: Vec<ProcessRow>,
}

struct Seen {
    pid: i32,
    starttime: u64,
    cpu_percent: f32,
    memory_bytes: u64,
    comm: String,
}

impl ProcessTable {
    pub fn new() -> Self {
        Self {
            previous: HashMap::new(),
            identities: HashMap::new(),
            last_pass: None,
            ticks_per_second: procfs::ticks_per_second().max(1) as f64,
            page_size: procfs::page_size(),
            stats: StatReader::default(),
        }
    }

    /// One pass over /proc: the number of processes and the `top_n` busiest (CPU,
    /// then memory), then `keep` if it runs and is not among them. CPU is
    /// measured since the previous pass, so the first pass shows 0 %.
    /// `user_name` maps a uid to a name.
    pub fn pass(
        &mut self,
        top_n: usize,
        keep: Option<u32>,
        user_name: &mut dyn FnMut(u32) -> String,
    ) -> ProcessPass {
        let now = Instant::now();
        let elapsed = self
            .last_pass
            .map_or(0.0, |t| now.duration_since(t).as_secs_f64());
        self.last_pass = Some(now);
        let mut seen = Vec::new();
        let mut current = HashMap::with_capacity(self.previous.len());
        let (previous, ticks_per_second, page_size) =
            (&self.previous, self.ticks_per_second, self.page_size);
        self.stats.for_each(|stat| {
            let ticks = stat.utime + stat.stime;
            let cpu_percent = match previous.get(&stat.pid) {
                Some((start, before)) if *start == stat.starttime && elapsed > 0.0 => {
                    (ticks.saturating_sub(*before) as f64 / ticks_per_second / elapsed * 100.0)
                        as f32
                }
                _ => 0.0,
            };
            current.insert(stat.pid, (stat.starttime, ticks));
            seen.push(Seen {
                pid: stat.pid,
                starttime: stat.starttime,
                cpu_percent,
                memory_bytes: stat.rss * page_size,
                comm: stat.comm,
            });
        });
        self.previous = current;
        self.identities
            .retain(|pid, _| self.previous.contains_key(pid));

        let count = seen.len();
        seen.sort_by(|a, b| {
            b.cpu_percent
                .total_cmp(&a.cpu_percent)
                .then(b.memory_bytes.cmp(&a.memory_bytes))
                .then(a.pid.cmp(&b.pid))
        });
        truncate_keeping(&mut seen, top_n, keep);
        let top = seen
            .into_iter()
            .map(|s| {
                let identity = self
                    .identities
                    .entry(s.pid)
                    .and_modify(|id| {
                        if id.starttime != s.starttime || id.comm != s.comm || id.provisional {
                            *id = identify(&s, user_name);
                        }
                    })
                    .or_insert_with(|| identify(&s, user_name));
                ProcessRow {
                    pid: s.pid.unsigned_abs(),
                    user: identity.user.clone(),
                    cpu_percent: s.cpu_percent,
                    memory_bytes: s.memory_bytes,
                    command: identity.command.clone(),
                }
            })
            .collect();
        ProcessPass { count, top }
    }
}

impl Default for ProcessTable {
    fn default() -> Self {
        Self::new()
    }
}

/// The first `top_n` of `seen`, and after them `keep` if it is further down:
/// the process the cursor follows stays listed when it drops out of the
/// busiest, so the cursor can stay on it (and a missing one has ended).
fn truncate_keeping(seen: &mut Vec<Seen>, top_n: usize, keep: Option<u32>) {
    let kept = keep.and_then(|pid| seen.iter().position(|s| s.pid.unsigned_abs() == pid));
    match kept {
        Some(at) if at >= top_n => {
            seen.swap(top_n, at);
            seen.truncate(top_n + 1);
        }
        _ => seen.truncate(top_n),
    }
}

fn identify(seen: &Seen, user_name: &mut dyn FnMut(u32) -> String) -> Identity {
    // Once per process image: procfs's handle is fine here.
    let process = procfs::process::Process::new(seen.pid);
    let user = process
        .as_ref()
        .ok()
        .and_then(|p| p.uid().ok())
        .map_or_else(|| "?".into(), &mut *user_name);
    let (command, provisional) = match process.and_then(|p| p.cmdline()) {
        Ok(args) if !args.is_empty() => (args.join(" "), false),
        _ => (format!("[{}]", seen.comm), true),
    };
    Identity {
        starttime: seen.starttime,
        comm: seen.comm.clone(),
        user,
        command,
        provisional,
    }
}

/// Byte rates per interface from /proc/net/dev, since the previous pass.
#[derive(Default)]
pub struct NetworkCounters {
    previous: HashMap<String, (u64, u64)>,
    last_pass: Option<Instant>,
}

impl NetworkCounters {
    pub fn pass(&mut self) -> Vec<NetworkRate> {
        let now = Instant::now();
        let elapsed = self
            .last_pass
            .map_or(0.0, |t| now.duration_since(t).as_secs_f64());
        self.last_pass = Some(now);
        let devices = procfs::net::dev_status().unwrap_or_default();
        let mut out: Vec<NetworkRate> = devices
            .into_values()
            .filter(|d| d.name != "lo")
            .map(|d| {
                let rate = |now: u64, before: Option<u64>| match before {
                    // A counter that went down was reset (interface re-created).
                    Some(before) if elapsed > 0.0 => now.saturating_sub(before) as f64 / elapsed,
                    _ => 0.0,
                };
                let before = self.previous.get(&d.name);
                NetworkRate {
                    rx_bytes_per_sec: rate(d.recv_bytes, before.map(|b| b.0)),
                    tx_bytes_per_sec: rate(d.sent_bytes, before.map(|b| b.1)),
                    rx_total_bytes: d.recv_bytes,
                    tx_total_bytes: d.sent_bytes,
                    interface: d.name,
                }
            })
            .collect();
        self.previous = out
            .iter()
            .map(|n| (n.interface.clone(), (n.rx_total_bytes, n.tx_total_bytes)))
            .collect();
        out.sort_by(|a, b| a.interface.cmp(&b.interface));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_child_shows_cpu_and_its_command() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("spawn a busy shell");
        let mut table = ProcessTable::new();
        let mut names = |uid: u32| format!("uid{uid}");
        table.pass(1000, None, &mut names);
        // On a loaded machine the child may get little CPU in one window: give it
        // a few windows (it is a busy loop; any one of them shows it).
        let mut best = None;
        for _ in 0..10 {
            std::thread::sleep(std::time::Duration::from_millis(300));
            let pass = table.pass(1000, None, &mut names);
            let row = pass.top.iter().find(|p| p.pid == child.id()).cloned();
            let busy = row.as_ref().is_some_and(|r| r.cpu_percent > 20.0);
            best = Some((pass, row));
            if busy {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let (pass, row) = best.expect("at least one pass");
        let row = row.expect("child listed");
        assert!(
            row.cpu_percent > 20.0,
            "busy loop shows CPU: {}",
            row.cpu_percent
        );
        assert_eq!(row.command, "sh -c while :; do :; done");
        assert!(row.memory_bytes > 0);
        assert!(pass.count >= pass.top.len());
    }

    #[test]
    fn a_process_that_execs_shows_its_new_command() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 0.3; exec sleep 30"])
            .spawn()
            .expect("spawn a shell");
        let mut table = ProcessTable::new();
        let mut names = |uid: u32| format!("uid{uid}");
        let command = |table: &mut ProcessTable, names: &mut dyn FnMut(u32) -> String| {
            let pass = table.pass(100_000, None, names);
            let row = pass.top.iter().find(|p| p.pid == child.id());
            row.map(|r| r.command.clone()).unwrap_or_default()
        };
        let before = command(&mut table, &mut names);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut after = before.clone();
        while after != "sleep 30" && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
            after = command(&mut table, &mut names);
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_ne!(before, "sleep 30", "seen before the exec");
        assert_eq!(after, "sleep 30", "the command after the exec");
    }

    #[test]
    fn the_kept_process_is_listed_after_the_busiest() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let mut table = ProcessTable::new();
        let mut names = |uid: u32| format!("uid{uid}");
        let pid = child.id();
        let without = table.pass(1, None, &mut names);
        let with = table.pass(1, Some(pid), &mut names);
        let _ = child.kill();
        let _ = child.wait();
        // An idle sleep is never the busiest of this machine's processes.
        assert!(without.top.iter().all(|p| p.pid != pid));
        assert_eq!(without.top.len(), 1);
        assert_eq!(with.top.len(), 2);
        assert_eq!(with.top[1].pid, pid);
        assert_eq!(with.top[1].command, "sleep 30");
    }

    #[test]
    fn network_rates_need_two_passes_and_skip_lo() {
        let mut counters = NetworkCounters::default();
        let first = counters.pass();
        assert!(
            first.iter().all(|n| n.rx_bytes_per_sec == 0.0),
            "no rate before a second pass"
        );
        assert!(first.iter().all(|n| n.interface != "lo"));
    }
}
