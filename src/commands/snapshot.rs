//! `opsdeck snapshot`: one collection pass through the same collectors as the
//! dashboard, printed as text or JSON.

use super::snapshot_remote::{self, AlertOut, FleetOut, PanelOut, ScrapeOut, SourceOut};
use crate::cli::{Cli, SnapshotFormat};
use crate::collect::local::{self, LocalCollector};
use crate::collect::model::{HostInfo, ResourceSample};
use crate::config::paths::Paths;
use crate::ui::widgets::format::{bytes, rate};
use serde::Serialize;

#[derive(Serialize)]
struct Snapshot {
    host: HostInfo,
    resources: ResourceSample,
    sources: Vec<SourceOut>,
    alerts: Vec<AlertOut>,
    fleet: Vec<FleetOut>,
    panels: Vec<PanelOut>,
    scrapes: Vec<ScrapeOut>,
    /// Each health check (the host's first), probed once.
    checks: Vec<super::snapshot_checks::CheckOut>,
    /// Each task with its next run and (from the state database) its last run.
    tasks: Vec<serde_json::Value>,
    /// Each runbook with (from the state database) its last run.
    runbooks: Vec<serde_json::Value>,
    /// Each scaling target, read once and decided by a fresh autoscaler.
    scaling: Vec<super::snapshot_scaling::ScalingOut>,
}

pub fn run(cli: &Cli, paths: &Paths, format: SnapshotFormat) -> anyhow::Result<i32> {
    let config = super::load(cli, &super::read_source(paths)?)?;
    let Collected {
        resources,
        remote,
        checks,
        mut rules,
    } = collect_once(&config)?;
    let check_lines: Vec<String> = checks.iter().map(super::snapshot_checks::line).collect();
    let out = snapshot_remote::Remote::from_state(&remote, &config);
    let scaling = super::snapshot_scaling::scaling(&config, &resources, &mut rules)?;
    let last = super::task::last_runs(cli, paths)?;
    let now = chrono::Utc::now();
    let specs = config.tasks();
    let tasks = specs
        .iter()
        .map(|spec| super::task::task_json(spec, last.get(&spec.id), now))
        .collect();
    let task_lines: Vec<String> = specs
        .iter()
        .map(|spec| super::task::task_line(spec, last.get(&spec.id), now))
        .collect();
    let last_recovery = super::runbook::last_runs(cli, paths)?;
    let runbooks = config
        .runbooks()
        .iter()
        .map(|spec| super::runbook::runbook_json(spec, last_recovery.get(&spec.id)))
        .collect();
    let runbook_lines: Vec<String> = config
        .runbooks()
        .iter()
        .map(|spec| {
            let last = last_recovery.get(&spec.id);
            let last = last.map_or_else(|| "never run".into(), super::runbook::last_text);
            format!("{:<24} {:<14} {last}", spec.id, spec.mode.as_str())
        })
        .collect();
    let snapshot = Snapshot {
        host: local::host_info(),
        resources,
        sources: out.sources,
        alerts: out.alerts,
        fleet: out.fleet,
        panels: out.panels,
        scrapes: out.scrapes,
        checks,
        tasks,
        runbooks,
        scaling,
    };
    match format {
        SnapshotFormat::Json => super::print_json(&snapshot, true)?,
        SnapshotFormat::Text => print_text(&snapshot, &check_lines, &task_lines, &runbook_lines)?,
    }
    Ok(0)
}

/// What one collection pass saw.
pub(super) struct Collected {
    pub resources: ResourceSample,
    pub remote: crate::app::remote::Remote,
    pub checks: Vec<super::snapshot_checks::CheckOut>,
    /// The local series (the rules', the scaling metrics'), fed and evaluated.
    pub rules: crate::app::local_rules::LocalRules,
}

/// One full collection pass, as the dashboard's first second sees it: the
/// host, every remote source, and the local rules evaluated over both.
pub(super) fn collect_once(config: &crate::config::Config) -> anyhow::Result<Collected> {
    let mut collector = LocalCollector::new(config.ui.processes)?;
    // Remote sources and checks are asked while the local collector waits for
    // its second CPU reading.
    let remote_config = config.clone();
    let remote = std::thread::spawn(move || crate::runtime::remote::collect_once(&remote_config));
    let check_config = config.clone();
    let probes = std::thread::spawn(move || {
        let hidden = check_config.secret_env_vars();
        crate::runtime::health::probe_all_once(check_config.health_checks(), &hidden)
    });
    let resources = local::first_sample(&mut collector);
    let mut remote = remote
        .join()
        .map_err(|_| anyhow::anyhow!("the remote collection panicked"))??;
    let probes = probes
        .join()
        .map_err(|_| anyhow::anyhow!("the health probes panicked"))??;
    let checks = super::snapshot_checks::checks(config, &resources, probes);
    let rules = evaluate_rules_once(config, &mut remote, &resources, &checks);
    let checks = checks.into_iter().map(|(out, _)| out).collect();
    Ok(Collected {
        resources,
        remote,
        checks,
        rules,
    })
}

/// The local rules, once, over this sample and the scrapes just taken: a rule
/// with a `for` shows as pending, as it would in the dashboard's first second.
/// Returned with its series, which the scaling metrics on local series read.
fn evaluate_rules_once(
    config: &crate::config::Config,
    remote: &mut crate::app::remote::Remote,
    sample: &ResourceSample,
    checks: &[(
        super::snapshot_checks::CheckOut,
        crate::engine::health::CheckStatus,
    )],
) -> crate::app::local_rules::LocalRules {
    use crate::app::local_rules::LocalRules;
    use crate::app::sources::SourceKind;
    // Fed even without rules: a scaling metric may read the series (the
    // engine keeps only what something reads).
    let mut rules = LocalRules::attach(config, remote);
    // As the dashboard feeds them: every scrape target, a failed one as `up` 0.
    for (id, source) in remote.sources.iter().enumerate() {
        if source.kind == SourceKind::Scrape {
            let view = remote.scrapes.get(&id);
            let at = view.map_or(sample.taken_at, |v| v.at);
            rules.ingest_scrape(source, view.map(|v| v.scrape.as_ref()), at);
        }
    }
    let host = local::host_info().hostname;
    for (i, (out, status)) in checks.iter().enumerate() {
        // The host check comes first when on; the rest are the config's.
        let first = usize::from(config.health.host.enabled);
        let spec = i
            .checked_sub(first)
            .and_then(|i| config.health_checks().get(i));
        let labels = spec.map(|s| s.labels.clone()).unwrap_or_default();
        let min_valid = spec.and_then(|s| s.certificate_min_valid());
        rules
            .engine
            .record_check(&host, &out.name, &labels, status, min_valid);
    }
    rules.ingest_sample(&host, sample);
    if !rules.is_empty() {
        rules.evaluate_into(sample.taken_at, remote);
        remote.remerge(&config.ui.alerts.group_by, sample.taken_at);
    }
    rules
}

fn print_text(
    s: &Snapshot,
    check_lines: &[String],
    task_lines: &[String],
    runbook_lines: &[String],
) -> anyhow::Result<()> {
    let r = &s.resources;
    outln!(
        "host       {} ({}, kernel {}, {} cores)",
        s.host.hostname,
        s.host.os,
        s.host.kernel,
        s.host.cores
    )?;
    outln!("taken at   {}", r.taken_at.to_rfc3339())?;
    let cores: Vec<String> = r.cpu_per_core.iter().map(|c| format!("{c:.0}%")).collect();
    outln!(
        "cpu        {:.1}%  per core: {}",
        r.cpu_total,
        cores.join(" ")
    )?;
    outln!(
        "load       {:.2} {:.2} {:.2}",
        r.load.one,
        r.load.five,
        r.load.fifteen
    )?;
    outln!(
        "memory     {} of {} ({:.1}%)",
        bytes(r.memory.used_bytes),
        bytes(r.memory.total_bytes),
        r.memory.percent()
    )?;
    outln!(
        "swap       {} of {}",
        bytes(r.swap.used_bytes),
        bytes(r.swap.total_bytes)
    )?;
    for f in &r.filesystems {
        outln!(
            "fs         {:<24} {:<8} {:>6} of {:>6} ({:.1}%)",
            f.mount_point,
            f.fs_type,
            bytes(f.used_bytes()),
            bytes(f.total_bytes),
            f.used_percent()
        )?;
    }
    for n in &r.networks {
        outln!(
            "net        {:<12} rx {:>9} tx {:>9}",
            n.interface,
            rate(n.rx_bytes_per_sec),
            rate(n.tx_bytes_per_sec)
        )?;
    }
    outln!("processes  {} running; busiest:", r.process_count)?;
    for p in r.top_processes.iter().take(5) {
        outln!(
            "  {:>7} {:<10} {:>5.1}% {:>6}  {}",
            p.pid,
            p.user,
            p.cpu_percent,
            bytes(p.memory_bytes),
            p.command
        )?;
    }
    snapshot_remote::print_text(&s.sources, &s.alerts, &s.fleet, &s.panels, &s.scrapes)?;
    for line in check_lines {
        outln!("check      {line}")?;
    }
    if task_lines.is_empty() {
        outln!("tasks      none configured")?;
    }
    for line in task_lines {
        outln!("task       {line}")?;
    }
    if runbook_lines.is_empty() {
        outln!("runbooks   none configured")?;
    }
    for line in runbook_lines {
        outln!("runbook    {line}")?;
    }
    if s.scaling.is_empty() {
        outln!("scaling    no targets configured")?;
    }
    for target in &s.scaling {
        outln!("scaling    {}", super::snapshot_scaling::line(target))?;
    }
    Ok(())
}
