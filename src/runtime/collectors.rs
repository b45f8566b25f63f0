//! Starts the collectors and turns what they produce into messages for the loop.

use crate::app::Msg;
use crate::app::resources::Msg::{Failed, Sample};
use crate::collect::local::LocalCollector;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::Sender;

/// The pid the process cursor follows, for the collector to keep listed (0:
/// none; pid 0 is never a process). Set by `Effect::KeepProcess`.
pub type KeptPid = Arc<AtomicU32>;

/// The local host collector on its own thread (sysinfo reads /proc synchronously).
/// It builds its collector there too, so the first frame does not wait for it.
pub fn spawn_local(top_n: usize, refresh: Duration, kept: KeptPid, tx: Sender<Msg>) {
    let started = std::thread::Builder::new()
        .name("collect-local".into())
        .spawn({
            let tx = tx.clone();
            move || {
                let mut collector = match LocalCollector::new(top_n) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.blocking_send(Msg::Resources(Failed(format!("{e:#}"))));
                        return;
                    }
                };
                // CPU usage needs two readings at least this far apart.
                let mut next = Instant::now() + sysinfo::MINIMUM_CPU_UPDATE_INTERVAL;
                loop {
                    if let Some(wait) = next.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    next += refresh;
                    let pid = kept.load(Ordering::Relaxed);
                    let sample = collector.sample((pid != 0).then_some(pid));
                    if tx
                        .blocking_send(Msg::Resources(Sample(Box::new(sample))))
                        .is_err()
                    {
                        return;
                    }
                    // After a suspend or a stall, keep the cadence instead of bursting.
                    if next < Instant::now() {
                        next = Instant::now() + refresh;
                    }
                }
            }
        });
    if let Err(e) = started {
        let _ = tx.try_send(Msg::Resources(Failed(format!("cannot start thread: {e}"))));
    }
}
