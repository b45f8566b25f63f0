//! The state machine with explicit times: thresholds, counters reset by the
//! opposite result, warnings, causes, the p95 and when the next probe is due.

use super::*;
use chrono::TimeZone;

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
}

fn pass(s: i64, ms: u64) -> Probe {
    Probe {
        at: t(s),
        latency: Some(Duration::from_millis(ms)),
        conditions: vec![Condition::new(Verdict::Pass, "status 200")],
        ..Probe::default()
    }
}

fn refused(s: i64) -> Probe {
    Probe {
        at: t(s),
        error: Some("connection refused".into()),
        ..Probe::default()
    }
}

fn slow(s: i64) -> Probe {
    Probe {
        at: t(s),
        latency: Some(Duration::from_millis(612)),
        conditions: vec![
            Condition::new(Verdict::Pass, "status 200"),
            Condition::new(Verdict::Warn, "latency 612 ms > 500 ms"),
        ],
        ..Probe::default()
    }
}

#[test]
fn failures_below_the_threshold_are_pending_then_down_with_the_cause() {
    let th = Thresholds::default();
    let mut c = CheckStatus::default();
    let first = c.apply(pass(0, 20), th).unwrap();
    assert_eq!(
        (first.from, first.to, first.cause.as_str()),
        (CheckState::Unknown, CheckState::Up, "first probe")
    );
    let pending = c.apply(refused(10), th).unwrap();
    assert_eq!(pending.to, CheckState::Pending);
    assert_eq!(pending.cause, "1/3 failures: connection refused");
    assert!(c.apply(refused(12), th).is_none());
    assert_eq!(c.failures, 2);
    let down = c.apply(refused(14), th).unwrap();
    assert_eq!((down.to, down.at), (CheckState::Down, t(14)));
    assert_eq!(down.cause, "after 3 failures: connection refused");
    assert!(c.apply(refused(16), th).is_none(), "down stays down");
    assert_eq!(c.changes.back().map(|c| c.at), Some(t(14)));
}

#[test]
fn a_down_check_needs_its_successes_and_a_failure_resets_them() {
    let th = Thresholds {
        failure: 1,
        success: 2,
    };
    let mut c = CheckStatus::default();
    assert_eq!(c.apply(refused(0), th).unwrap().to, CheckState::Down);
    assert!(c.apply(pass(2, 10), th).is_none());
    assert_eq!((c.state, c.successes), (CheckState::Down, 1));
    assert!(c.apply(refused(4), th).is_none());
    assert_eq!(
        (c.successes, c.failures),
        (0, 1),
        "each result resets the other counter"
    );
    assert!(c.apply(pass(6, 10), th).is_none());
    let up = c.apply(pass(8, 10), th).unwrap();
    assert_eq!(
        (up.to, up.cause.as_str()),
        (CheckState::Up, "after 2 successes")
    );
    // The error stays on record after it passes again.
    assert_eq!(c.last_error, Some((t(4), "connection refused".into())));
}

#[test]
fn a_pending_check_that_answers_is_up_at_once() {
    let th = Thresholds::default();
    let mut c = CheckStatus::default();
    c.apply(pass(0, 10), th);
    c.apply(refused(1), th);
    let up = c.apply(pass(2, 10), th).unwrap();
    assert_eq!((up.from, up.to), (CheckState::Pending, CheckState::Up));
    assert_eq!(c.failures, 0);
}

#[test]
fn a_crossed_bound_warns_and_names_the_condition() {
    let th = Thresholds::default();
    let mut c = CheckStatus::default();
    c.apply(pass(0, 10), th);
    let warn = c.apply(slow(10), th).unwrap();
    assert_eq!(
        (warn.to, warn.cause.as_str()),
        (CheckState::Warning, "latency 612 ms > 500 ms")
    );
    assert!(CheckState::Warning.is_up());
    // Up again after `success` passes in a row: a bound crossed back and
    // forth stays a warning instead of flapping.
    assert!(c.apply(pass(20, 10), th).is_none());
    assert!(c.apply(slow(30), th).is_none());
    assert!(c.apply(pass(40, 10), th).is_none());
    let back = c.apply(pass(50, 10), th).unwrap();
    assert_eq!(
        (back.to, back.cause.as_str()),
        (CheckState::Up, "all conditions pass")
    );
}

#[test]
fn while_failing_the_next_probe_waits_for_the_last_to_end_and_nothing_overflows() {
    let th = Thresholds::default();
    let mut c = CheckStatus::default();
    let mut timed_out = refused(0);
    timed_out.took = Duration::from_secs(2);
    c.apply(timed_out, th);
    let (every, retry) = (Duration::from_secs(10), Duration::from_secs(2));
    assert_eq!(
        c.next_due(every, retry),
        Some(t(4)),
        "2s after it ended, not at once"
    );
    let far = Duration::from_secs(u64::MAX / 4);
    assert_eq!(c.next_due(far, far), Some(DateTime::<Utc>::MAX_UTC));
}

#[test]
fn p95_and_the_next_probe() {
    let th = Thresholds::default();
    let mut c = CheckStatus::default();
    assert_eq!(
        c.next_due(Duration::from_secs(10), Duration::from_secs(2)),
        None
    );
    for i in 1..=100 {
        c.apply(pass(i, i as u64), th);
    }
    assert_eq!(c.p95(), Some(Duration::from_millis(95)));
    let (every, retry) = (Duration::from_secs(10), Duration::from_secs(2));
    assert_eq!(c.next_due(every, retry), Some(t(110)));
    c.apply(refused(101), th);
    assert_eq!(
        c.next_due(every, retry),
        Some(t(103)),
        "sooner while failing"
    );
    for i in 0..LATENCIES_KEPT + 5 {
        c.apply(pass(200 + i as i64, 5), th);
    }
    assert_eq!(c.latencies.len(), LATENCIES_KEPT, "bounded");
}

#[test]
fn the_host_check_uses_df_s_free_and_the_handbook_bounds() {
    use crate::collect::model::{Filesystem, MemoryUsage, ResourceSample};
    let fs = |mount: &str, total: u64, free: u64, avail: u64| Filesystem {
        mount_point: mount.into(),
        device: "/dev/x".into(),
        fs_type: "ext4".into(),
        total_bytes: total,
        available_bytes: avail,
        free_bytes: free,
    };
    let sample = ResourceSample {
        taken_at: t(0),
        // 100 G, 5 G reserved for root, 88 G used, 7 G available: df says
        // Use% 93 (88 / 95), so 7 % free: unhealthy.
        filesystems: vec![fs("/", 100, 12, 7), fs("/data", 100, 85, 85)],
        memory: MemoryUsage {
            total_bytes: 100,
            used_bytes: 85,
        },
        ..ResourceSample::default()
    };
    let probe = host::probe(&sample, &host::HostBounds::default());
    let texts: Vec<(Verdict, &str)> = probe
        .conditions
        .iter()
        .map(|c| (c.verdict, c.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (Verdict::Fail, "disk / 7% free"),
            (Verdict::Pass, "disk /data 85% free"),
            (Verdict::Warn, "memory 85% used"),
        ]
    );
    assert_eq!(probe.verdict(), Verdict::Fail);
    assert_eq!(probe.cause(), "disk / 7% free");
}
