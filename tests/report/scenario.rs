//! A shift of 12 hours from `t0`, written to a real state database through
//! the store's own writers: alerts acknowledged early and late, resolved
//! without one, flapping, still firing and carried over from before; tasks
//! failing and timing out; a recovery run and one held back; a scaling
//! change; a check going down for 30 minutes; 720 minutes of resources; a
//! hand-over at `t0`; and a label that tries to inject markup.

#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use opsdeck::engine::report::inputs::{CheckMinute, Handover, Minute};
use opsdeck::engine::tasks::{Run, RunState, Trigger};
use opsdeck::labels::LabelSet;
use opsdeck::store::Store;
use opsdeck::store::acks::{AlertEvent, NewAck};
use opsdeck::store::health::HealthChange;
use opsdeck::store::recovery::NewRecoveryRun;
use opsdeck::store::scaling::{RecordKind, ScalingRecord};

/// A label value that would break a table or open a tag if not escaped.
pub const HOSTILE: &str = "<script>alert(1)</script> | x | **bold** [link](http://e)";

pub fn min(t0: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    t0 + Duration::minutes(minutes)
}

fn labels(name: &str, severity: &str, instance: &str) -> LabelSet {
    [
        ("alertname", name),
        ("severity", severity),
        ("instance", instance),
    ]
    .into_iter()
    .collect()
}

fn key(l: &LabelSet) -> String {
    opsdeck::app::alerts::label_key(l.iter())
}

fn event(s: &mut Store, l: &LabelSet, kind: &str, at: DateTime<Utc>) {
    let e = AlertEvent {
        alert_key: key(l),
        source: "am".into(),
        kind: kind.into(),
        at,
        labels: l.clone(),
        started: None,
    };
    s.record_events(&[e]).unwrap();
}

fn ack(s: &mut Store, l: &LabelSet, by: &str, at: DateTime<Utc>, hours: i64) {
    s.record_ack(&NewAck {
        alert_key: key(l),
        labels: serde_json::to_value(l.to_map()).unwrap(),
        source: "am".into(),
        silence_id: Some(format!("silence-{}", at.timestamp())),
        author: by.into(),
        comment: "ACK! looking".into(),
        created: at,
        expires: at + Duration::hours(hours),
    })
    .unwrap();
}

fn run(s: &mut Store, task: &str, at: DateTime<Utc>, state: RunState, secs: i64, detail: &str) {
    let mut r = Run::start(task, Trigger::Schedule, 1, "scheduler@ops-1", at);
    r.id = s.insert_run(&r).unwrap();
    r.state = state;
    r.finished = Some(at + Duration::seconds(secs));
    r.exit_code = Some(i32::from(state != RunState::Succeeded));
    r.detail = detail.into();
    s.finish_run(&r).unwrap();
}

pub fn fill(s: &mut Store, t0: DateTime<Utc>) {
    let m = |x| min(t0, x);
    s.insert_handover(&Handover {
        at: t0,
        actor: "alice@ops-1".into(),
        note: "db-2 is slow; watch the backup".into(),
    })
    .unwrap();

    // Carried over: fired and acknowledged before the shift, still firing.
    let old = labels("OldAlert", "critical", "db-2:9100");
    event(s, &old, "fired", m(-120));
    ack(s, &old, "alice@ops-1", m(-110), 24);
    // Fired just before the shift, never acknowledged, resolved after 32
    // minutes: its response deadline fell in the shift, so the miss is the
    // shift's.
    let unanswered = labels("Unanswered", "critical", "db-3:9100");
    event(s, &unanswered, "fired", m(-2));
    event(s, &unanswered, "resolved", m(30));
    // P1 acknowledged after 3 minutes (within 5), resolved after an hour;
    // its firing told twice (a restart) is one firing.
    let disk = labels("DiskFull", "critical", "web-1:9100");
    event(s, &disk, "fired", m(60));
    event(s, &disk, "fired", m(61));
    ack(s, &disk, "bob@ops-1", m(63), 1);
    event(s, &disk, "resolved", m(120));
    // P1 acknowledged after 20 minutes (a miss), resolved after two hours.
    let cpu = labels("HighCPU", "critical", "web-2:9100");
    event(s, &cpu, "fired", m(180));
    ack(s, &cpu, "bob@ops-1", m(200), 1);
    event(s, &cpu, "resolved", m(300));
    // P2 resolved after 10 minutes with no acknowledgement.
    let api = labels("APIErrors", "warning", "api-1:8080");
    event(s, &api, "fired", m(240));
    event(s, &api, "resolved", m(250));
    // P3 flapping: three firings of 5 minutes.
    let flap = labels("Flapper", "info", "cache-1:9100");
    for start in [360, 370, 380] {
        event(s, &flap, "fired", m(start));
        event(s, &flap, "resolved", m(start + 5));
    }
    // P2 firing for the last hour, nobody acknowledged it (a miss).
    let late = labels("StillFiring", "warning", HOSTILE);
    event(s, &late, "fired", m(660));

    run(s, "backup", m(30), RunState::Succeeded, 60, "");
    run(s, "backup", m(270), RunState::Failed, 20, "exit 1");
    run(
        s,
        "backup",
        m(510),
        RunState::TimedOut,
        1800,
        "timed out after 30m",
    );
    // Skipped (the previous run still going): says nothing of how it is doing.
    let still_going = "the previous run is still going";
    run(s, "backup", m(600), RunState::Skipped, 0, still_going);
    run(s, "cache", m(100), RunState::Succeeded, 5, "");
    run(s, "cache", m(460), RunState::Succeeded, 5, "");

    let id = s
        .insert_recovery_run(&NewRecoveryRun {
            runbook: "high_memory".into(),
            alert_key: Some(key(&cpu)),
            alert_labels: serde_json::to_value(cpu.to_map()).unwrap(),
            trigger: "manual".into(),
            dry_run: false,
            started: m(205),
            actor: "bob@ops-1".into(),
        })
        .unwrap();
    s.update_recovery_run(id, "recovered", 1, Some(m(210)), "every step went through")
        .unwrap();
    let skipped = opsdeck::store::NewAudit::event(
        m(245),
        "opsdeck@ops-1",
        "runbook.auto",
        "skipped: at most 2 runs per hour",
    )
    .with_target("service_unavailable");
    s.append_audit(&skipped).unwrap();
    let trigger = opsdeck::store::NewAudit::event(m(90), "carol@ops-1", "task.trigger", "started")
        .with_target("cache");
    s.append_audit(&trigger).unwrap();

    let scaling = |at, kind, current, desired, executed: bool, summary: &str| ScalingRecord {
        id: 0,
        target: "web".into(),
        at,
        kind,
        trigger: "auto".into(),
        current,
        desired,
        summary: summary.into(),
        inputs: Default::default(),
        decision: None,
        command: vec!["kubectl".into()],
        executed,
        dry_run: false,
        outcome: if kind == RecordKind::Execution {
            "ok"
        } else {
            "to carry out"
        }
        .into(),
        output: String::new(),
        actor: "opsdeck@ops-1".into(),
    };
    let why = "cpu 140 vs 70 → 4";
    s.insert_scaling(&scaling(m(420), RecordKind::Evaluation, 2, 4, false, why))
        .unwrap();
    s.insert_scaling(&scaling(m(421), RecordKind::Execution, 2, 4, true, why))
        .unwrap();
    let later = "cpu 105 vs 70 → 6; max 6";
    s.insert_scaling(&scaling(m(600), RecordKind::Evaluation, 4, 6, false, later))
        .unwrap();

    let change = |at, to: &str, cause: &str| HealthChange {
        check: "api".into(),
        from: String::new(),
        to: to.into(),
        cause: cause.into(),
        at,
    };
    s.insert_health_change(&change(m(-60), "up", "status 200"))
        .unwrap();
    s.insert_health_change(&change(m(120), "down", "connection refused"))
        .unwrap();
    s.insert_health_change(&change(m(150), "up", "status 200"))
        .unwrap();

    // The api check's probes: two a minute, slow while it went down and at
    // the end of the shift.
    for i in 0..720 {
        let slow = (680..720).contains(&i);
        let down = (120..150).contains(&i);
        s.upsert_check_minute(&CheckMinute {
            check: "api".into(),
            at: m(i),
            probes: 2,
            failures: if down { 2 } else { 0 },
            latencies_ms: if down {
                Vec::new()
            } else if slow {
                vec![200, 900]
            } else {
                vec![20, 30]
            },
        })
        .unwrap();
    }

    const GIB: u64 = 1 << 30;
    for i in 0..720 {
        let busy = i >= 680;
        s.upsert_minute(&Minute {
            at: m(i),
            cpu_avg: if busy { 90.0 } else { 20.0 },
            cpu_max: if i == 700 {
                97.0
            } else if busy {
                92.0
            } else {
                25.0
            },
            mem_avg: 50.0,
            mem_max: 60.0,
            fs_mount: "/".into(),
            fs_used_pct: 50.0 + i as f64 / 60.0,
            fs_used_bytes: 50 * GIB + i as u64 * GIB / 60,
            fs_total_bytes: 100 * GIB,
        })
        .unwrap();
    }
}
