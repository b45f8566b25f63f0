//! The one owner of the dashboard's state. Only `update` changes it; `draw` reads it.

use super::action::PaneId;
use super::confirm::Confirm;
use super::filter::{Filter, Filterable};
use super::keymap::KeyMap;
use super::local_rules::LocalRules;
use super::remote::Remote;
use super::resources::Resources;
use crate::collect::model::{Filesystem, HostInfo, ProcessRow, ResourceSample};
use crate::config::Config;
use crate::engine::forecast::Forecast;
use chrono::{DateTime, FixedOffset, Utc};
use std::collections::VecDeque;
use std::time::Duration;
use tui_logger::{LevelFilter, TuiWidgetState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mode {
    /// No write action is dispatched.
    pub read_only: bool,
    /// Wall display: read-only, no dialogs, large header.
    pub wall: bool,
}

/// This process's part in the shared state database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreRole {
    /// `--no-store`: nothing is persisted.
    Off,
    /// Another opsdeck on this host leads.
    Follower,
    /// This one runs the work that must not run twice.
    Leader,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    /// Details of the selected row of the focused pane.
    Details,
    /// The `/` prompt, with the text typed so far.
    FilterInput(super::filter_prompt::FilterPrompt),
    /// The one confirmation: every write (`a`, `u`, `t`, `x`, …), and `q` while
    /// this opsdeck runs tasks.
    Confirm(Box<Confirm>),
    /// A recovery run of this opsdeck, live (by its key).
    Recovery(u64),
    /// A stored recovery run (another opsdeck's, or one from before), by id.
    StoredRecovery(i64),
    /// The hand-over summary (`H`): the report since the last hand-over.
    Report,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub kind: StatusKind,
    pub at: DateTime<Utc>,
}

/// Selection and filter of one pane's list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListView {
    pub selected: usize,
    pub filter: Option<Filter>,
}

/// The dashboard's state, in three parts: what this process is (config, mode,
/// host, role), the domain data the features own (resources, alerts, tasks),
/// and `view`, what the operator is looking at.
pub struct AppState {
    pub config: Config,
    pub keymap: KeyMap,
    pub mode: Mode,
    pub host: HostInfo,
    /// Who this operator is in the audit log (`general.user` or user@host).
    pub actor: String,
    pub store: StoreRole,
    /// The pid of the opsdeck that leads, when another one does and it is known.
    pub leader: Option<u32>,
    /// Wall-clock time of the last tick; the only clock `draw` sees.
    pub now: DateTime<Utc>,
    /// The operator's time zone offset, fixed at start, for displayed times.
    pub local_offset: FixedOffset,
    /// When this dashboard started (no bell for what already fired then).
    pub started_at: DateTime<Utc>,

    pub resources: Resources,
    /// Samples that arrived while paused, applied on resume (bounded by history).
    pub queued: VecDeque<ResourceSample>,
    /// Prometheus, Alertmanager and scrape sources, and the alerts they feed.
    pub remote: Remote,
    /// opsdeck's own alert rules and the series they read.
    pub rules: LocalRules,
    /// Maintenance tasks: the scheduler and their runs.
    pub tasks: super::tasks::Tasks,
    /// The recovery runs this opsdeck started.
    pub recoveries: super::runbooks::Recoveries,
    /// The health checks: each one's state, and the host's.
    pub health: super::health::Health,
    /// The scaling targets: each one's autoscaler and decisions.
    pub scaling: super::scaling::Scaling,
    /// The ops report's part: the minute being aggregated.
    pub report: super::report::ReportView,
    /// `[ui.alerts] levels`, ready to match.
    pub level_rules: Vec<crate::engine::incident::LevelRule>,
    /// The newest audit record of other processes seen so far.
    pub activity_after: i64,
    /// A critical alert started firing: ring once (taken by `update`).
    pub new_critical: bool,
    /// Which critical alerts have rung, and when the bell last rang.
    pub bell: super::alerts::bell::Bell,
    /// The Alerts pane's rows after its filter.
    pub alert_rows: super::alerts::view::Visible,
    /// Remote alerts' transitions to record (taken by `update`).
    pub pending_events: Vec<crate::store::acks::AlertEvent>,

    pub view: View,
}

/// What the operator is looking at: focus, zoom, dialogs, each list's cursor
/// and filter, the status line, the Log's level. Changes nothing outside.
pub struct View {
    pub focus: PaneId,
    pub zoom: Option<PaneId>,
    pub overlay: Option<Overlay>,
    pub lists: [ListView; 5],
    /// The process the Resources list's cursor follows, and its details.
    pub process: super::process_cursor::ProcessCursor,
    /// The data on screen is held (`p`); alerting goes on.
    pub paused: bool,
    pub status: Option<Status>,
    /// The history of the alert whose details are open: (alert key, events).
    pub history: Option<(String, Vec<crate::store::acks::AlertEvent>)>,
    /// Rows the alert details are scrolled down (long labels and annotations).
    pub details_scroll: u16,
    /// The most they can scroll at the size last drawn (`u16::MAX` until
    /// drawn): only `draw` knows how the rows wrap, and it says so here.
    pub details_scroll_max: std::cell::Cell<u16>,
    /// Wall mode flashes the header until then.
    pub flash_until: Option<DateTime<Utc>>,
    pub log_level: LevelFilter,
    /// tui-logger's scroll position; a handle, changed only by `update`.
    pub log_view: TuiWidgetState,
    /// A key scrolled the Log since it last surely followed its newest
    /// lines (G, a level change): `draw` then checks whether it still does.
    pub log_scroll_keys: bool,
}

impl AppState {
    pub fn new(config: Config, mode: Mode, host: HostInfo, now: DateTime<Utc>) -> Self {
        let history_len = history_len(config.general.history, config.general.refresh);
        let level_rules = config.ui.alerts.level_rules();
        let log_level = LevelFilter::Info;
        let tasks =
            super::tasks::Tasks::new(config.tasks().to_vec(), config.general.max_concurrent_tasks);
        let keymap = KeyMap::new(config.key_bindings());
        let health = super::health::Health::for_config(&config);
        let scaling = super::scaling::Scaling::for_config(&config);
        Self {
            config,
            keymap,
            mode,
            host,
            actor: String::new(),
            store: StoreRole::Off,
            leader: None,
            now,
            local_offset: FixedOffset::east_opt(0).expect("zero offset is valid"),
            started_at: now,
            resources: Resources::new(history_len),
            queued: VecDeque::new(),
            remote: Remote::default(),
            rules: LocalRules::default(),
            tasks,
            recoveries: Default::default(),
            health,
            scaling,
            report: Default::default(),
            level_rules,
            activity_after: 0,
            new_critical: false,
            bell: Default::default(),
            alert_rows: Default::default(),
            pending_events: Vec::new(),
            view: View {
                focus: PaneId::Resources,
                zoom: None,
                overlay: None,
                lists: Default::default(),
                process: Default::default(),
                paused: false,
                status: None,
                history: None,
                details_scroll: 0,
                details_scroll_max: std::cell::Cell::new(u16::MAX),
                flash_until: None,
                log_level,
                log_view: TuiWidgetState::new().set_default_display_level(log_level),
                log_scroll_keys: false,
            },
        }
    }

    /// This process's part as the leadership lock says it (with a store).
    pub fn set_role(&mut self, role: crate::store::leader::Role) {
        use crate::store::leader::Role;
        (self.store, self.leader) = match role {
            Role::Leader => (StoreRole::Leader, None),
            Role::Follower { leader } => (StoreRole::Follower, leader),
        };
    }

    /// Whether this opsdeck does the host's work that must not run twice
    /// (schedules, notifications, pushes to Alertmanager): it leads, or has no
    /// store to share it through. Never when read-only: that changes nothing.
    pub fn runs_host_work(&self) -> bool {
        !self.mode.read_only && matches!(self.store, StoreRole::Leader | StoreRole::Off)
    }

    /// Whether what this opsdeck shows of the host's shared work (local
    /// rules, scaling decisions) is what the leader wrote to the store.
    pub fn follows_leader(&self) -> bool {
        !self.evaluates_rules()
    }

    /// Whether this opsdeck evaluates its local rules itself instead of showing
    /// what the leader shared: it leads, has no store, or is read-only with no
    /// leader to follow (then it shows what it evaluates and writes nothing).
    pub fn evaluates_rules(&self) -> bool {
        match self.store {
            StoreRole::Leader | StoreRole::Off => true,
            StoreRole::Follower => self.mode.read_only && self.leader.is_none(),
        }
    }

    pub fn list(&self, pane: PaneId) -> &ListView {
        &self.view.lists[pane as usize]
    }

    pub fn list_mut(&mut self, pane: PaneId) -> &mut ListView {
        &mut self.view.lists[pane as usize]
    }

    /// Processes shown in the Resources pane, after its filter.
    pub fn visible_processes(&self) -> Vec<&ProcessRow> {
        let filter = self.list(PaneId::Resources).filter.as_ref();
        self.resources
            .latest
            .as_ref()
            .map(|s| {
                s.top_processes
                    .iter()
                    .filter(|p| filter.is_none_or(|f| f.matches(*p)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Tasks shown in the Tasks pane (most important first), after its filter.
    pub fn visible_tasks(&self) -> Vec<&crate::engine::tasks::TaskSpec> {
        let filter = self.list(PaneId::Tasks).filter.as_ref();
        (0..self.tasks.len())
            .filter_map(|row| self.tasks.spec_at(row))
            .filter(|t| {
                filter.is_none_or(|f| {
                    f.matches(&super::tasks::TaskRow {
                        spec: t,
                        status: self.tasks.status(&t.id),
                    })
                })
            })
            .collect()
    }

    pub fn selected_task(&self) -> Option<&crate::engine::tasks::TaskSpec> {
        let selected = self.list(PaneId::Tasks).selected;
        self.visible_tasks().get(selected).copied()
    }

    pub fn row_count(&self, pane: PaneId) -> usize {
        match pane {
            PaneId::Resources => self.visible_processes().len() + super::health::rows(self).len(),
            PaneId::Alerts => self.visible_alert_count(),
            PaneId::Tasks => self.visible_tasks().len() + super::runbooks::visible_runs(self).len(),
            PaneId::Scaling => self.scaling.targets.len(),
            PaneId::Log => 0,
        }
    }

    /// When the filesystem `fs` fills up at its current trend, if that is sure.
    pub fn disk_forecast(&self, fs: &Filesystem) -> Option<Forecast> {
        let trend = self.resources.fs_trend.get(&fs.mount_point)?;
        trend.forecast(fs.available_bytes)
    }

    /// Age of the newest sample when it is older than three refresh periods.
    pub fn resources_stale_for(&self) -> Option<Duration> {
        let at = self.resources.received_at?;
        let age = (self.now - at).to_std().ok()?;
        let limit = (self.config.general.refresh * 3).max(Duration::from_secs(3));
        (age > limit).then_some(age)
    }

    pub fn visible_status(&self) -> Option<&Status> {
        self.view
            .status
            .as_ref()
            .filter(|s| (self.now - s.at).num_seconds() < STATUS_SECONDS)
    }

    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.view.status = Some(Status {
            text: text.into(),
            kind,
            at: self.now,
        });
    }
}

/// How long a status-line message stays.
pub const STATUS_SECONDS: i64 = 6;

pub fn history_len(history: Duration, refresh: Duration) -> usize {
    (history.as_millis() / refresh.as_millis().max(1)).clamp(2, 100_000) as usize
}

impl Filterable for ProcessRow {
    fn text(&self) -> String {
        format!("{} {} {}", self.pid, self.user, self.command)
    }

    fn field(&self, name: &str) -> Option<String> {
        // The names are `filter_prompt::PROCESS_FIELDS`.
        Some(match name {
            "pid" => self.pid.to_string(),
            "user" => self.user.clone(),
            "command" | "cmd" => self.command.clone(),
            _ => return None,
        })
    }
}
