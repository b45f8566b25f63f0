//! The Alerts pane, its dialogs and details, source health in the header, and the
//! remote part of the Resources pane, rendered with fixed data and a fixed clock and
//! compared with reviewed text snapshots.

mod common;
#[path = "common/remote.rs"]
mod remote_fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::state::{Mode, Overlay};
use opsdeck::app::{Action, AppState, Msg, PaneId, update};
use remote_fixtures::{self as fx, AM, PROM};

fn key(state: &mut AppState, code: KeyCode) -> Vec<opsdeck::app::Effect> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(state: &mut AppState, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

/// The screen's text, checked to contain every one of `expected`.
fn screen_with(state: &AppState, w: u16, h: u16, expected: &[&str]) -> String {
    let screen = common::screen(state, w, h);
    for text in expected {
        assert!(screen.contains(text), "{text:?} missing from:\n{screen}");
    }
    screen
}

#[test]
fn alerts_pane_with_a_realistic_mix() {
    let s = fx::alerts_state();
    let wide = screen_with(
        &s,
        160,
        48,
        &[
            " 1 firing ",
            "HighErrorRate",
            "ACK bob",
            "silenced",
            "inhibited",
            "pending",
            "resolved",
            "am+prom",
            "instance=api-1:8080 job=api",
            "│ ✓ prom main",
            "│ ✓ am main",
        ],
    );
    insta::assert_snapshot!("alerts_160x48", wide);
    let narrow = screen_with(&s, 80, 24, &["HighErrorRate", "ACK bob", "resolved"]);
    insta::assert_snapshot!("alerts_80x24", narrow);
}

#[test]
fn alerts_grouped_by_a_label() {
    let mut s = fx::state_with(Mode::default(), "[ui.alerts]\ngroup_by = \"job\"\n");
    fx::feed_mix(&mut s);
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    let screen = screen_with(
        &s,
        160,
        48,
        &["job=api (1)", "job=node (3)", "job=postgres (2)"],
    );
    let api = screen.find("job=api (1)").unwrap();
    let node = screen.find("job=node (3)").unwrap();
    let postgres = screen.find("job=postgres (2)").unwrap();
    assert!(api < node && node < postgres, "groups in label order");
    insta::assert_snapshot!("alerts_grouped_by_job_160x48", screen);
}

#[test]
fn ack_dialog_with_an_error_from_alertmanager() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "HighErrorRate");
    key(&mut s, KeyCode::Char('a'));
    typed(&mut s, "rolling back 4.2.1");
    let effects = key(&mut s, KeyCode::Enter);
    let request = common::silence_request(&effects);
    let _ = update(
        &mut s,
        common::written(
            opsdeck::app::intent::Intent::Acknowledge(request),
            Err("400 Bad Request: silence invalid: end time must not be in the past".into()),
        ),
    );
    let screen = screen_with(
        &s,
        80,
        24,
        &[
            "Acknowledge HighErrorRate",
            "30m",
            "rolling back 4.2.1█",
            "error: 400 Bad Request: silence invalid",
            "Esc cancel",
        ],
    );
    insta::assert_snapshot!("ack_dialog_error_80x24", screen);
    let wide = screen_with(&s, 160, 48, &["in the past"]);
    insta::assert_snapshot!("ack_dialog_error_160x48", wide);
}

#[test]
fn expire_confirmation() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "NodeDown");
    key(&mut s, KeyCode::Char('u'));
    let screen = screen_with(
        &s,
        80,
        24,
        &[
            "Un-acknowledge NodeDown",
            fx::ACK_SILENCE,
            "bob@ops-2",
            "Enter expire",
        ],
    );
    insta::assert_snapshot!("expire_confirm_80x24", screen);
}

#[test]
fn details_of_an_acknowledged_alert() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "NodeDown");
    let _ = update(&mut s, Msg::Action(Action::Details));
    let screen = screen_with(
        &s,
        160,
        48,
        &[
            " NodeDown ",
            "alertmanager main, prometheus main",
            "http://prometheus:9090/graph?g0.expr=",
            "by bob@ops-2 6m ago",
            "ACK! rebooting db-2, ETA 15m",
            "Labels",
            "db-2:9100",
            "Annotations",
            "https://runbooks.example.com/nodedown",
            "Silences that match",
            "4b1f0c2e",
        ],
    );
    insta::assert_snapshot!("details_160x48", screen);
    // Wrapped lines are counted: the last ones are still on screen.
    let narrow = screen_with(
        &s,
        80,
        24,
        &[
            " NodeDown ",
            "Silences that match",
            "rebooting db-2, ETA 15m",
        ],
    );
    insta::assert_snapshot!("details_80x24", narrow);
}

#[test]
fn a_down_alertmanager_marks_the_alerts_stale() {
    let mut s = fx::alerts_state();
    let _ = update(
        &mut s,
        fx::failed_update(AM, 0, "down", "connection refused"),
    );
    let _ = update(
        &mut s,
        fx::failed_update(AM, 60, "down", "connection refused"),
    );
    let _ = update(&mut s, Msg::Tick(fx::at(120)));
    let screen = screen_with(
        &s,
        160,
        48,
        &[
            "stale: am main: connection refused (for 2m)",
            "│ ✗ am main",
            "│ ✓ prom main",
            "HighErrorRate",
        ],
    );
    insta::assert_snapshot!("alerts_am_down_160x48", screen);
    let narrow = screen_with(&s, 80, 24, &["✗"]);
    insta::assert_snapshot!("alerts_am_down_80x24", narrow);
}

#[test]
fn the_overview_keeps_alert_names_whole_in_a_narrow_alerts_pane() {
    let mut s = fx::alerts_state();
    let _ = update(&mut s, Msg::Action(Action::Overview));
    // The Alerts pane is a third of 120 columns: names before level and since.
    let screen = screen_with(&s, 120, 36, &["HighErrorRate", "PostgresSlowQueries"]);
    insta::assert_snapshot!("alerts_overview_120x36", screen);
}

#[test]
fn a_long_ack_author_is_cut_but_the_ack_age_keeps_its_unit() {
    let mut s = fx::state();
    let mut alert = fx::am_alert(&[("alertname", "HighCPU")], "cpu", -600);
    alert.state = opsdeck::collect::alertmanager::AmAlertState::Suppressed;
    alert.silenced_by = vec!["s1".into()];
    let ack = fx::silence("s1", "HighCPU", "oncall-primary@ops", "ACK! on it", -181);
    let _ = update(&mut s, fx::am_update(0, vec![alert], vec![ack]));
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    let screen = common::screen(&s, 80, 24);
    let row = screen.lines().find(|l| l.contains("HighCPU")).unwrap();
    assert!(row.contains("ACK oncal… 3m "), "{row}");
}

#[test]
fn a_scrape_with_unparsable_lines_is_marked_in_the_header() {
    use opsdeck::app::remote::{Payload, RemoteUpdate};
    use opsdeck::app::sources::{Source, SourceKind};
    use opsdeck::collect::expfmt::{self, Format, Limits};
    let mut s = fx::state();
    let endpoint = "http://127.0.0.1:8000/metrics".to_string();
    let app = Source::new(
        SourceKind::Scrape,
        "app",
        endpoint,
        std::time::Duration::from_secs(5),
    );
    s.remote.sources.push(app);
    let page = "up 1\nbroken line here\nok_total 3\n{oops\n";
    let scrape = expfmt::parse(page.as_bytes(), Format::Text, &Limits::default());
    let update_msg = Msg::Remote(Box::new(RemoteUpdate {
        source: s.remote.sources.len() - 1,
        at: fx::at(0),
        latency: std::time::Duration::from_millis(3),
        result: Ok(Payload::Scrape(std::sync::Arc::new(scrape))),
    }));
    let _ = update(&mut s, update_msg);
    let screen = screen_with(&s, 160, 48, &["│ ! scrape app 2 unparsable"]);
    // It answers: its samples are used, nothing is stale.
    assert!(!screen.contains("✗ scrape app"), "{screen}");
}

#[test]
fn a_narrow_alerts_pane_keeps_its_name_the_failure_and_the_marks() {
    let mut s = fx::alerts_state();
    let _ = update(
        &mut s,
        fx::failed_update(PROM, 60, "down", "connection refused"),
    );
    let _ = update(&mut s, Msg::Tick(fx::at(120)));
    let _ = update(&mut s, Msg::Action(Action::Overview));
    let screen = screen_with(&s, 120, 36, &["┌ 3 Alerts ", "stale: prom main"]);
    // The Prometheus-only alert: stale, said in the State column.
    let row = screen
        .lines()
        .find(|l| l.contains("PostgresSlowQueries"))
        .unwrap();
    assert!(row.contains("stale pending"), "{row}");
    insta::assert_snapshot!("alerts_overview_prom_down_120x36", screen);
}

#[test]
fn a_dead_cluster_member_is_shown_though_another_answers() {
    let mut s = fx::alerts_state();
    let (alerts, silences) = fx::mix_am();
    let dead = [("http://alertmanager-1:9093", "connection refused")];
    let _ = update(&mut s, fx::am_update_failing(0, alerts, silences, &dead));
    let screen = screen_with(
        &s,
        160,
        48,
        &[
            "│ ! am main 1/2 members",
            "am main: member http://alertmanager-1:9093 fails: connection refused",
        ],
    );
    assert!(
        !screen.contains("stale:"),
        "it answers: nothing is stale\n{screen}"
    );
    // Short of room, the sources that are fine are counted; the failing one stays.
    let narrow = screen_with(
        &s,
        80,
        24,
        &["! am main 1/2 members", "✓ 1 more ok", "┌ 3 Alerts ─"],
    );
    insta::assert_snapshot!("alerts_am_member_down_80x24", narrow);
}

#[test]
fn resources_pane_with_fleet_rows_and_panels() {
    let mut s = fx::state();
    let _ = update(&mut s, Msg::Tick(fx::at(-30)));
    let _ = update(
        &mut s,
        fx::prom_update_with(-30, Vec::new(), Some(fx::fleet_rows()), fx::panel_results()),
    );
    let _ = update(&mut s, Msg::Tick(common::t0()));
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Resources)));
    assert_eq!(s.remote.sources[PROM].last_ok, Some(fx::at(-30)));
    let screen = screen_with(
        &s,
        160,
        48,
        &[
            "Fleet",
            "api-1:9100",
            "DOWN",
            "API p99 latency",
            // Over the warning threshold: marked without colour too.
            "734ms!",
            "API requests",
            "5xx by service",
            "4.2/s‼ checkout",
            // Three series in two rows: the rest is counted, not dropped.
            "+2 more",
        ],
    );
    insta::assert_snapshot!("resources_remote_160x48", screen);
}

#[test]
fn at_80x24_the_fleet_keeps_its_down_instance_before_panels_and_up_rows() {
    let mut s = fx::state();
    let _ = update(
        &mut s,
        fx::prom_update_with(-30, Vec::new(), Some(fx::fleet_rows()), fx::panel_results()),
    );
    let _ = update(&mut s, Msg::Tick(common::t0()));
    // Panels give way to the fleet rows.
    let screen = screen_with(&s, 80, 24, &["Fleet", "api-1:9100", "db-2:9100", "DOWN"]);
    insta::assert_snapshot!("resources_remote_80x24", screen);
    // Shorter still: the down instance stays, the rest are counted.
    let short = screen_with(&s, 80, 20, &["Fleet", "db-2:9100", "DOWN", "more"]);
    insta::assert_snapshot!("resources_remote_80x20", short);
}

#[test]
fn a_down_prometheus_marks_its_fleet_rows_and_panels_stale() {
    let mut s = fx::state();
    let _ = update(
        &mut s,
        fx::prom_update_with(-90, Vec::new(), Some(fx::fleet_rows()), fx::panel_results()),
    );
    let _ = update(
        &mut s,
        fx::failed_update(PROM, -30, "down", "connection refused"),
    );
    let _ = update(&mut s, Msg::Tick(common::t0()));
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Resources)));
    let screen = screen_with(&s, 160, 48, &["Fleet", "api-1:9100", "API requests"]);
    let fleet_row = screen.lines().find(|l| l.contains("api-1:9100")).unwrap();
    assert!(
        fleet_row.contains("stale") && !fleet_row.contains(" up "),
        "a row of a down Prometheus is not shown up:\n{screen}"
    );
    assert!(!screen.contains("DOWN"), "nor down:\n{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("API requests") && l.contains("stale 1m")),
        "each panel says how old its values are:\n{screen}"
    );
    insta::assert_snapshot!("resources_remote_prometheus_down_160x48", screen);
}

#[test]
fn with_only_local_rules_the_empty_pane_says_they_are_evaluated() {
    let config = opsdeck::config::parse(
        "[[rule]]\nname = \"HostCpuHigh\"\nexpr = \"opsdeck_cpu_usage_percent > 80\"\n",
        "rules.toml",
    )
    .unwrap();
    let mut s = common::state();
    s.config = config;
    s.rules = opsdeck::app::local_rules::LocalRules::attach(&s.config, &mut s.remote);
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    let screen = screen_with(&s, 80, 24, &["no active alerts · 1 local rule evaluated"]);
    assert!(!screen.contains("no alert sources configured"), "{screen}");
}

#[test]
fn empty_alerts_pane_while_sources_are_waiting() {
    let mut s = fx::state();
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    let screen = screen_with(
        &s,
        80,
        24,
        &["waiting for prom main, am main…", "│ … prom main"],
    );
    insta::assert_snapshot!("alerts_waiting_80x24", screen);
}

#[test]
fn details_of_a_long_ack_give_its_end_date() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "HighErrorRate");
    key(&mut s, KeyCode::Char('a'));
    key(&mut s, KeyCode::Tab);
    let _ = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typed(&mut s, "3d");
    key(&mut s, KeyCode::Tab);
    typed(&mut s, "waiting on the vendor");
    let request = common::silence_request(&update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    ));
    let done = opsdeck::app::intent::Done::Silenced {
        silence_id: "5e6f7a8b-0000-4000-8000-000000000001".into(),
        member: "http://alertmanager-0:9093".into(),
    };
    let _ = update(
        &mut s,
        common::written(opsdeck::app::intent::Intent::Acknowledge(request), Ok(done)),
    );
    fx::select(&mut s, "HighErrorRate");
    let _ = update(&mut s, Msg::Action(Action::Details));
    screen_with(
        &s,
        160,
        48,
        &["by ann@db-1 0s ago until 2026-11-27 12:34: ACK! waiting on the vendor"],
    );
    // Shown in the row as acknowledged by me.
    let _ = update(&mut s, Msg::Action(Action::Overview));
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    screen_with(&s, 160, 48, &["ACK ann 0s"]);
}

#[test]
fn the_filter_prompt_shows_what_is_wrong_while_typing() {
    let mut s = fx::alerts_state();
    key(&mut s, KeyCode::Char('/'));
    // The comma after the first matcher is missing: the list is filtered by
    // `severity="critical"`, the last text that parsed, and the prompt says why
    // the rest is not applied.
    typed(&mut s, r#"severity="critical" alertname="NodeDown""#);
    let screen = screen_with(
        &s,
        80,
        24,
        &[
            "col 21: expected ',' after matcher",
            "HighErrorRate",
            "BackupFailed",
        ],
    );
    assert!(!screen.contains("DiskWillFillIn4h"), "{screen}");
    insta::assert_snapshot!("filter_prompt_error_80x24", screen);
    // The character at the column is underlined in the error style.
    let terminal = common::render(&s, 80, 24);
    let line: String = (0..80)
        .map(|x| terminal.backend().buffer()[(x, 23)].symbol().to_string())
        .collect();
    let byte = line.find("alertname").expect("the text is on the line");
    let col = line[..byte].chars().count() as u16;
    let cell = &terminal.backend().buffer()[(col, 23)];
    let styles = common::styles(opsdeck::ui::color::ColorDepth::TrueColor);
    assert_eq!(cell.fg, styles.critical.fg.unwrap());
    assert!(cell.modifier.contains(ratatui::style::Modifier::UNDERLINED));
}

/// A label of 10,000 characters (a stack trace pasted into a label by an
/// exporter), on an Alertmanager alert beside the usual mix.
fn state_with_a_huge_label() -> (AppState, String) {
    let mut s = fx::alerts_state();
    let trace: String = (0..1000)
        .map(|i| format!("frame {i} at handler.go:{} ", 40 + i % 60))
        .collect::<String>()
        .chars()
        .take(10_000)
        .collect();
    let huge = fx::am_alert(
        &[
            ("alertname", "PanicLoop"),
            ("severity", "critical"),
            ("trace", &trace),
        ],
        "api-3 restarts after a panic",
        -120,
    );
    let (mut am, silences) = fx::mix_am();
    am.push(huge);
    let _ = update(&mut s, fx::am_update(-10, am, silences));
    let _ = update(&mut s, Msg::Tick(common::t0()));
    fx::select(&mut s, "PanicLoop");
    (s, trace)
}

#[test]
fn ack_dialog_cuts_a_huge_label_and_keeps_its_fields_and_error_on_screen() {
    let (mut s, trace) = state_with_a_huge_label();
    key(&mut s, KeyCode::Char('a'));
    typed(&mut s, "known panic, fix in 4.2.2");
    let effects = key(&mut s, KeyCode::Enter);
    let request = common::silence_request(&effects);
    // The whole label set is what the silence matches, uncut.
    assert_eq!(request.labels.get("trace"), Some(trace.as_str()));
    // Alertmanager's error quotes the label back.
    let error = format!("400 Bad Request: silence invalid: matcher value too long: {trace}");
    let _ = update(
        &mut s,
        common::written(
            opsdeck::app::intent::Intent::Acknowledge(request),
            Err(error),
        ),
    );
    let screen = screen_with(
        &s,
        80,
        24,
        &[
            "Acknowledge PanicLoop",
            "silence  {alertname=\"PanicLoop\"",
            "…",
            "duration 30m",
            "comment known panic, fix in 4.2.2█",
            "error: 400 Bad Request: silence invalid",
            "Enter acknowledge · Tab field · Esc cancel",
        ],
    );
    insta::assert_snapshot!("ack_dialog_huge_label_80x24", screen);
}

#[test]
fn details_scroll_on_page_keys_instead_of_closing() {
    let (mut s, trace) = state_with_a_huge_label();
    let _ = update(&mut s, Msg::Action(Action::Details));
    let top = screen_with(
        &s,
        80,
        24,
        &[" PanicLoop ", "frame 0 at", "PgUp/PgDn scroll"],
    );
    assert!(top.contains("rows 1–22 of "), "{top}");

    key(&mut s, KeyCode::PageDown);
    assert_eq!(s.view.overlay, Some(Overlay::Details), "PgDn keeps it open");
    let paged = screen_with(&s, 80, 24, &["rows 11–32 of "]);
    assert!(
        !paged.contains("frame 0 at"),
        "scrolled past the top:\n{paged}"
    );

    // The end of the label, then the annotations under it.
    key(&mut s, KeyCode::End);
    let tail: String = trace.chars().skip(trace.chars().count() - 12).collect();
    let bottom = screen_with(&s, 80, 24, &[tail.trim(), "Annotations", "api-3 restarts"]);
    insta::assert_snapshot!("details_huge_label_end_80x24", bottom);
    // Up from the end moves at once (no scrolling past it).
    key(&mut s, KeyCode::PageUp);
    assert_ne!(common::screen(&s, 80, 24), bottom);
    assert_eq!(s.view.overlay, Some(Overlay::Details), "PgUp keeps it open");

    key(&mut s, KeyCode::Esc);
    assert_eq!(s.view.overlay, None, "Esc still closes");
}
