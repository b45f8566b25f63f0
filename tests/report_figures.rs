//! The ops report's figures from a deterministic 12-hour shift in a real
//! state database (tests/report/scenario.rs), checked exactly: counts,
//! MTTA and MTTR per level, misses, incidents against the budget, the
//! noisiest and flapping alerts, task success rates, recovery, scaling,
//! check availability, resource peaks and p95, the disk forecast.

#[path = "report/scenario.rs"]
mod scenario;

use chrono::{DateTime, TimeZone, Utc};
use opsdeck::engine::report::{self, Report};
use opsdeck::store::Store;
use scenario::min;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap()
}

fn report_of_the_shift(test: &str) -> Report {
    let dir = std::env::temp_dir().join(format!("opsdeck-report-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = Store::open(&dir.join("opsdeck.db")).unwrap();
    scenario::fill(&mut store, t0());
    let mut inputs = store.report_inputs(t0(), min(t0(), 720)).unwrap();
    inputs.host = "ops-1".into();
    inputs.generated_by = "dave@ops-1".into();
    let _ = std::fs::remove_dir_all(&dir);
    report::build(&inputs)
}

#[test]
fn alert_figures_per_level_are_exact() {
    let r = report_of_the_shift("alerts");
    let a = &r.alerts;
    assert_eq!((a.fired, a.acknowledged, a.resolved), (7, 2, 7));
    let level = |name: &str| a.levels.iter().find(|l| l.level == name).unwrap();
    let p1 = level("P1");
    // Two misses: HighCPU, and Unanswered (fired before the shift, its
    // deadline in it).
    assert_eq!(
        (p1.fired, p1.acknowledged, p1.resolved, p1.misses),
        (2, 2, 2, 2)
    );
    // Acknowledged after 3 and 20 minutes; resolved after 1 and 2 hours.
    assert_eq!(p1.time_to_acknowledge.median, Some(690.0));
    assert_eq!(p1.time_to_acknowledge.p95, Some(1200.0));
    assert_eq!(p1.time_to_resolve.median, Some(5400.0));
    assert_eq!(p1.time_to_resolve.p95, Some(7200.0));
    let p2 = level("P2");
    // Resolved unacknowledged after 10 minutes: counted at its resolution.
    // The other is still firing and unacknowledged: no time yet, but a miss.
    assert_eq!(
        (p2.fired, p2.acknowledged, p2.resolved, p2.misses),
        (2, 0, 1, 1)
    );
    assert_eq!(p2.time_to_acknowledge.count, 1);
    assert_eq!(p2.time_to_acknowledge.median, Some(600.0));
    let p3 = level("P3");
    assert_eq!((p3.fired, p3.misses), (3, 0));
    assert_eq!(p3.time_to_resolve.median, Some(300.0));
    assert_eq!(level("P4").fired, 0);

    let misses: Vec<(&str, f64, u64, bool)> = a
        .misses
        .iter()
        .map(|m| {
            (
                m.alertname.as_str(),
                m.waited_secs,
                m.target_secs,
                m.acknowledged,
            )
        })
        .collect();
    assert_eq!(
        misses,
        [
            ("Unanswered", 1920.0, 300, false),
            ("HighCPU", 1200.0, 300, true),
            ("StillFiring", 3600.0, 900, false)
        ]
    );
    // Four P1/P2 incidents in 12 hours: twice the SRE book's budget.
    assert_eq!(a.incidents, 4);
    assert_eq!(a.incidents_per_12h, 4.0);
    assert_eq!(a.over_budget, Some(true));
    let noisiest: Vec<(&str, usize)> = a
        .noisiest
        .iter()
        .map(|n| (n.alertname.as_str(), n.firings))
        .collect();
    assert_eq!(noisiest[0], ("Flapper", 3));
    assert_eq!(noisiest.len(), 5);
    let flapping: Vec<(&str, u32)> = a
        .flapping
        .iter()
        .map(|f| (f.alertname.as_str(), f.transitions))
        .collect();
    assert_eq!(flapping, [("Flapper", 6)]);
    let per_hour: Vec<usize> = r.alerts_per_hour.iter().map(|h| h.fired).collect();
    assert_eq!(per_hour, [0, 1, 0, 1, 1, 0, 3, 0, 0, 0, 0, 1]);
}

#[test]
fn now_lists_what_the_next_shift_inherits() {
    let r = report_of_the_shift("now");
    let firing: Vec<(&str, &str, f64, Option<&str>)> = r
        .now
        .firing
        .iter()
        .map(|f| {
            (
                f.level,
                f.alertname.as_str(),
                f.firing_secs,
                f.acknowledged_by.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        firing,
        [
            ("P1", "OldAlert", 840.0 * 60.0, Some("alice@ops-1")),
            ("P2", "StillFiring", 3600.0, None),
        ]
    );
    // Only the carried-over alert's acknowledgement is still open; it
    // expires within the next shift.
    let acks = &r.now.acknowledgements;
    assert_eq!(acks.len(), 1);
    assert!(acks[0].expires_within_shift);
    assert_eq!(acks[0].expires, min(t0(), 1330));
    let failing: Vec<(&str, &str)> = r
        .now
        .tasks_failing
        .iter()
        .map(|t| (t.task.as_str(), t.state))
        .collect();
    assert_eq!(failing, [("backup", "timed_out")]);
    assert!(r.now.tasks_running.is_empty());
    assert!(r.now.checks_not_up.is_empty());
    let off: Vec<(&str, u32, u32)> = r
        .now
        .scaling_off_target
        .iter()
        .map(|s| (s.target.as_str(), s.from, s.to))
        .collect();
    assert_eq!(off, [("web", 4, 6)]);
    let h = r.previous_handover.as_ref().unwrap();
    assert_eq!((h.actor.as_str(), h.at), ("alice@ops-1", t0()));
}

#[test]
fn work_and_host_figures_are_exact() {
    let r = report_of_the_shift("work");
    type Line<'a> = (&'a str, usize, usize, usize, usize, Option<f64>);
    let tasks: Vec<Line> = r
        .tasks
        .tasks
        .iter()
        .map(|t| {
            (
                t.task.as_str(),
                t.runs,
                t.succeeded,
                t.failed,
                t.timed_out,
                t.success_rate,
            )
        })
        .collect();
    assert_eq!(
        tasks,
        [
            // The skipped run counts as a run, not in the success rate.
            ("backup", 4, 1, 1, 1, Some(100.0 / 3.0)),
            ("cache", 2, 2, 0, 0, Some(100.0)),
        ]
    );
    assert_eq!(r.tasks.failures.len(), 2);
    assert_eq!(r.recovery.runs.len(), 1);
    assert_eq!(r.recovery.runs[0].alert.as_deref(), Some("HighCPU"));
    assert_eq!(r.recovery.by_state.get("recovered"), Some(&1));
    let held: Vec<(&str, &str)> = r
        .recovery
        .held_back
        .iter()
        .map(|h| (h.runbook.as_str(), h.why.as_str()))
        .collect();
    assert_eq!(held, [("service_unavailable", "at most 2 runs per hour")]);
    let scaled: Vec<(u32, u32, &str)> = r
        .scaling
        .iter()
        .map(|s| (s.from, s.to, s.reason.as_str()))
        .collect();
    assert_eq!(scaled, [(2, 4, "cpu 140 vs 70 → 4")]);

    let api = &r.checks[0];
    assert_eq!(api.check, "api");
    assert_eq!(api.down_secs, 1800.0);
    assert_eq!(api.changes, 2);
    // 1380 latencies: 650 of 20 ms, 650 of 30, 40 of 200 and 40 of 900;
    // rank 1311 of them is 200.
    assert_eq!((api.probes, api.failures), (1440, 60));
    assert_eq!(api.latency_p95_ms, Some(200.0));
    assert!(
        (api.availability.unwrap() - 95.8333).abs() < 1e-3,
        "{api:?}"
    );

    let res = r.resources.as_ref().unwrap();
    assert_eq!(res.minutes, 720);
    assert_eq!((res.cpu.peak, res.cpu.p95), (97.0, 90.0));
    assert_eq!((res.memory.peak, res.memory.p95), (60.0, 50.0));
    let fs = res.filesystem.as_ref().unwrap();
    assert_eq!(fs.mount, "/");
    assert!((fs.peak - (50.0 + 719.0 / 60.0)).abs() < 1e-9);
    assert!((fs.p95 - (50.0 + 683.0 / 60.0)).abs() < 1e-9);
    // 38.02 GiB free, filling at 1 GiB an hour.
    let days = fs.days_until_full.unwrap();
    assert!((days - 2281.0 / 60.0 / 24.0).abs() < 1e-3, "{days}");

    let actors: Vec<&str> = r.actions.iter().map(|a| a.actor.as_str()).collect();
    assert_eq!(actors, ["carol@ops-1", "opsdeck@ops-1"]);
    assert!(r.no_data.is_empty(), "{:?}", r.no_data);
}

#[test]
fn a_period_with_no_records_says_so_section_by_section() {
    let dir = std::env::temp_dir().join(format!("opsdeck-report-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&dir.join("opsdeck.db")).unwrap();
    let inputs = store.report_inputs(t0(), min(t0(), 720)).unwrap();
    let r = report::build(&inputs);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        r.no_data,
        [
            "alerts",
            "tasks",
            "recovery",
            "scaling",
            "checks",
            "resources",
            "actions"
        ]
    );
    assert!(r.resources.is_none() && r.previous_handover.is_none());
}

/// An alert storm: 10,000 critical alerts fire and resolve unanswered.
/// Every miss is counted and in the figures; a table shows 50 and says how
/// many more there are.
#[test]
fn a_storm_of_misses_is_counted_whole_and_shown_in_part() {
    use opsdeck::engine::report::document::{Block, MAX_ROWS, document};
    use opsdeck::engine::report::inputs::{Transition, TransitionKind};
    let mut inputs = opsdeck::engine::report::Inputs {
        since: t0(),
        until: min(t0(), 720),
        ..Default::default()
    };
    for i in 0..10_000 {
        let labels: opsdeck::labels::LabelSet = [
            ("alertname", "InstanceDown".to_string()),
            ("severity", "critical".into()),
            ("instance", format!("node-{i}:9100")),
        ]
        .into_iter()
        .collect();
        let key = opsdeck::app::alerts::label_key(labels.iter());
        for (kind, at) in [(TransitionKind::Fired, 60), (TransitionKind::Resolved, 100)] {
            inputs.transitions.push(Transition {
                key: key.clone(),
                kind,
                at: min(t0(), at),
                labels: labels.clone(),
            });
        }
    }
    inputs.transitions.sort_by_key(|t| t.at);
    let r = report::build(&inputs);
    assert_eq!(r.alerts.fired, 10_000);
    assert_eq!(r.alerts.misses.len(), 10_000);
    let doc = document(&r);
    let misses_table = doc.iter().find_map(|b| match b {
        Block::Table { head, rows } if head.contains(&"Waited") => Some(rows.len()),
        _ => None,
    });
    assert_eq!(misses_table, Some(MAX_ROWS));
    assert!(
        doc.iter()
            .any(|b| matches!(b, Block::Text(t) if t.contains("and 9950 more")))
    );
}
