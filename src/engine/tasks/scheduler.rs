//! The scheduler: which task runs when. Pure: it is told the time and what
//! happened (runs started, finished, seen in the store) and answers with
//! commands (start this, record that as skipped) for the runtime to carry out.
//!
//! Only the leader (one opsdeck per host) fires schedules; every instance runs
//! what its user triggers, with retries, queueing and the concurrency limit.

use super::model::{Concurrency, Missed, Run, RunState, TaskSpec, Trigger};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// A scheduled run this late counts as missed (opsdeck was down, the host
/// slept), not merely delayed by a busy tick.
pub const MISSED_AFTER: Duration = Duration::seconds(60);

/// How far back a first run looks for its dependencies' outcomes.
const FIRST_CYCLE: Duration = Duration::hours(24);

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Start {
        task: String,
        trigger: Trigger,
        attempt: u32,
    },
    /// Record a skipped run with its reason.
    Skip {
        task: String,
        trigger: Trigger,
        reason: String,
    },
}

/// A run waiting to start: for a free slot, for a dependency, or behind the
/// task's own running one (`concurrency = "queue"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub trigger: Trigger,
    pub attempt: u32,
    pub since: DateTime<Utc>,
    /// The scheduled time it stands for (dependency window), if scheduled.
    pub due: Option<DateTime<Utc>>,
    pub reason: String,
}

#[derive(Debug, Clone)]
struct Slot {
    spec: TaskSpec,
    next_due: Option<DateTime<Utc>>,
    running: Option<(Trigger, u32, DateTime<Utc>)>,
    waiting: Option<Waiting>,
    retry: Option<(DateTime<Utc>, u32)>,
    /// The newest finished run known (this process's or the store's).
    last: Option<(DateTime<Utc>, RunState, String)>,
}

#[derive(Debug, Clone)]
pub struct Scheduler {
    slots: Vec<Slot>,
    index: HashMap<String, usize>,
    limit: usize,
    /// Set by `init`: before it, the schedule is unknown (the store not read yet).
    initialised: bool,
}

/// Why a manual trigger was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    UnknownTask,
    AlreadyRunning,
    AlreadyWaiting,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refused::UnknownTask => "no such task",
            Refused::AlreadyRunning => "already running",
            Refused::AlreadyWaiting => "already waiting to run",
        })
    }
}

impl Scheduler {
    /// `limit`: runs at once over all tasks.
    pub fn new(specs: Vec<TaskSpec>, limit: usize) -> Self {
        let index = specs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let slots = specs
            .into_iter()
            .map(|spec| Slot {
                spec,
                next_due: None,
                running: None,
                waiting: None,
                retry: None,
                last: None,
            })
            .collect();
        Self {
            slots,
            index,
            limit: limit.max(1),
            initialised: false,
        }
    }

    pub fn specs(&self) -> impl Iterator<Item = &TaskSpec> {
        self.slots.iter().map(|s| &s.spec)
    }

    pub fn spec(&self, id: &str) -> Option<&TaskSpec> {
        self.slot(id).map(|s| &s.spec)
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Sets each schedule going from what the store knows: `last_started` is
    /// each task's newest run. A task's next run is the first occurrence after
    /// its last run, so runs that fell due while no opsdeck led are found
    /// (and handled by `missed`) at the next tick; a task that never ran starts
    /// from now.
    pub fn init(&mut self, now: DateTime<Utc>, last_started: &HashMap<String, DateTime<Utc>>) {
        for slot in &mut self.slots {
            slot.next_due = match (&slot.spec.schedule, slot.spec.enabled) {
                (Some(schedule), true) => {
                    let from = last_started
                        .get(&slot.spec.id)
                        .copied()
                        .filter(|t| *t <= now)
                        .unwrap_or(now);
                    schedule.next_after(from)
                }
                _ => None,
            };
        }
        self.initialised = true;
    }

    /// What is due at `now`. `leads`: this instance fires schedules.
    pub fn tick(&mut self, now: DateTime<Utc>, leads: bool) -> Vec<Command> {
        let mut out = Vec::new();
        if leads && self.initialised {
            for i in 0..self.slots.len() {
                self.fire_schedule(i, now, &mut out);
            }
        }
        for i in 0..self.slots.len() {
            if let Some((at, attempt)) = self.slots[i].retry
                && at <= now
            {
                self.slots[i].retry = None;
                self.enqueue(i, Trigger::Retry, attempt, None, now, &mut out);
            }
        }
        self.start_waiting(now, &mut out);
        out
    }

    /// The user asked for a run now.
    pub fn trigger(&mut self, id: &str, now: DateTime<Utc>) -> Result<Vec<Command>, Refused> {
        self.check_trigger(id)?;
        let i = self.index[id];
        let mut out = Vec::new();
        self.slots[i].retry = None;
        self.enqueue(i, Trigger::Manual, 1, None, now, &mut out);
        self.start_waiting(now, &mut out);
        Ok(out)
    }

    /// Whether [`Scheduler::trigger`] would refuse, without triggering: so
    /// that `t` can say so before asking for a confirmation.
    pub fn check_trigger(&self, id: &str) -> Result<(), Refused> {
        let slot = self.slot(id).ok_or(Refused::UnknownTask)?;
        if slot.waiting.is_some() {
            return Err(Refused::AlreadyWaiting);
        }
        if slot.running.is_some() && slot.spec.concurrency == Concurrency::Skip {
            return Err(Refused::AlreadyRunning);
        }
        Ok(())
    }

    /// Drops a run that waits to start; true if there was one. (A running one is
    /// cancelled by the runtime, which then reports it finished.)
    pub fn cancel_waiting(&mut self, id: &str) -> Option<Waiting> {
        let i = *self.index.get(id)?;
        self.slots[i].retry = None;
        self.slots[i].waiting.take()
    }

    /// A run this instance started has ended: retries and waiting runs follow.
    pub fn finished(&mut self, run: &Run, now: DateTime<Utc>) -> Vec<Command> {
        let Some(&i) = self.index.get(&run.task_id) else {
            return Vec::new();
        };
        let slot = &mut self.slots[i];
        slot.running = None;
        slot.last = Some((run.started, run.state, run.detail.clone()));
        let mut out = Vec::new();
        if run.state.is_failure() && run.attempt <= slot.spec.retries {
            let backoff = slot.spec.retry_backoff * 2u32.saturating_pow(run.attempt - 1);
            let at = now + Duration::from_std(backoff).unwrap_or(Duration::MAX);
            slot.retry = Some((at, run.attempt + 1));
        }
        self.start_waiting(now, &mut out);
        out
    }

    /// A run seen in the store (any instance's): keeps dependency checks and the
    /// leader's schedule in step with runs it did not start itself.
    pub fn observe(&mut self, run: &Run) {
        let Some(&i) = self.index.get(&run.task_id) else {
            return;
        };
        let slot = &mut self.slots[i];
        if run.state.is_finished() && slot.last.as_ref().is_none_or(|(t, ..)| *t <= run.started) {
            slot.last = Some((run.started, run.state, run.detail.clone()));
        }
    }

    /// The run this instance has going for a task: (trigger, attempt, started).
    pub fn running(&self, id: &str) -> Option<(Trigger, u32, DateTime<Utc>)> {
        self.slot(id).and_then(|s| s.running)
    }

    pub fn waiting(&self, id: &str) -> Option<&Waiting> {
        self.slot(id).and_then(|s| s.waiting.as_ref())
    }

    /// When the next retry of a failed run is due, and its attempt number.
    pub fn retry(&self, id: &str) -> Option<(DateTime<Utc>, u32)> {
        self.slot(id).and_then(|s| s.retry)
    }

    /// The next scheduled run as this instance knows it (None before `init`
    /// when following: then ask the schedule).
    pub fn next_due(&self, id: &str) -> Option<DateTime<Utc>> {
        self.slot(id).and_then(|s| s.next_due)
    }

    pub fn running_count(&self) -> usize {
        self.slots.iter().filter(|s| s.running.is_some()).count()
    }

    fn slot(&self, id: &str) -> Option<&Slot> {
        self.index.get(id).map(|&i| &self.slots[i])
    }

    fn fire_schedule(&mut self, i: usize, now: DateTime<Utc>, out: &mut Vec<Command>) {
        let slot = &mut self.slots[i];
        let (Some(due), Some(schedule)) = (slot.next_due, slot.spec.schedule.clone()) else {
            return;
        };
        if due > now {
            return;
        }
        slot.next_due = schedule.next_after(now);
        let id = slot.spec.id.clone();
        if now - due <= MISSED_AFTER {
            self.enqueue(i, Trigger::Schedule, 1, Some(due), now, out);
            return;
        }
        // Missed: count the occurrences that passed, up to the latest.
        let mut missed = 1;
        let mut latest = due;
        while let Some(next) = schedule.next_after(latest).filter(|n| *n <= now) {
            latest = next;
            missed += 1;
            if missed >= 1000 {
                break;
            }
        }
        let when = if missed == 1 {
            format!("missed the run due {}", stamp(due))
        } else {
            format!("missed {missed} runs (last due {})", stamp(latest))
        };
        let grace = self.slots[i].spec.missed_grace;
        let within_grace = (now - latest).to_std().is_ok_and(|age| age <= grace);
        match self.slots[i].spec.missed {
            Missed::RunOnce if within_grace => {
                self.enqueue(i, Trigger::Missed, 1, Some(latest), now, out);
            }
            Missed::RunOnce => out.push(Command::Skip {
                task: id,
                trigger: Trigger::Missed,
                reason: format!(
                    "{when} while opsdeck was stopped or the host slept; older than missed_grace {}",
                    crate::config::duration::short(grace)
                ),
            }),
            Missed::Skip => out.push(Command::Skip {
                task: id,
                trigger: Trigger::Schedule,
                reason: format!(
                    "{when} while opsdeck was stopped or the host slept (missed = \"skip\")"
                ),
            }),
        }
    }

    /// A run asks to start: a task already going either skips it or queues it.
    fn enqueue(
        &mut self,
        i: usize,
        trigger: Trigger,
        attempt: u32,
        due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        out: &mut Vec<Command>,
    ) {
        let slot = &mut self.slots[i];
        let busy = slot.running.is_some() || slot.waiting.is_some();
        if busy && slot.spec.concurrency == Concurrency::Skip {
            let since = slot
                .running
                .map(|(_, _, started)| format!(" (since {})", stamp(started)))
                .unwrap_or_default();
            out.push(Command::Skip {
                task: slot.spec.id.clone(),
                trigger,
                reason: format!("already running{since}; concurrency = \"skip\""),
            });
            return;
        }
        if slot.waiting.is_some() {
            // Queue mode keeps one run waiting: a second would only repeat it.
            return;
        }
        slot.waiting = Some(Waiting {
            trigger,
            attempt,
            since: now,
            due,
            reason: String::new(),
        });
    }

    /// Starts waiting runs whose turn it is: dependencies settled, the task not
    /// running, a free slot; the most important first.
    fn start_waiting(&mut self, now: DateTime<Utc>, out: &mut Vec<Command>) {
        let mut order: Vec<usize> = (0..self.slots.len())
            .filter(|&i| self.slots[i].waiting.is_some())
            .collect();
        order.sort_by_key(|&i| {
            let s = &self.slots[i];
            (s.spec.priority, s.waiting.as_ref().map(|w| w.since), i)
        });
        for i in order {
            if self.slots[i].running.is_some() {
                self.set_reason(i, "waiting for its running run to end".into());
                continue;
            }
            match self.dependencies(i, now) {
                Deps::Wait(reason) => {
                    self.set_reason(i, reason);
                    continue;
                }
                Deps::Failed(reason) => {
                    let w = self.slots[i].waiting.take().expect("waiting");
                    out.push(Command::Skip {
                        task: self.slots[i].spec.id.clone(),
                        trigger: w.trigger,
                        reason,
                    });
                    continue;
                }
                Deps::Ok => {}
            }
            let running = self.running_count();
            if running >= self.limit {
                self.set_reason(
                    i,
                    format!(
                        "waiting for a free slot ({running} running, max_concurrent_tasks = {})",
                        self.limit
                    ),
                );
                continue;
            }
            let slot = &mut self.slots[i];
            let w = slot.waiting.take().expect("waiting");
            slot.running = Some((w.trigger, w.attempt, now));
            out.push(Command::Start {
                task: slot.spec.id.clone(),
                trigger: w.trigger,
                attempt: w.attempt,
            });
        }
    }

    fn set_reason(&mut self, i: usize, reason: String) {
        if let Some(w) = &mut self.slots[i].waiting {
            w.reason = reason;
        }
    }

    /// Scheduled runs depend on how their dependencies did in this cycle (since
    /// the task's previous occurrence); manual runs and retries do not wait.
    fn dependencies(&self, i: usize, now: DateTime<Utc>) -> Deps {
        let slot = &self.slots[i];
        let Some(w) = &slot.waiting else {
            return Deps::Ok;
        };
        if !matches!(w.trigger, Trigger::Schedule | Trigger::Missed) {
            return Deps::Ok;
        }
        let due = w.due.unwrap_or(now);
        let cycle_start = slot
            .spec
            .schedule
            .as_ref()
            .and_then(|s| s.previous_at_or_before(due - Duration::seconds(1)))
            .unwrap_or(due - FIRST_CYCLE);
        for dep in &slot.spec.depends_on {
            let Some(d) = self.slot(dep) else { continue };
            if d.running.is_some() || d.waiting.is_some() {
                return Deps::Wait(format!("waiting for {dep} to finish"));
            }
            if let Some((started, state, detail)) = &d.last
                && *started >= cycle_start
                && *state != RunState::Succeeded
            {
                let detail = if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                };
                return Deps::Failed(format!(
                    "dependency {dep} {} at {}{detail}",
                    state.label(),
                    stamp(*started)
                ));
            }
        }
        Deps::Ok
    }
}

enum Deps {
    Ok,
    Wait(String),
    Failed(String),
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests;
