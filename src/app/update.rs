//! `update(state, msg) -> effects`: the only code that changes `AppState`.
//! Pure: time arrives in messages, and I/O is returned as `Effect`s for the runtime.

use super::ack::{self, DialogKey, ExpireRequest, SilenceRequest};
use super::action::{Action, PaneId};
use super::alerts::{AlertState, Severity};
use super::dispatch;
use super::filter::Filter;
use super::remote::{Payload, RemoteUpdate};
use super::sources::SourceKind;
use super::state::{AppState, Overlay, StatusKind, StoreRole};
use crate::collect::model::ResourceSample;
use crate::store::{AuditRecord, NewAudit};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_logger::{LevelFilter, TuiWidgetEvent, TuiWidgetState};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Action(Action),
    Resources(Box<ResourceSample>),
    CollectorFailed {
        source: &'static str,
        error: String,
    },
    Tick(DateTime<Utc>),
    /// This process became (true) or stopped being (false) the leader.
    Leadership(bool),
    /// What other opsdeck processes on this host recorded since the last look.
    Activity(Vec<AuditRecord>),
    /// One poll of a remote source.
    Remote(Box<RemoteUpdate>),
    /// Alertmanager accepted the silence (and the store has it).
    SilenceCreated {
        request: SilenceRequest,
        silence_id: String,
        member: String,
    },
    SilenceFailed(String),
    SilenceExpired(ExpireRequest),
    ExpireFailed(String),
    /// Open acknowledgements of local alerts, as the store has them now.
    LocalAcks(Vec<crate::store::acks::StoredAck>),
    /// The history of one alert, newest first.
    History(String, Vec<crate::store::acks::AlertEvent>),
    /// A local alert's acknowledgement is stored, with this id.
    LocalAcked {
        request: SilenceRequest,
        id: i64,
    },
    /// Task runs read from the store: everything (`full`, at start and on taking
    /// the lead) or what changed since the last read.
    TaskRuns {
        changes: crate::store::tasks::RunChanges,
        full: bool,
    },
    /// A run of this opsdeck started (its row is written).
    TaskStarted(crate::engine::tasks::Run),
    /// More output of a running task.
    TaskOutput {
        task: String,
        run_id: i64,
        text: String,
    },
    /// A run of this opsdeck ended (its row is written).
    TaskFinished(crate::engine::tasks::Run),
    /// A skipped run is recorded.
    TaskSkipped(crate::engine::tasks::Run),
    /// The stored output of a run, for the details view.
    RunOutput {
        task: String,
        run_id: i64,
        output: String,
    },
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly with this exit code.
    Terminate(i32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Restore the terminal and exit with this code.
    Quit(i32),
    /// Restore the terminal, stop (SIGTSTP), and take it back on `fg`.
    Suspend,
    /// Clear the terminal and draw every cell again.
    Redraw,
    /// Append to the audit log (through the store thread; dropped with --no-store).
    Audit(NewAudit),
    /// Create an Alertmanager silence (audited: intent before, outcome after).
    CreateSilence(SilenceRequest),
    /// Expire one (audited the same way).
    ExpireSilence(ExpireRequest),
    /// Store an acknowledgement of a local alert (audited).
    AckLocal(SilenceRequest),
    /// End one (audited).
    UnackLocal(ExpireRequest),
    /// Append local alerts' transitions to their history (the leader only).
    RecordEvents(Vec<crate::store::acks::AlertEvent>),
    /// Read the history of the alert with this key (for its details).
    LoadHistory(String),
    /// Post local alerts to an Alertmanager (`[ack] push_local_to`).
    PushAlerts {
        source: super::sources::SourceId,
        alerts: Vec<crate::collect::alertmanager::PostableAlert>,
    },
    /// Ring the terminal bell: a critical alert started firing (and, on a wall
    /// display, flash the header).
    Bell,
    /// Send local alerts' firing/resolved notifications to the `[[notifier]]`s.
    Notify(Vec<super::local_rules::Notification>),
    /// Record a run's start, run it, record its end.
    StartTask(Box<super::tasks::StartTask>),
    /// Record a skipped run.
    RecordSkip(Box<super::tasks::SkipRun>),
    /// Kill the running run of this task (its whole process group).
    CancelTask(String),
    /// Read every task's recent runs again (closing runs of processes that died
    /// first, when leading).
    LoadRuns,
    /// Read one run's output for the details view.
    LoadRunOutput { task: String, run_id: i64 },
}

/// Rows a page key moves.
const PAGE: usize = 10;

pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let mut effects = apply(state, msg);
    if std::mem::take(&mut state.new_critical) && state.config.ui.bell {
        effects.push(Effect::Bell);
    }
    let events = std::mem::take(&mut state.pending_events);
    if !events.is_empty() {
        effects.push(Effect::RecordEvents(events));
    }
    effects
}

fn apply(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Action(action) => on_action(state, action),
        Msg::Resources(sample) => {
            // A sample carries the time it was taken: the clock moves with it, so a
            // data frame also updates the clock and no extra frame is needed.
            state.now = state.now.max(sample.taken_at);
            // Rules are evaluated on every sample, paused or not: alerting never pauses.
            let effects = evaluate_rules(state, &sample);
            if state.paused {
                if state.queued.len() == state.resources.cpu.capacity() {
                    state.queued.pop_front();
                }
                state.queued.push_back(*sample);
            } else {
                state.resources.apply(*sample);
                clamp_selection(state, PaneId::Resources);
            }
            effects
        }
        Msg::CollectorFailed { source, error } => {
            tracing::warn!("collector {source} failed: {error}");
            if source == "local" {
                state.resources.error = Some((error, state.now));
            }
            Vec::new()
        }
        Msg::Tick(now) => {
            state.now = now;
            if !state.tasks.loaded && state.store == StoreRole::Off {
                // No store, no history: the schedule starts from now.
                state.tasks.loaded = true;
                super::tasks::start_schedule(state);
            }
            super::tasks::on_tick(state, now)
        }
        Msg::TaskRuns { changes, full } => super::tasks::on_runs(state, changes, full),
        Msg::TaskStarted(run) | Msg::TaskSkipped(run) => super::tasks::on_started(state, run),
        Msg::TaskOutput { task, run_id, text } => {
            super::tasks::on_output(state, run_id, &task, &text);
            Vec::new()
        }
        Msg::TaskFinished(run) => super::tasks::on_finished(state, run),
        Msg::RunOutput {
            task,
            run_id,
            output,
        } => {
            super::tasks::on_run_output(state, &task, run_id, output);
            Vec::new()
        }
        Msg::Activity(records) => {
            for record in &records {
                state.activity_after = state.activity_after.max(record.id);
                let (r, pid) = (&record.entry, record.pid);
                let target = if r.target.is_empty() {
                    String::new()
                } else {
                    format!(" {}", r.target)
                };
                let line = format!(
                    "{} (pid {}): {}{target}: {}",
                    r.actor, pid, r.action, r.outcome
                );
                tracing::info!(target: "activity", "{line}");
                // Sessions come and go quietly; what people do to alerts, tasks and
                // scaling is shown to everyone at once.
                if !r.action.starts_with("session.") {
                    state.set_status(StatusKind::Info, line);
                }
            }
            Vec::new()
        }
        Msg::Leadership(leads) => {
            if state.store != StoreRole::Off {
                state.store = if leads {
                    StoreRole::Leader
                } else {
                    StoreRole::Follower
                };
                if leads {
                    state.set_status(
                        StatusKind::Info,
                        "this opsdeck now leads: it runs the work that must not run twice",
                    );
                    if !state.tasks.is_empty() {
                        // The schedule restarts from the store's latest runs.
                        return vec![Effect::LoadRuns];
                    }
                }
            }
            Vec::new()
        }
        Msg::Remote(remote) => {
            if remote.at > state.now {
                state.now = remote.at;
            }
            record_scrape(state, &remote);
            if state.remote.apply(*remote) {
                remerge(state);
            }
            Vec::new()
        }
        Msg::SilenceCreated {
            request,
            silence_id,
            member,
        } => {
            ack::silence_created(state, request, silence_id, member);
            remerge(state);
            Vec::new()
        }
        Msg::SilenceFailed(error) => {
            ack::silence_failed(state, &error);
            Vec::new()
        }
        Msg::SilenceExpired(request) => {
            ack::silence_expired(state, &request);
            remerge(state);
            Vec::new()
        }
        Msg::History(key, events) => {
            state.history = Some((key, events));
            Vec::new()
        }
        Msg::LocalAcks(acks) => {
            if state.remote.alert_inputs.local_acks != acks {
                state.remote.alert_inputs.local_acks = acks;
                remerge(state);
            }
            Vec::new()
        }
        Msg::LocalAcked { request, id } => {
            ack::local_acked(state, request, id);
            remerge(state);
            Vec::new()
        }
        Msg::ExpireFailed(error) => {
            if matches!(state.overlay, Some(Overlay::Expire(_))) {
                state.overlay = None;
            }
            state.set_status(StatusKind::Error, format!("un-acknowledge failed: {error}"));
            Vec::new()
        }
        Msg::Terminate(code) => vec![Effect::Quit(code)],
    }
}

/// Feeds a sample to the local rules, evaluates them, and lists their alerts.
/// Their notifications go out from one opsdeck per host: the leader (or this
/// one, without a store).
fn evaluate_rules(state: &mut AppState, sample: &ResourceSample) -> Vec<Effect> {
    if state.rules.is_empty() {
        return Vec::new();
    }
    state.rules.record_sample(&state.host.hostname, sample);
    let before = std::mem::take(&mut state.remote.alert_inputs.local);
    state
        .rules
        .evaluate_into(sample.taken_at, &mut state.remote);
    // Most seconds nothing changes: the list is merged again only when it does.
    if state.remote.alert_inputs.local != before {
        remerge(state);
    }
    let outgoing = state.rules.take_notifications();
    let events = state.rules.take_events();
    let mut effects = Vec::new();
    // Every opsdeck on the host evaluates; one records and notifies.
    let leads = matches!(state.store, StoreRole::Leader | StoreRole::Off);
    if leads && !outgoing.is_empty() && !state.config.notifier.is_empty() {
        effects.push(Effect::Notify(outgoing));
    }
    let changed = !events.is_empty();
    if state.store == StoreRole::Leader && changed {
        effects.push(Effect::RecordEvents(events));
    }
    if leads && let Some(push) = push_local(state, sample.taken_at, changed) {
        effects.push(push);
    }
    effects
}

/// Local alerts for `[ack] push_local_to`: at once when one changes, else every
/// `PUSH_EVERY` while any fires.
fn push_local(state: &mut AppState, now: DateTime<Utc>, changed: bool) -> Option<Effect> {
    let name = state.config.ack.push_local_to.as_deref()?;
    let source = state
        .remote
        .sources
        .iter()
        .position(|s| s.kind == SourceKind::Alertmanager && s.name == name)?;
    let due = state.rules.last_push.is_none_or(|last| {
        (now - last)
            .to_std()
            .is_ok_and(|age| age >= super::local_rules::PUSH_EVERY)
    });
    let alerts = state.rules.postable(now);
    if alerts.is_empty() || !(changed || due) {
        return None;
    }
    state.rules.last_push = Some(now);
    Some(Effect::PushAlerts { source, alerts })
}

/// A `[[scrape]]` result (or failure) feeds the local rules' series and `up`.
fn record_scrape(state: &mut AppState, update: &RemoteUpdate) {
    let Some(source) = state.remote.sources.get(update.source) else {
        return;
    };
    if source.kind != SourceKind::Scrape || state.rules.is_empty() {
        return;
    }
    let instance = super::local_rules::scrape_instance(&source.endpoint);
    let scrape = match &update.result {
        Ok(Payload::Scrape(scrape)) => Some(scrape.as_ref()),
        _ => None,
    };
    let job = source.name.clone();
    state
        .rules
        .record_scrape(&job, &instance, scrape, update.at);
}

/// States of the alerts only remote sources report (local rules record their
/// own transitions), by alert key.
fn remote_states(state: &AppState) -> impl Iterator<Item = (String, AlertState)> + '_ {
    let local = state.rules.source;
    state
        .remote
        .alerts
        .iter()
        .filter(move |a| local.is_none_or(|id| !a.sources.contains(&id)))
        .map(|a| (a.key(), a.state))
}

/// Remote alerts that went pending, firing or resolved since the last merge, for
/// their history (written by the leader, once per host).
fn record_remote_transitions(
    state: &mut AppState,
    before: &std::collections::BTreeMap<String, AlertState>,
) {
    if state.store != StoreRole::Leader {
        return;
    }
    let now = state.now;
    let local = state.rules.source;
    let quiet = |s: AlertState| {
        matches!(
            s,
            AlertState::Acknowledged | AlertState::Silenced | AlertState::Inhibited
        )
    };
    let mut events = Vec::new();
    for alert in &state.remote.alerts {
        if local.is_some_and(|id| alert.sources.contains(&id)) {
            continue;
        }
        let kind = match alert.state {
            AlertState::Pending => "pending",
            AlertState::Firing => "fired",
            AlertState::Resolved => "resolved",
            // Acks are recorded when they are made; silences live in Alertmanager.
            _ => continue,
        };
        let key = alert.key();
        let changed = match (before.get(&key).copied(), alert.state) {
            (None, new) => new != AlertState::Resolved,
            (Some(old), new) if old == new => false,
            // Back from an ack or a silence: not a new firing.
            (Some(old), AlertState::Firing) => !quiet(old),
            _ => true,
        };
        if changed {
            let source = alert
                .sources
                .first()
                .and_then(|id| state.remote.sources.get(*id))
                .map_or_else(String::new, |s| s.name.clone());
            events.push(crate::store::acks::AlertEvent {
                alert_key: key,
                source,
                kind: kind.into(),
                at: now,
                labels: serde_json::to_value(&alert.labels).unwrap_or_default(),
            });
        }
    }
    state.pending_events.extend(events);
}

/// Seconds after start during which new critical alerts do not ring.
const BELL_QUIET_SECS: i64 = 10;

fn firing_critical(state: &AppState) -> impl Iterator<Item = String> + '_ {
    state
        .remote
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing && a.severity == Severity::Critical)
        .map(|a| a.key())
}

/// Merges the alerts again, keeping the cursor on the same alert (not the same
/// row number): a new critical alert sorting in above must not move `a` or `u`
/// onto another alert. Details of an alert that is gone close.
fn remerge(state: &mut AppState) {
    let selected = state.selected_alert().map(|a| a.labels.clone());
    let group_by = state.config.ui.alerts.group_by.clone();
    let critical_before: Vec<String> = firing_critical(state).collect();
    let before: std::collections::BTreeMap<String, AlertState> = remote_states(state).collect();
    state.remote.remerge(&group_by, state.now);
    record_remote_transitions(state, &before);
    // The first seconds list what was already firing: no bell for those.
    let settled = (state.now - state.started_at).num_seconds() >= BELL_QUIET_SECS;
    if settled && firing_critical(state).any(|k| !critical_before.contains(&k)) {
        state.new_critical = true;
        state.flash_until = Some(state.now + chrono::Duration::seconds(2));
    }
    let position = selected.and_then(|labels| {
        state
            .visible_alerts()
            .iter()
            .position(|a| a.labels == labels)
    });
    match position {
        Some(i) => state.list_mut(PaneId::Alerts).selected = i,
        None => {
            if state.focus == PaneId::Alerts && matches!(state.overlay, Some(Overlay::Details)) {
                state.overlay = None;
            }
            clamp_selection(state, PaneId::Alerts);
        }
    }
}

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    match &mut state.overlay {
        Some(Overlay::Ack(dialog)) => {
            return match dialog.on_key(key) {
                DialogKey::Submit => dispatch::submit_ack(state),
                DialogKey::Cancel => {
                    state.overlay = None;
                    Vec::new()
                }
                DialogKey::Edited | DialogKey::Ignored => Vec::new(),
            };
        }
        Some(Overlay::TaskConfirm(confirm)) => {
            return match confirm_key(&key) {
                Some(true) => {
                    let confirm = confirm.clone();
                    dispatch::submit_task(state, confirm)
                }
                Some(false) => {
                    state.overlay = None;
                    Vec::new()
                }
                None => Vec::new(),
            };
        }
        Some(Overlay::QuitConfirm(_)) => {
            // q again (or Ctrl-C) also confirms: the quit key pressed twice.
            let quit_again = state.keymap.action_for(&key) == Some(Action::Quit);
            if quit_again {
                return vec![Effect::Quit(0)];
            }
            return match confirm_key(&key) {
                Some(true) => vec![Effect::Quit(0)],
                Some(false) => {
                    state.overlay = None;
                    Vec::new()
                }
                None => Vec::new(),
            };
        }
        Some(Overlay::Expire(confirm)) => {
            return match confirm_key(&key) {
                Some(true) if !confirm.busy => dispatch::submit_expire(state),
                Some(false) => {
                    state.overlay = None;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        _ => {}
    }
    if let Some(Overlay::FilterInput(text)) = &mut state.overlay {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => state.overlay = None,
            KeyCode::Enter => {
                let text = text.clone();
                state.overlay = None;
                apply_filter(state, &text);
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if ctrl => text.clear(),
            KeyCode::Char('c') if ctrl => state.overlay = None,
            KeyCode::Char(c) if !ctrl => text.push(c),
            _ => {}
        }
        return Vec::new();
    }
    match state.keymap.action_for(&key) {
        Some(action) => on_action(state, action),
        None => Vec::new(),
    }
}

/// A yes/no confirmation: Enter or y confirms (Some(true)); Esc, n or Ctrl-C
/// declines (Some(false)); other keys do nothing.
fn confirm_key(key: &KeyEvent) -> Option<bool> {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        _ if ctrl_c => Some(false),
        KeyCode::Enter | KeyCode::Char('y') => Some(true),
        KeyCode::Esc | KeyCode::Char('n') => Some(false),
        _ => None,
    }
}

fn on_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    // A task's details list its runs: moving picks the run whose output shows.
    if matches!(state.overlay, Some(Overlay::Details))
        && state.focus == PaneId::Tasks
        && matches!(
            action,
            Action::Up
                | Action::Down
                | Action::Top
                | Action::Bottom
                | Action::PageUp
                | Action::PageDown
        )
    {
        return move_run_selection(state, action);
    }
    // While help or details are open, any bound key other than quit closes them first.
    if matches!(state.overlay, Some(Overlay::Help | Overlay::Details))
        && !matches!(
            action,
            Action::Quit | Action::Suspend | Action::Pause | Action::Redraw
        )
    {
        let toggled_same = matches!(
            (&state.overlay, action),
            (Some(Overlay::Help), Action::Help) | (Some(Overlay::Details), Action::Details)
        );
        state.overlay = None;
        if toggled_same || matches!(action, Action::Overview) {
            return Vec::new();
        }
    }
    if action.is_write() {
        return dispatch::write_action(state, action);
    }
    let focus = state.focus;
    match action {
        Action::Quit => {
            // Quitting stops this opsdeck's running task runs: ask first, unless
            // nobody is there to answer (wall mode).
            let running = state.tasks.scheduler.running_count();
            if running > 0 && !state.mode.wall {
                state.overlay = Some(Overlay::QuitConfirm(running));
                return Vec::new();
            }
            return vec![Effect::Quit(0)];
        }
        Action::Suspend => return vec![Effect::Suspend],
        Action::Redraw => return vec![Effect::Redraw],
        Action::Help => state.overlay = Some(Overlay::Help),
        Action::Zoom(pane) => {
            state.zoom = Some(pane);
            state.focus = pane;
        }
        Action::Overview => {
            if state.zoom.is_none() && state.list(focus).filter.is_some() {
                // Esc in the overview clears the focused filter before anything else.
                state.list_mut(focus).filter = None;
                state.set_status(
                    StatusKind::Info,
                    format!("{}: filter cleared", focus.title()),
                );
            }
            state.zoom = None;
        }
        Action::FocusNext | Action::FocusPrev => {
            let order = PaneId::ALL;
            let i = order.iter().position(|p| *p == focus).unwrap_or(0);
            let n = order.len();
            let next = if action == Action::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            state.focus = order[next];
            if state.zoom.is_some() {
                state.zoom = Some(state.focus);
            }
        }
        Action::Up
        | Action::Down
        | Action::Top
        | Action::Bottom
        | Action::PageUp
        | Action::PageDown => {
            move_selection(state, action);
        }
        Action::Filter => {
            if focus == PaneId::Log {
                state.set_status(StatusKind::Info, "Log: use + / - to choose levels");
            } else {
                let current = state
                    .list(focus)
                    .filter
                    .as_ref()
                    .map(Filter::source)
                    .unwrap_or_default();
                state.overlay = Some(Overlay::FilterInput(current));
            }
        }
        Action::Details => {
            if state.mode.wall {
                return Vec::new();
            }
            if state.row_count(focus) > 0 {
                state.overlay = Some(Overlay::Details);
                if focus == PaneId::Alerts
                    && let Some(key) = state.selected_alert().map(|a| a.key())
                {
                    state.history = None;
                    return vec![Effect::LoadHistory(key)];
                }
                if focus == PaneId::Tasks {
                    state.tasks.detail_run = 0;
                    state.tasks.output_scroll = 0;
                    return load_selected_output(state);
                }
            }
        }
        Action::Pause => {
            state.paused = !state.paused;
            if !state.paused {
                while let Some(sample) = state.queued.pop_front() {
                    state.resources.apply(sample);
                }
                clamp_selection(state, PaneId::Resources);
            }
        }
        Action::LogMore | Action::LogLess => {
            let levels = [
                LevelFilter::Error,
                LevelFilter::Warn,
                LevelFilter::Info,
                LevelFilter::Debug,
                LevelFilter::Trace,
            ];
            let i = levels
                .iter()
                .position(|l| *l == state.log_level)
                .unwrap_or(2);
            let j = if action == Action::LogMore {
                (i + 1).min(levels.len() - 1)
            } else {
                i.saturating_sub(1)
            };
            state.log_level = levels[j];
            state.log_view = TuiWidgetState::new().set_default_display_level(state.log_level);
            state.set_status(
                StatusKind::Info,
                format!("Log: showing {} and above", state.log_level),
            );
        }
        Action::Acknowledge
        | Action::Unacknowledge
        | Action::TriggerTask
        | Action::CancelTask
        | Action::RunRecovery
        | Action::Scale => unreachable!("write actions are dispatched above"),
    }
    Vec::new()
}

/// j/k in a task's details: the previous or next run.
fn move_run_selection(state: &mut AppState, action: Action) -> Vec<Effect> {
    let Some(id) = state.selected_task().map(|t| t.id.clone()) else {
        return Vec::new();
    };
    // PgUp/PgDn scroll the output (it keeps up to 64 KiB); the rest pick a run.
    let tasks = &mut state.tasks;
    match action {
        Action::PageUp => {
            // Not past the top: wrapped rows are at least the lines, and a long
            // line wraps about every 40 columns at most.
            let rows = tasks
                .runs_of(&id)
                .nth(tasks.detail_run)
                .and_then(|r| r.output.as_deref())
                .map_or(0, |o| o.lines().count() + o.len() / 40);
            tasks.output_scroll = (tasks.output_scroll + PAGE).min(rows);
            return Vec::new();
        }
        Action::PageDown => {
            tasks.output_scroll = tasks.output_scroll.saturating_sub(PAGE);
            return Vec::new();
        }
        _ => {}
    }
    let last = tasks.runs_of(&id).count().saturating_sub(1);
    let i = tasks.detail_run;
    tasks.detail_run = match action {
        Action::Up => i.saturating_sub(1),
        Action::Down => (i + 1).min(last),
        Action::Top => 0,
        _ => last,
    };
    tasks.output_scroll = 0;
    load_selected_output(state)
}

/// The selected run's output, read from the store unless this view has it.
fn load_selected_output(state: &mut AppState) -> Vec<Effect> {
    let Some(id) = state.selected_task().map(|t| t.id.clone()) else {
        return Vec::new();
    };
    let wanted = state
        .tasks
        .runs_of(&id)
        .nth(state.tasks.detail_run)
        .filter(|run| run.output.is_none() && run.id > 0 && run.state.is_finished())
        .map(|run| run.id);
    match wanted {
        Some(run_id) => vec![Effect::LoadRunOutput { task: id, run_id }],
        None => Vec::new(),
    }
}

fn apply_filter(state: &mut AppState, text: &str) {
    let focus = state.focus;
    match Filter::parse(text) {
        Ok(filter) => {
            let view = state.list_mut(focus);
            view.filter = filter;
            view.selected = 0;
        }
        Err(e) => state.set_status(StatusKind::Error, format!("filter: {e}")),
    }
}

fn move_selection(state: &mut AppState, action: Action) {
    let focus = state.focus;
    if focus == PaneId::Log {
        let event = match action {
            Action::Up | Action::PageUp => TuiWidgetEvent::PrevPageKey,
            Action::Down | Action::PageDown => TuiWidgetEvent::NextPageKey,
            _ => TuiWidgetEvent::EscapeKey,
        };
        state.log_view.transition(event);
        return;
    }
    let count = state.row_count(focus);
    let view = state.list_mut(focus);
    let last = count.saturating_sub(1);
    view.selected = match action {
        Action::Up => view.selected.saturating_sub(1),
        Action::Down => (view.selected + 1).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageUp => view.selected.saturating_sub(PAGE),
        _ => (view.selected + PAGE).min(last),
    };
}

fn clamp_selection(state: &mut AppState, pane: PaneId) {
    let last = state.row_count(pane).saturating_sub(1);
    let view = state.list_mut(pane);
    view.selected = view.selected.min(last);
}
