//! Recovery runs listed under the tasks in the Tasks pane: any opsdeck's (and
//! the CLI's) runs as the store has them, this opsdeck's live; the cursor goes
//! on from the tasks into them, Enter opens a run's steps and output (read
//! again when it changes), `x` aborts only what this opsdeck can abort, and
//! read-only refuses it. Rendered with fixed runs and clock.

mod common;
#[path = "common/remote.rs"]
mod remote_fixtures;

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::intent::Done;
use opsdeck::app::runbooks::{Effect as RunEffect, Msg as RunMsg};
use opsdeck::app::state::{Mode, Overlay};
use opsdeck::app::{Action, AppState, Effect, Msg, PaneId, update};
use opsdeck::store::recovery::{StoredRecoveryRun, StoredStep};
use remote_fixtures as fx;

const CONFIG: &str = r#"
[[task]]
id = "disk_report"
name = "Disk usage report"
priority = "low"
command = ["df", "-hP"]

[[task]]
id = "cache_cleanup"
name = "Cache cleanup"
schedule = "0 */6 * * *"
timezone = "UTC"
command = ["find", "/var/cache/app", "-mtime", "+7", "-delete"]

[[runbook]]
id = "errors"
name = "High error rate"
match = ['alertname="HighErrorRate"']

[[runbook.step]]
name = "Look at the logs"
command = ["journalctl", "-u", "app.service", "-n", "50"]
on_failure = "continue"

[[runbook.step]]
name = "Restart the app"
command = ["systemctl", "restart", "app.service"]
dangerous = true

[[runbook]]
id = "disk_full"
name = "Disk full"
match = ['alertname="DiskFull"']

[[runbook.step]]
name = "Largest directories"
command = ["du", "-xh", "--max-depth=2", "/var"]
"#;

fn state(mode: Mode) -> AppState {
    let mut s = fx::state_with(mode, CONFIG);
    s.tasks = opsdeck::app::tasks::Tasks::new(
        s.config.tasks().to_vec(),
        s.config.general.max_concurrent_tasks,
    );
    fx::feed_mix(&mut s);
    s
}

fn key(s: &mut AppState, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn stored(id: i64, runbook: &str, state: &str, mins_ago: i64, s: &AppState) -> StoredRecoveryRun {
    let started = s.now - Duration::minutes(mins_ago);
    StoredRecoveryRun {
        id,
        runbook: runbook.into(),
        alert_key: None,
        trigger: "cli".into(),
        state: state.into(),
        dry_run: false,
        attempt: 1,
        started,
        finished: (state != "running").then(|| started + Duration::seconds(42)),
        detail: String::new(),
        actor: "bob@ops-2".into(),
        alert_labels: Default::default(),
        step: None,
    }
}

/// Three runs another opsdeck or the CLI wrote: one going (step 2 of 2 for
/// a HighErrorRate alert), one failed, one recovered for no alert.
fn with_stored_runs(s: &mut AppState) {
    let mut going = stored(31, "errors", "running", 2, s);
    going.trigger = "manual".into();
    going.alert_labels = fx::labels(&[("alertname", "HighErrorRate"), ("service", "api")]);
    going.alert_key = Some("{alertname=\"HighErrorRate\",service=\"api\"}".into());
    going.step = Some((2, "running".into()));
    let mut failed = stored(30, "errors", "failed", 50, s);
    failed.detail = "step 2 Restart the app: exit 1".into();
    let done = stored(29, "disk_full", "recovered", 90, s);
    let runs = vec![done, failed, going];
    let _ = update(s, Msg::Runbooks(RunMsg::Stored { runs, change: 7 }));
}

/// `r` on HighErrorRate, Enter, recorded: this opsdeck's run, its key.
fn start_live(s: &mut AppState) -> u64 {
    let _ = update(s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    fx::select(s, "HighErrorRate");
    key(s, KeyCode::Char('r'));
    let write = common::write_in(&key(s, KeyCode::Enter)).unwrap().clone();
    let effects = update(
        s,
        common::written(write.intent, Ok(Done::IntentRecorded(Some(3)))),
    );
    let k = effects
        .iter()
        .find_map(|e| match e {
            Effect::Runbooks(RunEffect::Start(start)) => Some(start.key),
            _ => None,
        })
        .expect("a start");
    let _ = update(s, Msg::Runbooks(RunMsg::Recorded { key: k, run_id: 32 }));
    let at = s.now;
    let started = RunMsg::StepStarted {
        key: k,
        step: 0,
        attempt: 1,
        run_attempt: 1,
        at,
    };
    let _ = update(s, Msg::Runbooks(started));
    key(s, KeyCode::Esc);
    k
}

fn tasks_zoomed(s: &mut AppState) {
    let _ = update(s, Msg::Action(Action::Zoom(PaneId::Tasks)));
}

/// Down to the `n`th run (0 = the newest) under the two tasks.
fn to_run(s: &mut AppState, n: usize) {
    key(s, KeyCode::Char('g'));
    for _ in 0..2 + n {
        key(s, KeyCode::Down);
    }
}

fn load_run(effects: &[Effect]) -> Option<i64> {
    effects.iter().find_map(|e| match e {
        Effect::Runbooks(RunEffect::LoadRun(id)) => Some(*id),
        _ => None,
    })
}

#[test]
fn runs_are_listed_under_the_tasks_newest_first_live_and_stored() {
    let mut s = state(Mode::default());
    with_stored_runs(&mut s);
    start_live(&mut s);
    tasks_zoomed(&mut s);
    let screen = common::screen(&s, 160, 30);
    for text in [
        "Recovery run",
        "HighErrorRate{service=\"api\"}",
        "↻ running step 1/2",
        "↻ running step 2/2",
        "✗ failed",
        "✓ recovered",
        "no alert",
        "bob@ops-2 · manual",
        "bob@ops-2 · cli",
    ] {
        assert!(screen.contains(text), "{text:?} missing from:\n{screen}");
    }
    let live = screen.find("running step 1/2").unwrap();
    let theirs = screen.find("running step 2/2").unwrap();
    let oldest = screen.find("✓ recovered").unwrap();
    assert!(live < theirs && theirs < oldest, "newest first:\n{screen}");
    insta::assert_snapshot!("tasks_with_runs_160x30", screen);
    // The overview shows the newest runs under the tasks; at 80x24, where
    // the pane has room for the tasks only, its title counts the runs going.
    let _ = update(&mut s, Msg::Action(Action::Overview));
    let big = common::screen(&s, 160, 48);
    assert!(big.contains("running step 1/2"), "{big}");
    insta::assert_snapshot!("overview_with_runs_160x48", big);
    let small = common::screen(&s, 80, 24);
    assert!(small.contains("2 Tasks ── 2 recovering"), "{small}");
}

#[test]
fn enter_on_a_stored_run_reads_it_and_shows_its_steps_and_output() {
    let mut s = state(Mode::default());
    with_stored_runs(&mut s);
    tasks_zoomed(&mut s);
    to_run(&mut s, 1);
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(s.view.overlay, Some(Overlay::StoredRecovery(30)));
    assert_eq!(load_run(&effects), Some(30), "{effects:?}");
    let loading = common::screen(&s, 120, 30);
    assert!(loading.contains("reading run 30"), "{loading}");
    // A read that fails says so instead of "reading…" for ever.
    let failed = RunMsg::RunUnreadable {
        run_id: 30,
        why: "database is locked".into(),
    };
    let _ = update(&mut s, Msg::Runbooks(failed));
    let screen = common::screen(&s, 120, 30);
    assert!(
        screen.contains("cannot read run 30: database is locked"),
        "{screen}"
    );
    let run = s
        .recoveries
        .recent
        .iter()
        .find(|r| r.id == 30)
        .unwrap()
        .clone();
    let step = |position, name: &str, state: &str, detail: &str, output: &str| StoredStep {
        position,
        name: name.into(),
        run_attempt: 1,
        attempt: 1,
        command: match position {
            1 => vec!["journalctl".into(), "-u".into(), "app.service".into()],
            _ => vec!["systemctl".into(), "restart".into(), "app.service".into()],
        },
        state: state.into(),
        started: Some(run.started),
        finished: Some(run.started + Duration::seconds(3)),
        exit_code: None,
        detail: detail.into(),
        output: output.into(),
    };
    let steps = vec![
        step(
            1,
            "Look at the logs",
            "succeeded",
            "exit 0",
            "app[9]: 502 on /api\n",
        ),
        step(
            2,
            "Restart the app",
            "failed",
            "exit 1",
            "Job for app.service failed.\n",
        ),
    ];
    let run = Box::new(run);
    let _ = update(&mut s, Msg::Runbooks(RunMsg::Run { run, steps }));
    let view = common::screen(&s, 120, 30);
    for text in [
        "Recovery: High error rate · run 30",
        "state failed",
        "bob@ops-2 · cli · step 2 Restart the app: exit 1",
        "✓ 1/2 Look at the logs",
        "✗ 2/2 Restart the app !  failed",
        "app[9]: 502 on /api",
        "Job for app.service failed.",
        "Esc close",
    ] {
        assert!(view.contains(text), "{text:?} missing from:\n{view}");
    }
    insta::assert_snapshot!("stored_run_view_120x30", view);
    // x on an ended run says so; nothing is dispatched.
    let effects = key(&mut s, KeyCode::Char('x'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        s.visible_status()
            .unwrap()
            .text
            .contains("run 30 has ended")
    );
}

#[test]
fn a_stored_run_s_view_is_read_again_when_the_run_changes() {
    let mut s = state(Mode::default());
    with_stored_runs(&mut s);
    tasks_zoomed(&mut s);
    to_run(&mut s, 0);
    assert_eq!(load_run(&key(&mut s, KeyCode::Enter)), Some(31));
    let mut changed = s.recoveries.recent[0].clone();
    changed.step = Some((2, "succeeded".into()));
    let other = stored(40, "disk_full", "running", 0, &s);
    let effects = update(
        &mut s,
        Msg::Runbooks(RunMsg::Stored {
            runs: vec![other.clone()],
            change: 8,
        }),
    );
    assert_eq!(load_run(&effects), None, "another run changed: {effects:?}");
    let effects = update(
        &mut s,
        Msg::Runbooks(RunMsg::Stored {
            runs: vec![changed],
            change: 9,
        }),
    );
    assert_eq!(load_run(&effects), Some(31), "{effects:?}");
    // x on another opsdeck's running run names who to ask.
    let _ = key(&mut s, KeyCode::Char('x'));
    let status = &s.visible_status().unwrap().text;
    assert!(
        status.contains("run 31 belongs to another opsdeck"),
        "{status}"
    );
    assert!(status.contains("bob@ops-2"), "{status}");
}

#[test]
fn enter_and_x_on_this_opsdeck_s_run_open_its_live_view_and_the_abort_question() {
    let mut s = state(Mode::default());
    with_stored_runs(&mut s);
    let k = start_live(&mut s);
    // The store has this run too (every opsdeck writes its runs): listed once.
    let mine = stored(32, "errors", "running", 0, &s);
    let _ = update(
        &mut s,
        Msg::Runbooks(RunMsg::Stored {
            runs: vec![mine],
            change: 8,
        }),
    );
    tasks_zoomed(&mut s);
    assert_eq!(opsdeck::app::runbooks::visible_runs(&s).len(), 4);
    to_run(&mut s, 0);
    let effects = key(&mut s, KeyCode::Enter);
    assert!(load_run(&effects).is_none());
    assert_eq!(s.view.overlay, Some(Overlay::Recovery(k)));
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('x'));
    let Some(Overlay::Confirm(dialog)) = &s.view.overlay else {
        panic!("x asks: {:?}", s.view.overlay);
    };
    assert!(
        dialog.title.contains("Abort High error rate"),
        "{}",
        dialog.title
    );
}

#[test]
fn t_on_a_run_and_read_only_x_on_a_run_change_nothing() {
    let mut s = state(Mode::default());
    with_stored_runs(&mut s);
    tasks_zoomed(&mut s);
    to_run(&mut s, 0);
    let effects = key(&mut s, KeyCode::Char('t'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        s.visible_status()
            .unwrap()
            .text
            .contains("a recovery run is selected, not a task")
    );
    let mut ro = state(Mode {
        read_only: true,
        wall: false,
    });
    with_stored_runs(&mut ro);
    tasks_zoomed(&mut ro);
    to_run(&mut ro, 0);
    let effects = key(&mut ro, KeyCode::Char('x'));
    let audit = effects.iter().find_map(|e| match e {
        Effect::Audit(record) => Some(record.clone()),
        _ => None,
    });
    let audit = audit.expect("the refusal is audited");
    assert_eq!(audit.outcome, "refused: read-only (--read-only)");
    assert_eq!(audit.target, "errors");
    assert!(
        ro.visible_status()
            .unwrap()
            .text
            .contains("not cancelling recovery run 31")
    );
}

#[test]
fn the_filter_applies_to_the_runs_too() {
    let mut s = state(Mode::default());
    with_stored_runs(&mut s);
    tasks_zoomed(&mut s);
    key(&mut s, KeyCode::Char('/'));
    for c in "disk".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    let runs = opsdeck::app::runbooks::visible_runs(&s);
    assert_eq!(runs.iter().map(|r| r.run_id).collect::<Vec<_>>(), vec![29]);
    let screen = common::screen(&s, 120, 30);
    assert!(screen.contains("Disk usage report"), "{screen}");
    assert!(!screen.contains("Cache cleanup"), "{screen}");
    assert!(screen.contains("disk_full"), "{screen}");
    assert!(!screen.contains("errors"), "{screen}");
}

#[test]
fn the_cursor_stays_on_its_run_as_newer_runs_arrive_and_within_the_rows_as_runs_go() {
    let mut s = state(Mode::default());
    with_stored_runs(&mut s);
    tasks_zoomed(&mut s);
    to_run(&mut s, 1);
    assert_eq!(opsdeck::app::runbooks::selected_run(&s).unwrap().run_id, 30);
    // A newer run lists above it: the cursor follows run 30 down a row.
    let mut newer = stored(33, "disk_full", "running", 0, &s);
    newer.step = Some((1, "running".into()));
    let _ = update(
        &mut s,
        Msg::Runbooks(RunMsg::Stored {
            runs: vec![newer],
            change: 8,
        }),
    );
    assert_eq!(opsdeck::app::runbooks::selected_run(&s).unwrap().run_id, 30);
    // Filtered to running runs, the one the cursor was on ends: the cursor
    // stays on a row, and Enter opens a run, not an empty details view.
    key(&mut s, KeyCode::Char('/'));
    for c in "state=~\"running.*\"".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('G'));
    let last = opsdeck::app::runbooks::selected_run(&s).unwrap();
    let mut ended = s
        .recoveries
        .recent
        .iter()
        .find(|r| r.id == last.run_id)
        .unwrap()
        .clone();
    ended.state = "recovered".into();
    ended.finished = Some(s.now);
    let _ = update(
        &mut s,
        Msg::Runbooks(RunMsg::Stored {
            runs: vec![ended],
            change: 9,
        }),
    );
    let rows = s.row_count(PaneId::Tasks);
    assert!(s.list(PaneId::Tasks).selected < rows, "within the rows");
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(load_run(&effects), Some(33), "{effects:?}");
}
