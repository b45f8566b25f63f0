//! The Log pane with real log lines (tui-logger's buffer is global, so these
//! tests have their own binary): a view scrolled away from the newest lines
//! says so in its title until it follows again.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::{Action, AppState, Msg, PaneId, update};
use std::sync::Once;

const MARK: &str = "scrolled · G for live";

/// Logging as the dashboard sets it up, with 60 lines in the buffer.
fn logged() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let file = std::env::temp_dir().join(format!("opsdeck-log-ui-{}.log", std::process::id()));
        assert!(opsdeck::runtime::logging::init(&file).is_none());
        for i in 0..60 {
            tracing::info!("line {i:02}");
        }
        opsdeck::runtime::logging::move_events();
        let _ = std::fs::remove_file(file);
    });
}

fn key(state: &mut AppState, code: KeyCode) {
    let mods = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    let _ = update(state, Msg::Key(KeyEvent::new(code, mods)));
}

fn log_state() -> AppState {
    logged();
    let mut s = common::state();
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Log)));
    s
}

#[test]
fn a_scrolled_log_says_so_until_it_follows_again() {
    let mut s = log_state();
    let screen = common::screen(&s, 80, 24);
    assert!(screen.contains("line 59"), "{screen}");
    assert!(!screen.contains(MARK), "{screen}");

    key(&mut s, KeyCode::PageUp);
    let screen = common::screen(&s, 80, 24);
    assert!(!screen.contains("line 59"), "scrolled up:\n{screen}");
    let title = screen.lines().nth(1).unwrap();
    assert!(title.contains(MARK), "{screen}");

    key(&mut s, KeyCode::Char('G'));
    let screen = common::screen(&s, 80, 24);
    assert!(screen.contains("line 59"), "{screen}");
    assert!(!screen.contains(MARK), "{screen}");
}

#[test]
fn scrolling_down_to_the_newest_lines_again_drops_the_mark() {
    let mut s = log_state();
    // tui-logger finds where a page up leads when it draws.
    common::screen(&s, 80, 24);
    key(&mut s, KeyCode::PageUp);
    assert!(common::screen(&s, 80, 24).contains(MARK));
    // Back down page by page: once the view is what following shows, no mark.
    for _ in 0..3 {
        key(&mut s, KeyCode::PageDown);
        common::screen(&s, 80, 24);
    }
    let screen = common::screen(&s, 80, 24);
    assert!(screen.contains("line 59"), "{screen}");
    assert!(!screen.contains(MARK), "{screen}");
}

#[test]
fn a_line_quoting_a_server_shows_its_escape_sequences() {
    let s = log_state();
    tracing::warn!("am main: 500: \x1b]0;pwned\x07\x1b[2J \u{202e}gnp.exe");
    opsdeck::runtime::logging::move_events();
    let screen = common::screen(&s, 160, 48);
    assert!(
        screen.contains(r"500: \x1b]0;pwned\x07\x1b[2J \u{202e}gnp.exe"),
        "{screen}"
    );
}
