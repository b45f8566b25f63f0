//! Command-line interface (clap). Options valid for the dashboard and every command.

use crate::config::ColorChoice;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "opsdeck",
    version,
    about = "A live terminal dashboard for the engineer on call"
)]
#[command(
    after_help = "Keys in the dashboard: ? help · q quit · 1-5 zoom · Tab focus · / filter · p pause"
)]
pub struct Cli {
    /// Config file [default: $XDG_CONFIG_HOME/opsdeck/config.toml, else the embedded default]
    #[arg(short = 'c', long = "config", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Disable every action that changes something (acknowledge, trigger, scale, ...)
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Wall display: read-only, no dialogs, a large header with host and time
    #[arg(long, global = true)]
    pub wall: bool,

    /// Run without the state database: nothing is persisted or audited, no leadership
    #[arg(long, global = true)]
    pub no_store: bool,

    /// Colour depth [default: ui.color from config, auto-detected]
    #[arg(long, value_enum, global = true, value_name = "DEPTH")]
    pub color: Option<ColorChoice>,

    /// Theme name: dark, light, high-contrast, or a file in the themes dir [default: ui.theme]
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    /// How often the local host is sampled, e.g. 500ms, 2s [default: general.refresh]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    pub refresh: Option<std::time::Duration>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// `--wall` implies `--read-only`.
    pub fn read_only(&self) -> bool {
        self.read_only || self.wall
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a config file; errors name file, line, column and key (exit 1 on error)
    CheckConfig {
        /// The file to check [default: the config opsdeck would use]
        file: Option<PathBuf>,
    },
    /// Print the resolved paths (config, themes, state database, log) and where each came from
    Info,
    /// Run one collection pass and print it
    Snapshot {
        #[arg(long, value_enum, default_value_t = SnapshotFormat::Text)]
        format: SnapshotFormat,
    },
    /// Print the audit log: sessions and every action, with actor and outcome
    Audit {
        /// Only records newer than this, e.g. 1h, 7d [default: all]
        #[arg(long, value_name = "DUR", value_parser = parse_duration)]
        since: Option<std::time::Duration>,
        /// text, or json (one object per line)
        #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
        format: AuditFormat,
    },
    /// Maintenance tasks: list them, or run one now
    #[command(subcommand)]
    Task(TaskCommand),
    /// Recovery runbooks: list them, or run one for an alert
    #[command(subcommand)]
    Runbook(RunbookCommand),
    /// Scaling targets: stored decisions, or a what-if replay of them
    #[command(subcommand)]
    Scaling(ScalingCommand),
    /// The ops report: what is wrong now and what happened in a period, from
    /// the state database
    #[command(after_help = "The period ends now and starts at the last hand-over \
                            (`opsdeck handover`), or 12 hours ago when there is none.")]
    Report {
        /// Only the last DUR (e.g. 12h, 7d)
        #[arg(long, value_name = "DUR", value_parser = parse_duration, conflicts_with = "since_handover")]
        since: Option<std::time::Duration>,
        /// Since the last hand-over (an error when there is none)
        #[arg(long)]
        since_handover: bool,
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
        /// Write it to FILE instead of stdout
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Record a hand-over between shifts (who, when, a note) and print the
    /// report since the previous one
    Handover {
        /// What the next shift should know
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ScalingCommand {
    /// A target's stored evaluations (those that changed something, with
    /// every stage) and executions, oldest first
    History {
        /// The target's name, as in [[scaling]] name
        name: String,
        /// Only the last DUR (e.g. 1h, 2d)
        #[arg(long, value_name = "DUR", value_parser = parse_duration)]
        since: Option<std::time::Duration>,
        /// text, or json (one object per line, every stage and input)
        #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
        format: AuditFormat,
    },
    /// Replays a target's stored inputs through changed settings and shows,
    /// beside what the configured settings decide, what would have happened
    #[command(
        after_help = "The replicas are as they were observed: the replay shows what each \
                      evaluation would have decided, not how the system would have answered. \
                      Between two stored evaluations the inputs are taken as unchanged \
                      (opsdeck stores an evaluation when its outcome changes)."
    )]
    Explain {
        name: String,
        #[arg(long, value_name = "DUR", value_parser = parse_duration)]
        since: Option<std::time::Duration>,
        #[command(flatten)]
        what_if: WhatIf,
        #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
        format: AuditFormat,
    },
}

/// The settings `scaling explain` changes.
#[derive(Debug, clap::Args)]
pub struct WhatIf {
    /// A ratio within 1 ± X proposes no change
    #[arg(long, value_name = "X", value_parser = parse_tolerance)]
    pub tolerance: Option<f64>,
    /// The scale-down stabilisation window
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub stabilization: Option<std::time::Duration>,
    /// The scale-up stabilisation window
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub scale_up_stabilization: Option<std::time::Duration>,
    #[arg(long, value_name = "N")]
    pub min: Option<u32>,
    #[arg(long, value_name = "N")]
    pub max: Option<u32>,
}

fn parse_tolerance(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if (0.0..1.0).contains(&t) => Ok(t),
        _ => Err(format!(
            "{s:?} is not a tolerance (at least 0, below 1, e.g. 0.1)"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// Every runbook with the alerts it matches, its steps and its last run
    List {
        /// text, or json (one object per line)
        #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
        format: AuditFormat,
    },
    /// Run one runbook now, streaming each step; exits 0 recovered, 1 failed
    /// (or escalated to a notifier), 130 aborted
    #[command(
        after_help = "The alert reaches the steps as OPSDECK_ALERT_* environment \
                      variables, never on a command line. A dangerous step asks first \
                      (on the terminal) unless --yes. Ctrl-C aborts: the running step's \
                      whole process group is stopped. The run and every step are recorded \
                      in the state database (unless --no-store) and the audit log."
    )]
    Run {
        /// The runbook's id, as in `opsdeck runbook list`
        id: String,
        /// The alert by its fingerprint (16 hex digits, as Alertmanager and
        /// `opsdeck snapshot --format json` show it), among the alerts opsdeck
        /// sees now
        #[arg(long, value_name = "FINGERPRINT", conflicts_with = "label")]
        alert: Option<String>,
        /// The alert by its labels (repeat for each: --label alertname=DiskFull
        /// --label instance=db-1)
        #[arg(long, value_name = "NAME=VALUE", value_parser = parse_label)]
        label: Vec<(String, String)>,
        /// Show every step as it would run (command and environment); execute
        /// nothing
        #[arg(long)]
        dry_run: bool,
        /// Run dangerous steps without asking
        #[arg(long)]
        yes: bool,
    },
}

fn parse_label(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("{s:?} is not NAME=VALUE")),
    }
}

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Every task with its schedule, next run and last outcome
    List {
        /// text, or json (one object per line)
        #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
        format: AuditFormat,
    },
    /// Run one task now through opsdeck's runner, streaming its output; exits
    /// with the task's status (124 timed out, 130 interrupted, 127 did not start)
    #[command(
        after_help = "One attempt: retries and dependencies are the scheduler's. The run is \
                      recorded in the state database (unless --no-store) and the audit log."
    )]
    Run {
        /// The task's id, as in `opsdeck task list`
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    Text,
    Json,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    crate::config::duration::parse(text)
}
