//! The scaling records other opsdeck processes wrote to the store. At the
//! start each target's latest fill its history and its autoscaler's memory
//! (a restarted leader keeps its stabilisation windows); then each tick
//! brings what others wrote since. A follower shows the leader's
//! evaluations as its decisions, so every opsdeck on the host shows the
//! same ones; anyone learns of another's executions, counts them in its rate
//! policies and waits for `current` to read them.

use super::TargetView;
use super::evaluate::settle_until;
use crate::app::state::AppState;
use crate::app::update::Effect as AppEffect;
use crate::engine::scaling::TargetSpec;
use crate::store::scaling::{RecordKind, ScalingRecord};
use chrono::{DateTime, Utc};

/// How a record is taken.
#[derive(Clone, Copy)]
struct Context {
    now: DateTime<Utc>,
    /// The store's latest, read at the start (else one just written).
    full: bool,
    /// This opsdeck shows the leader's decisions.
    follows: bool,
    /// A leader is there to carry out what it decided.
    leader: bool,
    /// The target had no decision of its own when the records came.
    undecided: bool,
}

pub fn on_followed(
    state: &mut AppState,
    records: Vec<ScalingRecord>,
    last: i64,
    full: bool,
) -> Vec<AppEffect> {
    let cx = Context {
        now: state.now,
        full,
        follows: state.follows_leader(),
        leader: state.leader.is_some(),
        undecided: false,
    };
    let scaling = &mut state.scaling;
    if full && scaling.loaded {
        // A second answer to the first read: everything in it is here.
        return Vec::new();
    }
    // Ids start again only when pruning emptied the table.
    let restarted = !full && last < scaling.after;
    let seen = if full || restarted {
        i64::MIN
    } else {
        scaling.after
    };
    scaling.after = if restarted {
        last
    } else {
        scaling.after.max(last)
    };
    if full {
        scaling.loaded = true;
    }
    // Before the first read, the newest stored evaluation is the decision.
    let undecided: Vec<bool> = scaling
        .targets
        .iter()
        .map(|t| t.decision.is_none())
        .collect();
    let specs = state.config.scaling_targets();
    // A read answered twice (a tick came before its answer) is taken once.
    for record in records.into_iter().filter(|r| r.id > seen) {
        // A target of another opsdeck's config is not shown here.
        let Some(i) = specs.iter().position(|s| s.scaler.name == record.target) else {
            continue;
        };
        let view = &mut scaling.targets[i];
        // Its own, stored before the first read's answer came.
        if full && view.records.iter().any(|r| r.id == record.id) {
            continue;
        }
        let cx = Context {
            undecided: undecided[i],
            ..cx
        };
        take(view, &specs[i], record, &cx);
    }
    if full {
        for view in &mut scaling.targets {
            view.records.make_contiguous().sort_by_key(|r| r.id);
        }
    }
    Vec::new()
}

fn take(view: &mut TargetView, spec: &TargetSpec, record: ScalingRecord, cx: &Context) {
    match record.kind {
        RecordKind::Execution => {
            view.elsewhere = None;
            if record.executed {
                view.scaler
                    .scaled(record.at, record.current, record.desired);
                // Just written: it ended now. Read at the start: from its time.
                let from = if cx.full { record.at } else { cx.now };
                let until = settle_until(from, spec.interval);
                if until > cx.now {
                    view.settling = Some((record.desired, until));
                }
            }
            view.last_execution = Some(record.clone());
        }
        RecordKind::Evaluation => {
            let Some(decision) = &record.decision else {
                view.keep(record);
                return;
            };
            view.scaler.remember(decision);
            // The leader's, or what was decided before this one started.
            if cx.follows || (cx.full && cx.undecided) {
                view.summary = record.summary.clone();
                view.decision = Some(decision.clone());
            }
            let carrying_out = record.trigger
                == super::mode_name(crate::engine::scaling::Mode::Auto)
                && record.outcome == super::evaluate::TO_CARRY_OUT
                && decision.changes();
            if cx.follows && cx.leader && carrying_out {
                // Timed from when it was seen: the read before it and the
                // executor after it each take up to the timeout.
                let since = if cx.full { record.at } else { cx.now };
                view.elsewhere = Some((since, record.current, record.desired));
            }
        }
    }
    view.keep(record);
}

/// This opsdeck now leads: a change it saw the old leader start is not
/// waited for (its record would have come; the new leader decides afresh).
pub fn on_lead(state: &mut AppState) {
    for view in &mut state.scaling.targets {
        view.elsewhere = None;
    }
}
