//! Recovery on screen, rendered with fixed alerts, runs and clock and compared
//! with reviewed text snapshots: the plan `r` opens, a run's live view, a
//! dangerous step's question, and the marks on the Alerts rows.

mod common;
#[path = "common/remote.rs"]
mod remote_fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::intent::Done;
use opsdeck::app::runbooks::{Effect as RunEffect, Msg as RunMsg};
use opsdeck::app::state::Mode;
use opsdeck::app::{Action, AppState, Effect, Msg, PaneId, update};
use opsdeck::engine::runbooks::StepState;
use remote_fixtures as fx;

const RUNBOOKS: &str = r#"
[[runbook]]
id = "errors"
name = "High error rate"
match = ['alertname="HighErrorRate"']
timeout = "3m"
retries = 1

[[runbook.step]]
name = "Look at the logs"
command = ["journalctl", "-u", "app.service", "-n", "50"]
on_failure = "continue"

[[runbook.step]]
name = "Restart the app"
command = ["systemctl", "restart", "app.service"]
dangerous = true
settle = "30s"
verify = ["curl", "-fsS", "http://127.0.0.1:8000/health"]
timeout = "1m"

[[runbook.step]]
name = "Tell the on-call channel"
notify = "oncall"

[[notifier]]
name = "oncall"
url = "http://127.0.0.1:9000/hook"
"#;

fn state() -> AppState {
    let mut s = fx::state_with(Mode::default(), RUNBOOKS);
    fx::feed_mix(&mut s);
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    s
}

fn key(s: &mut AppState, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn screen_with(s: &AppState, w: u16, h: u16, expected: &[&str]) -> String {
    let screen = common::screen(s, w, h);
    for text in expected {
        assert!(screen.contains(text), "{text:?} missing from:\n{screen}");
    }
    screen
}

/// `r` on HighErrorRate, Enter, recorded: the run's key.
fn started(s: &mut AppState) -> u64 {
    fx::select(s, "HighErrorRate");
    key(s, KeyCode::Char('r'));
    let write = common::write_in(&key(s, KeyCode::Enter)).unwrap().clone();
    let effects = update(
        s,
        common::written(write.intent, Ok(Done::IntentRecorded(Some(3)))),
    );
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Runbooks(RunEffect::Start(start)) => Some(start.key),
            _ => None,
        })
        .expect("a start")
}

#[test]
fn the_plan_r_opens() {
    let mut s = state();
    fx::select(&mut s, "HighErrorRate");
    key(&mut s, KeyCode::Char('r'));
    let wide = screen_with(
        &s,
        160,
        48,
        &[
            "Run High error rate",
            "step 2 ! Restart the app: systemctl restart app.service",
            "then verify after 30s: curl -fsS http://127.0.0.1:8000/health",
            "step 3   Tell the on-call channel: notify oncall",
            "Enter run",
        ],
    );
    insta::assert_snapshot!("plan_160x48", wide);
    key(&mut s, KeyCode::Char('d'));
    let narrow = screen_with(&s, 80, 24, &["(dry run)", "Enter show it"]);
    insta::assert_snapshot!("plan_dry_run_80x24", narrow);
}

#[test]
fn a_run_as_it_goes_and_the_rows_mark() {
    let mut s = state();
    let k = started(&mut s);
    let at = s.now;
    let msgs = [
        RunMsg::Recorded { key: k, run_id: 12 },
        RunMsg::StepStarted {
            key: k,
            step: 0,
            attempt: 1,
            run_attempt: 1,
            at,
        },
        RunMsg::Output {
            key: k,
            text: "app[812]: upstream timed out\napp[812]: 502 on /api/orders\n".into(),
        },
        RunMsg::StepEnded {
            key: k,
            step: 0,
            state: StepState::Failed,
            detail: "exit 1".into(),
            at,
        },
        RunMsg::StepStarted {
            key: k,
            step: 1,
            attempt: 2,
            run_attempt: 1,
            at,
        },
    ];
    for msg in msgs {
        let _ = update(&mut s, Msg::Runbooks(msg));
    }
    let view = screen_with(
        &s,
        120,
        36,
        &[
            "Recovery: High error rate · run 12",
            "running step 2/3",
            "✗ 1/3 Look at the logs",
            "▶ 2/3 Restart the app !  running (attempt 2)",
            "app[812]: 502 on /api/orders",
            "x abort · Esc close (it goes on)",
        ],
    );
    insta::assert_snapshot!("run_view_120x36", view);
    key(&mut s, KeyCode::Esc);
    let rows = screen_with(&s, 160, 48, &["↻ running step 2/3 · "]);
    insta::assert_snapshot!("alerts_with_a_run_160x48", rows);
}

#[test]
fn a_dangerous_step_asks() {
    let mut s = state();
    let k = started(&mut s);
    let _ = update(
        &mut s,
        Msg::Runbooks(RunMsg::Recorded { key: k, run_id: 12 }),
    );
    let _ = update(&mut s, Msg::Runbooks(RunMsg::Asking { key: k, step: 1 }));
    let screen = screen_with(
        &s,
        80,
        24,
        &[
            "Dangerous step 2/3: Restart the app",
            "Enter run the step · Esc abort the run",
        ],
    );
    insta::assert_snapshot!("dangerous_step_80x24", screen);
}
