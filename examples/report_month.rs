//! Fills a state database with 30 days for the report's benchmark
//! (BENCHMARKS.md): sixty 12-hour shifts of tests/report/scenario.rs (a
//! minute of the host every minute, alerts, runs, checks, scaling, a
//! hand-over each), and a storm of 10,000 alerts firing and resolving.
//!
//! cargo run --release --example report_month -- STATE_DIR

#[path = "../tests/report/scenario.rs"]
mod scenario;

use chrono::{Duration, Utc};
use opsdeck::labels::LabelSet;
use opsdeck::store::Store;
use opsdeck::store::acks::AlertEvent;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: report_month STATE_DIR");
    let db = std::path::Path::new(&dir).join("opsdeck/opsdeck.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let mut store = Store::open(&db).unwrap();
    let now = Utc::now();
    let start = now - Duration::days(30);
    for shift in 0..60 {
        scenario::fill(&mut store, start + Duration::hours(12 * shift));
    }
    let storm = start + Duration::days(20);
    let events: Vec<AlertEvent> = (0..10_000)
        .flat_map(|i| {
            let labels: LabelSet = [
                ("alertname", "InstanceDown"),
                ("severity", "critical"),
                ("instance", &format!("node-{i}:9100")),
            ]
            .into_iter()
            .collect();
            let key = opsdeck::app::alerts::label_key(labels.iter());
            ["fired", "resolved"].map(|kind| AlertEvent {
                alert_key: key.clone(),
                source: "am".into(),
                kind: kind.into(),
                at: storm + Duration::minutes(if kind == "fired" { 0 } else { 40 }),
                labels: labels.clone(),
                started: None,
            })
        })
        .collect();
    store.record_events(&events).unwrap();
    store.checkpoint().unwrap();
    println!("{}", db.display());
}
