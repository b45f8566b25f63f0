//! What is left of a run whose opsdeck died: its process group goes on (it is
//! its own group, so the owner's death does not reach it). The leader stops
//! those processes, and only those: a process of that group id that started
//! before the run did belongs to a group that reused the id, and is left alone.

use chrono::{DateTime, Utc};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// SIGKILLs every process of group `pgid` started since `run_started` (less
/// a second of clock rounding). Returns how many it signalled.
pub fn stop_abandoned_group(pgid: i32, run_started: DateTime<Utc>) -> usize {
    if pgid <= 1 {
        return 0;
    }
    let (Ok(boot), Ok(all)) = (procfs::boot_time_secs(), procfs::process::all_processes()) else {
        return 0;
    };
    let ticks = procfs::ticks_per_second().max(1);
    let since = run_started.timestamp() - 1;
    let mut stopped = 0;
    for process in all.flatten() {
        let Ok(stat) = process.stat() else { continue };
        let started = boot as i64 + (stat.starttime / ticks) as i64;
        if stat.pgrp == pgid
            && started >= since
            && kill(Pid::from_raw(stat.pid), Signal::SIGKILL).is_ok()
        {
            stopped += 1;
        }
    }
    stopped
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[test]
    fn the_groups_processes_are_stopped_but_not_an_older_group_with_the_id() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = child.id() as i32;
        // Started before the run: left alone.
        let later = Utc::now() + chrono::Duration::seconds(60);
        assert_eq!(stop_abandoned_group(pgid, later), 0);
        assert!(child.try_wait().unwrap().is_none());
        let earlier = Utc::now() - chrono::Duration::seconds(60);
        assert_eq!(stop_abandoned_group(pgid, earlier), 1);
        let status = child.wait().unwrap();
        assert!(!status.success(), "killed: {status:?}");
    }
}
