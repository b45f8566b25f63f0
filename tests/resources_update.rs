//! The Resources pane through `update`: the process cursor follows its process
//! as samples re-sort the list, details stay on the process they were opened
//! on, and the disk forecast needs a long enough, sure enough trend.

mod common;

use common::proc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::state::StatusKind;
use opsdeck::app::{AppState, Effect, Msg, PaneId, update};
use opsdeck::collect::model::{ProcessRow, ResourceSample};

fn key(state: &mut AppState, code: KeyCode) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn send(state: &mut AppState, sample: ResourceSample) -> Vec<Effect> {
    let msg = opsdeck::app::resources::Msg::Sample(Box::new(sample));
    update(state, Msg::Resources(msg))
}

/// A sample `secs` after t0 listing these processes, taken while the collector
/// kept `kept` listed.
fn sample_with(secs: i64, top: Vec<ProcessRow>, kept: Option<u32>) -> ResourceSample {
    ResourceSample {
        top_processes: top,
        kept_pid: kept,
        ..common::sample(secs, 40.0)
    }
}

fn nginx(cpu: f32) -> ProcessRow {
    proc(1337, "www-data", cpu, 512 << 20, "nginx: worker process")
}
fn postgres(cpu: f32) -> ProcessRow {
    proc(4242, "postgres", cpu, 1 << 30, "postgres: checkpointer")
}
fn init(cpu: f32) -> ProcessRow {
    proc(1, "root", cpu, 12 << 20, "/sbin/init")
}
fn sshd(cpu: f32) -> ProcessRow {
    proc(777, "root", cpu, 8 << 20, "/usr/sbin/sshd -D")
}

fn selected_pid(state: &AppState) -> Option<u32> {
    let row = state.list(PaneId::Resources).selected;
    state.visible_processes().get(row).map(|p| p.pid)
}

#[test]
fn the_cursor_follows_its_process_as_the_list_resorts() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(selected_pid(&s), Some(1337), "nginx, second busiest");
    // Six seconds of a busy host: nginx sorts to every row in turn.
    let orders = [
        vec![nginx(90.0), postgres(50.0), init(1.0), sshd(0.0)],
        vec![postgres(90.0), init(5.0), sshd(2.0), nginx(1.0)],
        vec![sshd(70.0), postgres(60.0), nginx(20.0), init(0.0)],
        vec![postgres(97.0), nginx(45.0), init(0.5), sshd(0.0)],
    ];
    for (i, top) in orders.into_iter().enumerate() {
        let at = top.iter().position(|p| p.pid == 1337).unwrap();
        send(&mut s, sample_with(1 + i as i64, top, Some(1337)));
        assert_eq!(selected_pid(&s), Some(1337), "sample {i}");
        assert_eq!(s.list(PaneId::Resources).selected, at, "sample {i}");
    }
    assert!(s.visible_status().is_none(), "nothing ended");
}

#[test]
fn moving_the_cursor_asks_the_collector_to_keep_its_process_listed() {
    let mut s = common::state();
    assert_eq!(
        key(&mut s, KeyCode::Char('j')),
        vec![Effect::KeepProcess(Some(1337))]
    );
    assert_eq!(
        key(&mut s, KeyCode::Char('j')),
        vec![Effect::KeepProcess(Some(1))]
    );
    // Still on init after a re-sort: nothing new to ask.
    let top = vec![init(80.0), postgres(10.0), nginx(5.0), sshd(0.0)];
    assert_eq!(send(&mut s, sample_with(1, top, Some(1))), vec![]);
    assert_eq!(selected_pid(&s), Some(1));
}

#[test]
fn until_the_operator_picks_a_process_the_cursor_stays_on_the_busiest() {
    let mut s = common::state();
    let top = vec![sshd(70.0), postgres(60.0), nginx(20.0), init(0.0)];
    assert_eq!(send(&mut s, sample_with(1, top, None)), vec![]);
    assert_eq!(selected_pid(&s), Some(777));
    // The busiest ends: nothing is said about a process nobody chose.
    let top = vec![postgres(60.0), nginx(20.0), init(0.0)];
    send(&mut s, sample_with(2, top, None));
    assert_eq!(selected_pid(&s), Some(4242));
    assert!(s.visible_status().is_none());
}

#[test]
fn an_ended_process_leaves_the_cursor_on_its_row_and_says_so() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('j'));
    let top = vec![postgres(97.0), init(0.5), sshd(0.0)];
    let effects = send(&mut s, sample_with(1, top, Some(1337)));
    let status = s.visible_status().expect("a status line");
    assert_eq!(status.text, "process 1337 (nginx) ended");
    assert_eq!(status.kind, StatusKind::Info);
    assert_eq!(s.list(PaneId::Resources).selected, 1, "the same row");
    // From there the cursor follows the process now on that row.
    assert_eq!(selected_pid(&s), Some(1));
    assert_eq!(effects, vec![Effect::KeepProcess(Some(1))]);
    let top = vec![init(50.0), postgres(40.0), sshd(0.0)];
    send(&mut s, sample_with(2, top, Some(1)));
    assert_eq!(selected_pid(&s), Some(1));
}

#[test]
fn a_process_missing_before_the_collector_kept_it_is_not_called_ended() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('G'));
    assert_eq!(selected_pid(&s), Some(777));
    // Taken before the collector knew: sshd just left the busiest.
    let top = vec![postgres(97.0), nginx(45.0), init(0.5)];
    send(&mut s, sample_with(1, top, None));
    assert!(s.visible_status().is_none(), "{:?}", s.visible_status());
    // The next sample keeps it listed, and the cursor is back on it.
    let top = vec![postgres(97.0), nginx(45.0), init(0.5), sshd(0.0)];
    send(&mut s, sample_with(2, top, Some(777)));
    assert_eq!(selected_pid(&s), Some(777));
}

#[test]
fn details_stay_on_the_process_they_were_opened_on() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Enter);
    let screen = common::screen(&s, 160, 48);
    assert!(screen.contains("Process 1337"), "{screen}");
    // nginx sorts last, then first: the dialog shows nginx, with its new figures.
    let top = vec![postgres(90.0), init(5.0), sshd(2.0), nginx(1.5)];
    send(&mut s, sample_with(1, top, Some(1337)));
    let top = vec![nginx(88.0), postgres(10.0), init(5.0), sshd(2.0)];
    send(&mut s, sample_with(2, top, Some(1337)));
    let screen = common::screen(&s, 160, 48);
    assert!(screen.contains("Process 1337"), "{screen}");
    assert!(screen.contains("88.0% of one core"), "{screen}");
    assert!(!screen.contains("Process 4242"), "{screen}");
    // It ends: the dialog says so, with the figures it was last seen with.
    let top = vec![postgres(90.0), init(5.0), sshd(2.0)];
    send(&mut s, sample_with(3, top, Some(1337)));
    let screen = common::screen(&s, 160, 48);
    assert!(screen.contains("Process 1337 · ended"), "{screen}");
    assert!(screen.contains("ended (gone at 12:34:59)"), "{screen}");
    assert!(screen.contains("88.0% of one core"), "{screen}");
    assert!(screen.contains("nginx: worker process"), "{screen}");
    // Later samples do not bring another process into it.
    let top = vec![init(90.0), postgres(10.0), sshd(2.0)];
    send(&mut s, sample_with(4, top, Some(1)));
    let screen = common::screen(&s, 160, 48);
    assert!(screen.contains("Process 1337 · ended"), "{screen}");
    assert!(!screen.contains("Process 1 "), "{screen}");
}

#[test]
fn a_filter_keeps_the_cursor_on_its_process() {
    let mut s = common::state();
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('/'));
    for c in "nginx".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    assert_eq!(selected_pid(&s), Some(1337));
    // Esc clears the filter: still nginx, on its row of the whole list.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.visible_processes().len(), 4);
    assert_eq!(selected_pid(&s), Some(1337));
    assert_eq!(s.list(PaneId::Resources).selected, 1);
}

#[test]
fn two_minutes_of_a_filling_disk_are_too_few_for_a_forecast() {
    // A fresh dashboard, two minutes of 1 MiB/s: what used to be forecast.
    let mut s = AppState::new(
        opsdeck::config::Config::default(),
        Default::default(),
        common::host(),
        common::t0(),
    );
    for i in -120..=0 {
        send(&mut s, common::sample(i, 10.0));
    }
    let pg = s.resources.latest.clone().unwrap().filesystems[1].clone();
    assert_eq!(s.disk_forecast(&pg), None);
    let screen = common::screen(&s, 160, 48);
    assert!(!screen.contains("5h39m"), "{screen}");
    // Ten more minutes of the same fill: sure enough to show, as a range.
    for i in 1..=600 {
        send(&mut s, common::sample(i, 10.0));
    }
    let pg = s.resources.latest.clone().unwrap().filesystems[1].clone();
    let f = s.disk_forecast(&pg).expect("a forecast");
    assert!((f.likely.as_secs() as i64 - 19_760).abs() <= 5, "{f:?}");
    let screen = common::screen(&s, 160, 48);
    assert!(screen.contains("~5h"), "{screen}");
}
