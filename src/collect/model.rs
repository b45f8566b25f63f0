//! Owned snapshots that collectors send to the state owner. Serialisable, so
//! `opsdeck snapshot --format json` prints exactly what the dashboard shows.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct HostInfo {
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub cores: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ResourceSample {
    pub taken_at: DateTime<Utc>,
    pub uptime_secs: u64,
    /// Percent of all cores, 0–100.
    pub cpu_total: f32,
    /// Percent of each core, 0–100.
    pub cpu_per_core: Vec<f32>,
    /// Where the time went (user, system, iowait, steal), as `top` shows it.
    pub cpu_breakdown: super::cpu_times::CpuBreakdown,
    pub load: LoadAverage,
    pub memory: MemoryUsage,
    pub swap: MemoryUsage,
    pub filesystems: Vec<Filesystem>,
    pub networks: Vec<NetworkRate>,
    pub process_count: usize,
    /// The busiest processes, by CPU then memory, and after them the kept one.
    pub top_processes: Vec<ProcessRow>,
    /// The process the collector was asked to keep listed when this was taken
    /// (the one the cursor is on), busiest or not: missing, it has ended.
    #[serde(skip)]
    pub kept_pid: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct LoadAverage {
    pub one: f64,
    pub five: f64,
    pub fifteen: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct MemoryUsage {
    pub total_bytes: u64,
    pub used_bytes: u64,
}

impl MemoryUsage {
    pub fn percent(&self) -> f64 {
        percent(self.used_bytes, self.total_bytes)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filesystem {
    pub mount_point: String,
    pub device: String,
    pub fs_type: String,
    pub total_bytes: u64,
    /// What an unprivileged user can still write (`df`'s Avail).
    pub available_bytes: u64,
    /// Free blocks, those reserved for root included.
    pub free_bytes: u64,
}

impl Filesystem {
    /// As `df` counts it: size − free (blocks reserved for root are neither
    /// used nor available).
    pub fn used_bytes(&self) -> u64 {
        self.total_bytes.saturating_sub(self.free_bytes)
    }

    /// As `df` counts Use%: used / (used + available), the share of what users
    /// can fill.
    pub fn used_percent(&self) -> f64 {
        percent(self.used_bytes(), self.used_bytes() + self.available_bytes)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkRate {
    pub interface: String,
    pub rx_bytes_per_sec: f64,
    pub tx_bytes_per_sec: f64,
    pub rx_total_bytes: u64,
    pub tx_total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessRow {
    pub pid: u32,
    pub user: String,
    /// Percent of one core (can exceed 100 for multi-threaded processes).
    pub cpu_percent: f32,
    pub memory_bytes: u64,
    pub command: String,
}

pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}
