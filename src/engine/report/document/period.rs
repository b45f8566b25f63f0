//! "During the period": alerts and their response times, tasks, recovery,
//! scaling, checks, the host's resources and the actions people took.

use super::{Block, Chart, labels, maybe_span, pct, run_row, span, table, time};
use crate::engine::report::Report;
use crate::engine::report::stats::Spread;

fn spread(s: &Spread) -> [String; 2] {
    [maybe_span(s.median), maybe_span(s.p95)]
}

pub(super) fn period(d: &mut Vec<Block>, r: &Report) {
    let a = &r.alerts;
    d.push(Block::Heading(2, "During the period".into()));
    d.push(Block::Heading(3, "Alerts".into()));
    d.push(Block::Text(format!(
        "{} fired, {} acknowledged, {} resolved. Incidents (P1 and P2): {}, {:.1} per 12 h against a budget of {}{}.",
        a.fired,
        a.acknowledged,
        a.resolved,
        a.incidents,
        a.incidents_per_12h,
        a.incident_budget_per_12h,
        match a.over_budget {
            Some(true) => ": over budget",
            Some(false) => "",
            None => " (the period is shorter than 12 h: not compared)",
        }
    )));
    d.push(Block::Chart(Chart::AlertsPerHour));
    let rows = a
        .levels
        .iter()
        .filter(|l| l.fired > 0)
        .map(|l| {
            let [tta_median, tta_p95] = spread(&l.time_to_acknowledge);
            let [ttr_median, ttr_p95] = spread(&l.time_to_resolve);
            vec![
                l.level.into(),
                l.fired.to_string(),
                l.acknowledged.to_string(),
                l.resolved.to_string(),
                tta_median,
                tta_p95,
                ttr_median,
                ttr_p95,
                span(l.respond_within_secs as f64),
                l.misses.to_string(),
            ]
        })
        .collect();
    let head = vec![
        "Level",
        "Fired",
        "Acknowledged",
        "Resolved",
        "MTTA median",
        "MTTA p95",
        "MTTR median",
        "MTTR p95",
        "Respond within",
        "Misses",
    ];
    table(d, head, rows, "No alert fired in the period.");
    if !a.misses.is_empty() {
        d.push(Block::Heading(4, "Response-target misses".into()));
        let rows = a
            .misses
            .iter()
            .map(|m| {
                vec![
                    m.level.into(),
                    m.alertname.clone(),
                    labels(&m.labels),
                    time(m.started),
                    format!(
                        "{}{}",
                        span(m.waited_secs),
                        if m.acknowledged {
                            ""
                        } else {
                            " (not acknowledged)"
                        }
                    ),
                    span(m.target_secs as f64),
                ]
            })
            .collect();
        let head = vec!["Level", "Alert", "Labels", "Started", "Waited", "Target"];
        table(d, head, rows, "");
    }
    if !a.noisiest.is_empty() {
        d.push(Block::Heading(4, "Noisiest alerts".into()));
        d.push(Block::Bullets(
            a.noisiest
                .iter()
                .map(|n| format!("{}: fired {} times", n.alertname, n.firings))
                .collect(),
        ));
    }
    if !a.flapping.is_empty() {
        d.push(Block::Heading(4, "Flapping alerts".into()));
        d.push(Block::Bullets(
            a.flapping
                .iter()
                .map(|f| {
                    format!(
                        "{} ({}): {} transitions",
                        f.alertname,
                        labels(&f.labels),
                        f.transitions
                    )
                })
                .collect(),
        ));
    }
    tasks(d, r);
    recovery(d, r);
    d.push(Block::Heading(3, "Scaling".into()));
    let rows = r
        .scaling
        .iter()
        .map(|s| {
            vec![
                time(s.at),
                s.target.clone(),
                format!("{} → {}", s.from, s.to),
                s.trigger.clone(),
                s.outcome.clone(),
                s.reason.clone(),
            ]
        })
        .collect();
    let head = vec!["At", "Target", "Replicas", "Trigger", "Outcome", "Why"];
    table(d, head, rows, "No scaling change was carried out.");
    host(d, r);
    actions(d, r);
}

fn tasks(d: &mut Vec<Block>, r: &Report) {
    d.push(Block::Heading(3, "Tasks".into()));
    let rows = r
        .tasks
        .tasks
        .iter()
        .map(|t| {
            vec![
                t.task.clone(),
                t.runs.to_string(),
                t.succeeded.to_string(),
                t.failed.to_string(),
                t.timed_out.to_string(),
                t.cancelled.to_string(),
                t.skipped.to_string(),
                t.success_rate.map_or_else(|| "–".into(), pct),
            ]
        })
        .collect();
    let head = vec![
        "Task",
        "Runs",
        "Succeeded",
        "Failed",
        "Timed out",
        "Cancelled",
        "Skipped",
        "Success rate",
    ];
    table(d, head, rows, "No task ran in the period.");
    if !r.tasks.failures.is_empty() {
        d.push(Block::Heading(4, "Failed runs".into()));
        let rows = r.tasks.failures.iter().map(run_row).collect();
        table(d, vec!["Task", "State", "Started", "Detail"], rows, "");
    }
}

fn recovery(d: &mut Vec<Block>, r: &Report) {
    d.push(Block::Heading(3, "Recovery runs".into()));
    let rows = r
        .recovery
        .runs
        .iter()
        .map(|run| {
            vec![
                time(run.started),
                run.runbook.clone(),
                run.alert.clone().unwrap_or_default(),
                run.trigger.clone(),
                run.state.clone(),
                run.detail.clone(),
            ]
        })
        .collect();
    let head = vec![
        "Started", "Runbook", "Alert", "Trigger", "Outcome", "Detail",
    ];
    table(d, head, rows, "No recovery run in the period.");
    if !r.recovery.held_back.is_empty() {
        d.push(Block::Heading(
            4,
            "Automatic recovery held back by a guard rail".into(),
        ));
        let rows = r
            .recovery
            .held_back
            .iter()
            .map(|h| vec![time(h.at), h.runbook.clone(), h.why.clone()])
            .collect();
        table(d, vec!["At", "Runbook", "Why"], rows, "");
    }
}

fn host(d: &mut Vec<Block>, r: &Report) {
    d.push(Block::Heading(3, "Checks".into()));
    let rows = r
        .checks
        .iter()
        .map(|c| {
            vec![
                c.check.clone(),
                c.availability
                    .map_or_else(|| "–".into(), |a| format!("{a:.2} %")),
                span(c.down_secs),
                c.changes.to_string(),
                format!("{} ({} failed)", c.probes, c.failures),
                c.latency_p95_ms
                    .map_or_else(|| "–".into(), |ms| format!("{ms:.0} ms")),
                c.state.clone(),
            ]
        })
        .collect();
    let head = vec![
        "Check",
        "Availability",
        "Down for",
        "Changes",
        "Probes",
        "Latency p95",
        "State at the end",
    ];
    table(d, head, rows, "No check state is on record.");
    d.push(Block::Heading(3, "Host resources".into()));
    let Some(res) = &r.resources else {
        d.push(Block::Text(
            "No resource figures are on record for the period (the leading opsdeck stores one per minute)."
                .into(),
        ));
        return;
    };
    d.push(Block::Chart(Chart::CpuAndMemory));
    let mut rows = vec![
        vec![
            "CPU".into(),
            pct(res.cpu.peak),
            pct(res.cpu.p95),
            String::new(),
        ],
        vec![
            "Memory".into(),
            pct(res.memory.peak),
            pct(res.memory.p95),
            String::new(),
        ],
    ];
    if let Some(fs) = &res.filesystem {
        rows.push(vec![
            format!("Filesystem {}", fs.mount),
            pct(fs.peak),
            pct(fs.p95),
            fs.days_until_full.map_or_else(
                || "not filling".into(),
                |days| format!("full in {days:.1} days"),
            ),
        ]);
    }
    d.push(Block::Table {
        head: vec!["", "Peak", "p95", "Forecast"],
        rows,
    });
    d.push(Block::Text(format!(
        "From {} minutes on record.",
        res.minutes
    )));
}

fn actions(d: &mut Vec<Block>, r: &Report) {
    d.push(Block::Heading(3, "Actions taken".into()));
    let rows = r
        .actions
        .iter()
        .flat_map(|a| {
            a.actions.iter().map(|x| {
                vec![
                    time(x.at),
                    a.actor.clone(),
                    x.action.clone(),
                    x.target.clone(),
                    x.outcome.clone(),
                ]
            })
        })
        .collect();
    table(
        d,
        vec!["At", "Who", "Action", "Target", "Outcome"],
        rows,
        "No action is on record.",
    );
}
