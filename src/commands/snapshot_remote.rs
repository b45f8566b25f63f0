//! The remote part of `opsdeck snapshot`: sources with their health, merged
//! alerts, fleet rows, panels and scrapes, as JSON records and text lines.

use crate::app::alerts::Alert;
use crate::app::remote::Remote as RemoteState;
use crate::config::Config;
use crate::labels::LabelSet;
use crate::ui::widgets::format::unit_value;
use chrono::{DateTime, Utc};
use serde::Serialize;
#[derive(Serialize)]
pub struct SourceOut {
    pub kind: &'static str,
    pub name: String,
    pub endpoint: String,
    pub health: &'static str,
    pub latency_ms: Option<u128>,
    pub error: Option<String>,
    pub note: Option<String>,
}

#[derive(Serialize)]
pub struct AckOut {
    pub silence_id: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub comment: String,
}

#[derive(Serialize)]
pub struct AlertOut {
    pub alertname: String,
    /// Alertmanager's fingerprint of the labels: `runbook run --alert` takes it.
    pub fingerprint: String,
    pub severity: &'static str,
    /// Incident level, P1–P4.
    pub level: &'static str,
    pub state: &'static str,
    pub since: Option<DateTime<Utc>>,
    pub sources: Vec<String>,
    pub labels: LabelSet,
    pub annotations: LabelSet,
    pub generator_url: Option<String>,
    pub ack: Option<AckOut>,
}

#[derive(Serialize)]
pub struct FleetOut {
    pub prometheus: String,
    pub instance: String,
    pub up: Option<bool>,
    pub cpu_percent: Option<f64>,
    pub memory_percent: Option<f64>,
    pub disk_percent: Option<f64>,
}

#[derive(Serialize)]
pub struct SeriesOut {
    pub name: String,
    /// NaN and ±Inf as strings, as Prometheus writes them (JSON has no NaN).
    pub value: String,
}

#[derive(Serialize)]
pub struct PanelOut {
    pub title: String,
    pub series: Vec<SeriesOut>,
    pub error: Option<String>,
}

#[derive(Serialize)]
pub struct ScrapeOut {
    pub name: String,
    pub families: usize,
    pub samples: usize,
    pub unparsable: usize,
    pub problem: Option<String>,
}

pub struct Remote {
    pub sources: Vec<SourceOut>,
    pub alerts: Vec<AlertOut>,
    pub fleet: Vec<FleetOut>,
    pub panels: Vec<PanelOut>,
    pub scrapes: Vec<ScrapeOut>,
}

impl Remote {
    pub fn from_state(remote: &RemoteState, config: &Config) -> Remote {
        let name = |id: usize| {
            remote
                .sources
                .get(id)
                .map(|s| s.name.clone())
                .unwrap_or_default()
        };
        // An alert's sources by kind and name: a Prometheus and an
        // Alertmanager may both be called "main".
        let label = |id: usize| {
            remote
                .sources
                .get(id)
                .map(|s| s.label())
                .unwrap_or_default()
        };
        let sources = remote
            .sources
            .iter()
            .map(|s| SourceOut {
                kind: s.kind.label(),
                name: s.name.clone(),
                endpoint: s.endpoint.clone(),
                health: s.health().label(),
                latency_ms: s.latency.map(|l| l.as_millis()),
                error: s.error.as_ref().map(|e| e.message.clone()),
                note: s.note.clone(),
            })
            .collect();
        let overrides = config.ui.alerts.level_rules();
        let alerts = remote
            .alerts
            .iter()
            .map(|a| alert_out(a, a.level(&overrides).label(), &label))
            .collect();
        let fleet = remote
            .fleet
            .iter()
            .flat_map(|(id, rows)| {
                rows.iter().map(move |r| FleetOut {
                    prometheus: name(*id),
                    instance: r.instance.clone(),
                    up: r.up,
                    cpu_percent: r.cpu.filter(|v| v.is_finite()),
                    memory_percent: r.memory.filter(|v| v.is_finite()),
                    disk_percent: r.disk.filter(|v| v.is_finite()),
                })
            })
            .collect();
        let panels = panels_out(remote, config);
        let scrapes = remote
            .scrapes
            .iter()
            .map(|(id, view)| ScrapeOut {
                name: name(*id),
                families: view.scrape.families.len(),
                samples: view.scrape.sample_count(),
                unparsable: view.scrape.unparsable,
                problem: view.scrape.summary(),
            })
            .collect();
        Remote {
            sources,
            alerts,
            fleet,
            panels,
            scrapes,
        }
    }
}

/// Each panel's series as the screen shows their values, in its unit.
fn panels_out(remote: &RemoteState, config: &Config) -> Vec<PanelOut> {
    config
        .panel
        .iter()
        .zip(&remote.panels)
        .map(|(p, view)| PanelOut {
            title: p.title.clone(),
            series: view
                .series
                .iter()
                .map(|s| SeriesOut {
                    name: s.name.clone(),
                    value: unit_value(s.value, p.unit),
                })
                .collect(),
            error: view.error.clone(),
        })
        .collect()
}

fn alert_out(a: &Alert, level: &'static str, name: &impl Fn(usize) -> String) -> AlertOut {
    AlertOut {
        alertname: a.name().to_string(),
        fingerprint: crate::engine::runbooks::AlertContext::new(a.labels.clone(), "").fingerprint(),
        severity: a.severity.label(),
        level,
        state: a.state.label(),
        since: a.since,
        sources: a.sources.iter().map(|id| name(*id)).collect(),
        labels: a.labels.clone(),
        annotations: a.annotations.clone(),
        generator_url: a.generator_url.as_deref().map(str::to_owned),
        ack: a.ack.as_ref().map(|k| AckOut {
            silence_id: k.silence_id.clone(),
            by: k.by.clone(),
            at: k.at,
            until: k.until,
            comment: k.comment.clone(),
        }),
    }
}

pub fn print_text(
    sources: &[SourceOut],
    alerts: &[AlertOut],
    fleet: &[FleetOut],
    panels: &[PanelOut],
    scrapes: &[ScrapeOut],
) -> anyhow::Result<()> {
    print_sources_and_alerts(sources, alerts)?;
    print_fleet(fleet)?;
    print_panels_and_scrapes(panels, scrapes)
}

fn print_sources_and_alerts(sources: &[SourceOut], alerts: &[AlertOut]) -> anyhow::Result<()> {
    for s in sources {
        let detail = match (&s.error, s.latency_ms) {
            (Some(e), _) => e.clone(),
            (None, Some(ms)) => format!("{ms} ms"),
            (None, None) => String::new(),
        };
        outln!(
            "source     {:<12} {:<10} {:<5} {}  {detail}",
            s.kind,
            s.name,
            s.health,
            s.endpoint
        )?;
    }
    if sources.is_empty() {
        outln!("alerts     no sources configured")?;
    } else if alerts.is_empty() {
        outln!("alerts     none active")?;
    }
    for a in alerts {
        let ack = a
            .ack
            .as_ref()
            .map(|k| format!(" (ACK {})", k.by))
            .unwrap_or_default();
        outln!(
            "alert      {:<5} {:<9} {:<28} {}{ack}  [{}]",
            a.severity,
            a.state,
            a.alertname,
            a.annotations.get("summary").unwrap_or(""),
            a.sources.join(", ")
        )?;
    }
    Ok(())
}

fn print_fleet(fleet: &[FleetOut]) -> anyhow::Result<()> {
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1}%"));
    for f in fleet {
        let up = match f.up {
            Some(true) => "up",
            Some(false) => "DOWN",
            None => "?",
        };
        outln!(
            "fleet      {:<24} {:<4} cpu {:>6} mem {:>6} disk {:>6}",
            f.instance,
            up,
            pct(f.cpu_percent),
            pct(f.memory_percent),
            pct(f.disk_percent)
        )?;
    }
    Ok(())
}

fn print_panels_and_scrapes(panels: &[PanelOut], scrapes: &[ScrapeOut]) -> anyhow::Result<()> {
    for p in panels {
        let values: Vec<String> = p
            .series
            .iter()
            .take(5)
            .map(|s| format!("{} {}", s.value, s.name))
            .collect();
        let error = p
            .error
            .as_deref()
            .map(|e| format!(" error: {e}"))
            .unwrap_or_default();
        outln!("panel      {:<24} {}{error}", p.title, values.join(", "))?;
    }
    for s in scrapes {
        outln!(
            "scrape     {:<12} {} families, {} samples{}",
            s.name,
            s.families,
            s.samples,
            s.problem
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}
