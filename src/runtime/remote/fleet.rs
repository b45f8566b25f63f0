//! Fleet rows: one per `instance`, joined from the configured node_exporter
//! queries, with a CPU sparkline from `query_range`.

use crate::app::remote::FleetRow;
use crate::collect::prometheus::{PrometheusClient, QueryValue};
use crate::config::remote::Fleet;
use chrono::Utc;
use std::collections::BTreeMap;
use std::time::Duration;

/// Points per sparkline.
const POINTS: u32 = 60;

pub async fn query(client: &PrometheusClient, fleet: &Fleet) -> Result<Vec<FleetRow>, String> {
    let end = Utc::now();
    let start = end - chrono::Duration::from_std(fleet.range).unwrap_or_default();
    let step = (fleet.range / POINTS).max(Duration::from_secs(1));
    let (up, cpu, memory, disk, history) = tokio::join!(
        client.query(&fleet.up, None),
        client.query(&fleet.cpu, None),
        client.query(&fleet.memory, None),
        client.query(&fleet.disk, None),
        client.query_range(&fleet.cpu, start, end, step),
    );
    let mut rows: BTreeMap<String, FleetRow> = BTreeMap::new();
    for s in vector(up.map_err(|e| format!("fleet up: {e}"))?.data) {
        let r = row(&mut rows, &s.0);
        r.up = Some(s.1 >= 1.0);
        if let Some(job) = s.2 {
            r.job = job;
        }
    }
    for (name, result) in [("cpu", cpu), ("memory", memory), ("disk", disk)] {
        let data = result.map_err(|e| format!("fleet {name}: {e}"))?.data;
        for (instance, value, _) in vector(data) {
            let r = row(&mut rows, &instance);
            let slot = match name {
                "cpu" => &mut r.cpu,
                "memory" => &mut r.memory,
                _ => &mut r.disk,
            };
            *slot = Some(value);
        }
    }
    // A missing sparkline is not worth failing the rows for.
    if let Ok(history) = history {
        for series in history.data {
            if let Some(instance) = series.labels.get("instance")
                && let Some(r) = rows.get_mut(instance)
            {
                r.cpu_history = series.points.iter().map(|(_, v)| *v).collect();
            }
        }
    }
    Ok(rows.into_values().collect())
}

fn row<'a>(rows: &'a mut BTreeMap<String, FleetRow>, instance: &str) -> &'a mut FleetRow {
    rows.entry(instance.to_string())
        .or_insert_with(|| FleetRow {
            instance: instance.to_string(),
            ..FleetRow::default()
        })
}

/// (instance, value, job) of each series of an instant vector.
fn vector(value: QueryValue) -> Vec<(String, f64, Option<String>)> {
    match value {
        QueryValue::Vector(samples) => samples
            .into_iter()
            .filter_map(|s| {
                let instance = s.labels.get("instance")?.clone();
                Some((instance, s.value, s.labels.get("job").cloned()))
            })
            .collect(),
        _ => Vec::new(),
    }
}
