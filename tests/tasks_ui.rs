//! The Tasks pane and a task's details, rendered with fixed tasks, runs and
//! clock, and compared with reviewed text snapshots.

mod common;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::state::{Mode, StoreRole};
use opsdeck::app::tasks::Msg as TaskMsg;
use opsdeck::app::{Action, AppState, Msg, PaneId, update};
use opsdeck::engine::tasks::{Run, RunState, RunStats, Trigger};
use opsdeck::store::tasks::RunChanges;
use std::collections::HashMap;

/// The handbook's maintenance tasks, in UTC so the snapshots do not depend on
/// the host's zone.
const CONFIG: &str = r#"
[[task]]
id = "security_scan"
name = "Security scan"
description = "CVE scan of installed packages"
priority = "critical"
category = "security"
schedule = "0 1 * * *"
timezone = "UTC"
command = ["/usr/local/bin/scan", "--all", "--db", "/var/lib/cve db"]
timeout = "20m"
retries = 2

[[task]]
id = "backup_verify"
name = "Backup verification"
priority = "critical"
category = "backup"
schedule = "0 3 * * *"
timezone = "UTC"
command = ["/usr/local/bin/verify-backup"]
env = { PGHOST = "db-1", PGPASSWORD = "s3cret" }
workdir = "/var/backups"
timeout = "30m"

[[task]]
id = "db_optimize"
name = "Database optimisation"
priority = "high"
category = "database"
schedule = "0 2 * * *"
timezone = "UTC"
command = ["vacuumdb", "--all", "--analyze"]
timeout = "10m"

[[task]]
id = "perf_analysis"
name = "Performance analysis"
priority = "high"
category = "performance"
schedule = "0 */4 * * *"
timezone = "UTC"
command = ["/usr/local/bin/perf-report"]
timeout = "15m"
depends_on = ["db_optimize"]

[[task]]
id = "cache_cleanup"
name = "Cache cleanup"
category = "cache"
schedule = "0 */6 * * *"
timezone = "UTC"
command = ["find", "/var/cache/app", "-mtime", "+7", "-delete"]

[[task]]
id = "disk_report"
name = "Disk usage report"
priority = "low"
category = "capacity"
command = ["df", "-hP"]

[[task]]
id = "cert_check"
name = "Certificate expiry"
priority = "low"
category = "tls"
schedule = "@daily"
timezone = "UTC"
command = ["/usr/local/bin/check-certs"]
enabled = false
"#;

fn at(secs: i64) -> DateTime<Utc> {
    common::t0() + Duration::seconds(secs)
}

/// A run started `started` seconds from t0 that took `took_ms` (None: still
/// going); its exit code follows from `detail` as the runner writes it.
fn run(
    id: i64,
    task: &str,
    trigger: Trigger,
    state: RunState,
    started: i64,
    took_ms: Option<i64>,
    detail: &str,
) -> Run {
    let exit_code = match state {
        RunState::TimedOut => Some(124),
        RunState::Cancelled => Some(130),
        _ => detail.strip_prefix("exit ").and_then(|c| c.parse().ok()),
    };
    Run {
        id,
        task_id: task.into(),
        trigger,
        state,
        attempt: 1,
        started: at(started),
        finished: took_ms.map(|ms| at(started) + Duration::milliseconds(ms)),
        exit_code,
        detail: detail.into(),
        output: None,
        actor: match trigger {
            Trigger::Manual => "ann@db-1".into(),
            _ => "scheduler@db-1".into(),
        },
    }
}

fn stats(succeeded: u32, failed: u32) -> RunStats {
    RunStats { succeeded, failed }
}

fn key(state: &mut AppState, code: KeyCode) {
    let _ = update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Seven tasks: one failed a moment ago with a retry due, one timed out, one
/// running, one skipped, one cancelled (and disabled), one never run.
fn tasks_state() -> AppState {
    let config = opsdeck::config::parse(CONFIG, "test.toml").expect("test config is valid");
    let mut state = AppState::new(config, Mode::default(), common::host(), common::t0());
    state.store = StoreRole::Leader;
    state.actor = "ann@db-1".into();
    for i in 0..60 {
        let _ = update(
            &mut state,
            Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(
                common::sample(i - 60, (i % 50) as f32 * 2.0),
            ))),
        );
    }
    let _ = update(
        &mut state,
        Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(
            common::sample(0, 62.5),
        ))),
    );
    use RunState::*;
    use Trigger::*;
    let day = 86400;
    // Newest first, as the store reads them.
    let runs = vec![
        run(
            31,
            "db_optimize",
            Schedule,
            Succeeded,
            -(10 * 3600 + 34 * 60 + 56),
            Some(251_300),
            "exit 0",
        ),
        run(
            30,
            "perf_analysis",
            Schedule,
            TimedOut,
            -(34 * 60 + 56),
            Some(900_000),
            "timed out after 15m; process group killed",
        ),
        run(
            29,
            "cache_cleanup",
            Schedule,
            Skipped,
            -(34 * 60 + 56),
            Some(0),
            "already running",
        ),
        run(
            28,
            "security_scan",
            Schedule,
            Succeeded,
            -(11 * 3600 + 34 * 60 + 56),
            Some(95_200),
            "exit 0",
        ),
        run(
            27,
            "backup_verify",
            Schedule,
            Succeeded,
            -(9 * 3600 + 34 * 60 + 56),
            Some(723_400),
            "exit 0",
        ),
        run(
            26,
            "cert_check",
            Manual,
            Cancelled,
            -(2 * day),
            Some(4_100),
            "cancelled; process group killed",
        ),
        run(
            20,
            "perf_analysis",
            Schedule,
            Succeeded,
            -(4 * 3600 + 34 * 60 + 56),
            Some(312_000),
            "exit 0",
        ),
        run(
            12,
            "security_scan",
            Schedule,
            Succeeded,
            -(day + 11 * 3600 + 34 * 60 + 56),
            Some(88_900),
            "exit 0",
        ),
    ];
    let stats = HashMap::from([
        ("db_optimize".to_string(), stats(30, 0)),
        ("perf_analysis".to_string(), stats(17, 3)),
        ("security_scan".to_string(), stats(2, 0)),
        ("backup_verify".to_string(), stats(9, 1)),
    ]);
    let _ = update(
        &mut state,
        Msg::Tasks(TaskMsg::Runs {
            changes: RunChanges {
                runs,
                change: 31,
                stats: Some(stats),
            },
            full: true,
        }),
    );
    // Triggered by hand a moment ago, it failed: a retry is due in 25s.
    state.now = at(-7);
    let mut failed = run(32, "security_scan", Manual, Running, -7, None, "");
    let _ = update(&mut state, Msg::Tasks(TaskMsg::Started(failed.clone())));
    let mut text = String::new();
    for i in 1..=40 {
        text.push_str(&format!("checked pkg-{i:02} \x1b[32mok\x1b[0m\n"));
    }
    text.push_str("ERROR: CVE database is 9 days old (max 2)\n");
    let _ = update(
        &mut state,
        Msg::Tasks(TaskMsg::Output {
            task: "security_scan".into(),
            run_id: 32,
            text,
        }),
    );
    state.now = at(-5);
    failed.state = Failed;
    failed.finished = Some(at(-5));
    failed.exit_code = Some(3);
    failed.detail = "exit 3".into();
    let _ = update(&mut state, Msg::Tasks(TaskMsg::Finished(failed)));
    // Started by hand 2m56s ago, still going.
    state.now = common::t0();
    let going = run(33, "db_optimize", Manual, Running, -176, None, "");
    let _ = update(&mut state, Msg::Tasks(TaskMsg::Started(going)));
    let _ = update(
        &mut state,
        Msg::Tasks(TaskMsg::Output {
            task: "db_optimize".into(),
            run_id: 33,
            text: "vacuumdb: vacuuming database \"app\"\n".into(),
        }),
    );
    let _ = update(&mut state, Msg::Tick(common::t0()));
    state
}

/// The screen's text, checked to contain every one of `expected`.
fn screen_with(state: &AppState, w: u16, h: u16, expected: &[&str]) -> String {
    let screen = common::screen(state, w, h);
    for text in expected {
        assert!(screen.contains(text), "{text:?} missing from:\n{screen}");
    }
    screen
}

fn zoomed() -> AppState {
    let mut s = tasks_state();
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Tasks)));
    s
}

#[test]
fn tasks_pane_wide() {
    let s = zoomed();
    let screen = screen_with(
        &s,
        120,
        30,
        &[
            "7 · 1 running · 2 failing",
            "‼ crit",
            "Security scan",
            "✗ failed",
            "✗ exit 3 · 2s · 5s ago",
            "retry 2/3 in 25s",
            "▶ running 2m56s",
            "⏱ timed out",
            "↷ skipped",
            "– never run",
            "⊘ cancelled",
            "disabled",
            "manual",
            "Wed 03:00 (in 14h25m)",
            "16:00 (in 3h25m)",
            "67%",
            "85%",
        ],
    );
    insta::assert_snapshot!("tasks_120x30", screen);
}

#[test]
fn tasks_pane_at_80_columns_keeps_the_important_columns() {
    let s = zoomed();
    let screen = screen_with(
        &s,
        80,
        24,
        &[
            "Pri",
            "Name",
            "State",
            "Last run",
            "Next run",
            "‼ crit",
            "✗ failed",
            "▶ running",
            "✗ exit 3",
            "retry",
            "2 failing",
        ],
    );
    insta::assert_snapshot!("tasks_80x24", screen);
}

#[test]
fn failing_tasks_show_on_the_overview() {
    let s = tasks_state();
    let wide = screen_with(&s, 120, 30, &["1 running · 2 failing", "✗ failed"]);
    insta::assert_snapshot!("overview_120x30", wide);
    let narrow = screen_with(&s, 80, 24, &["✗2 failing", "✗ failed"]);
    insta::assert_snapshot!("overview_80x24", narrow);
}

#[test]
fn a_filter_shows_the_count_of_all() {
    let mut s = zoomed();
    key(&mut s, KeyCode::Char('/'));
    for c in "priority=\"critical\"".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    let screen = screen_with(
        &s,
        120,
        30,
        &["2/7", "Security scan", "Backup verification"],
    );
    assert!(!screen.contains("Cache cleanup"), "{screen}");
}

#[test]
fn details_with_history_and_the_output_tail() {
    let mut s = zoomed();
    key(&mut s, KeyCode::Enter);
    let screen = screen_with(
        &s,
        120,
        30,
        &[
            " Security scan ",
            "security_scan",
            "/usr/local/bin/scan --all --db '/var/lib/cve db'",
            "0 1 * * * UTC · At 01:00",
            "Wed 01:00 (in 12h25m), then Thu 01:00, Fri 01:00",
            "retry 2/3",
            "Runs",
            "11-24 12:34:49",
            "exit 3",
            // The tail, cleaned of colour codes: the last line, not the first.
            "ERROR: CVE database is 9 days old (max 2)",
            "checked pkg-40 ok",
            "j/k run · PgUp/PgDn output · Esc close",
        ],
    );
    assert!(
        !screen.contains("pkg-01"),
        "the head is not shown:\n{screen}"
    );
    assert!(!screen.contains('\x1b'));
    insta::assert_snapshot!("details_120x30", screen);
    let narrow = screen_with(&s, 80, 24, &["Runs", "ERROR: CVE database", "Esc close"]);
    insta::assert_snapshot!("details_80x24", narrow);
}

#[test]
fn pgup_scrolls_the_output_back_to_its_head_and_pgdn_returns() {
    let mut s = zoomed();
    key(&mut s, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut s, KeyCode::PageUp);
    }
    let screen = screen_with(&s, 120, 30, &["rows up (PgDn back)", "pkg-01"]);
    assert!(!screen.contains("ERROR: CVE database"), "{screen}");
    for _ in 0..10 {
        key(&mut s, KeyCode::PageDown);
    }
    screen_with(
        &s,
        120,
        30,
        &["ERROR: CVE database", "last lines (PgUp scrolls)"],
    );
    // Picking another run starts at its end again.
    key(&mut s, KeyCode::PageUp);
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.tasks.output_scroll, 0);
}

#[test]
fn details_pick_an_older_run_and_load_its_output() {
    let mut s = zoomed();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.tasks.detail_run, 1);
    screen_with(&s, 120, 30, &["loading…"]);
    let _ = update(
        &mut s,
        Msg::Tasks(TaskMsg::RunOutput {
            task: "security_scan".into(),
            run_id: 28,
            output: "scanned 1204 packages\n0 vulnerabilities\n".into(),
        }),
    );
    let screen = screen_with(&s, 120, 30, &["0 vulnerabilities", "11-24 01:00:00"]);
    insta::assert_snapshot!("details_older_run_120x30", screen);
}

#[test]
fn details_of_a_running_task_without_output_yet() {
    let mut s = zoomed();
    // db_optimize is the third row.
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Enter);
    screen_with(
        &s,
        120,
        30,
        &[
            "▶ running 2m56s",
            "attempt 1/1",
            "manual by ann@db-1",
            "vacuumdb: vacuuming",
        ],
    );
    let mut s = zoomed();
    key(&mut s, KeyCode::Char('G'));
    key(&mut s, KeyCode::Enter);
    screen_with(
        &s,
        120,
        30,
        &["Certificate expiry", "disabled", "cancelled"],
    );
}

#[test]
fn details_never_show_env_values() {
    let mut s = zoomed();
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Enter);
    for (w, h) in [(120, 30), (80, 24), (200, 60)] {
        let screen = screen_with(&s, w, h, &["Backup verification", "PGPASSWORD", "PGHOST"]);
        assert!(
            !screen.contains("s3cret"),
            "an env value is shown:\n{screen}"
        );
    }
}

#[test]
fn a_run_waiting_for_a_slot_is_pending_with_its_reason() {
    let text = r#"
[general]
max_concurrent_tasks = 1

[[task]]
id = "first"
command = ["sleep", "60"]

[[task]]
id = "second"
command = ["sleep", "60"]
"#;
    let config = opsdeck::config::parse(text, "test.toml").expect("test config is valid");
    let mut s = AppState::new(config, Mode::default(), common::host(), common::t0());
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Tasks)));
    for row in 0..2 {
        if row > 0 {
            key(&mut s, KeyCode::Char('j'));
        }
        key(&mut s, KeyCode::Char('t'));
        let enter = update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        // The runtime records the intent (no store here: no id), then the
        // scheduler acts.
        let write = common::write_in(&enter).expect("a write").clone();
        let recorded = opsdeck::app::intent::Done::IntentRecorded(None);
        let _ = update(&mut s, common::written(write.intent, Ok(recorded)));
    }
    screen_with(&s, 80, 24, &["… pending", "manual"]);
    key(&mut s, KeyCode::Enter);
    screen_with(
        &s,
        80,
        24,
        &["… pending: waiting for a free slot", "Runs · never run"],
    );
}

#[test]
fn the_confirmation_shows_the_plan_argv_and_where_it_runs() {
    let mut s = zoomed();
    // The first row is the most important task: the security scan.
    key(&mut s, KeyCode::Char('t'));
    screen_with(
        &s,
        100,
        30,
        &[
            "Run Security scan now",
            " task     security_scan",
            " command  /usr/local/bin/scan --all --db '/var/lib/cve db'",
            " in       opsdeck's · timeout 20m",
            "Runs now, outside its schedule, as ann@db-1.",
            "Enter run · Esc cancel",
        ],
    );
}

#[test]
fn a_dry_run_says_so_in_the_title_and_the_body() {
    use opsdeck::app::confirm::{Confirm, Draft, PlanRow};
    use opsdeck::app::intent::TaskRef;
    let mut s = zoomed();
    let task = TaskRef {
        task_id: "security_scan".into(),
        name: "Security scan".into(),
        command: "/usr/local/bin/scan".into(),
    };
    let mut dialog = Confirm::new(
        Draft::TriggerTask(task),
        "Run Security scan now".into(),
        vec![PlanRow::new("task", "security_scan")],
    );
    dialog.dry_run = Some(true);
    s.view.overlay = Some(opsdeck::app::state::Overlay::Confirm(Box::new(dialog)));
    screen_with(
        &s,
        100,
        30,
        &[
            "Run Security scan now (dry run)",
            "Dry run: nothing is changed.",
        ],
    );
}

#[test]
fn a_yearly_task_lists_its_next_runs_with_the_year() {
    let config = r#"
[[task]]
id = "archive"
name = "Yearly archive"
schedule = "0 0 1 1 *"
timezone = "UTC"
command = ["/usr/local/bin/archive-year"]
"#;
    let config = opsdeck::config::parse(config, "test.toml").unwrap();
    let mut s = AppState::new(config, Mode::default(), common::host(), common::t0());
    s.store = StoreRole::Leader;
    let _ = update(
        &mut s,
        Msg::Tasks(TaskMsg::Runs {
            changes: RunChanges::default(),
            full: true,
        }),
    );
    let _ = update(&mut s, Msg::Tick(common::t0()));
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Tasks)));
    // The pane's next run is 38 days away: its month and day are enough.
    screen_with(&s, 120, 30, &["01-01 00:00 (in 37d11h)"]);
    key(&mut s, KeyCode::Enter);
    // Not "01-01 00:00" three times.
    screen_with(
        &s,
        120,
        30,
        &["2027-01-01 00:00 (in 37d11h), then 2028-01-01 00:00, 2029-01-01 00:00"],
    );
}
