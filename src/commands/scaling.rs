//! `opsdeck scaling history NAME` (the stored evaluations and executions)
//! and `opsdeck scaling explain NAME` (the stored inputs replayed through
//! changed behaviour settings, side by side with what was decided).

use crate::cli::{AuditFormat, Cli, ScalingCommand, WhatIf};
use crate::config::Config;
use crate::config::paths::Paths;
use crate::engine::scaling::{Decision, Scaler, ScalerSpec, TargetSpec};
use crate::store::scaling::{RecordKind, ScalingRecord};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::time::Duration;

pub fn run(cli: &Cli, paths: &Paths, command: &ScalingCommand) -> anyhow::Result<i32> {
    let source = super::read_source(paths)?;
    let config = super::load(cli, &source)?;
    let (name, since) = match command {
        ScalingCommand::History { name, since, .. }
        | ScalingCommand::Explain { name, since, .. } => (name, *since),
    };
    let spec = config
        .scaling_targets()
        .iter()
        .find(|t| &t.scaler.name == name);
    let records = records(cli, paths, name, since)?;
    match command {
        ScalingCommand::History { format, .. } => {
            if spec.is_none() && records.is_empty() {
                anyhow::bail!("{}", unknown(&config, name, &source.name));
            }
            history(&records, *format)
        }
        ScalingCommand::Explain {
            what_if, format, ..
        } => {
            let Some(spec) = spec else {
                anyhow::bail!("{}", unknown(&config, name, &source.name));
            };
            explain(spec, &records, what_if, *format)
        }
    }
}

fn unknown(config: &Config, name: &str, file: &str) -> String {
    let known: Vec<&str> = config
        .scaling_targets()
        .iter()
        .map(|t| t.scaler.name.as_str())
        .collect();
    let known = if known.is_empty() {
        "none configured".to_string()
    } else {
        known.join(", ")
    };
    format!("no scaling target {name:?} in {file} or in the state database; targets: {known}")
}

fn records(
    cli: &Cli,
    paths: &Paths,
    name: &str,
    since: Option<Duration>,
) -> anyhow::Result<Vec<ScalingRecord>> {
    let Some(store) = super::stored(cli, paths)? else {
        note!(
            "no scaling history: the state database ({}) {}",
            paths.database().display(),
            if cli.no_store {
                "is left alone with --no-store"
            } else {
                "does not exist yet"
            }
        );
        return Ok(Vec::new());
    };
    let from = match since {
        Some(d) => Utc::now() - chrono::Duration::from_std(d)?,
        None => DateTime::<Utc>::MIN_UTC,
    };
    Ok(store.scaling_records(Some(name), from)?)
}

fn history(records: &[ScalingRecord], format: AuditFormat) -> anyhow::Result<i32> {
    for r in records {
        match format {
            AuditFormat::Json => super::print_json(r, false)?,
            AuditFormat::Text => outln!("{}", history_line(r))?,
        }
    }
    if records.is_empty() && format == AuditFormat::Text {
        note!("no stored decisions in that period");
    }
    Ok(0)
}

fn history_line(r: &ScalingRecord) -> String {
    let at = r.at.format("%Y-%m-%dT%H:%M:%SZ");
    match r.kind {
        RecordKind::Evaluation => format!(
            "{at}  evaluated  {} → {}  {:<11}  {}",
            r.current, r.desired, r.outcome, r.summary
        ),
        RecordKind::Execution => format!(
            "{at}  executed   {} → {}  {:<11}  {} by {}: {}{}",
            r.current,
            r.desired,
            r.outcome,
            r.trigger,
            r.actor,
            crate::engine::shell_words(&r.command),
            last_line(&r.output)
        ),
    }
}

fn last_line(output: &str) -> String {
    output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!("  → {}", l.trim()))
        .unwrap_or_default()
}

/// The settings to replay with: the target's, with the what-if's changes.
fn changed(spec: &ScalerSpec, w: &WhatIf) -> (ScalerSpec, Vec<String>) {
    let mut out = spec.clone();
    let mut said = Vec::new();
    let short = crate::config::duration::short;
    if let Some(t) = w.tolerance {
        out.tolerance = t;
        said.push(format!("tolerance {t}"));
    }
    if let Some(d) = w.stabilization {
        out.behavior.down.stabilization = d;
        said.push(format!("scale-down stabilization {}", short(d)));
    }
    if let Some(d) = w.scale_up_stabilization {
        out.behavior.up.stabilization = d;
        said.push(format!("scale-up stabilization {}", short(d)));
    }
    if let Some(n) = w.min {
        out.min = n;
        said.push(format!("min {n}"));
    }
    if let Some(n) = w.max {
        out.max = n;
        said.push(format!("max {n}"));
    }
    (out, said)
}

/// One stored evaluation, replayed both ways.
struct Step<'a> {
    record: &'a ScalingRecord,
    configured: Decision,
    what_if: Decision,
}

/// Replays the stored inputs. Between two stored evaluations the inputs are
/// taken as unchanged (opsdeck stores an evaluation when its outcome
/// changes), evaluated every `interval` as the target was; a change of the
/// observed count counts as a scale event for the rate policies.
fn replay<'a>(
    spec: &TargetSpec,
    what_if: &ScalerSpec,
    records: &'a [ScalingRecord],
) -> Vec<Step<'a>> {
    let mut configured = Scaler::new(spec.scaler.clone());
    let mut changed = Scaler::new(what_if.clone());
    let interval =
        chrono::Duration::from_std(spec.interval).unwrap_or(chrono::Duration::seconds(15));
    let evaluations: Vec<&ScalingRecord> = records
        .iter()
        .filter(|r| r.kind == RecordKind::Evaluation && r.inputs.current.is_some())
        .collect();
    let mut steps = Vec::with_capacity(evaluations.len());
    let mut last: Option<(&ScalingRecord, DateTime<Utc>)> = None;
    for record in evaluations {
        let current = record.inputs.current.unwrap_or_default();
        if let Some((prev, mut at)) = last {
            let held = prev.inputs.current.unwrap_or_default();
            let values = prev.inputs.values();
            // At most a day of held inputs between two records.
            let mut n = 0;
            while at + interval < record.at && n < 5760 {
                at += interval;
                n += 1;
                configured.evaluate(at, held, &values);
                changed.evaluate(at, held, &values);
            }
            if held != current {
                configured.scaled(record.at, held, current);
                changed.scaled(record.at, held, current);
            }
        }
        let values = record.inputs.values();
        steps.push(Step {
            record,
            configured: configured.evaluate(record.at, current, &values),
            what_if: changed.evaluate(record.at, current, &values),
        });
        last = Some((record, record.at));
    }
    steps
}

fn explain(
    spec: &TargetSpec,
    records: &[ScalingRecord],
    w: &WhatIf,
    format: AuditFormat,
) -> anyhow::Result<i32> {
    let (what_if, said) = changed(&spec.scaler, w);
    let steps = replay(spec, &what_if, records);
    let differ = steps
        .iter()
        .filter(|s| s.configured.desired != s.what_if.desired)
        .count();
    if format == AuditFormat::Json {
        for s in &steps {
            super::print_json(
                &json!({
                    "at": s.record.at,
                    "current": s.record.inputs.current,
                    "readings": s.record.inputs.readings,
                    "recorded": { "desired": s.record.desired, "summary": s.record.summary },
                    "configured": { "desired": s.configured.desired, "reasons": s.configured.reasons, "summary": s.configured.summary(&spec.scaler) },
                    "what_if": { "desired": s.what_if.desired, "reasons": s.what_if.reasons, "summary": s.what_if.summary(&what_if) },
                    "differs": s.configured.desired != s.what_if.desired,
                }),
                false,
            )?;
        }
        return Ok(0);
    }
    let name = &spec.scaler.name;
    if steps.is_empty() {
        note!("no stored evaluations of {name} to replay in that period");
        return Ok(0);
    }
    let changes = if said.is_empty() {
        "nothing changed (give --tolerance, --stabilization, ...)".to_string()
    } else {
        said.join(", ")
    };
    outln!(
        "{name}: {} stored evaluations replayed, as configured and with {changes}",
        steps.len()
    )?;
    outln!(
        "(the replicas are as observed; inputs held between stored evaluations, every {})",
        crate::config::duration::short(spec.interval)
    )?;
    outln!(
        "{:<20}  {:>7}  {:<28}  {:<28}",
        "at",
        "current",
        "as configured",
        "what if"
    )?;
    for s in &steps {
        let side = |d: &Decision| {
            let reason = d.reasons.last().map_or("", |r| r.as_str());
            format!("→ {} {reason}", d.desired)
        };
        let mark = if s.configured.desired != s.what_if.desired {
            "  *"
        } else {
            ""
        };
        outln!(
            "{:<20}  {:>7}  {:<28}  {:<28}{mark}",
            s.record.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            s.configured.current,
            side(&s.configured),
            side(&s.what_if)
        )?;
    }
    outln!(
        "{differ} of {} evaluations would have decided differently{}",
        steps.len(),
        if differ > 0 { " (marked *)" } else { "" }
    )?;
    Ok(0)
}
