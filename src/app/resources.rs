//! The Resources pane's data: the local host's latest sample and bounded
//! history for the charts, and what `update` does with the collector's
//! messages (and with `p`, which holds samples back while paused).

use super::history::Series;
use super::process_cursor;
use super::state::AppState;
use super::update::Effect;
use crate::app::alerts::local;
use crate::collect::model::{Filesystem, ResourceSample};
use crate::engine::forecast::DiskTrend;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What the local collector sends.
#[derive(Debug)]
pub enum Msg {
    Sample(Box<ResourceSample>),
    /// The collector failed (its error).
    Failed(String),
}

pub fn on_msg(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Sample(sample) => on_sample(state, *sample),
        Msg::Failed(error) => {
            tracing::warn!("collector local failed: {error}");
            state.resources.error = Some((error, state.now));
            Vec::new()
        }
    }
}

fn on_sample(state: &mut AppState, sample: ResourceSample) -> Vec<Effect> {
    // A sample carries the time it was taken: the clock moves with it, so a
    // data frame also updates the clock and no extra frame is needed.
    state.now = state.now.max(sample.taken_at);
    // Rules are evaluated on every sample, paused or not: alerting never pauses.
    let mut effects = super::health::on_sample(state, &sample);
    effects.extend(local::on_sample(state, &sample));
    effects.extend(super::report::on_sample(state, &sample));
    if state.view.paused {
        if state.queued.len() == state.resources.cpu.capacity() {
            state.queued.pop_front();
        }
        state.queued.push_back(sample);
    } else {
        state.resources.apply(sample);
        process_cursor::follow(state);
    }
    effects
}

/// `p`: pause or resume; samples that arrived meanwhile are applied on resume.
pub fn toggle_pause(state: &mut AppState) {
    state.view.paused = !state.view.paused;
    if !state.view.paused {
        while let Some(sample) = state.queued.pop_front() {
            state.resources.apply(sample);
        }
        process_cursor::follow(state);
    }
}

/// The local host: latest sample plus bounded history for the charts.
#[derive(Debug, Clone)]
pub struct Resources {
    pub latest: Option<ResourceSample>,
    pub received_at: Option<DateTime<Utc>>,
    /// Samples received so far; aligns chart buckets so they do not shift every sample.
    pub samples_seen: u64,
    pub cpu: Series,
    pub cores: Vec<Series>,
    pub memory: Series,
    pub swap: Series,
    pub net_rx: Series,
    pub net_tx: Series,
    /// Used bytes of each filesystem by mount point, for the days-until-full
    /// forecast (a longer window than the charts', by time, not by sample).
    pub fs_trend: BTreeMap<String, DiskTrend>,
    pub error: Option<(String, DateTime<Utc>)>,
}

impl Resources {
    pub fn new(history_len: usize) -> Self {
        Self {
            latest: None,
            received_at: None,
            samples_seen: 0,
            cpu: Series::new(history_len),
            cores: Vec::new(),
            memory: Series::new(history_len),
            swap: Series::new(history_len),
            net_rx: Series::new(history_len),
            net_tx: Series::new(history_len),
            fs_trend: BTreeMap::new(),
            error: None,
        }
    }

    pub fn apply(&mut self, sample: ResourceSample) {
        let len = self.cpu.capacity();
        self.cpu.push(f64::from(sample.cpu_total));
        if self.cores.len() != sample.cpu_per_core.len() {
            self.cores = vec![Series::new(len); sample.cpu_per_core.len()];
        }
        for (series, v) in self.cores.iter_mut().zip(&sample.cpu_per_core) {
            series.push(f64::from(*v));
        }
        self.memory.push(sample.memory.percent());
        self.swap.push(sample.swap.percent());
        self.net_rx
            .push(sample.networks.iter().map(|n| n.rx_bytes_per_sec).sum());
        self.net_tx
            .push(sample.networks.iter().map(|n| n.tx_bytes_per_sec).sum());
        self.record_filesystems(sample.taken_at, &sample.filesystems);
        self.samples_seen += 1;
        self.received_at = Some(sample.taken_at);
        self.latest = Some(sample);
        self.error = None;
    }

    /// Adds the filesystems' used bytes at `at` to their trends; a filesystem
    /// no longer mounted loses its trend.
    pub fn record_filesystems(&mut self, at: DateTime<Utc>, filesystems: &[Filesystem]) {
        self.fs_trend
            .retain(|mount, _| filesystems.iter().any(|f| &f.mount_point == mount));
        for f in filesystems {
            self.fs_trend
                .entry(f.mount_point.clone())
                .or_default()
                .push(at, f.used_bytes() as f64);
        }
    }
}
