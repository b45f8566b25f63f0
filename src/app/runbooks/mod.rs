//! Recovery runs as the dashboard shows them: the runs this opsdeck started
//! (live from its runner, each step written to the store before it shows),
//! and which run's view is open. What `update` does with them is in `update`;
//! the plan `r` opens is in `plan`.

mod actions;
mod auto;
mod list;
mod plan;
mod update;
pub use actions::{carry_out, declined, open_abort};
pub use auto::after_update;
pub use list::{
    LISTED_RUNS, RunCursor, RunRow, abort_listed, open_run, restore_run_cursor, run_cursor,
    selected_run, stored_state_text, viewed_run, visible_runs,
};
pub use plan::on_plan_key;
pub use plan::open_plan;
pub use update::{Effect, Msg, StartRecovery, details_opened, on_msg, on_tick, run_key};

use crate::engine::runbooks::{RunOutcome, StepState};
use crate::store::recovery::StoredRecoveryRun;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};

/// Runs kept on screen, at most (the store has them all).
pub const KEPT_RUNS: usize = 20;
/// Output kept of a run's steps, at most (as a task's).
pub const LIVE_OUTPUT: usize = crate::engine::tasks::OUTPUT_TAIL_BYTES;

/// The runs of this opsdeck, newest last.
#[derive(Debug, Clone, Default)]
pub struct Recoveries {
    pub runs: VecDeque<LiveRun>,
    /// This session's next run key (not the store's id: a run without a
    /// store has none).
    next_key: u64,
    /// The newest stored run per alert key, whoever ran it (every opsdeck on
    /// the host writes them), for a day after it ended.
    pub stored: HashMap<String, StoredRecoveryRun>,
    /// The store's change counter read up to.
    pub change: i64,
    /// When the leader last looked for runs whose opsdeck died.
    pub abandoned_checked: Option<DateTime<Utc>>,
    /// Runs started in the last hour as the store has them: (id, runbook,
    /// started), for automatic recovery's hourly budget.
    pub recent_starts: Vec<(i64, String, DateTime<Utc>)>,
    /// (runbook, alert key) firing at the last look, for automatic recovery.
    pub auto_firing: std::collections::HashSet<(String, String)>,
    /// The alert list's generation automatic recovery looked at last.
    pub auto_generation: Option<u64>,
    /// Why automatic recovery did not start for an alert, by alert key.
    pub auto_skips: HashMap<String, String>,
    /// The stored runs of the alert whose details are open: (alert key,
    /// newest runs with their step attempts).
    pub history: Option<(String, Vec<RunHistory>)>,
    /// The newest stored runs, any opsdeck's, newest first (the Tasks pane
    /// lists them).
    pub recent: Vec<StoredRecoveryRun>,
    /// The stored run whose view is open, as read.
    pub viewed: Option<LiveRun>,
    /// Why the stored run whose view is open could not be read: (id, why).
    pub unreadable: Option<(i64, String)>,
}

/// A stored run and its step attempts.
pub type RunHistory = (StoredRecoveryRun, Vec<crate::store::recovery::StoredStep>);

/// How long a stored run's mark stays on its alert after it ended.
const STORED_KEPT: chrono::Duration = chrono::Duration::hours(24);

/// A run as it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRun {
    pub key: u64,
    /// The store's id, once written (0 without a store).
    pub run_id: i64,
    pub runbook: String,
    pub name: String,
    /// The alert's identity (its label set, as the Alerts pane keys it).
    pub alert_key: String,
    /// `ServiceDown{instance="web-1"}`.
    pub alert: String,
    pub dry_run: bool,
    /// Who started it, and how: `oncall@ops-1 · auto`.
    pub by: String,
    pub started: DateTime<Utc>,
    pub attempt: u32,
    pub steps: Vec<StepView>,
    /// The step a dangerous step's question waits on.
    pub asking: Option<usize>,
    pub outcome: Option<RunOutcome>,
    pub finished: Option<DateTime<Utc>>,
    pub detail: String,
    /// The steps' output as it came, bounded.
    pub output: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub name: String,
    /// The argv as a shell would show it, or `notify NAME`.
    pub action: String,
    pub dangerous: bool,
    pub state: StepState,
    pub attempt: u32,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub detail: String,
}

impl LiveRun {
    /// Step `step` as a question or an abort names it.
    pub fn step_ref(&self, step: usize) -> crate::app::intent::StepRef {
        let s = &self.steps[step];
        crate::app::intent::StepRef {
            run: self.key,
            runbook_id: self.runbook.clone(),
            run_id: self.run_id,
            step,
            name: s.name.clone(),
            command: s.action.clone(),
        }
    }

    /// "running step 2/4", "recovered", "failed", "dry run", "asking".
    pub fn state_text(&self) -> String {
        if let Some(outcome) = self.outcome {
            return outcome.label().to_string();
        }
        if let Some(step) = self.asking {
            let name = &self.steps[step].name;
            return crate::engine::runbooks::asking_text(step, self.steps.len(), name);
        }
        let running = self
            .steps
            .iter()
            .position(|s| s.state == StepState::Running);
        match running {
            Some(i) => format!("running step {}/{}", i + 1, self.steps.len()),
            None => "starting".into(),
        }
    }
}

impl Recoveries {
    pub fn get(&self, key: u64) -> Option<&LiveRun> {
        self.runs.iter().find(|r| r.key == key)
    }

    pub fn get_mut(&mut self, key: u64) -> Option<&mut LiveRun> {
        self.runs.iter_mut().find(|r| r.key == key)
    }

    /// The newest run for this alert, if this opsdeck ran one.
    pub fn latest_for(&self, alert_key: &str) -> Option<&LiveRun> {
        self.runs.iter().rev().find(|r| r.alert_key == alert_key)
    }

    /// Runs the store has that changed: the newest per alert is kept.
    pub fn stored_changed(&mut self, runs: Vec<StoredRecoveryRun>, now: DateTime<Utc>) {
        let hour_ago = now - chrono::Duration::hours(1);
        for run in &runs {
            let counted = self.recent_starts.iter().any(|(id, ..)| *id == run.id);
            if run.started >= hour_ago && !run.dry_run && !counted {
                self.recent_starts
                    .push((run.id, run.runbook.clone(), run.started));
            }
        }
        self.recent_starts.retain(|(_, _, at)| *at >= hour_ago);
        self.list_changed(&runs);
        for run in runs {
            let Some(key) = run.alert_key.clone() else {
                continue;
            };
            let newer = self.stored.get(&key).is_none_or(|old| old.id <= run.id);
            if newer {
                self.stored.insert(key, run);
            }
        }
        self.stored
            .retain(|_, r| r.finished.is_none_or(|f| now - f < STORED_KEPT));
    }

    /// A run of `runbook` for this alert that another opsdeck has going, as the store
    /// showed it at the last read (this opsdeck's own are in `runs`).
    pub fn running_elsewhere(&self, runbook: &str, alert_key: &str) -> Option<&StoredRecoveryRun> {
        let mine = |id: i64| self.runs.iter().any(|l| l.run_id == id);
        // The newest per alert may have ended while an older one still runs.
        self.stored
            .get(alert_key)
            .into_iter()
            .chain(&self.recent)
            .find(|r| {
                r.state == "running"
                    && r.runbook == runbook
                    && r.alert_key.as_deref() == Some(alert_key)
                    && !mine(r.id)
            })
    }

    /// A run for the same runbook and alert that has not ended.
    pub fn running(&self, runbook: &str, alert_key: &str) -> Option<&LiveRun> {
        self.runs
            .iter()
            .find(|r| r.outcome.is_none() && r.runbook == runbook && r.alert_key == alert_key)
    }

    pub fn is_running(&self) -> bool {
        self.runs.iter().any(|r| r.outcome.is_none())
    }

    /// Adds a run (the oldest ended ones go past the bound); returns its key.
    pub(super) fn add(&mut self, mut run: LiveRun) -> u64 {
        self.next_key += 1;
        run.key = self.next_key;
        self.runs.push_back(run);
        while self.runs.len() > KEPT_RUNS {
            let Some(ended) = self.runs.iter().position(|r| r.outcome.is_some()) else {
                break;
            };
            self.runs.remove(ended);
        }
        self.next_key
    }
}

/// Appends to a bounded output tail, cut at a line start where one is near.
pub fn push_output(output: &mut String, text: &str) {
    output.push_str(text);
    if output.len() > LIVE_OUTPUT {
        let mut cut = output.len() - LIVE_OUTPUT;
        while !output.is_char_boundary(cut) {
            cut += 1;
        }
        if let Some(nl) = output[cut..].find('\n').filter(|&n| n < 512) {
            cut += nl + 1;
        }
        output.drain(..cut);
    }
}
