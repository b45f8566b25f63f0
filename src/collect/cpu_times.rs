//! Where the CPU's time went, as `top` splits it (us, sy, wa, st): read from
//! the `cpu` line of /proc/stat, as the change between two readings. The total
//! alone hides a host stuck on its disks: iowait is idle time to the total.

use serde::Serialize;

/// Percent of all cores' time since the previous reading, 0–100 each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CpuBreakdown {
    /// User and nice (guest time is counted in user by the kernel).
    pub user: f32,
    /// System, hard and soft interrupts.
    pub system: f32,
    /// Idle while waiting for I/O.
    pub iowait: f32,
    /// Taken by the hypervisor for other guests.
    pub steal: f32,
}

/// Cumulative clock ticks of all cores.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuTimes {
    user: u64,
    system: u64,
    idle: u64,
    iowait: u64,
    steal: u64,
}

impl CpuTimes {
    /// The aggregate `cpu ` line of /proc/stat's text.
    pub fn parse(stat: &str) -> Option<CpuTimes> {
        let line = stat.lines().find(|l| l.starts_with("cpu "))?;
        let n: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .map_while(|f| f.parse().ok())
            .collect();
        let at = |i: usize| n.get(i).copied().unwrap_or(0);
        // user nice system idle iowait irq softirq steal guest guest_nice
        (n.len() >= 4).then(|| CpuTimes {
            user: at(0) + at(1),
            system: at(2) + at(5) + at(6),
            idle: at(3),
            iowait: at(4),
            steal: at(7),
        })
    }

    pub fn read() -> Option<CpuTimes> {
        CpuTimes::parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    fn total(&self) -> u64 {
        self.user + self.system + self.idle + self.iowait + self.steal
    }

    /// The split of the time between `earlier` and this reading.
    pub fn since(&self, earlier: &CpuTimes) -> CpuBreakdown {
        let total = self.total().saturating_sub(earlier.total());
        if total == 0 {
            return CpuBreakdown::default();
        }
        let pct =
            |now: u64, then: u64| (now.saturating_sub(then) as f64 * 100.0 / total as f64) as f32;
        CpuBreakdown {
            user: pct(self.user, earlier.user),
            system: pct(self.system, earlier.system),
            iowait: pct(self.iowait, earlier.iowait),
            steal: pct(self.steal, earlier.steal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\nintr 1\n";
    // 200 ticks later: 20 user, 10 nice, 10 system, 5 irq+softirq, 50 idle,
    // 100 iowait, 5 steal.
    const AFTER: &str = "cpu  120 10 60 850 150 2 3 5 0 0\ncpu0 60 5 30 425 75 1 1 2 0 0\n";

    #[test]
    fn iowait_and_steal_show_beside_user_and_system() {
        let before = CpuTimes::parse(BEFORE).unwrap();
        let after = CpuTimes::parse(AFTER).unwrap();
        let b = after.since(&before);
        assert_eq!(
            (b.user, b.system, b.iowait, b.steal),
            (15.0, 7.5, 50.0, 2.5),
            "{b:?}"
        );
    }

    #[test]
    fn no_time_passed_or_an_old_kernel_line_is_no_figure() {
        let t = CpuTimes::parse(BEFORE).unwrap();
        assert_eq!(t.since(&t), CpuBreakdown::default());
        // Four fields (very old kernels): no iowait or steal, still parsed.
        let old = CpuTimes::parse("cpu 1 2 3 4\n").unwrap();
        assert_eq!(old.iowait, 0);
        assert_eq!(CpuTimes::parse("intr 5\n"), None);
    }
}
