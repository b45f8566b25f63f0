//! `opsdeck report` through the real binary, over the scenario's shift
//! ending now: the Markdown parsed by a real CommonMark parser (tables,
//! headings, a hostile label kept as text), the JSON validated against
//! assets/report.schema.json (Python's jsonschema), the HTML opened in
//! headless Chromium (no console errors, the key figures in the page's
//! text, a screenshot that is not blank), `handover`, and `-o FILE`.

#[path = "report/browser.rs"]
mod browser;
#[path = "report/scenario.rs"]
mod scenario;

use chrono::{DateTime, Duration, Utc};
use opsdeck::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

/// A state directory holding the shift that ends about now.
struct Shift {
    dir: PathBuf,
}

impl Shift {
    fn new(name: &str) -> Shift {
        let dir =
            std::env::temp_dir().join(format!("opsdeck-report-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = dir.join("state/opsdeck/opsdeck.db");
        std::fs::create_dir_all(db.parent().unwrap()).unwrap();
        let mut store = Store::open(&db).unwrap();
        // Whole minutes, the last one a minute before now.
        let now: DateTime<Utc> = Utc::now();
        let t0 = DateTime::from_timestamp(now.timestamp() / 60 * 60, 0).unwrap()
            - Duration::minutes(721);
        scenario::fill(&mut store, t0);
        Shift { dir }
    }

    fn opsdeck(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .args(args)
            .env("XDG_STATE_HOME", self.dir.join("state"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env_remove("OPSDECK_CONFIG")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn report(&self, format: &str) -> String {
        let (code, out, err) = self.opsdeck(&["report", "--since", "12h", "--format", format]);
        assert_eq!(code, 0, "{err}");
        out
    }
}

impl Drop for Shift {
    fn drop(&mut self) {
        if std::env::var_os("OPSDECK_KEEP_REPORT").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[test]
fn markdown_parses_as_commonmark_with_tables_and_keeps_a_hostile_label_as_text() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let shift = Shift::new("markdown");
    let md = shift.report("markdown");
    let mut headings = Vec::new();
    let (mut tables, mut html, mut links, mut strong) = (0, 0, 0, 0);
    let mut text = String::new();
    let mut in_heading = false;
    let mut cells_in_row = Vec::new();
    let mut cells = 0;
    for event in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                headings.push(String::new());
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                text.push(' ');
            }
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                cells_in_row.push(cells);
                cells = 0;
                text.push(' ');
            }
            Event::Html(_) | Event::InlineHtml(_) => html += 1,
            Event::Start(Tag::Link { .. }) => links += 1,
            Event::Start(Tag::Strong | Tag::Emphasis) => strong += 1,
            Event::Text(t) => {
                if in_heading {
                    headings.last_mut().unwrap().push_str(&t);
                }
                text.push_str(&t);
            }
            // Escapes split a text into pieces: a space only between blocks.
            Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    for h in [
        "Now",
        "Firing alerts",
        "During the period",
        "Alerts",
        "Tasks",
        "Host resources",
    ] {
        assert!(
            headings.iter().any(|x| x.starts_with(h)),
            "{h:?} in {headings:?}"
        );
    }
    assert!(tables >= 8, "{tables} tables:\n{md}");
    // The hostile label is text: no HTML, link, emphasis or extra cell.
    assert_eq!((html, links, strong), (0, 0, 0), "{md}");
    assert!(text.contains(scenario::HOSTILE), "{md}");
    let widths: std::collections::BTreeSet<usize> = cells_in_row.into_iter().collect();
    assert!(widths.iter().all(|&w| w <= 10), "{widths:?}");
    for figure in [
        "OldAlert",
        "StillFiring",
        "11m30s",
        "over budget",
        "33.3 %",
        "95.83 %",
        "97.0 %",
    ] {
        assert!(text.contains(figure), "{figure:?} missing:\n{md}");
    }
    // The previous hand-over's note.
    assert!(text.contains("db-2 is slow; watch the backup"), "{md}");
}

#[test]
fn json_is_valid_against_its_schema() {
    let shift = Shift::new("json");
    let json = shift.report("json");
    let file = shift.dir.join("report.json");
    std::fs::write(&file, &json).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/report.schema.json");
    let check = Command::new("python3")
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))\n\
             jsonschema.Draft202012Validator.check_schema(schema)\n\
             errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))\n\
             [print(e.json_path, e.message) for e in errors]\n\
             sys.exit(1 if errors else 0)",
        )
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("python3 runs (scripts/test installs it)");
    assert!(
        check.status.success(),
        "{}{}\n(python3 -m pip install jsonschema, as scripts/test does)",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["schema"], "opsdeck-report/1");
    assert_eq!(doc["alerts"]["incidents"], 4);
}

#[test]
fn html_renders_in_chromium_with_its_figures_and_no_errors() {
    let shift = Shift::new("html");
    let file = shift.dir.join("report.html");
    let (code, out, err) = shift.opsdeck(&[
        "report",
        "--since",
        "12h",
        "--format",
        "html",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty() && err.contains("report written to"), "{err}");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(
        !html.contains("<script"),
        "no script, not even the hostile label's"
    );
    assert!(
        html.contains("&lt;script&gt;"),
        "the hostile label is escaped"
    );
    for fetch in [
        " src=", " href=", "url(", "@import", "<link", "<img", "<iframe",
    ] {
        assert!(
            !html.contains(fetch),
            "nothing fetched, but {fetch:?} is there"
        );
    }
    let page = browser::open(&file, &shift.dir);
    assert!(page.console_errors.is_empty(), "{:?}", page.console_errors);
    for figure in [
        "Ops report",
        "OldAlert",
        "StillFiring",
        "11m30s",
        "over budget",
        "97.0 %",
    ] {
        assert!(
            page.text.contains(figure),
            "{figure:?} not in the page's text:\n{}",
            page.text
        );
    }
    assert!(page.text.contains(scenario::HOSTILE), "shown as written");
    assert!(page.svg_charts >= 2, "{} charts", page.svg_charts);
    assert!(
        page.screenshot_colours >= 3,
        "a blank screenshot: {} colours",
        page.screenshot_colours
    );
}

#[test]
fn handover_records_the_point_and_the_next_report_starts_there() {
    let shift = Shift::new("handover");
    let (code, out, err) = shift.opsdeck(&["handover", "--note", "all quiet <b>now</b>"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("hand-over recorded"), "{err}");
    assert!(
        out.contains("This hand-over:") && out.contains("all quiet"),
        "{out}"
    );
    // Since the previous hand-over (the scenario's, 12 h ago).
    assert!(out.contains("db-2 is slow; watch the backup"), "{out}");
    assert!(out.contains("StillFiring"), "{out}");
    let (code, json, err) = shift.opsdeck(&["report", "--since-handover", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["previous_handover"]["note"], "all quiet <b>now</b>");
    // A period that starts now: nothing fired in it.
    assert_eq!(doc["alerts"]["fired"], 0);
    assert_eq!(doc["now"]["firing"].as_array().unwrap().len(), 2);
    let (code, _, err) = shift.opsdeck(&["--read-only", "handover"]);
    assert_eq!(code, 1);
    assert!(err.contains("--read-only"), "{err}");
}

#[test]
fn a_database_an_older_opsdeck_left_is_named_not_misread() {
    let shift = Shift::new("old-schema");
    let db = shift.dir.join("state/opsdeck/opsdeck.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 7)
        .unwrap();
    let (code, _, err) = shift.opsdeck(&["report"]);
    assert_eq!(code, 1);
    assert!(err.contains("older opsdeck (schema 7"), "{err}");
    assert!(err.contains("start the dashboard once"), "{err}");
}

#[test]
fn no_state_database_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("opsdeck-report-none-{}", std::process::id()));
    let out = Command::new(BIN)
        .args(["report"])
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("OPSDECK_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not exist yet"), "{err}");
    let out = Command::new(BIN)
        .args(["report", "--since-handover"])
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// A token that a server echoed into a stored error is removed from every
/// format, also where escaping would have changed how it is written.
#[test]
fn secrets_never_appear_in_any_format() {
    const TOKEN: &str = "tok&en<9f3a>\"secret\"!";
    let shift = Shift::new("secrets");
    let config = shift.dir.join("config/opsdeck");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("token"), TOKEN).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[[prometheus]]\nname = \"main\"\nurl = \"http://127.0.0.1:1\"\nbearer_token_file = {:?}\n",
            config.join("token")
        ),
    )
    .unwrap();
    let mut store = Store::open(&shift.dir.join("state/opsdeck/opsdeck.db")).unwrap();
    let mut run = opsdeck::engine::tasks::Run::start(
        "probe",
        opsdeck::engine::tasks::Trigger::Manual,
        1,
        "bob@ops-1",
        Utc::now() - Duration::minutes(30),
    );
    run.id = store.insert_run(&run).unwrap();
    run.state = opsdeck::engine::tasks::RunState::Failed;
    run.finished = Some(run.started + Duration::seconds(1));
    run.detail = format!("401: Authorization: Bearer {TOKEN} refused");
    store.finish_run(&run).unwrap();
    drop(store);
    let escaped_html = "tok&amp;en&lt;9f3a&gt;";
    let escaped_md = r"tok\&en\<9f3a\>";
    for format in ["markdown", "html", "json"] {
        let out = shift.report(format);
        assert!(
            out.contains("refused"),
            "{format}: the error is there:\n{out}"
        );
        for form in [TOKEN, escaped_html, escaped_md, "tok&en", "9f3a"] {
            assert!(!out.contains(form), "{format} shows {form:?}:\n{out}");
        }
    }
}
