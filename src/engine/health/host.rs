//! The built-in `host` check: this host's disk and memory against the
//! handbooks' bounds (disk under 10 % free unhealthy, under 20 % a warning;
//! memory over 90 % unhealthy, over 80 % a warning), judged on each resource
//! sample, one condition per filesystem and one for memory.

use super::{Condition, Probe, Verdict};
use crate::collect::model::ResourceSample;

/// The bounds, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostBounds {
    pub disk_free_warning: f64,
    pub disk_free_unhealthy: f64,
    pub memory_warning: f64,
    pub memory_unhealthy: f64,
}

impl Default for HostBounds {
    fn default() -> Self {
        HostBounds {
            disk_free_warning: 20.0,
            disk_free_unhealthy: 10.0,
            memory_warning: 80.0,
            memory_unhealthy: 90.0,
        }
    }
}

/// The sample as a probe of the host: a condition per filesystem (free as
/// `df` counts it: 100 − Use%) and one for memory.
pub fn probe(sample: &ResourceSample, bounds: &HostBounds) -> Probe {
    let mut conditions = Vec::new();
    for fs in &sample.filesystems {
        if fs.used_bytes() + fs.available_bytes == 0 {
            continue;
        }
        // As `df` has it: free is what Use% leaves.
        let free = 100.0 - fs.used_percent();
        let verdict = if free < bounds.disk_free_unhealthy {
            Verdict::Fail
        } else if free < bounds.disk_free_warning {
            Verdict::Warn
        } else {
            Verdict::Pass
        };
        conditions.push(Condition::new(
            verdict,
            format!("disk {} {free:.0}% free", fs.mount_point),
        ));
    }
    if sample.memory.total_bytes > 0 {
        let used = sample.memory.percent();
        let verdict = if used > bounds.memory_unhealthy {
            Verdict::Fail
        } else if used > bounds.memory_warning {
            Verdict::Warn
        } else {
            Verdict::Pass
        };
        conditions.push(Condition::new(verdict, format!("memory {used:.0}% used")));
    }
    // A sample without figures says nothing good about the host.
    let error = conditions
        .is_empty()
        .then(|| "the sample has no disk or memory figures".to_string());
    Probe {
        at: sample.taken_at,
        conditions,
        error,
        ..Probe::default()
    }
}
