use super::*;
use crate::engine::tasks::{Priority, Schedule};
use chrono::TimeZone;
use std::time::Duration as StdDuration;

fn spec(id: &str, pattern: &str, zone: &str) -> TaskSpec {
    TaskSpec {
        id: id.into(),
        name: id.into(),
        description: String::new(),
        priority: Priority::Medium,
        category: String::new(),
        schedule: Some(Schedule::parse(pattern, Some(zone)).unwrap()),
        command: vec!["true".into()],
        env: Default::default(),
        workdir: None,
        timeout: StdDuration::from_secs(60),
        retries: 0,
        retry_backoff: StdDuration::from_secs(30),
        depends_on: Vec::new(),
        concurrency: Concurrency::Skip,
        missed: Missed::Skip,
        missed_grace: StdDuration::from_secs(3600),
        enabled: true,
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn started(task: &str, trigger: Trigger, attempt: u32) -> Command {
    Command::Start {
        task: task.into(),
        trigger,
        attempt,
    }
}

fn run(task: &str, state: RunState, attempt: u32, at: DateTime<Utc>) -> Run {
    Run {
        id: 1,
        task_id: task.into(),
        trigger: Trigger::Schedule,
        state,
        attempt,
        started: at,
        finished: Some(at),
        exit_code: Some(if state == RunState::Succeeded { 0 } else { 1 }),
        detail: String::new(),
        output: None,
        actor: "test".into(),
    }
}

fn fresh(specs: Vec<TaskSpec>, limit: usize, now: DateTime<Utc>) -> Scheduler {
    let mut s = Scheduler::new(specs, limit);
    s.init(now, &HashMap::new());
    s
}

/// Every second from `from` to `to`, collecting what the scheduler starts.
fn drive(
    s: &mut Scheduler,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Command)> {
    let mut out = Vec::new();
    let mut t = from;
    while t <= to {
        for c in s.tick(t, true) {
            if let Command::Start { task, .. } = &c {
                // Runs end at once, successfully, so the next one can start.
                let r = run(task, RunState::Succeeded, 1, t);
                s.finished(&r, t);
            }
            out.push((t, c));
        }
        t += Duration::seconds(1);
    }
    out
}

#[test]
fn five_field_schedule_fires_once_at_its_minute() {
    let mut s = fresh(
        vec![spec("db", "0 2 * * *", "UTC")],
        4,
        utc(2026, 1, 5, 1, 59, 0),
    );
    let fired = drive(&mut s, utc(2026, 1, 5, 1, 59, 0), utc(2026, 1, 5, 2, 2, 0));
    assert_eq!(
        fired,
        vec![(
            utc(2026, 1, 5, 2, 0, 0),
            started("db", Trigger::Schedule, 1)
        )]
    );
    assert_eq!(s.next_due("db"), Some(utc(2026, 1, 6, 2, 0, 0)));
}

#[test]
fn six_field_schedule_fires_on_seconds() {
    let mut s = fresh(
        vec![spec("fast", "*/20 * * * * *", "UTC")],
        4,
        utc(2026, 1, 5, 0, 0, 1),
    );
    let times: Vec<_> = drive(&mut s, utc(2026, 1, 5, 0, 0, 1), utc(2026, 1, 5, 0, 1, 0))
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        times,
        vec![
            utc(2026, 1, 5, 0, 0, 20),
            utc(2026, 1, 5, 0, 0, 40),
            utc(2026, 1, 5, 0, 1, 0)
        ]
    );
}

#[test]
fn weekday_names_last_day_and_nth_weekday_parse() {
    for p in [
        "0 9 * * MON-FRI",
        "0 0 L * *",
        "0 0 * * 5#2",
        "@daily",
        "@hourly",
    ] {
        Schedule::parse(p, Some("UTC")).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    let second_friday = Schedule::parse("0 0 * * 5#2", Some("UTC")).unwrap();
    assert_eq!(
        second_friday.next_after(utc(2026, 1, 1, 0, 0, 0)),
        Some(utc(2026, 1, 9, 0, 0, 0))
    );
    let last = Schedule::parse("0 0 L * *", Some("UTC")).unwrap();
    assert_eq!(
        last.next_after(utc(2026, 2, 1, 0, 0, 0)),
        Some(utc(2026, 2, 28, 0, 0, 0))
    );
    let err = Schedule::parse("0 2 * *", None).unwrap_err();
    assert!(err.contains("4 fields"), "{err}");
    let err = Schedule::parse("0 2 * * *", Some("Mars/Olympus")).unwrap_err();
    assert!(err.contains("unknown time zone"), "{err}");
}

#[test]
fn dst_gap_runs_once_at_the_first_valid_time() {
    // Berlin skips 02:00–03:00 local on 2026-03-29 (01:00 UTC).
    let mut s = fresh(
        vec![spec("db", "30 2 * * *", "Europe/Berlin")],
        4,
        utc(2026, 3, 28, 12, 0, 0),
    );
    let fired = drive(
        &mut s,
        utc(2026, 3, 28, 12, 0, 0),
        utc(2026, 3, 30, 12, 0, 0),
    );
    let times: Vec<_> = fired.iter().map(|(t, _)| *t).collect();
    // 28th 01:30 UTC is past; the 29th has no 02:30, croner runs at 03:00 CEST
    // (01:00 UTC); the 30th at 02:30 CEST (00:30 UTC).
    assert_eq!(
        times,
        vec![utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 30, 0, 30, 0)]
    );
}

#[test]
fn dst_overlap_runs_once() {
    // Berlin repeats 02:00–03:00 local on 2026-10-25 (00:00–01:00 UTC twice over).
    let mut s = fresh(
        vec![spec("db", "30 2 * * *", "Europe/Berlin")],
        4,
        utc(2026, 10, 24, 12, 0, 0),
    );
    let fired = drive(
        &mut s,
        utc(2026, 10, 24, 12, 0, 0),
        utc(2026, 10, 25, 12, 0, 0),
    );
    assert_eq!(fired.len(), 1, "{fired:?}");
    // The first 02:30 (CEST, 00:30 UTC).
    assert_eq!(fired[0].0, utc(2026, 10, 25, 0, 30, 0));
}

#[test]
fn missed_runs_are_skipped_once_with_the_reason() {
    let mut s = Scheduler::new(vec![spec("db", "0 2 * * *", "UTC")], 4);
    // Last ran two days ago; opsdeck was down since.
    let last = HashMap::from([("db".to_string(), utc(2026, 1, 3, 2, 0, 0))]);
    let now = utc(2026, 1, 5, 10, 0, 0);
    s.init(now, &last);
    let cmds = s.tick(now, true);
    let [
        Command::Skip {
            task,
            trigger,
            reason,
        },
    ] = cmds.as_slice()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!((task.as_str(), *trigger), ("db", Trigger::Schedule));
    assert!(
        reason.contains("missed 2 runs (last due 2026-01-05 02:00 UTC)"),
        "{reason}"
    );
    assert!(s.tick(now + Duration::seconds(1), true).is_empty());
    assert_eq!(s.next_due("db"), Some(utc(2026, 1, 6, 2, 0, 0)));
}

#[test]
fn missed_run_once_catches_up_within_the_grace_only() {
    let mut task = spec("backup", "0 3 * * *", "UTC");
    task.missed = Missed::RunOnce;
    let last = HashMap::from([("backup".to_string(), utc(2026, 1, 4, 3, 0, 0))]);
    // Back at 03:40, 40 minutes after the missed run: within the 1h grace.
    let mut s = Scheduler::new(vec![task.clone()], 4);
    s.init(utc(2026, 1, 5, 3, 40, 0), &last);
    assert_eq!(
        s.tick(utc(2026, 1, 5, 3, 40, 0), true),
        vec![started("backup", Trigger::Missed, 1)]
    );
    // Back at 05:00: too late.
    let mut s = Scheduler::new(vec![task], 4);
    s.init(utc(2026, 1, 5, 5, 0, 0), &last);
    let cmds = s.tick(utc(2026, 1, 5, 5, 0, 0), true);
    assert!(
        matches!(&cmds[..], [Command::Skip { trigger: Trigger::Missed, reason, .. }] if reason.contains("older than missed_grace 1h")),
        "{cmds:?}"
    );
}

#[test]
fn a_host_that_slept_through_a_run_counts_it_missed() {
    let mut s = fresh(
        vec![spec("scan", "0 1 * * *", "UTC")],
        4,
        utc(2026, 1, 5, 0, 0, 0),
    );
    assert!(s.tick(utc(2026, 1, 5, 0, 59, 59), true).is_empty());
    // The next tick comes after a suspend.
    let cmds = s.tick(utc(2026, 1, 5, 7, 0, 0), true);
    assert!(
        matches!(&cmds[..], [Command::Skip { reason, .. }] if reason.contains("missed the run due 2026-01-05 01:00 UTC")),
        "{cmds:?}"
    );
}

#[test]
fn followers_do_not_fire_schedules() {
    let mut s = fresh(
        vec![spec("db", "* * * * *", "UTC")],
        4,
        utc(2026, 1, 5, 0, 0, 30),
    );
    assert!(s.tick(utc(2026, 1, 5, 0, 1, 0), false).is_empty());
    // Manual runs work anywhere.
    assert_eq!(
        s.trigger("db", utc(2026, 1, 5, 0, 1, 0)).unwrap(),
        vec![started("db", Trigger::Manual, 1)]
    );
}

#[test]
fn a_dependency_that_failed_this_cycle_skips_the_dependent() {
    let db = spec("db", "0 2 * * *", "UTC");
    let mut backup = spec("backup", "0 3 * * *", "UTC");
    backup.depends_on = vec!["db".into()];
    let mut s = fresh(vec![db, backup], 4, utc(2026, 1, 5, 1, 0, 0));
    assert_eq!(
        s.tick(utc(2026, 1, 5, 2, 0, 0), true),
        vec![started("db", Trigger::Schedule, 1)]
    );
    let mut failed = run("db", RunState::TimedOut, 1, utc(2026, 1, 5, 2, 0, 0));
    failed.detail = "timed out after 10m".into();
    s.finished(&failed, utc(2026, 1, 5, 2, 10, 0));
    let cmds = s.tick(utc(2026, 1, 5, 3, 0, 0), true);
    let [Command::Skip { task, reason, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(task, "backup");
    assert_eq!(
        reason,
        "dependency db timed out at 2026-01-05 02:00 UTC: timed out after 10m"
    );
    // The next day db succeeds, and backup runs.
    s.tick(utc(2026, 1, 6, 2, 0, 0), true);
    s.finished(
        &run("db", RunState::Succeeded, 1, utc(2026, 1, 6, 2, 0, 0)),
        utc(2026, 1, 6, 2, 5, 0),
    );
    assert_eq!(
        s.tick(utc(2026, 1, 6, 3, 0, 0), true),
        vec![started("backup", Trigger::Schedule, 1)]
    );
}

#[test]
fn a_failure_in_an_earlier_cycle_does_not_skip() {
    let db = spec("db", "0 2 * * *", "UTC");
    let mut report = spec("report", "0 * * * *", "UTC");
    report.depends_on = vec!["db".into()];
    let mut s = fresh(vec![db, report], 4, utc(2026, 1, 5, 1, 30, 0));
    // db failed at 02:00 (seen in the store); report's 03:00 cycle starts at 02:00 ...
    s.observe(&run("db", RunState::Failed, 1, utc(2026, 1, 5, 2, 0, 0)));
    s.tick(utc(2026, 1, 5, 2, 0, 0), true);
    s.finished(
        &run("db", RunState::Failed, 1, utc(2026, 1, 5, 2, 0, 0)),
        utc(2026, 1, 5, 2, 0, 5),
    );
    let at_three = s.tick(utc(2026, 1, 5, 3, 0, 0), true);
    assert!(
        matches!(&at_three[..], [Command::Skip { .. }]),
        "{at_three:?}"
    );
    // ... but the 04:00 cycle (from 03:00) has no failure in it.
    assert_eq!(
        s.tick(utc(2026, 1, 5, 4, 0, 0), true),
        vec![started("report", Trigger::Schedule, 1)]
    );
}

#[test]
fn a_dependent_waits_while_its_dependency_runs() {
    let db = spec("db", "0 2 * * *", "UTC");
    let mut backup = spec("backup", "0 2 * * *", "UTC");
    backup.depends_on = vec!["db".into()];
    let mut s = fresh(vec![db, backup], 4, utc(2026, 1, 5, 1, 0, 0));
    assert_eq!(
        s.tick(utc(2026, 1, 5, 2, 0, 0), true),
        vec![started("db", Trigger::Schedule, 1)]
    );
    assert_eq!(
        s.waiting("backup").unwrap().reason,
        "waiting for db to finish"
    );
    let cmds = s.finished(
        &run("db", RunState::Succeeded, 1, utc(2026, 1, 5, 2, 0, 0)),
        utc(2026, 1, 5, 2, 4, 0),
    );
    assert_eq!(cmds, vec![started("backup", Trigger::Schedule, 1)]);
}

#[test]
fn retries_back_off_exponentially_then_stop() {
    let mut t = spec("flaky", "0 2 * * *", "UTC");
    t.retries = 2;
    let mut s = fresh(vec![t], 4, utc(2026, 1, 5, 1, 0, 0));
    let t0 = utc(2026, 1, 5, 2, 0, 0);
    s.tick(t0, true);
    s.finished(&run("flaky", RunState::Failed, 1, t0), t0);
    assert_eq!(s.retry("flaky"), Some((t0 + Duration::seconds(30), 2)));
    assert!(s.tick(t0 + Duration::seconds(29), true).is_empty());
    assert_eq!(
        s.tick(t0 + Duration::seconds(30), true),
        vec![started("flaky", Trigger::Retry, 2)]
    );
    let t1 = t0 + Duration::seconds(31);
    s.finished(&run("flaky", RunState::TimedOut, 2, t1), t1);
    assert_eq!(s.retry("flaky"), Some((t1 + Duration::seconds(60), 3)));
    assert_eq!(
        s.tick(t1 + Duration::seconds(60), true),
        vec![started("flaky", Trigger::Retry, 3)]
    );
    s.finished(
        &run("flaky", RunState::Failed, 3, t1),
        t1 + Duration::seconds(61),
    );
    assert_eq!(s.retry("flaky"), None);
    // Cancelled runs are not retried.
    s.trigger("flaky", t1 + Duration::seconds(70)).unwrap();
    s.finished(
        &run("flaky", RunState::Cancelled, 1, t1),
        t1 + Duration::seconds(71),
    );
    assert_eq!(s.retry("flaky"), None);
}

#[test]
fn a_due_run_of_a_running_task_is_skipped_or_queued() {
    let mut skip = spec("skip", "* * * * *", "UTC");
    skip.concurrency = Concurrency::Skip;
    let mut queue = spec("queue", "* * * * *", "UTC");
    queue.concurrency = Concurrency::Queue;
    let mut s = fresh(vec![skip, queue], 4, utc(2026, 1, 5, 0, 0, 30));
    let t1 = utc(2026, 1, 5, 0, 1, 0);
    assert_eq!(s.tick(t1, true).len(), 2);
    // Both still run a minute later.
    let cmds = s.tick(t1 + Duration::minutes(1), true);
    assert!(
        matches!(&cmds[..], [Command::Skip { task, reason, .. }] if task == "skip" && reason.starts_with("already running (since 2026-01-05 00:01 UTC)")),
        "{cmds:?}"
    );
    assert_eq!(s.waiting("queue").unwrap().trigger, Trigger::Schedule);
    assert_eq!(s.trigger("skip", t1), Err(Refused::AlreadyRunning));
    let done = s.finished(
        &run("queue", RunState::Succeeded, 1, t1),
        t1 + Duration::seconds(70),
    );
    assert_eq!(done, vec![started("queue", Trigger::Schedule, 1)]);
}

#[test]
fn the_global_limit_holds_runs_back_most_important_first() {
    let mut low = spec("low", "0 2 * * *", "UTC");
    low.priority = Priority::Low;
    let mut high = spec("high", "0 2 * * *", "UTC");
    high.priority = Priority::High;
    let mut critical = spec("critical", "0 2 * * *", "UTC");
    critical.priority = Priority::Critical;
    let mut s = fresh(vec![low, high, critical], 1, utc(2026, 1, 5, 1, 0, 0));
    let t = utc(2026, 1, 5, 2, 0, 0);
    assert_eq!(
        s.tick(t, true),
        vec![started("critical", Trigger::Schedule, 1)]
    );
    assert!(
        s.waiting("high")
            .unwrap()
            .reason
            .contains("max_concurrent_tasks = 1")
    );
    let next = s.finished(
        &run("critical", RunState::Succeeded, 1, t),
        t + Duration::seconds(5),
    );
    assert_eq!(next, vec![started("high", Trigger::Schedule, 1)]);
    let next = s.finished(
        &run("high", RunState::Succeeded, 1, t),
        t + Duration::seconds(9),
    );
    assert_eq!(next, vec![started("low", Trigger::Schedule, 1)]);
}

#[test]
fn disabled_and_unscheduled_tasks_only_run_when_triggered() {
    let mut off = spec("off", "* * * * *", "UTC");
    off.enabled = false;
    let mut manual = spec("manual", "* * * * *", "UTC");
    manual.schedule = None;
    let mut s = fresh(vec![off, manual], 4, utc(2026, 1, 5, 0, 0, 0));
    assert!(drive(&mut s, utc(2026, 1, 5, 0, 0, 0), utc(2026, 1, 5, 0, 3, 0)).is_empty());
    assert_eq!(
        s.trigger("manual", utc(2026, 1, 5, 0, 3, 0)).unwrap().len(),
        1
    );
    assert_eq!(
        s.trigger("nope", utc(2026, 1, 5, 0, 3, 0)),
        Err(Refused::UnknownTask)
    );
}
