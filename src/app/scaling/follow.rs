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
struct Context {
    now: DateTime<Utc>,
    /// The store's latest, read at the start (else one just written).
    full: bool,
    /// This opsdeck shows the leader's decisions.
    follows: bool,
    /// A leader is there to carry out what it decided.
    leader: bool,
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
    };
    let scaling = &mut state.scaling;
    scaling.after = scaling.after.max(last);
    if full {
        scaling.loaded = true;
        for view in &mut scaling.targets {
            view.records.clear();
        }
    }
    let specs = state.config.scaling_targets();
    for record in records {
        // A target of another opsdeck's config is not shown here.
        let Some(i) = specs.iter().position(|s| s.scaler.name == record.target) else {
            continue;
        };
        take(&mut scaling.targets[i], &specs[i], record, &cx);
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
            if cx.follows || (cx.full && view.decision.is_none()) {
                view.summary = record.summary.clone();
                view.decision = Some(decision.clone());
            }
            let carrying_out = record.trigger
                == super::mode_name(crate::engine::scaling::Mode::Auto)
                && record.outcome == super::evaluate::TO_CARRY_OUT
                && decision.changes();
            if cx.follows && cx.leader && carrying_out {
                view.elsewhere = Some((record.at, record.current, record.desired));
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
