//! The Tasks pane's behaviour through `update`: keys become confirmations,
//! confirmations become audited runs, the leader's ticks fire schedules,
//! failures retry, and read-only mode refuses at the dispatcher.

mod common;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::confirm::{Confirm, Draft};
use opsdeck::app::intent::{Intent, TaskRef};
use opsdeck::app::state::{Mode, Overlay, StatusKind, StoreRole};
use opsdeck::app::tasks::{Effect as TaskEffect, Msg as TaskMsg};
use opsdeck::app::{AppState, Effect, Msg, update};
use opsdeck::engine::tasks::{Run, RunState, Trigger};
use opsdeck::store::tasks::RunChanges;

const CONFIG: &str = r#"
[[task]]
id = "backup"
name = "Backup verification"
priority = "critical"
schedule = "0 3 * * *"
timezone = "UTC"
command = ["/usr/local/bin/backup-verify", "--dir", "/srv/backups"]
retries = 1
retry_backoff = "30s"

[[task]]
id = "report"
name = "Disk report"
priority = "low"
command = ["df", "-hP"]
"#;

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2026, 3, 1, h, m, s).unwrap()
}

fn state(mode: Mode, role: StoreRole) -> AppState {
    let config = opsdeck::config::parse(CONFIG, "test.toml").unwrap();
    let mut state = AppState::new(config, mode, common::host(), at(2, 0, 0));
    state.store = role;
    state.actor = "ann@db-1".into();
    // The store's runs arrive: the leader's schedule starts from them.
    let _ = update(
        &mut state,
        Msg::Tasks(TaskMsg::Runs {
            changes: RunChanges::default(),
            full: true,
        }),
    );
    state
}

/// `t`, Enter, and the runtime's answer that the intent is recorded.
fn trigger_selected(s: &mut AppState) -> Vec<Effect> {
    key(s, KeyCode::Char('t'));
    let write = common::write_in(&key(s, KeyCode::Enter))
        .expect("a write")
        .clone();
    recorded(s, &write, 1)
}

/// The runtime's answer that `write`'s intent is recorded as `id`.
fn recorded(s: &mut AppState, write: &opsdeck::app::intent::Write, id: i64) -> Vec<Effect> {
    let done = opsdeck::app::intent::Done::IntentRecorded(Some(id));
    update(s, common::written(write.intent.clone(), Ok(done)))
}

/// The outcome record among `effects`.
fn outcome_of(effects: &[Effect]) -> opsdeck::store::NewAudit {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Audit(a) if a.phase == opsdeck::store::Phase::Outcome => Some(a.clone()),
            _ => None,
        })
        .expect("an outcome record")
}

fn task_command(write: &opsdeck::app::intent::Write) -> String {
    match &write.intent {
        Intent::TriggerTask(t) | Intent::CancelTask(t) => t.command.clone(),
        other => panic!("not a task's intent: {other:?}"),
    }
}

fn task_confirm(state: &AppState) -> &Confirm {
    match &state.view.overlay {
        Some(Overlay::Confirm(c)) => c,
        other => panic!("no confirmation: {other:?}"),
    }
}

fn key(state: &mut AppState, code: KeyCode) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn starts(effects: &[Effect]) -> Vec<(String, Trigger, u32)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Tasks(TaskEffect::Start(s)) => Some((s.spec.id.clone(), s.trigger, s.attempt)),
            _ => None,
        })
        .collect()
}

fn run(id: i64, task: &str, state: RunState, attempt: u32, started: DateTime<Utc>) -> Run {
    Run {
        id,
        task_id: task.into(),
        trigger: Trigger::Schedule,
        state,
        attempt,
        started,
        finished: state
            .is_finished()
            .then_some(started + Duration::seconds(4)),
        exit_code: (state == RunState::Failed).then_some(2),
        detail: if state == RunState::Failed {
            "exit 2".into()
        } else {
            String::new()
        },
        output: None,
        actor: "scheduler@db-1".into(),
    }
}

#[test]
fn t_asks_for_confirmation_naming_the_command_then_starts_an_audited_run() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    key(&mut s, KeyCode::Char('2'));
    // The most important task is listed first.
    assert_eq!(s.selected_task().unwrap().id, "backup");
    assert!(
        starts(&key(&mut s, KeyCode::Char('t'))).is_empty(),
        "nothing runs before Enter"
    );
    let confirm = task_confirm(&s);
    let Draft::TriggerTask(task) = &confirm.draft else {
        panic!("not a trigger: {:?}", confirm.draft)
    };
    assert_eq!(
        task.command,
        "/usr/local/bin/backup-verify --dir /srv/backups"
    );
    assert!(
        confirm
            .plan
            .iter()
            .any(|row| row.label == "command" && row.value == task.command),
        "the plan shows the argv"
    );
    // Enter only asks for the intent to be recorded: nothing runs before it is.
    let effects = key(&mut s, KeyCode::Enter);
    assert!(starts(&effects).is_empty(), "{effects:?}");
    let write = common::write_in(&effects)
        .expect("audited as a write")
        .clone();
    let audit = &write.record;
    assert_eq!(
        (audit.action.as_str(), audit.target.as_str()),
        ("task.trigger", "backup")
    );
    assert_eq!(audit.actor, "ann@db-1");
    assert_eq!(audit.params["command"], task_command(&write));
    // Recorded: the scheduler starts it, and the outcome points at the intent.
    let effects = recorded(&mut s, &write, 7);
    assert!(s.view.overlay.is_none());
    assert_eq!(
        starts(&effects),
        vec![("backup".into(), Trigger::Manual, 1)]
    );
    let outcome = outcome_of(&effects);
    assert_eq!(
        (outcome.intent_id, outcome.outcome.as_str()),
        (Some(7), "started")
    );
    let Some(Effect::Tasks(TaskEffect::Start(start))) = effects
        .iter()
        .find(|e| matches!(e, Effect::Tasks(TaskEffect::Start(_))))
    else {
        unreachable!()
    };
    assert_eq!(start.actor, "ann@db-1", "a manual run is the operator's");
}

#[test]
fn t_on_a_running_task_refuses_at_once_and_names_the_key_that_cancels_it() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    key(&mut s, KeyCode::Char('2'));
    trigger_selected(&mut s);
    let _ = update(&mut s, Msg::Tick(at(2, 4, 25)));
    // No dialog that would only end in "refused": the status says why now.
    let effects = key(&mut s, KeyCode::Char('t'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(s.view.overlay.is_none(), "{:?}", s.view.overlay);
    let status = s.visible_status().expect("a status message");
    assert_eq!(status.kind, StatusKind::Warning);
    assert_eq!(
        status.text,
        "task Backup verification is already running (since 02:00:00, 4m25s ago); x cancels it"
    );
    // x still offers to cancel it.
    key(&mut s, KeyCode::Char('x'));
    assert!(matches!(task_confirm(&s).draft, Draft::CancelTask(_)));
}

#[test]
fn esc_in_the_confirmation_runs_nothing() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('t'));
    let effects = key(&mut s, KeyCode::Esc);
    assert!(s.view.overlay.is_none());
    assert!(effects.is_empty(), "{effects:?}");
}

#[test]
fn read_only_refuses_trigger_and_cancel_at_the_dispatcher() {
    let mut s = state(
        Mode {
            read_only: true,
            wall: false,
        },
        StoreRole::Leader,
    );
    key(&mut s, KeyCode::Char('2'));
    for (k, doing) in [('t', "triggering"), ('x', "cancelling")] {
        let effects = key(&mut s, KeyCode::Char(k));
        assert!(s.view.overlay.is_none());
        assert!(starts(&effects).is_empty());
        // Both name what was refused: the selected task.
        assert!(
            matches!(&effects[..], [Effect::Audit(a)]
                if a.outcome.starts_with("refused: read-only") && a.target == "backup"),
            "{effects:?}"
        );
        let status = s.visible_status().unwrap();
        assert_eq!(status.kind, StatusKind::Warning);
        assert_eq!(
            status.text,
            format!("read-only (--read-only): not {doing} task backup")
        );
    }
    // A confirmation opened before (it cannot be, but the dispatcher is the
    // one place that decides): Enter is refused too.
    let task = TaskRef {
        task_id: "backup".into(),
        name: "Backup verification".into(),
        command: "x".into(),
    };
    let confirm = Confirm::new(Draft::TriggerTask(task), "Run".into(), vec![]);
    s.view.overlay = Some(Overlay::Confirm(Box::new(confirm)));
    let effects = key(&mut s, KeyCode::Enter);
    assert!(starts(&effects).is_empty());
    assert!(common::write_in(&effects).is_none(), "{effects:?}");
    // And straight to the dispatcher, as any future caller would.
    let intent = Intent::CancelTask(TaskRef {
        task_id: "backup".into(),
        name: "Backup verification".into(),
        command: "x".into(),
    });
    let effects = opsdeck::app::dispatch::dispatch(&mut s, intent);
    assert!(
        matches!(&effects[..], [Effect::Audit(a)]
            if a.outcome.starts_with("refused: read-only") && a.target == "backup"),
        "{effects:?}"
    );
}

#[test]
fn the_leader_fires_the_schedule_and_a_follower_does_not() {
    let mut leader = state(Mode::default(), StoreRole::Leader);
    let mut follower = state(Mode::default(), StoreRole::Follower);
    for s in [&mut leader, &mut follower] {
        assert!(starts(&update(s, Msg::Tick(at(2, 59, 59)))).is_empty());
    }
    assert_eq!(
        starts(&update(&mut leader, Msg::Tick(at(3, 0, 0)))),
        vec![("backup".into(), Trigger::Schedule, 1)]
    );
    assert!(starts(&update(&mut follower, Msg::Tick(at(3, 0, 0)))).is_empty());
}

/// Read-only changes nothing: not with the store, not without one.
#[test]
fn a_read_only_opsdeck_never_fires_a_schedule() {
    let read_only = Mode {
        read_only: true,
        wall: false,
    };
    for role in [StoreRole::Off, StoreRole::Follower] {
        let mut s = state(read_only, role);
        let _ = update(&mut s, Msg::Tick(at(2, 59, 59)));
        assert!(
            starts(&update(&mut s, Msg::Tick(at(3, 0, 0)))).is_empty(),
            "{role:?}"
        );
    }
}

#[test]
fn a_failed_run_is_retried_after_its_backoff_and_shown_failing() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    let _ = update(&mut s, Msg::Tick(at(3, 0, 0)));
    let _ = update(
        &mut s,
        Msg::Tasks(TaskMsg::Started(run(
            7,
            "backup",
            RunState::Running,
            1,
            at(3, 0, 0),
        ))),
    );
    assert_eq!(s.tasks.running(), 1);
    let _ = update(&mut s, Msg::Tick(at(3, 0, 4)));
    let _ = update(
        &mut s,
        Msg::Tasks(TaskMsg::Finished(run(
            7,
            "backup",
            RunState::Failed,
            1,
            at(3, 0, 0),
        ))),
    );
    assert_eq!(s.tasks.failing(), 1, "the overview counts it");
    let status = s.visible_status().unwrap();
    assert!(status.text.contains("failed: exit 2"), "{}", status.text);
    assert!(starts(&update(&mut s, Msg::Tick(at(3, 0, 33)))).is_empty());
    assert_eq!(
        starts(&update(&mut s, Msg::Tick(at(3, 0, 34)))),
        vec![("backup".into(), Trigger::Retry, 2)]
    );
}

#[test]
fn x_cancels_the_running_run_after_confirmation() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('x'));
    assert!(s.view.overlay.is_none(), "nothing runs: nothing to cancel");
    assert!(s.visible_status().unwrap().text.contains("not running"));
    trigger_selected(&mut s);
    key(&mut s, KeyCode::Char('x'));
    assert!(matches!(task_confirm(&s).draft, Draft::CancelTask(_)));
    let write = common::write_in(&key(&mut s, KeyCode::Enter))
        .expect("audited as a write")
        .clone();
    assert_eq!(write.record.action, "task.cancel");
    let effects = recorded(&mut s, &write, 9);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Tasks(TaskEffect::Cancel(t)) if t == "backup")),
        "{effects:?}"
    );
    assert_eq!(outcome_of(&effects).outcome, "cancelling the running run");
}

#[test]
fn a_trigger_whose_intent_cannot_be_recorded_runs_nothing() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('t'));
    let write = common::write_in(&key(&mut s, KeyCode::Enter))
        .expect("a write")
        .clone();
    let failed = common::written(
        write.intent,
        Err("not sent: the audit log could not be written: disk full".into()),
    );
    let effects = update(&mut s, failed);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(s.view.overlay.is_none());
    let status = s.visible_status().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("disk full"), "{}", status.text);
    assert_eq!(s.tasks.scheduler.running_count(), 0);
}

#[test]
fn details_list_the_runs_and_load_the_picked_runs_output() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    let runs = vec![
        run(3, "backup", RunState::Failed, 1, at(1, 0, 0)),
        run(2, "backup", RunState::Succeeded, 1, at(0, 0, 0)),
    ];
    let _ = update(
        &mut s,
        Msg::Tasks(TaskMsg::Runs {
            changes: RunChanges {
                runs,
                change: 3,
                stats: None,
            },
            full: false,
        }),
    );
    key(&mut s, KeyCode::Char('2'));
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(s.view.overlay, Some(Overlay::Details));
    assert!(
        matches!(
            &effects[..],
            [Effect::Tasks(TaskEffect::LoadOutput { run_id: 3, .. })]
        ),
        "{effects:?}"
    );
    let _ = update(
        &mut s,
        Msg::Tasks(TaskMsg::RunOutput {
            task: "backup".into(),
            run_id: 3,
            output: "checksum mismatch\n".into(),
        }),
    );
    assert_eq!(
        s.tasks.last_run("backup").unwrap().output.as_deref(),
        Some("checksum mismatch\n")
    );
    let effects = key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.tasks.detail_run, 1);
    assert_eq!(
        s.view.overlay,
        Some(Overlay::Details),
        "j moves within the details"
    );
    assert!(matches!(
        &effects[..],
        [Effect::Tasks(TaskEffect::LoadOutput { run_id: 2, .. })]
    ));
    // Runs of the store arrive oldest change first and sort newest first.
    let order: Vec<i64> = s.tasks.runs_of("backup").map(|r| r.id).collect();
    assert_eq!(order, vec![3, 2]);
}

#[test]
fn the_filter_matches_tasks_by_priority_and_state() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('/'));
    for c in "priority=\"low\"".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    let ids: Vec<&str> = s.visible_tasks().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, vec!["report"]);
}

#[test]
fn quitting_while_a_task_runs_asks_first() {
    let mut s = state(Mode::default(), StoreRole::Leader);
    assert_eq!(
        key(&mut s, KeyCode::Char('q')),
        vec![Effect::Quit(0)],
        "nothing runs"
    );
    key(&mut s, KeyCode::Char('2'));
    trigger_selected(&mut s);
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert_eq!(task_confirm(&s).draft, Draft::Quit(1));
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.view.overlay.is_none());
    key(&mut s, KeyCode::Char('q'));
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Effect::Quit(0)]);
    // A wall display is read-only: it never leads, so runs nothing of its
    // own and quits at once.
    let mut wall = state(
        Mode {
            read_only: true,
            wall: true,
        },
        StoreRole::Follower,
    );
    let _ = update(&mut wall, Msg::Tick(at(3, 0, 0)));
    assert_eq!(wall.tasks.scheduler.running_count(), 0);
    assert_eq!(key(&mut wall, KeyCode::Char('q')), vec![Effect::Quit(0)]);
}
