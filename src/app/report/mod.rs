//! The ops report in the dashboard: the leader's per-minute aggregate of
//! the host, stored for `opsdeck report` (`minutes`); the hand-over line in
//! the header (the last hand-over of the past 12 hours, and what came
//! since); and `H`, the report since then as an overlay.

pub mod minutes;

use crate::app::state::{AppState, Overlay, StatusKind, StoreRole};
use crate::app::update::Effect as AppEffect;
use crate::collect::model::ResourceSample;
use crate::engine::incident::LevelRule;
use crate::engine::report::Report;
use crate::engine::report::inputs::{CheckMinute, Minute};
use crate::store::report::SinceHandover;
use chrono::{DateTime, Utc};

/// What the report's part of the dashboard asks of the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Store a finished minute (not waited for: an observation).
    StoreMinute(Minute),
    /// Store a check's finished minute of probes.
    StoreCheckMinute(CheckMinute),
    /// Read the last hand-over of the past 12 hours and what came since.
    LoadHandover,
    /// Build the report since the last hand-over (or of the last 12 hours).
    LoadSummary(Box<SummaryRequest>),
}

/// What a report needs that the store does not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRequest {
    pub host: String,
    pub actor: String,
    pub level_rules: Vec<LevelRule>,
}

#[derive(Debug)]
pub enum Msg {
    Handover(Option<SinceHandover>),
    Summary(Result<Box<Report>, String>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportView {
    pub minute: minutes::MinuteSoFar,
    /// Each check's probes in the minute being gathered, by its index.
    pub probes: Vec<minutes::ProbesSoFar>,
    /// For the header line.
    pub since_handover: Option<SinceHandover>,
    pub handover_read: Option<DateTime<Utc>>,
    /// The overlay's report (None while it is built).
    pub summary: Option<Result<Box<Summary>, String>>,
}

/// The report `H` shows, and its document, made once when it arrives (not
/// on every frame).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub report: Report,
    pub blocks: Vec<crate::engine::report::document::Block>,
}

/// How often the header's hand-over line is read again.
const HANDOVER_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// Every sample: a finished minute is stored by the leader (one writer per
/// host; the others' would be the same figures).
pub fn on_sample(state: &mut AppState, sample: &ResourceSample) -> Vec<AppEffect> {
    let Some(minute) = state.report.minute.add(sample) else {
        return Vec::new();
    };
    if state.store == StoreRole::Leader && state.runs_host_work() {
        vec![AppEffect::Report(Effect::StoreMinute(minute))]
    } else {
        Vec::new()
    }
}

/// Every probe of `[[health_check]]` number `check`.
pub fn on_probe(
    state: &mut AppState,
    check: usize,
    probe: &crate::engine::health::Probe,
) -> Vec<AppEffect> {
    let Some(spec) = state.config.health_checks().get(check) else {
        return Vec::new();
    };
    let probes = &mut state.report.probes;
    if probes.len() <= check {
        probes.resize_with(check + 1, Default::default);
    }
    let Some(minute) = probes[check].add(&spec.name, probe) else {
        return Vec::new();
    };
    if state.store == StoreRole::Leader && state.runs_host_work() {
        vec![AppEffect::Report(Effect::StoreCheckMinute(minute))]
    } else {
        Vec::new()
    }
}

pub fn on_tick(state: &mut AppState) -> Vec<AppEffect> {
    if state.store == StoreRole::Off {
        return Vec::new();
    }
    let due = state
        .report
        .handover_read
        .is_none_or(|at| state.now - at >= HANDOVER_EVERY);
    if !due {
        return Vec::new();
    }
    state.report.handover_read = Some(state.now);
    vec![AppEffect::Report(Effect::LoadHandover)]
}

pub fn on_msg(state: &mut AppState, msg: Msg) -> Vec<AppEffect> {
    match msg {
        Msg::Handover(since) => state.report.since_handover = since,
        Msg::Summary(report) => {
            if let Err(e) = &report {
                tracing::error!("cannot build the hand-over report: {e}");
            }
            state.report.summary = Some(report.map(|report| {
                let blocks = crate::engine::report::document::document(&report);
                Box::new(Summary {
                    report: *report,
                    blocks,
                })
            }));
        }
    }
    Vec::new()
}

/// `H`: the report since the last hand-over, built on the store's thread.
pub fn open(state: &mut AppState) -> Vec<AppEffect> {
    if state.store == StoreRole::Off {
        state.set_status(
            StatusKind::Info,
            "hand-over summary: no state database (--no-store), so nothing is on record",
        );
        return Vec::new();
    }
    state.report.summary = None;
    state.view.details_scroll = 0;
    state.view.overlay = Some(Overlay::Report);
    let request = SummaryRequest {
        host: state.host.hostname.clone(),
        actor: state.actor.clone(),
        level_rules: state.config.ui.alerts.level_rules(),
    };
    vec![AppEffect::Report(Effect::LoadSummary(Box::new(request)))]
}
