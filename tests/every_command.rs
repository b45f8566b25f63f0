//! What holds for every command, the real binary as a script runs it:
//! `--no-store` gets you in whatever lies at the database's path, and a
//! reader that goes away (`| head -1`) ends a command quietly.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

const CONFIG: &str = r#"
[[task]]
id = "quick"
name = "Quick check"
command = ["true"]

[[task]]
id = "talk"
name = "Says something"
command = ["echo", "something to say"]

[[runbook]]
id = "tidy"

[[runbook.step]]
name = "Say what would be tidied"
command = ["echo", "nothing to tidy"]
"#;

/// Config and state folders of its own, removed when dropped.
struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Home {
        let dir = std::env::temp_dir().join(format!(
            "opsdeck-every-command-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state/opsdeck")).unwrap();
        std::fs::write(dir.join("config.toml"), CONFIG).unwrap();
        Home(dir)
    }

    fn database(&self) -> PathBuf {
        self.0.join("state/opsdeck/opsdeck.db")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("-c")
            .arg(self.0.join("config.toml"))
            .args(args)
            .env("XDG_CONFIG_HOME", self.0.join("config"))
            .env("XDG_STATE_HOME", self.0.join("state"))
            .env_remove("OPSDECK_CONFIG");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(Path::new(&self.0));
    }
}

/// The broken databases met in the field: a copy cut short, a file of
/// something else, a directory where the file should be.
/// `test` keeps the folders of tests running at once apart.
fn broken_homes(test: &str) -> Vec<(&'static str, Home)> {
    let truncated = Home::new(&format!("{test}-truncated"));
    // The first bytes of a real SQLite file, cut off inside its header.
    std::fs::write(truncated.database(), b"SQLite format 3\0\x10\0\x02\x02").unwrap();
    let random = Home::new(&format!("{test}-random"));
    let bytes: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(random.database(), bytes).unwrap();
    let directory = Home::new(&format!("{test}-directory"));
    std::fs::create_dir_all(directory.database().join("inside")).unwrap();
    vec![
        ("truncated", truncated),
        ("random bytes", random),
        ("a directory", directory),
    ]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn no_store_gets_every_command_past_a_broken_database() {
    for (shape, home) in broken_homes("no-store") {
        let before = std::fs::read(home.database()).ok();
        let commands: [(&[&str], &str); 10] = [
            (&["--no-store", "snapshot"], "host "),
            (&["--no-store", "snapshot", "--format", "json"], "\"tasks\""),
            (&["--no-store", "task", "list"], "quick"),
            (&["--no-store", "task", "list", "--format", "json"], "quick"),
            (&["--no-store", "task", "run", "quick"], ""),
            (&["--no-store", "runbook", "list"], "tidy"),
            (
                &["--no-store", "runbook", "list", "--format", "json"],
                "tidy",
            ),
            (&["--no-store", "runbook", "run", "tidy"], "nothing to tidy"),
            (&["--no-store", "info"], "state db"),
            (&["--no-store", "check-config"], ""),
        ];
        for (args, shows) in commands {
            let out = home.run(args);
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            assert_eq!(
                out.status.code(),
                Some(0),
                "`opsdeck {}` with {shape} at the database path:\n{stderr}",
                args.join(" ")
            );
            assert!(stdout.contains(shows), "{args:?}, {shape}:\n{stdout}");
            assert!(
                !stderr.contains("--no-store"),
                "{args:?}, {shape}:\n{stderr}"
            );
        }
        // Nothing run with --no-store touched what lies there.
        assert_eq!(std::fs::read(home.database()).ok(), before, "{shape}");
        assert_eq!(home.database().is_dir(), shape == "a directory");
    }
}

#[test]
fn audit_with_no_store_says_there_is_nothing_to_read() {
    for (shape, home) in broken_homes("audit") {
        for format in ["text", "json"] {
            let out = home.run(&["--no-store", "audit", "--format", format]);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{shape}, {format}:\n{stderr}");
            assert!(out.stdout.is_empty(), "no records invented: {shape}");
            assert!(
                stderr.contains("nothing to read")
                    && stderr.contains(&home.database().display().to_string()),
                "{shape}, {format}:\n{stderr}"
            );
        }
        // Without --no-store the broken file is named, with the way out.
        let out = home.run(&["audit"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{shape}:\n{stderr}");
        assert!(stderr.contains("--no-store"), "{shape}:\n{stderr}");
    }
}

/// A pipe whose reader has already gone: every write to it fails with EPIPE,
/// as when `head` exits before the command writes.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

fn assert_quiet(args: &[&str], out: &Output) {
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.to_lowercase().contains("broken pipe"),
        "`opsdeck {}` into a closed pipe:\n{stderr}",
        args.join(" ")
    );
    assert_eq!(out.status.code(), Some(0), "{args:?}:\n{stderr}");
}

#[test]
fn every_command_into_a_closed_pipe_ends_quietly_with_exit_0() {
    let home = Home::new("closed-pipe");
    // A state database with a run and audit records in it, to print.
    assert_eq!(home.run(&["task", "run", "quick"]).status.code(), Some(0));
    let commands: [&[&str]; 16] = [
        &["info"],
        &["check-config"],
        &["snapshot"],
        &["snapshot", "--format", "json"],
        &["task", "list"],
        &["task", "list", "--format", "json"],
        &["audit"],
        &["audit", "--format", "json"],
        &["--no-store", "audit"],
        &["--help"],
        &["--version"],
        &["task", "run", "talk"],
        &["task", "run", "quick"],
        &["runbook", "list"],
        &["runbook", "list", "--format", "json"],
        &["runbook", "run", "tidy"],
    ];
    for args in commands {
        let out = home
            .command(args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_quiet(args, &out);
    }
    // The run whose output nobody read still ran to its end and is recorded.
    let list = text(&home.run(&["task", "list"]).stdout);
    let talk = list.lines().find(|l| l.starts_with("talk")).expect(&list);
    assert!(talk.contains("succeeded"), "{talk}");
}

#[test]
fn an_error_with_stderr_closed_too_is_exit_1_not_a_panic() {
    // `opsdeck audit 2>&1 | head -1` on a broken database.
    let home = Home::new("closed-stderr");
    std::fs::write(
        home.database(),
        "not a database, text long enough to be read",
    )
    .unwrap();
    let pipe = closed_pipe();
    let status = home
        .command(&["audit"])
        .stdout(pipe.try_clone().unwrap())
        .stderr(pipe)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn head_takes_the_first_line_of_a_long_audit_log() {
    let home = Home::new("head");
    let store = opsdeck::store::Store::open(&home.database()).unwrap();
    // Far more than a pipe holds: opsdeck is still writing when the reader goes.
    for i in 0..3000 {
        let record = opsdeck::store::NewAudit::event(
            chrono::Utc::now(),
            "ann@ops-1",
            "task.trigger",
            &format!("record {i} of a long log, with some words to make it longer"),
        );
        store.append_audit(&record).unwrap();
    }
    drop(store);
    for format in ["text", "json"] {
        let args = ["audit", "--format", format];
        let mut child = home
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.contains("record 0 of"), "{first}");
        // The reader goes, as `head -1` does after its line.
        let out = child.wait_with_output().unwrap();
        assert_quiet(&args, &out);
    }
}
