//! The ops report: what happened in a period, from the store's records
//! only (`Inputs`), worked out here with no I/O so its figures can be
//! checked exactly. `commands::report` reads the store and writes the
//! figures as Markdown, HTML or JSON (shape: assets/report.schema.json).

pub mod alerts;
pub mod document;
pub mod host;
pub mod inputs;
pub mod stats;
pub mod work;

pub use inputs::Inputs;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The JSON's `schema` field: changes that break scripts bump it.
pub const SCHEMA: &str = "opsdeck-report/1";

/// A hand-over's shift: acknowledgements expiring within it come first.
pub const SHIFT: chrono::TimeDelta = chrono::TimeDelta::hours(12);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub host: String,
    pub generated_by: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub previous_handover: Option<inputs::Handover>,
    /// The hand-over `opsdeck handover` just recorded (with its note).
    pub this_handover: Option<inputs::Handover>,
    /// Up to when the leading opsdeck recorded the host: what `now` says is
    /// as of then when it is long before `until`.
    pub recorded_until: Option<DateTime<Utc>>,
    /// Alertmanagers whose silences could not be read, with why.
    pub silences_unread: Vec<String>,
    pub now: Now,
    pub alerts: alerts::AlertFigures,
    pub alerts_per_hour: Vec<HourCount>,
    pub tasks: work::TaskFigures,
    pub recovery: work::RecoveryFigures,
    pub scaling: Vec<work::ScalingLine>,
    pub checks: Vec<host::CheckLine>,
    pub resources: Option<host::Resources>,
    pub resource_series: Vec<ResourcePoint>,
    pub actions: Vec<work::ActorActions>,
    /// Sections with no records in the period, said rather than shown empty.
    pub no_data: Vec<&'static str>,
}

/// The state at the period's end, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Now {
    pub firing: Vec<alerts::Firing>,
    /// Open acknowledgements, soonest to expire first.
    pub acknowledgements: Vec<AckLine>,
    pub tasks_running: Vec<work::TaskRunLine>,
    pub tasks_failing: Vec<work::TaskRunLine>,
    /// Checks not up (down, pending, warning).
    pub checks_not_up: Vec<host::CheckLine>,
    /// Scaling targets whose last evaluation wants another count.
    pub scaling_off_target: Vec<work::ScalingLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AckLine {
    pub alert: String,
    pub author: String,
    pub comment: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    /// Expires within the next shift (12 h from the period's end).
    pub expires_within_shift: bool,
    /// The Alertmanager silence behind it, if any.
    pub silence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HourCount {
    pub hour: DateTime<Utc>,
    pub fired: usize,
}

/// CPU and memory for the charts: each point the mean of its minutes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourcePoint {
    pub at: DateTime<Utc>,
    pub cpu: f64,
    pub memory: f64,
}

/// Points in the resource charts at most.
const CHART_POINTS: usize = 240;

pub fn build(inputs: &Inputs) -> Report {
    let (episodes, flips) = alerts::episodes(inputs);
    let alert_figures = alerts::figures(inputs, &episodes, &flips);
    let checks = host::checks(inputs);
    let (tasks_running, tasks_failing) = work::tasks_now(inputs);
    let mut acknowledgements: Vec<AckLine> = inputs
        .open_acks
        .iter()
        .map(|a| AckLine {
            alert: a.key.clone(),
            author: a.author.clone(),
            comment: a.comment.clone(),
            created: a.created,
            expires: a.expires,
            expires_within_shift: a.expires <= inputs.until + SHIFT,
            silence: a.silence.clone(),
        })
        .collect();
    acknowledgements.sort_by_key(|a| a.expires);
    let now = Now {
        firing: alerts::firing(inputs, &episodes),
        acknowledgements,
        tasks_running,
        tasks_failing,
        checks_not_up: checks
            .iter()
            .filter(|c| c.state != "up" && c.state != "unknown")
            .cloned()
            .collect(),
        scaling_off_target: work::scaling_now(inputs),
    };
    let tasks = work::tasks(inputs);
    let recovery = work::recovery(inputs);
    let scaling = work::scaling(inputs);
    let resources = host::resources(inputs);
    let actions = work::actions(inputs);
    let mut no_data = Vec::new();
    if inputs.transitions.is_empty() {
        no_data.push("alerts");
    }
    if tasks.runs == 0 {
        no_data.push("tasks");
    }
    if recovery.runs.is_empty() && recovery.held_back.is_empty() {
        no_data.push("recovery");
    }
    if scaling.is_empty() {
        no_data.push("scaling");
    }
    if checks.is_empty() {
        no_data.push("checks");
    }
    if resources.is_none() {
        no_data.push("resources");
    }
    if actions.is_empty() {
        no_data.push("actions");
    }
    Report {
        schema: SCHEMA,
        host: inputs.host.clone(),
        generated_by: inputs.generated_by.clone(),
        since: inputs.since,
        until: inputs.until,
        previous_handover: inputs.handover.clone(),
        this_handover: None,
        recorded_until: inputs.recorded_until,
        silences_unread: inputs.silences_unread.clone(),
        now,
        alerts_per_hour: per_hour(inputs, &episodes),
        alerts: alert_figures,
        tasks,
        recovery,
        scaling,
        checks,
        resources,
        resource_series: resource_series(inputs),
        actions,
        no_data,
    }
}

/// Episodes started in each hour of the period (every hour, zeros too).
fn per_hour(inputs: &Inputs, episodes: &[alerts::Episode]) -> Vec<HourCount> {
    let hour_ms = 3_600_000;
    let first = inputs.since.timestamp_millis().div_euclid(hour_ms);
    let last = (inputs.until.timestamp_millis() - 1).div_euclid(hour_ms);
    if last < first {
        return Vec::new();
    }
    let mut counts = vec![0usize; (last - first + 1) as usize];
    for e in episodes {
        if e.start >= inputs.since && e.start < inputs.until {
            let i = e.start.timestamp_millis().div_euclid(hour_ms) - first;
            counts[i as usize] += 1;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, fired)| HourCount {
            hour: DateTime::from_timestamp_millis((first + i as i64) * hour_ms).unwrap_or_default(),
            fired,
        })
        .collect()
}

fn resource_series(inputs: &Inputs) -> Vec<ResourcePoint> {
    let minutes: Vec<&inputs::Minute> = inputs
        .minutes
        .iter()
        .filter(|m| m.at >= inputs.since && m.at < inputs.until)
        .collect();
    let per_point = minutes.len().div_ceil(CHART_POINTS).max(1);
    minutes
        .chunks(per_point)
        .map(|chunk| {
            let n = chunk.len() as f64;
            ResourcePoint {
                at: chunk[0].at,
                cpu: chunk.iter().map(|m| m.cpu_avg).sum::<f64>() / n,
                memory: chunk.iter().map(|m| m.mem_avg).sum::<f64>() / n,
            }
        })
        .collect()
}
