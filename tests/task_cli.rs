//! `opsdeck task list`, `opsdeck task run` and `opsdeck audit` as a script
//! sees them: the real binary, its own config and state folders.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

const CONFIG: &str = r#"
[[task]]
id = "quick"
name = "Quick check"
command = ["sleep", "0.3"]

[[task]]
id = "long"
name = "Long job"
command = ["sleep", "30"]

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
        let out = self.command(BIN, args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `program` (opsdeck, or a wrapper such as nohup) running opsdeck ARGS.
    fn command(&self, program: &str, args: &[&str]) -> Command {
        let config = self.0.join("config.toml");
        let mut command = Command::new(program);
        if program != BIN {
            command.arg(BIN);
        }
        command
            .arg("-c")
            .arg(&config)
            .args(args)
            .env("XDG_CONFIG_HOME", self.0.join("config"))
            .env("XDG_STATE_HOME", self.0.join("state"))
            .env_remove("OPSDECK_CONFIG");
        command
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

/// `task run long` under `program`, sent `signal` once its run has started;
/// returns how it ended and how long after the signal.
fn signalled_run(home: &Home, program: &str, signal: &str) -> (Option<i32>, Duration) {
    let mut child = home
        .command(program, &["task", "run", "long"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("running long"), "{line}");
    let signal: nix::sys::signal::Signal = format!("SIG{signal}").parse().unwrap();
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let sent = Instant::now();
    nix::sys::signal::kill(pid, signal).unwrap();
    if program == BIN {
        let status = child.wait().unwrap();
        return (status.code(), sent.elapsed());
    }
    // Still running after a while: stop it for good.
    std::thread::sleep(Duration::from_millis(700));
    let alive = child.try_wait().unwrap().is_none();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    (status.code().filter(|_| !alive), sent.elapsed())
}

#[test]
fn any_terminating_signal_stops_a_run_and_records_it_but_nohup_keeps_sighup_out() {
    let home = Home::new("signals");
    for signal in ["QUIT", "USR1"] {
        let (code, took) = signalled_run(&home, BIN, signal);
        assert_eq!(code, Some(130), "SIG{signal}: interrupted, not killed");
        assert!(took < Duration::from_secs(5), "SIG{signal}: {took:?}");
        let (_, list, _) = home.run(&["task", "list"]);
        let long = list.lines().find(|l| l.starts_with("long")).expect(&list);
        assert!(long.contains("cancelled"), "SIG{signal}: {long}");
    }
    // nohup ignores SIGHUP so the run outlives the session: it stays ignored.
    let (code, _) = signalled_run(&home, "nohup", "HUP");
    assert_eq!(code, None, "a run under nohup ended on SIGHUP");
}
