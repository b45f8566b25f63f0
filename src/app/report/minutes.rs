//! The host and its checks per minute, for the ops report: the leader folds
//! each sample (each probe) into the minute it was taken in and has the
//! minute stored once the next one starts: mean and highest CPU and memory,
//! the fullest filesystem at the minute's end; each check's probes, failures
//! and latencies.

use crate::collect::model::ResourceSample;
use crate::engine::health::{Probe, Verdict};
use crate::engine::report::inputs::{CheckMinute, Minute};
use chrono::{DateTime, Utc};

/// The minute being gathered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MinuteSoFar {
    start: Option<DateTime<Utc>>,
    samples: u32,
    cpu_sum: f64,
    cpu_max: f64,
    mem_sum: f64,
    mem_max: f64,
    fs: Option<(String, f64, u64, u64)>,
}

fn minute_of(at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let ms = at.timestamp_millis();
    DateTime::from_timestamp_millis(ms - ms.rem_euclid(60_000))
}

impl MinuteSoFar {
    /// Adds a sample; returns the minute before it once this one starts a
    /// new minute (a clock that went back starts again, nothing returned).
    pub fn add(&mut self, sample: &ResourceSample) -> Option<Minute> {
        let minute = minute_of(sample.taken_at)?;
        let done = match self.start {
            Some(start) if minute > start => self.take(),
            Some(start) if minute < start => {
                *self = MinuteSoFar::default();
                None
            }
            _ => None,
        };
        self.start = Some(minute);
        let cpu = f64::from(sample.cpu_total);
        let mem = sample.memory.percent();
        self.samples += 1;
        self.cpu_sum += cpu;
        self.cpu_max = self.cpu_max.max(cpu);
        self.mem_sum += mem;
        self.mem_max = self.mem_max.max(mem);
        self.fs = sample
            .filesystems
            .iter()
            .max_by(|a, b| a.used_percent().total_cmp(&b.used_percent()))
            .map(|f| {
                // As df counts it: the size users can fill is used + available
                // (root's reserve is neither), so the forecast agrees with the
                // dashboard's.
                let (used, pct) = (f.used_bytes(), f.used_percent());
                (f.mount_point.clone(), pct, used, used + f.available_bytes)
            });
        done
    }

    fn take(&mut self) -> Option<Minute> {
        let start = self.start.filter(|_| self.samples > 0)?;
        let n = f64::from(self.samples.max(1));
        let (mount, pct, used, total) = self.fs.take().unwrap_or_default();
        let minute = Minute {
            at: start,
            cpu_avg: self.cpu_sum / n,
            cpu_max: self.cpu_max,
            mem_avg: self.mem_sum / n,
            mem_max: self.mem_max,
            fs_mount: mount,
            fs_used_pct: pct,
            fs_used_bytes: used,
            fs_total_bytes: total,
        };
        *self = MinuteSoFar::default();
        Some(minute)
    }
}

/// One check's probes in the minute being gathered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbesSoFar {
    start: Option<DateTime<Utc>>,
    probes: u32,
    failures: u32,
    latencies_ms: Vec<u32>,
}

impl ProbesSoFar {
    /// Adds a probe of `check`; returns the minute before it once this one
    /// starts a new minute.
    pub fn add(&mut self, check: &str, probe: &Probe) -> Option<CheckMinute> {
        let minute = minute_of(probe.at)?;
        let done = match self.start {
            Some(start) if minute > start => self.take(check),
            Some(start) if minute < start => {
                *self = ProbesSoFar::default();
                None
            }
            _ => None,
        };
        self.start = Some(minute);
        self.probes += 1;
        if probe.verdict() == Verdict::Fail {
            self.failures += 1;
        }
        if let Some(latency) = probe.latency {
            let ms = u32::try_from(latency.as_millis()).unwrap_or(u32::MAX);
            self.latencies_ms.push(ms);
        }
        done
    }

    fn take(&mut self, check: &str) -> Option<CheckMinute> {
        let start = self.start.filter(|_| self.probes > 0)?;
        let minute = CheckMinute {
            check: check.to_string(),
            at: start,
            probes: self.probes,
            failures: self.failures,
            latencies_ms: std::mem::take(&mut self.latencies_ms),
        };
        *self = ProbesSoFar::default();
        Some(minute)
    }
}
