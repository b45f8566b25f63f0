//! "Now": what the next shift inherits at the period's end.

use super::{Block, STALE, labels, run_row, span, table, time};
use crate::engine::report::Report;
use crate::engine::report::alerts::Firing;

fn firing_row(f: &Firing) -> Vec<String> {
    vec![
        f.level.into(),
        f.alertname.clone(),
        labels(&f.labels),
        span(f.firing_secs),
        f.acknowledged_by.clone().unwrap_or_else(|| "no".into()),
    ]
}

pub(super) fn now(d: &mut Vec<Block>, r: &Report) {
    let n = &r.now;
    d.push(Block::Heading(2, format!("Now (at {})", time(r.until))));
    match r.recorded_until {
        Some(at) if r.until - at > STALE => d.push(Block::Text(format!(
            "No opsdeck has recorded this host since {} ({} before the period's end): what follows is as of then; an alert that resolved meanwhile still shows as firing.",
            time(at),
            span((r.until - at).num_seconds() as f64)
        ))),
        None => d.push(Block::Text(
            "No opsdeck has recorded this host in the period: what follows is as last recorded.".into(),
        )),
        _ => {}
    }
    d.push(Block::Heading(3, "Firing alerts".into()));
    let rows = n.firing.iter().map(firing_row).collect();
    let head = vec!["Level", "Alert", "Labels", "Firing for", "Acknowledged by"];
    table(d, head, rows, "No alert is firing.");
    d.push(Block::Heading(3, "Acknowledgements and silences".into()));
    let rows = n
        .acknowledgements
        .iter()
        .map(|a| {
            vec![
                a.alert.clone(),
                a.author.clone(),
                time(a.expires),
                if a.expires_within_shift { "yes" } else { "no" }.into(),
                a.silence.clone().unwrap_or_else(|| "local".into()),
                a.comment.clone(),
            ]
        })
        .collect();
    for why in &r.silences_unread {
        d.push(Block::Text(format!("Silences not read: {why}.")));
    }
    let head = vec![
        "Alert",
        "By",
        "Expires",
        "Within the next shift",
        "Silence",
        "Comment",
    ];
    table(d, head, rows, "No acknowledgement is open.");
    d.push(Block::Heading(3, "Tasks".into()));
    let rows: Vec<Vec<String>> = n
        .tasks_running
        .iter()
        .chain(&n.tasks_failing)
        .map(run_row)
        .collect();
    table(
        d,
        vec!["Task", "State", "Started", "Detail"],
        rows,
        "No task is running or failing.",
    );
    d.push(Block::Heading(3, "Checks not up".into()));
    let rows = n
        .checks_not_up
        .iter()
        .map(|c| {
            vec![
                c.check.clone(),
                c.state.clone(),
                c.since.map_or_else(String::new, time),
                c.cause.clone(),
            ]
        })
        .collect();
    table(
        d,
        vec!["Check", "State", "Since", "Cause"],
        rows,
        if r.checks.is_empty() {
            "No check state is on record."
        } else {
            "Every check is up."
        },
    );
    d.push(Block::Heading(
        3,
        "Scaling targets off their desired size".into(),
    ));
    let rows = n
        .scaling_off_target
        .iter()
        .map(|s| {
            vec![
                s.target.clone(),
                format!("{} → {}", s.from, s.to),
                s.reason.clone(),
            ]
        })
        .collect();
    table(
        d,
        vec!["Target", "Current → desired", "Why"],
        rows,
        "Every scaling target is at its desired size.",
    );
}
