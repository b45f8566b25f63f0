//! `opsdeck task list`, `opsdeck task run` and `opsdeck audit` as a script
//! sees them: the real binary, its own config and state folders.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

const CONFIG: &str = r#"
[[task]]
id = "quick"
name = "Quick check"
command = ["sleep", "0.3"]

[[task]]
id = "archive"
name = "Yearly archive"
schedule = "0 0 1 1 *"
command = ["true"]
"#;

/// A config and state folder of its own, removed when dropped.
struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Home {
        let dir =
            std::env::temp_dir().join(format!("opsdeck-task-cli-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), CONFIG).unwrap();
        Home(dir)
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let config = self.0.join("config.toml");
        let out = Command::new(BIN)
            .arg("-c")
            .arg(&config)
            .args(args)
            .env("XDG_CONFIG_HOME", self.0.join("config"))
            .env("XDG_STATE_HOME", self.0.join("state"))
            .env_remove("OPSDECK_CONFIG")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(Path::new(&self.0));
    }
}

/// The text after `prefix` up to the next `end`.
fn between<'a>(text: &'a str, prefix: &str, end: char) -> &'a str {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix:?} in {text}"))
        + prefix.len();
    let rest = &text[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// A run of a third of a second or so (more on a busy machine) in the
/// dashboard's form, "0.31s" or "1.2s": not "301ms", "1s 204ms" or a raw float.
fn assert_seconds_form(took: &str, context: &str) {
    let number = took
        .strip_suffix('s')
        .filter(|n| !n.ends_with('m'))
        .unwrap_or_else(|| panic!("{took:?} is not in seconds in {context}"));
    let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
    assert!(
        number
            .parse::<f64>()
            .is_ok_and(|v| (0.3..10.0).contains(&v))
            && decimals <= 2,
        "{took:?} in {context}"
    );
}

#[test]
fn run_list_and_audit_show_durations_as_the_dashboard_does() {
    let home = Home::new("durations");
    let (code, _, stderr) = home.run(&["task", "run", "quick"]);
    assert_eq!(code, 0, "{stderr}");
    assert_seconds_form(between(&stderr, "succeeded in ", ' '), &stderr);

    let (code, list, stderr) = home.run(&["task", "list"]);
    assert_eq!(code, 0, "{stderr}");
    let quick = list.lines().find(|l| l.starts_with("quick")).expect(&list);
    assert_seconds_form(between(quick, "succeeded in ", ','), quick);
    // The yearly run is days away: "(in 37d11h)", not "(in 37days 11h 25m)".
    let archive = list
        .lines()
        .find(|l| l.starts_with("archive"))
        .expect(&list);
    let span = between(archive, "(in ", ')');
    assert!(
        !span.is_empty()
            && span
                .chars()
                .all(|c| c.is_ascii_digit() || "dhms".contains(c)),
        "{archive}"
    );

    let (code, audit, stderr) = home.run(&["audit"]);
    assert_eq!(code, 0, "{stderr}");
    let end = audit
        .lines()
        .find(|l| l.contains("task.run") && l.contains("outcome=\"succeeded"))
        .expect(&audit);
    assert_seconds_form(between(end, "succeeded in ", ':'), end);
}
