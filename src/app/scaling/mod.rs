//! Scaling targets as the dashboard holds them: each `[[scaling]]`'s
//! autoscaler (`engine::scaling::Scaler`), what it last read and decided,
//! the records shown in its history, and an execution under way. Reads are
//! due on the tick; the runtime reads Prometheus and commands, and `update`
//! reads local series, evaluates, has the evaluation stored (the leader)
//! before showing it, and carries it out (auto targets, on the leader) or
//! waits for `s`. Every opsdeck follows the others' records in the store:
//! a follower shows the leader's decisions, and anyone learns of another's
//! executions (`follow`).

mod actions;
mod evaluate;
mod follow;
mod view;

pub use actions::{Approval, REPLICAS, ScaleDraft, carry_out, open_confirm, refresh_plan};
pub use evaluate::mode_name;
pub use follow::on_lead;
pub use view::{ChartPoint, TargetState};

use crate::app::state::AppState;
use crate::app::update::Effect as AppEffect;
use crate::engine::promql::Query;
use crate::engine::scaling::{Current, Decision, Inputs, Scaler, Source, TargetSpec};
use crate::store::scaling::ScalingRecord;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// What the runtime tells about scaling.
#[derive(Debug)]
pub enum Msg {
    /// A target's inputs were read. `None` marks what is read from local
    /// series (here, by `update`).
    Read {
        target: usize,
        at: DateTime<Utc>,
        current: Option<Result<u32, String>>,
        readings: Vec<Option<Result<f64, String>>>,
    },
    /// The evaluation waiting to be shown was stored (its id), or not.
    Recorded {
        target: usize,
        result: Result<i64, String>,
    },
    /// An execution ended and its record was written (or could not be).
    Executed {
        target: usize,
        record: Box<ScalingRecord>,
        stored: Result<i64, String>,
        /// An operator's `s`, answered in the audit log; None: automatic.
        approval: Option<Approval>,
    },
    /// Records other processes wrote: every target's latest (`full`, at the
    /// start) or those after the last one seen. `last`: where following goes
    /// on from (past this process's own rows too).
    Followed {
        records: Vec<ScalingRecord>,
        last: i64,
        full: bool,
    },
}

/// What the dashboard asks of the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read a target's current replicas and metrics (those not local).
    Read(usize),
    /// Store an evaluation; `Msg::Recorded` says when it is durable.
    Record {
        target: usize,
        record: Box<ScalingRecord>,
    },
    /// Run the executor, store the execution, report `Msg::Executed`.
    Execute(Box<Execution>),
    /// Read the records others wrote after this id (None: each target's
    /// latest, to start from); `Msg::Followed` brings them.
    Follow(Option<i64>),
}

/// A change to carry out.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub target: usize,
    pub name: String,
    pub from: u32,
    pub to: u32,
    pub argv: Vec<String>,
    pub timeout: std::time::Duration,
    /// auto, or approved / manual (an operator's `s`).
    pub trigger: &'static str,
    pub actor: String,
    /// An operator's `s` (None: the leader's own, `auto`).
    pub approval: Option<Approval>,
    /// Why: the decision's line, or "set by hand".
    pub why: String,
}

#[derive(Debug, Default)]
pub struct Scaling {
    /// One per `[[scaling]]`, in config order.
    pub targets: Vec<TargetView>,
    /// The store's records are read (at the start) and followed from here.
    pub loaded: bool,
    pub after: i64,
}

/// Records kept per target for its history view.
pub const RECORDS_KEPT: usize = 50;
/// Evaluations kept per target for its chart.
pub const CHART_KEPT: usize = 240;

#[derive(Debug)]
pub struct TargetView {
    pub scaler: Scaler,
    /// Parsed local queries: `current`'s, then each metric's (None: remote).
    local_current: Option<Query>,
    local_metrics: Vec<Option<Query>>,
    /// Since when a read is out: no second one starts beside it.
    pub reading: Option<DateTime<Utc>>,
    /// The last inputs read, and when.
    pub inputs: Option<Inputs>,
    pub read_at: Option<DateTime<Utc>>,
    /// The last decision shown.
    pub decision: Option<Decision>,
    pub summary: String,
    /// An evaluation being stored, shown once it is.
    pub waiting: Option<(Decision, Box<ScalingRecord>)>,
    /// The decision shown could not be stored: the next evaluation is
    /// stored (and only then carried out), even if it decides the same.
    pub unrecorded: bool,
    /// A change being carried out here: (since, from, to).
    pub executing: Option<(DateTime<Utc>, u32, u32)>,
    /// A change the leader is carrying out, from its stored evaluation,
    /// until its execution is on record (a follower's view).
    pub elsewhere: Option<(DateTime<Utc>, u32, u32)>,
    /// After a change, evaluations wait until `current` reads it (or until
    /// the deadline): a count read before the new replicas are seen would
    /// scale again from a figure that is already out of date.
    pub settling: Option<(u32, DateTime<Utc>)>,
    pub last_execution: Option<ScalingRecord>,
    /// Evaluations that changed something, and executions; newest last.
    pub records: VecDeque<ScalingRecord>,
    pub chart: VecDeque<ChartPoint>,
}

impl TargetView {
    fn new(spec: &TargetSpec) -> TargetView {
        let local = |q: &crate::engine::scaling::Query| {
            // Checked by `check-config`; a query that still fails reads as an error.
            (q.source == Source::Local).then(|| Query::parse(&q.expr).ok())?
        };
        TargetView {
            scaler: Scaler::new(spec.scaler.clone()),
            local_current: match &spec.current {
                Current::Query(q) => local(q),
                Current::Command(_) => None,
            },
            local_metrics: spec.metrics.iter().map(local).collect(),
            reading: None,
            inputs: None,
            read_at: None,
            decision: None,
            summary: String::new(),
            waiting: None,
            unrecorded: false,
            executing: None,
            elsewhere: None,
            settling: None,
            last_execution: None,
            records: VecDeque::new(),
            chart: VecDeque::new(),
        }
    }

    fn keep(&mut self, record: ScalingRecord) {
        if self.records.len() == RECORDS_KEPT {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }
}

impl Scaling {
    pub fn for_config(config: &crate::config::Config) -> Scaling {
        Scaling {
            targets: config
                .scaling_targets()
                .iter()
                .map(TargetView::new)
                .collect(),
            loaded: false,
            after: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

/// A read out longer than this is lost (the runtime's own limits are shorter).
const LOST_AFTER: chrono::Duration = chrono::Duration::seconds(30);

/// Every tick: the reads that are due and not out, and the store's new
/// records.
pub fn on_tick(state: &mut AppState) -> Vec<AppEffect> {
    if state.scaling.is_empty() {
        return Vec::new();
    }
    let now = state.now;
    let specs = state.config.scaling_targets();
    let mut effects = Vec::new();
    if state.store != crate::app::state::StoreRole::Off {
        let scaling = &state.scaling;
        let after = scaling.loaded.then_some(scaling.after);
        effects.push(AppEffect::Scaling(Effect::Follow(after)));
    }
    for (i, (view, spec)) in state.scaling.targets.iter_mut().zip(specs).enumerate() {
        let limit = chrono::Duration::from_std(spec.timeout).unwrap_or_default() + LOST_AFTER;
        if view.reading.is_some_and(|since| now - since > limit) {
            tracing::warn!("scaling {}: a read never reported back", spec.scaler.name);
            view.reading = None;
        }
        if view
            .elsewhere
            .is_some_and(|(since, _, _)| now - since > limit)
        {
            // Its execution never came on record (the leader died, or its store failed).
            view.elsewhere = None;
        }
        let interval = chrono::Duration::from_std(spec.interval).unwrap_or_default();
        let due = view.read_at.is_none_or(|at| now - at >= interval);
        if due && view.reading.is_none() {
            view.reading = Some(now);
            effects.push(AppEffect::Scaling(Effect::Read(i)));
        }
    }
    effects
}

pub fn on_msg(state: &mut AppState, msg: Msg) -> Vec<AppEffect> {
    match msg {
        Msg::Read {
            target,
            at,
            current,
            readings,
        } => evaluate::on_read(state, target, at, current, readings),
        Msg::Recorded { target, result } => evaluate::on_recorded(state, target, result),
        Msg::Executed {
            target,
            record,
            stored,
            approval,
        } => actions::on_executed(state, target, *record, stored, approval),
        Msg::Followed {
            records,
            last,
            full,
        } => follow::on_followed(state, records, last, full),
    }
}

/// The target under the Scaling pane's cursor.
pub fn selected(state: &AppState) -> Option<usize> {
    let count = state.scaling.targets.len();
    let selected = state.list(crate::app::PaneId::Scaling).selected;
    (selected < count).then_some(selected)
}
