//! `[[panel]]` queries: instant for value and table panels, range for sparkline
//! and chart panels.

use crate::app::alerts::label_key;
use crate::app::remote::PanelSeries;
use crate::collect::prometheus::{PrometheusClient, QueryValue};
use crate::config::remote::Panel;
use chrono::Utc;
use std::collections::BTreeMap;
use std::time::Duration;

/// Series kept per panel: a panel is for reading, not for 10,000 series.
const MAX_SERIES: usize = 50;
const POINTS: u32 = 120;

pub async fn query_all(
    client: &PrometheusClient,
    panels: &[(usize, Panel)],
) -> Vec<(usize, Result<Vec<PanelSeries>, String>)> {
    let mut results = Vec::with_capacity(panels.len());
    // Concurrently: a slow panel must not hold up the others for a whole timeout each.
    let futures = panels
        .iter()
        .map(|(i, p)| async move { (*i, query(client, p).await) });
    for r in futures_util::future::join_all(futures).await {
        results.push(r);
    }
    results
}

async fn query(client: &PrometheusClient, panel: &Panel) -> Result<Vec<PanelSeries>, String> {
    let name = |labels: &BTreeMap<String, String>| match &panel.legend {
        Some(label) => labels.get(label).cloned().unwrap_or_default(),
        None => {
            let mut labels = labels.clone();
            labels.remove("__name__");
            if labels.is_empty() {
                panel.title.clone()
            } else {
                label_key(&labels)
            }
        }
    };
    let mut series = if panel.kind.is_range() {
        let end = Utc::now();
        let start = end - chrono::Duration::from_std(panel.range).unwrap_or_default();
        let step = (panel.range / POINTS).max(Duration::from_secs(1));
        let r = client
            .query_range(&panel.query, start, end, step)
            .await
            .map_err(|e| e.to_string())?;
        r.data
            .into_iter()
            .map(|s| PanelSeries {
                name: name(&s.labels),
                value: s.points.last().map_or(f64::NAN, |p| p.1),
                history: s.points.iter().map(|p| p.1).collect(),
            })
            .collect::<Vec<_>>()
    } else {
        let r = client
            .query(&panel.query, None)
            .await
            .map_err(|e| e.to_string())?;
        match r.data {
            QueryValue::Vector(samples) => samples
                .into_iter()
                .map(|s| PanelSeries {
                    name: name(&s.labels),
                    value: s.value,
                    history: Vec::new(),
                })
                .collect(),
            QueryValue::Scalar(v) => vec![PanelSeries {
                name: panel.title.clone(),
                value: v,
                history: Vec::new(),
            }],
            QueryValue::Matrix(_) | QueryValue::String(_) => {
                return Err(
                    "the query returns a range vector or string; panels need numbers".into(),
                );
            }
        }
    };
    series.truncate(MAX_SERIES);
    Ok(series)
}
