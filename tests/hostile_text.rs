//! Hostile text from a server: alert labels and annotations holding terminal
//! escape sequences, C1 controls, bidi overrides and zero-width characters
//! reach the operator's terminal only as visible escapes (`\x1b`, `\u{202e}`),
//! on the dashboard's screen and in `opsdeck snapshot`; JSON stays valid and
//! keeps the exact text.

mod common;
#[path = "common/remote.rs"]
mod remote_fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::alerts::Labels;
use opsdeck::app::state::Overlay;
use opsdeck::app::{Action, AppState, Msg, PaneId, update};
use opsdeck::ui::visible;
use proptest::prelude::*;
use proptest::test_runner::Config;
use remote_fixtures as fx;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

/// What must never reach a terminal raw (the issue's list, written out here
/// rather than taken from opsdeck): C0, DEL and C1 controls, bidi embeddings,
/// overrides, isolates and marks, and the zero-width characters.
fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'
                | '\u{FEFF}'
        )
}

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        Just('\x7f'),
        (0x80u32..0xa0).prop_map(|c| char::from_u32(c).unwrap()),
        proptest::sample::select(vec![
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200C}',
            '\u{200D}', '\u{2060}', '\u{FEFF}',
        ]),
    ]
}

/// Up to `max` characters, at least one of them hostile, the rest letters,
/// digits and punctuation (so that a zero-width joiner has a neighbour).
fn text(max: usize) -> impl Strategy<Value = String> {
    let plain = proptest::char::ranges(vec!['a'..='z', '0'..='9', '['..='['].into());
    let one = prop_oneof![3 => plain, 2 => hostile_char()];
    (
        proptest::collection::vec(one, 0..max),
        hostile_char(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(mut chars, bad, at)| {
            chars.insert(at.index(chars.len() + 1), bad);
            chars.into_iter().collect()
        })
}

/// An alert's name, other labels and annotations, all hostile.
#[derive(Debug, Clone)]
struct Hostile {
    name: String,
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
}

fn hostile_alert() -> impl Strategy<Value = Hostile> {
    // Short enough that each escaped label fits on one row of the details.
    let pair = || (text(4), text(8));
    (
        text(8),
        proptest::collection::vec(pair(), 1..4),
        proptest::collection::vec(pair(), 1..3),
    )
        .prop_map(|(name, labels, annotations)| Hostile {
            name,
            labels,
            annotations,
        })
}

impl Hostile {
    fn labels(&self) -> Labels {
        let name = ("alertname".to_string(), self.name.clone());
        self.labels.iter().cloned().chain([name]).collect()
    }

    fn annotations(&self) -> Labels {
        let summary = ("summary".to_string(), self.name.clone());
        self.annotations.iter().cloned().chain([summary]).collect()
    }
}

fn key(state: &mut AppState, code: KeyCode) {
    let _ = update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Every cell of the rendered screen: none may hold a hostile character.
fn assert_screen_clean(state: &AppState, width: u16, height: u16) -> String {
    let terminal = common::render(state, width, height);
    for cell in terminal.backend().buffer().content() {
        let symbol = cell.symbol();
        assert!(
            !symbol.chars().any(hostile),
            "{symbol:?} reached the screen:\n{}",
            common::screen(state, width, height)
        );
    }
    common::screen(state, width, height)
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    /// The Alerts pane, the alert's details and the ack dialog: nothing
    /// hostile in any cell, and every label and annotation in the details, as
    /// escapes the operator can read.
    #[test]
    fn no_hostile_character_reaches_the_screen(alert in hostile_alert()) {
        let mut state = fx::state();
        let mut am = fx::am_alert(&[("alertname", "x")], "x", -60);
        am.labels = alert.labels();
        am.annotations = alert.annotations();
        let _ = update(&mut state, fx::am_update(0, vec![am], Vec::new()));
        let _ = update(&mut state, Msg::Action(Action::Zoom(PaneId::Alerts)));
        assert_screen_clean(&state, 160, 48);

        let _ = update(&mut state, Msg::Action(Action::Details));
        let details = assert_screen_clean(&state, 200, 60);
        let shown = |text: &str| {
            for line in text.lines() {
                let line = visible(line);
                prop_assert!(details.contains(&*line), "{line:?} not shown:\n{details}");
            }
            Ok(())
        };
        for (k, v) in alert.labels().iter().chain(alert.annotations().iter()) {
            shown(k)?;
            shown(v)?;
        }

        key(&mut state, KeyCode::Esc);
        key(&mut state, KeyCode::Char('a'));
        prop_assert!(matches!(state.view.overlay, Some(Overlay::Confirm(_))));
        assert_screen_clean(&state, 80, 24);
    }
}

/// A fake Prometheus on 127.0.0.1: `/api/v1/alerts` answers the current body,
/// anything else 404. One connection at a time, each closed after its answer.
struct FakePrometheus {
    url: String,
    body: Arc<Mutex<String>>,
}

impl FakePrometheus {
    fn start() -> FakePrometheus {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let body = Arc::new(Mutex::new(String::new()));
        let shared = body.clone();
        std::thread::spawn(move || {
            for mut client in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head);
                let (status, body) = if head.starts_with("GET /api/v1/alerts") {
                    ("200 OK", shared.lock().unwrap().clone())
                } else {
                    ("404 Not Found", "not found".to_string())
                };
                let _ = write!(
                    client,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        FakePrometheus { url, body }
    }

    /// Serves these alerts, firing, from now on.
    fn serve(&self, alerts: &[Hostile]) {
        let alerts: Vec<serde_json::Value> = alerts
            .iter()
            .map(|a| {
                serde_json::json!({
                    "labels": a.labels(),
                    "annotations": a.annotations(),
                    "state": "firing",
                    "activeAt": "2026-01-01T00:00:00Z",
                    "value": "1e+00",
                })
            })
            .collect();
        let body = serde_json::json!({ "status": "success", "data": { "alerts": alerts } });
        *self.body.lock().unwrap() = body.to_string();
    }

    /// Runs `opsdeck snapshot ARGS` against it: (exit code, stdout, stderr).
    fn snapshot(&self, args: &[&str]) -> (i32, Vec<u8>, String) {
        let dir = tempdir();
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[general]\nhost_rules = false\n\n\
                 [[prometheus]]\nname = \"main\"\nurl = \"{}\"\n\
                 [prometheus.fleet]\nenabled = false\n",
                self.url
            ),
        )
        .unwrap();
        let out = Command::new(BIN)
            .args(["-c", config.to_str().unwrap(), "snapshot"])
            .args(args)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_STATE_HOME", dir.join("state"))
            .env_remove("OPSDECK_CONFIG")
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        (
            out.status.code().unwrap_or(-1),
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn tempdir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("opsdeck-hostile-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// No raw control byte but the line ends, no C1, bidi or zero-width
/// character: what a terminal would act on or hide.
fn assert_terminal_safe(stdout: &[u8]) -> String {
    for (i, b) in stdout.iter().enumerate() {
        assert!(
            *b == b'\n' || !(b.is_ascii_control()),
            "raw byte {b:#04x} at {i} in:\n{}",
            String::from_utf8_lossy(stdout)
        );
    }
    let text = String::from_utf8(stdout.to_vec()).expect("UTF-8 output");
    let bad: Vec<char> = text.chars().filter(|c| *c != '\n' && hostile(*c)).collect();
    assert!(bad.is_empty(), "{bad:?} printed raw in:\n{text}");
    text
}

proptest! {
    // Each case runs the real binary: a few suffice beside the screen's 64.
    #![proptest_config(Config { cases: 10, ..Config::default() })]

    /// `opsdeck snapshot`'s text shows every alert's name and summary escaped,
    /// and nothing hostile raw.
    #[test]
    fn no_hostile_character_reaches_the_snapshot_text(
        alerts in proptest::collection::vec(hostile_alert(), 1..4)
    ) {
        let prometheus = FakePrometheus::start();
        prometheus.serve(&alerts);
        let (code, stdout, stderr) = prometheus.snapshot(&[]);
        prop_assert_eq!(code, 0, "{}", stderr);
        let text = assert_terminal_safe(&stdout);
        for alert in &alerts {
            let name = visible(&alert.name);
            prop_assert!(text.contains(&*name), "{:?} not shown:\n{}", name, text);
        }
    }
}

/// The issue's own examples: a title change, a screen clear, a C1 CSI, a
/// right-to-left override and a zero-width space in an alert's name and
/// annotations.
fn issue_examples() -> Hostile {
    Hostile {
        name: "Retitle\x1b]0;pwned\x07Clear\x1b[2J".into(),
        labels: vec![("instance".into(), "db-1\u{202e}1-bd".into())],
        annotations: vec![
            ("description".into(), "line one\nline two\u{9b}31m".into()),
            ("runbook".into(), "https://ex\u{200b}ample.com".into()),
        ],
    }
}

#[test]
fn snapshot_text_shows_escapes_and_json_stays_exact() {
    let prometheus = FakePrometheus::start();
    let alert = issue_examples();
    prometheus.serve(std::slice::from_ref(&alert));

    let (code, stdout, stderr) = prometheus.snapshot(&[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stdout.contains(&0x1b) && !stdout.contains(&0x07),
        "raw ESC or BEL"
    );
    let text = assert_terminal_safe(&stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("alert "))
        .unwrap_or_else(|| panic!("an alert line in:\n{text}"));
    assert!(
        line.contains(r"Retitle\x1b]0;pwned\x07Clear\x1b[2J"),
        "{line}"
    );

    let (code, stdout, stderr) = prometheus.snapshot(&["--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let raw = String::from_utf8(stdout).expect("UTF-8 JSON");
    // Escaped in the JSON text too: printed to a terminal, it is just as safe.
    assert!(!raw.chars().any(|c| c != '\n' && hostile(c)), "{raw}");
    assert!(raw.contains(r"\u202e") && raw.contains(r"\u009b"), "{raw}");
    let doc: serde_json::Value = serde_json::from_str(&raw).expect("valid JSON");
    let shown = &doc["alerts"][0];
    assert_eq!(shown["alertname"], alert.name.as_str());
    assert_eq!(shown["labels"]["instance"], "db-1\u{202e}1-bd");
    assert_eq!(
        shown["annotations"]["description"],
        "line one\nline two\u{9b}31m"
    );
}
