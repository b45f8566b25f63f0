//! The ops report in the dashboard: the leader's per-minute aggregate of
//! the host, stored for `opsdeck report` (`minutes`).

pub mod minutes;

use crate::app::state::{AppState, StoreRole};
use crate::app::update::Effect as AppEffect;
use crate::collect::model::ResourceSample;
use crate::engine::report::inputs::Minute;

/// What the report's part of the dashboard asks of the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Store a finished minute (not waited for: an observation).
    StoreMinute(Minute),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub minute: minutes::MinuteSoFar,
}

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
