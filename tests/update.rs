//! `update` driven by key events as the terminal delivers them: key → action → state.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::state::{Mode, Overlay, StatusKind};
use opsdeck::app::{Effect, Msg, PaneId, update};
use tui_logger::LevelFilter;

fn key(state: &mut opsdeck::app::AppState, code: KeyCode) -> Vec<Effect> {
    let mods = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        KeyCode::BackTab => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    update(state, Msg::Key(KeyEvent::new(code, mods)))
}

fn ctrl(state: &mut opsdeck::app::AppState, c: char) -> Vec<Effect> {
    update(
        state,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn typed(state: &mut opsdeck::app::AppState, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

#[test]
fn q_and_ctrl_c_quit_with_zero_and_signals_keep_their_code() {
    let mut s = common::state();
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Effect::Quit(0)]);
    assert_eq!(ctrl(&mut s, 'c'), vec![Effect::Quit(0)]);
    assert_eq!(update(&mut s, Msg::Terminate(143)), vec![Effect::Quit(143)]);
    assert_eq!(ctrl(&mut s, 'z'), vec![Effect::Suspend]);
    assert_eq!(ctrl(&mut s, 'l'), vec![Effect::Redraw]);
}

#[test]
fn number_keys_zoom_and_zero_or_esc_return_to_overview() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('3'));
    assert_eq!(
        (s.view.zoom, s.view.focus),
        (Some(PaneId::Alerts), PaneId::Alerts)
    );
    key(&mut s, KeyCode::Char('0'));
    assert_eq!(s.view.zoom, None);
    key(&mut s, KeyCode::Char('5'));
    key(&mut s, KeyCode::Esc);
    assert_eq!((s.view.zoom, s.view.focus), (None, PaneId::Log));
}

#[test]
fn tab_cycles_focus_through_all_panes_and_shift_tab_goes_back() {
    let mut s = common::state();
    let mut seen = vec![s.view.focus];
    for _ in 0..5 {
        key(&mut s, KeyCode::Tab);
        seen.push(s.view.focus);
    }
    assert_eq!(
        seen,
        [
            PaneId::Resources,
            PaneId::Tasks,
            PaneId::Alerts,
            PaneId::Scaling,
            PaneId::Log,
            PaneId::Resources
        ]
    );
    key(&mut s, KeyCode::BackTab);
    assert_eq!(s.view.focus, PaneId::Log);
}

#[test]
fn help_opens_and_any_close_key_closes_it_without_side_effects() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.view.overlay, Some(Overlay::Help));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.view.overlay, None);
    key(&mut s, KeyCode::Char('?'));
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.view.overlay, None);
}

#[test]
fn movement_stays_within_the_process_list() {
    let mut s = common::state();
    let rows = s.visible_processes().len();
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Down);
    assert_eq!(s.list(PaneId::Resources).selected, 2);
    key(&mut s, KeyCode::Char('G'));
    assert_eq!(s.list(PaneId::Resources).selected, rows - 1);
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.list(PaneId::Resources).selected, rows - 1);
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(s.list(PaneId::Resources).selected, 0);
    key(&mut s, KeyCode::Char('k'));
    assert_eq!(s.list(PaneId::Resources).selected, 0);
    key(&mut s, KeyCode::PageDown);
    assert_eq!(s.list(PaneId::Resources).selected, rows - 1);
}

#[test]
fn slash_filters_the_focused_list_by_text_or_matchers() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "NGINX");
    assert!(matches!(s.view.overlay, Some(Overlay::FilterInput(ref p)) if p.text == "NGINX"));
    key(&mut s, KeyCode::Enter);
    let pids: Vec<u32> = s.visible_processes().iter().map(|p| p.pid).collect();
    assert_eq!(pids, vec![1337]);

    key(&mut s, KeyCode::Char('/'));
    ctrl(&mut s, 'u');
    typed(&mut s, r#"user="root", command=~"/usr/.*""#);
    key(&mut s, KeyCode::Enter);
    let pids: Vec<u32> = s.visible_processes().iter().map(|p| p.pid).collect();
    assert_eq!(pids, vec![777]);

    // Esc in the overview clears the filter.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.visible_processes().len(), 4);
}

fn prompt_problem(s: &opsdeck::app::AppState) -> Option<String> {
    match &s.view.overlay {
        Some(Overlay::FilterInput(p)) => p.problem.as_ref().map(ToString::to_string),
        other => panic!("the filter prompt is closed: {other:?}"),
    }
}

fn pids(s: &opsdeck::app::AppState) -> Vec<u32> {
    s.visible_processes().iter().map(|p| p.pid).collect()
}

#[test]
fn the_filter_applies_as_you_type() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "ngi");
    assert_eq!(pids(&s), vec![1337], "before Enter");
    ctrl(&mut s, 'u');
    assert_eq!(pids(&s).len(), 4, "empty text: no filter");
    typed(&mut s, r#"user="root""#);
    assert_eq!(pids(&s), vec![1, 777]);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view.overlay, None);
    assert_eq!(pids(&s), vec![1, 777], "Enter keeps it");
}

#[test]
fn a_malformed_filter_shows_its_error_while_typing_and_keeps_the_last_valid_one() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, r#"user="root" "#);
    assert_eq!(pids(&s), vec![1, 777]);
    assert_eq!(prompt_problem(&s), None);
    // The comma is missing: the list stays filtered by `user="root"`.
    typed(&mut s, r#"command=~"/usr/.*""#);
    assert_eq!(
        prompt_problem(&s).as_deref(),
        Some("col 13: expected ',' after matcher")
    );
    assert_eq!(pids(&s), vec![1, 777]);
    // Enter does not close over an error: what is applied is not what is typed.
    key(&mut s, KeyCode::Enter);
    assert!(prompt_problem(&s).is_some());
    // An unclosed regex, then an unknown field, each with its column.
    ctrl(&mut s, 'u');
    typed(&mut s, r#"command=~"(/usr"#);
    assert_eq!(
        prompt_problem(&s).as_deref(),
        Some(r#"col 10: the quoted value is never closed with '"'"#)
    );
    typed(&mut s, r#"""#);
    let regex = prompt_problem(&s).unwrap();
    assert!(regex.starts_with("col 10: invalid regex"), "{regex}");
    ctrl(&mut s, 'u');
    typed(&mut s, r#"user="root", comand=~".*sshd.*""#);
    assert_eq!(
        prompt_problem(&s).as_deref(),
        Some(r#"col 14: unknown field "comand" (fields: pid, user, command, cmd)"#)
    );
    assert_eq!(
        pids(&s),
        vec![1, 777],
        "`user=\"root\", ` was the last valid text"
    );
    // Fixed, it applies at once and the error is gone.
    for _ in 0..r#"comand=~".*sshd.*""#.len() {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, r#"command=~".*sshd.*""#);
    assert_eq!(prompt_problem(&s), None);
    assert_eq!(pids(&s), vec![777]);
}

#[test]
fn esc_in_the_filter_prompt_puts_back_the_filter_from_before() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "postgres");
    key(&mut s, KeyCode::Enter);
    assert_eq!(pids(&s), vec![4242]);
    key(&mut s, KeyCode::Char('/'));
    ctrl(&mut s, 'u');
    typed(&mut s, "root");
    assert_eq!(pids(&s), vec![1, 777], "applied while typing");
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.view.overlay, None);
    assert_eq!(pids(&s), vec![4242], "Esc: back to postgres");
}

#[test]
fn typing_in_the_filter_prompt_does_not_trigger_actions() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('/'));
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![]);
    key(&mut s, KeyCode::Char('3'));
    assert_eq!(s.view.zoom, None);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.view.overlay, None);
    assert!(
        s.list(PaneId::Resources).filter.is_none(),
        "Esc cancels without applying"
    );
}

#[test]
fn pause_freezes_the_display_and_resume_catches_up() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('p'));
    assert!(s.view.paused);
    let _ = update(
        &mut s,
        Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(
            common::sample(1, 11.0),
        ))),
    );
    let _ = update(
        &mut s,
        Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(
            common::sample(2, 22.0),
        ))),
    );
    assert_eq!(s.resources.latest.as_ref().unwrap().cpu_total, 62.5);
    key(&mut s, KeyCode::Char('p'));
    assert!(!s.view.paused);
    assert_eq!(s.resources.latest.as_ref().unwrap().cpu_total, 22.0);
    assert_eq!(
        s.resources.cpu.iter().rev().take(2).collect::<Vec<_>>(),
        vec![22.0, 11.0]
    );
}

#[test]
fn write_actions_are_refused_in_read_only_mode() {
    let mut s = common::state_with(Mode {
        read_only: true,
        wall: false,
    });
    let names = [
        "acknowledge",
        "unacknowledge",
        "trigger",
        "cancel",
        "recover",
        "scale",
    ];
    for (c, name) in ['a', 'u', 't', 'x', 'r', 's'].into_iter().zip(names) {
        // The refusal is audited, with who tried what.
        match key(&mut s, KeyCode::Char(c)).as_slice() {
            [Effect::Audit(record)] => {
                assert_eq!(record.action, name);
                assert_eq!(record.actor, "ann@db-1");
                assert_eq!(record.outcome, "refused: read-only (--read-only)");
            }
            other => panic!("expected one audit record for {c}, got {other:?}"),
        }
        let status = s.visible_status().unwrap();
        assert_eq!(status.kind, StatusKind::Warning);
        assert!(
            status.text.starts_with("read-only (--read-only)"),
            "{}",
            status.text
        );
    }
    let mut wall = common::state_with(Mode {
        read_only: true,
        wall: true,
    });
    key(&mut wall, KeyCode::Char('a'));
    assert!(wall.visible_status().unwrap().text.contains("--wall"));
}

#[test]
fn write_actions_without_a_source_say_what_is_missing() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('t'));
    let status = s.visible_status().unwrap();
    assert_eq!(status.kind, StatusKind::Info);
    assert!(
        status.text.contains("no tasks are configured"),
        "{}",
        status.text
    );
}

#[test]
fn status_messages_expire() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('t'));
    assert!(s.visible_status().is_some());
    let _ = update(
        &mut s,
        Msg::Tick(common::t0() + chrono::Duration::seconds(10)),
    );
    assert!(s.visible_status().is_none());
}

#[test]
fn log_level_keys_change_what_the_log_pane_shows() {
    let mut s = common::state();
    assert_eq!(s.view.log_level, LevelFilter::Info);
    key(&mut s, KeyCode::Char('+'));
    assert_eq!(s.view.log_level, LevelFilter::Debug);
    for _ in 0..5 {
        key(&mut s, KeyCode::Char('-'));
    }
    assert_eq!(s.view.log_level, LevelFilter::Error);
}

#[test]
fn resources_go_stale_when_samples_stop_and_recover_when_they_return() {
    let mut s = common::state();
    assert!(s.resources_stale_for().is_none());
    let _ = update(
        &mut s,
        Msg::Tick(common::t0() + chrono::Duration::seconds(30)),
    );
    assert_eq!(s.resources_stale_for().map(|d| d.as_secs()), Some(30));
    let _ = update(
        &mut s,
        Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(
            common::sample(30, 5.0),
        ))),
    );
    assert!(s.resources_stale_for().is_none());
}

#[test]
fn history_is_bounded_by_the_configured_window() {
    let mut s = common::state();
    // 10m at 1s: 600 samples at most, however many arrive.
    for i in 0..1000 {
        let _ = update(
            &mut s,
            Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(
                common::sample(i, 1.0),
            ))),
        );
    }
    assert_eq!(s.resources.cpu.len(), 600);
}

#[test]
fn a_filling_disk_gets_a_forecast_and_a_steady_one_does_not() {
    let s = common::state();
    let sample = s.resources.latest.clone().unwrap();
    let (root, pg) = (&sample.filesystems[0], &sample.filesystems[1]);
    assert_eq!(s.disk_forecast(root), None, "steady usage");
    // 1 MiB/s with 20,360 MiB free.
    let f = s.disk_forecast(pg).expect("forecast for a filling disk");
    assert!((f.likely.as_secs() as i64 - 20_360).abs() <= 5, "{f:?}");
}

#[test]
fn another_opsdecks_write_shows_once_with_its_outcome() {
    use opsdeck::store::{AuditRecord, NewAudit, Phase};
    let mut s = common::state();
    let intent = NewAudit {
        phase: Phase::Intent,
        ..NewAudit::event(common::t0(), "bob@ops-2", "task.trigger", "")
    }
    .with_target("backup");
    let outcome = NewAudit {
        phase: Phase::Outcome,
        intent_id: Some(1),
        ..NewAudit::event(common::t0(), "bob@ops-2", "task.trigger", "started")
    }
    .with_target("backup");
    let records = vec![
        AuditRecord {
            id: 1,
            entry: intent,
            pid: 42,
        },
        AuditRecord {
            id: 2,
            entry: outcome,
            pid: 42,
        },
    ];
    let _ = update(&mut s, Msg::Activity(records.clone()));
    assert_eq!(s.activity_after, 2);
    let status = s.visible_status().expect("a status line");
    assert_eq!(
        status.text,
        "bob@ops-2 (pid 42): task.trigger backup: started"
    );
    // The intent alone (its outcome not written yet) says nothing.
    let mut quiet = common::state();
    let _ = update(&mut quiet, Msg::Activity(records[..1].to_vec()));
    assert_eq!(quiet.activity_after, 1);
    assert!(quiet.visible_status().is_none());
}

#[test]
fn a_paused_display_says_paused_not_stale() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('p'));
    let _ = update(
        &mut s,
        Msg::Tick(common::t0() + chrono::Duration::seconds(12)),
    );
    let screen = common::screen(&s, 160, 48);
    assert!(screen.contains("paused 12s · p resumes"), "{screen}");
    assert!(!screen.contains("STALE"), "{screen}");
    // Resumed with nothing new for as long: that is stale, and says so.
    key(&mut s, KeyCode::Char('p'));
    let screen = common::screen(&s, 160, 48);
    assert!(screen.contains("STALE 12s"), "{screen}");
}

#[test]
fn a_wall_display_never_opens_help() {
    let mut s = common::state_with(Mode {
        read_only: true,
        wall: true,
    });
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.view.overlay, None);
}
