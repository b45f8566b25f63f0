//! The real binary in a real terminal: tmux on its own socket, with its own XDG
//! directories. Checks what a user sees and that the terminal is given back.

use opsdeck::ui::widgets::format::bytes;
use std::process::Command;
use std::time::{Duration, Instant};

mod tmux;

use tmux::{BIN, Tmux, audit_records, status_line};

const STARTUP: Duration = Duration::from_secs(10);

fn mem_total_bytes() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let line = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

fn cpu_count() -> usize {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    stat.lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count()
}

fn is_gone(pid: i32) -> bool {
    // A zombie counts as gone: it has exited and only waits for the shell to reap it.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

fn assert_cooked(screen: &str) {
    assert!(
        screen.contains("MODE=icanon"),
        "terminal not back in cooked mode:\n{screen}"
    );
    assert!(
        !screen.contains("1 Resources"),
        "alternate screen not left:\n{screen}"
    );
}

#[test]
fn overview_shows_this_machine_help_zoom_and_quit() {
    let t = Tmux::start("overview", &[], 120, 40, &[]);
    let memory = format!("/{}", bytes(mem_total_bytes()));
    let screen = t.wait_for("CPU and memory figures", STARTUP, |s| {
        s.contains("CPU ") && s.contains(&memory)
    });
    assert!(
        screen.contains(&format!("{} cores", cpu_count())),
        "core count of this machine:\n{screen}"
    );
    let cpu_line = screen.lines().find(|l| l.contains("CPU ")).unwrap();
    assert!(cpu_line.contains('%'), "CPU percentage shown: {cpu_line}");
    for pane in ["1 Resources", "2 Tasks", "3 Alerts", "4 Scaling", "5 Log"] {
        assert!(screen.contains(pane), "pane {pane} in overview:\n{screen}");
    }
    // The default config's tasks are listed, never run yet.
    assert!(
        screen.contains("disk_report") || screen.contains("Disk usage"),
        "default tasks listed:\n{screen}"
    );

    t.send(&["?"]);
    t.wait_text("Help · keys", Duration::from_secs(2));
    t.send(&["Escape"]);
    t.wait_for("help closed", Duration::from_secs(2), |s| {
        !s.contains("Help · keys")
    });

    t.send(&["3"]);
    let zoomed = t.wait_text("zoom: Alerts", Duration::from_secs(2));
    assert!(
        zoomed.contains("3 Alerts") && !zoomed.contains("1 Resources"),
        "Alerts zoomed:\n{zoomed}"
    );

    t.send(&["q"]);
    let after = t.wait_text("MODE=", Duration::from_secs(2));
    assert!(after.contains("EXIT=0"), "{after}");
    assert_cooked(&after);

    let log = std::fs::read_to_string(t.state_dir().join("opsdeck.log")).expect("log file written");
    assert!(
        log.contains("started") && log.contains("stopped"),
        "log file:\n{log}"
    );
}

#[test]
fn small_terminal_collapses_and_resize_redraws() {
    let t = Tmux::start("resize", &[], 80, 24, &[]);
    let screen = t.wait_text("CPU ", STARTUP);
    for pane in ["1 Resources", "2 Tasks", "3 Alerts", "4 Scaling"] {
        assert!(screen.contains(pane), "{pane} at 80x24:\n{screen}");
    }
    t.tmux(&["resize-window", "-t", "t", "-x", "160", "-y", "48"]);
    t.wait_text("5 Log", Duration::from_secs(2));
    t.send(&["q"]);
    t.wait_text("EXIT=0", Duration::from_secs(2));
}

fn send_signal(pid: i32, name: &str) {
    let signal: nix::sys::signal::Signal = format!("SIG{name}").parse().expect("signal name");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).expect("send signal");
}

/// A signal's number by name, the real-time ones (which have no fixed
/// number) included.
fn signal_number(name: &str) -> i32 {
    match name {
        "RTMIN" => nix::libc::SIGRTMIN(),
        "RTMAX" => nix::libc::SIGRTMAX(),
        _ => format!("SIG{name}")
            .parse::<nix::sys::signal::Signal>()
            .expect("signal name") as i32,
    }
}

/// Sends signal `name` to a running dashboard: it must be gone within a
/// second with exit code 128 + the signal's number, the terminal given back
/// (cooked, normal screen, cursor shown) and the session's end audited in
/// a database closed cleanly.
fn signal_ends_cleanly(name: &str) {
    let code = 128 + signal_number(name);
    let t = Tmux::start(&format!("sig{name}"), &[], 100, 30, &[]);
    t.wait_text("CPU ", STARTUP);
    let pid = t.opsdeck_pid();
    let sent = Instant::now();
    // SAFETY: kill(2) takes any number; nix's Signal has no real-time ones.
    assert_eq!(unsafe { nix::libc::kill(pid, signal_number(name)) }, 0);
    while !is_gone(pid) {
        assert!(
            sent.elapsed() < Duration::from_secs(1),
            "opsdeck still running 1s after SIG{name}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let after = t.wait_text("MODE=", Duration::from_secs(2));
    assert!(
        after.contains(&format!("EXIT={code}")),
        "exit code after SIG{name}:\n{after}"
    );
    assert_cooked(&after);
    let flags = t.tmux(&[
        "display-message",
        "-p",
        "-t",
        "t",
        "#{alternate_on} #{cursor_flag}",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&flags.stdout).trim(),
        "0 1",
        "after SIG{name}: alternate screen off, cursor shown"
    );
    assert_the_db_file_alone_is_complete(&t);
    let records = audit_records(&t.dir.join("state"));
    let end = records.iter().find(|r| r["action"] == "session.end");
    assert_eq!(
        end.map(|r| r["outcome"].clone()),
        Some(format!("exit code {code}").into()),
        "SIG{name}: {records:?}"
    );
}

/// After a clean exit the WAL is checkpointed into the database file, so a
/// copy of the .db file alone (a backup) holds everything, the session's end
/// included.
fn assert_the_db_file_alone_is_complete(t: &Tmux) {
    let db = t.state_dir().join("opsdeck.db");
    let wal = db.with_extension("db-wal");
    let wal_bytes = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(wal_bytes, 0, "{} left behind", wal.display());
    let copy = t.dir.join("backup");
    std::fs::create_dir_all(copy.join("opsdeck")).unwrap();
    std::fs::copy(&db, copy.join("opsdeck/opsdeck.db")).unwrap();
    let records = audit_records(&copy);
    assert!(
        records.iter().any(|r| r["action"] == "session.end"),
        "the copy lacks the session's end: {records:?}"
    );
}

#[test]
fn sigterm_ends_cleanly_within_a_second() {
    signal_ends_cleanly("TERM");
}

#[test]
fn sighup_ends_cleanly_within_a_second() {
    signal_ends_cleanly("HUP");
}

#[test]
fn sigquit_ends_cleanly_within_a_second() {
    signal_ends_cleanly("QUIT");
}

#[test]
fn sigusr1_ends_cleanly_within_a_second() {
    signal_ends_cleanly("USR1");
}

/// Every other signal whose default would end opsdeck and that can be caught
/// (README's exit-code table), one dashboard after the other.
#[test]
fn every_other_terminating_signal_ends_cleanly() {
    for name in [
        "INT", "USR2", "ALRM", "STKFLT", "XCPU", "XFSZ", "VTALRM", "PROF", "IO", "PWR", "RTMIN",
        "RTMAX",
    ] {
        signal_ends_cleanly(name);
    }
}

#[test]
fn panic_restores_the_terminal_then_prints_the_message() {
    let t = Tmux::start(
        "panic",
        &[],
        100,
        30,
        &[("OPSDECK_TEST_PANIC", "1"), ("RUST_BACKTRACE", "0")],
    );
    let after = t.wait_text("MODE=", STARTUP);
    assert!(after.contains("EXIT=101"), "{after}");
    assert!(
        after.contains("OPSDECK_TEST_PANIC"),
        "panic message visible after restore:\n{after}"
    );
    assert_cooked(&after);
    // The session's end is recorded and the database closed: no WAL left, so
    // the .db file alone is a full copy.
    let state = t.dir.join("state");
    let records = tmux::audit_records(&state);
    assert!(
        records
            .iter()
            .any(|r| r["action"] == "session.end" && r["outcome"] == "error: panic"),
        "{records:#?}"
    );
    let wal = state.join("opsdeck/opsdeck.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "{} left behind",
        wal.display()
    );
}

#[test]
fn ctrl_z_suspends_and_fg_resumes() {
    let t = Tmux::new("suspend");
    let state = t.dir.join("state");
    let config = t.dir.join("config");
    t.new_session(100, 30, &["bash", "--norc", "--noprofile", "-i"]);
    t.send(&[
        "-l",
        &format!(
            "export PS1='$ ' XDG_STATE_HOME={} XDG_CONFIG_HOME={}",
            state.display(),
            config.display()
        ),
    ]);
    t.send(&["Enter"]);
    t.send(&["-l", &format!("'{BIN}'")]);
    t.send(&["Enter"]);
    t.wait_text("1 Resources", STARTUP);
    t.send(&["C-z"]);
    let stopped = t.wait_text("Stopped", Duration::from_secs(3));
    assert!(
        !stopped.contains("1 Resources"),
        "screen given back on suspend:\n{stopped}"
    );
    t.send(&[
        "-l",
        "stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\{0,1\\}icanon' | sed 's/^/MODE=/'",
    ]);
    t.send(&["Enter"]);
    t.wait_text("MODE=icanon", Duration::from_secs(2));
    t.send(&["-l", "fg"]);
    t.send(&["Enter"]);
    t.wait_text("1 Resources", Duration::from_secs(3));
    // Keys work again after resuming.
    t.send(&["3"]);
    t.wait_text("zoom: Alerts", Duration::from_secs(2));
    t.send(&["q"]);
    t.wait_for("shell prompt after quit", Duration::from_secs(3), |s| {
        !s.contains("3 Alerts")
    });
}

#[test]
fn broken_config_never_starts_the_tui() {
    let t = Tmux::new("badconfig");
    let file = t.dir.join("bad.toml");
    std::fs::write(&file, "[general]\nrefresh = \"often\"\n").unwrap();
    let out = Command::new(BIN)
        .arg("-c")
        .arg(&file)
        .env("XDG_STATE_HOME", t.state_dir().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(":2:11: key `general.refresh`"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "nothing drawn: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The state database is opened beside the first frame, never before the
    // config is known to be good.
    assert!(
        !t.state_dir().exists(),
        "a broken config created {}",
        t.state_dir().display()
    );
}

/// The parameters of every SGR sequence (`ESC [ ... m`) in `screen`.
fn sgr_params(screen: &str) -> Vec<Vec<u32>> {
    screen
        .split("\x1b[")
        .skip(1)
        .filter_map(|seq| {
            let end = seq.find(|c: char| c.is_ascii_alphabetic())?;
            (seq.as_bytes()[end] == b'm').then(|| {
                seq[..end]
                    .split(';')
                    .filter_map(|p| p.parse().ok())
                    .collect()
            })
        })
        .collect()
}

/// Runs the dashboard with `env`, and returns the SGR parameters on its screen.
fn colours_on_screen(name: &str, env: &[(&str, &str)]) -> Vec<Vec<u32>> {
    let t = Tmux::start(name, &[], 120, 40, env);
    t.wait_text("CPU ", STARTUP);
    let params = sgr_params(&t.capture_with_escapes());
    t.send(&["q"]);
    t.wait_text("EXIT=0", Duration::from_secs(2));
    params
}

#[test]
fn no_color_means_no_colour_at_all() {
    for params in colours_on_screen("nocolor", &[("NO_COLOR", "1"), ("COLORTERM", "truecolor")]) {
        let colour = params
            .iter()
            .any(|p| matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107));
        assert!(!colour, "colour sent with NO_COLOR: {params:?}");
    }
}

#[test]
fn a_16_colour_terminal_gets_only_the_16_ansi_colours() {
    let params = colours_on_screen("c16", &[("TERM", "screen"), ("COLORTERM", "")]);
    assert!(
        params
            .iter()
            .flatten()
            .any(|p| matches!(p, 30..=37 | 90..=97)),
        "some colour is used"
    );
    for p in &params {
        assert!(
            !p.contains(&38) && !p.contains(&48),
            "256/24-bit colour on a 16-colour terminal: {p:?}"
        );
    }
}

#[test]
fn wall_mode_is_read_only_with_a_big_clock() {
    let t = Tmux::start("wall", &["--wall"], 120, 40, &[]);
    let screen = t.wait_text("CPU ", STARTUP);
    assert!(screen.contains("READ-ONLY"), "{screen}");
    // The big clock is drawn with block glyphs in the top rows.
    let top: String = screen.lines().take(3).collect();
    assert!(
        top.contains('█') || top.contains('▀'),
        "big clock in the header:\n{screen}"
    );
    t.send(&["a"]);
    t.wait_text(
        "read-only (--wall): not acknowledging an alert",
        Duration::from_secs(2),
    );
    t.send(&["q"]);
    t.wait_text("EXIT=0", Duration::from_secs(2));
}

#[test]
fn a_session_start_and_end_are_in_the_audit_log() {
    let t = Tmux::start("audit", &[], 100, 30, &[]);
    t.wait_text("CPU ", STARTUP);
    t.send(&["q"]);
    t.wait_text("EXIT=0", Duration::from_secs(2));
    let actor = opsdeck::store::audit::os_actor();
    let records = audit_records(&t.dir.join("state"));
    let start = records
        .iter()
        .find(|r| r["action"] == "session.start")
        .expect("session.start");
    let end = records
        .iter()
        .find(|r| r["action"] == "session.end")
        .expect("session.end");
    assert_eq!(start["actor"], actor.as_str());
    assert_eq!(end["actor"], actor.as_str());
    assert_eq!(end["outcome"], "exit code 0");
    assert_eq!(start["pid"], end["pid"]);
    assert_the_db_file_alone_is_complete(&t);
}

/// Two read-only dashboards share the store: each records what it refuses,
/// at once, and sees what the other did. Neither leads (read-only changes
/// nothing); the handover between writable ones is in e2e_tasks.rs.
#[test]
fn two_read_only_dashboards_share_the_store_and_neither_leads() {
    let shared = Tmux::new("shared");
    let state = shared.dir.join("state");
    let env = [("XDG_STATE_HOME", state.to_str().unwrap())];
    let first = Tmux::start("shared1", &["--read-only"], 100, 30, &env);
    first.wait_for("nobody leads", STARTUP, |s| {
        status_line(s).contains("· nobody leads")
    });
    let second = Tmux::start("shared2", &["--read-only"], 100, 30, &env);
    second.wait_for("nobody leads", STARTUP, |s| {
        status_line(s).contains("· nobody leads")
    });

    // Both write at once: every refused action is audited by each process.
    let keys = vec!["a"; 100];
    first.send(&keys);
    second.send(&keys);

    let pid = first.opsdeck_pid();
    // Once the first process has committed all its writes, kill it without warning.
    let committed = Instant::now();
    while audit_records(&state)
        .iter()
        .filter(|r| r["action"] == "acknowledge" && r["pid"] == pid)
        .count()
        < 100
    {
        assert!(
            committed.elapsed() < Duration::from_secs(10),
            "first process did not record its 100 actions"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The second sees what the first did, in its Log pane, within a refresh or two.
    second.send(&["5"]);
    second.wait_text(
        &format!("(pid {pid}): acknowledge: refused"),
        Duration::from_secs(5),
    );
    send_signal(pid, "KILL");
    second.send(&["q"]);
    second.wait_text("EXIT=0", Duration::from_secs(3));
    assert!(
        !state.join("opsdeck/opsdeck.lock").exists(),
        "a read-only opsdeck does not even create the lock file"
    );

    let records = audit_records(&state);
    let refused: Vec<_> = records
        .iter()
        .filter(|r| r["action"] == "acknowledge")
        .collect();
    assert_eq!(
        refused.len(),
        200,
        "every refused action of both processes is stored"
    );
    assert!(
        refused
            .iter()
            .all(|r| r["outcome"] == "refused: read-only (--read-only)")
    );
    assert_eq!(
        records
            .iter()
            .filter(|r| r["action"] == "session.start")
            .count(),
        2
    );
    // The killed process never wrote its end; the one that quit did.
    assert_eq!(
        records
            .iter()
            .filter(|r| r["action"] == "session.end")
            .count(),
        1
    );
}

#[test]
fn no_store_runs_without_a_database() {
    let t = Tmux::start("nostore", &["--no-store"], 100, 30, &[]);
    let screen = t.wait_text("CPU ", STARTUP);
    assert!(status_line(&screen).contains("· no store"), "{screen}");
    t.send(&["q"]);
    t.wait_text("EXIT=0", Duration::from_secs(2));
    assert!(!t.state_dir().join("opsdeck.db").exists());
}

#[test]
fn an_unwritable_state_directory_is_a_clear_error() {
    let t = Tmux::start(
        "unwritable",
        &[],
        100,
        30,
        &[("XDG_STATE_HOME", "/proc/opsdeck-cannot-exist")],
    );
    let screen = t.wait_text("EXIT=", STARTUP);
    assert!(screen.contains("EXIT=1"), "{screen}");
    let text = screen.replace('\n', "");
    assert!(
        text.contains("/proc/opsdeck-cannot-exist/opsdeck"),
        "names the directory:\n{screen}"
    );
    assert!(
        text.contains("--no-store"),
        "says how to get in anyway:\n{screen}"
    );
}

#[test]
fn general_user_overrides_the_actor() {
    let files = Tmux::new("actor");
    let config = files.dir.join("config.toml");
    std::fs::write(&config, "[general]\nuser = \"alice@ops-1\"\n").unwrap();
    let t = Tmux::start("actor2", &["-c", config.to_str().unwrap()], 100, 30, &[]);
    t.wait_text("CPU ", STARTUP);
    t.send(&["q"]);
    t.wait_text("EXIT=0", Duration::from_secs(2));
    let records = audit_records(&t.dir.join("state"));
    assert!(
        records
            .iter()
            .any(|r| r["action"] == "session.start" && r["actor"] == "alice@ops-1"),
        "{records:?}"
    );
}

#[test]
fn a_corrupt_database_names_its_path_and_no_store_still_runs() {
    let t = Tmux::new("corrupt");
    let db = t.state_dir().join("opsdeck.db");
    std::fs::create_dir_all(t.state_dir()).unwrap();
    std::fs::write(
        &db,
        "not a database, but text long enough to fill a header page...",
    )
    .unwrap();
    let state = t.dir.join("state");
    let env = [("XDG_STATE_HOME", state.to_str().unwrap())];

    let refused = Tmux::start("corrupt1", &[], 100, 30, &env);
    let screen = refused.wait_text("EXIT=", STARTUP).replace('\n', "");
    assert!(screen.contains("EXIT=1"), "{screen}");
    assert!(
        screen.contains(&db.display().to_string()),
        "names the database:\n{screen}"
    );
    assert!(screen.contains("--no-store"), "{screen}");
    // The database is found bad after the first frame: the terminal is given
    // back before the error is printed.
    assert_cooked(&refused.wait_text("MODE=", Duration::from_secs(2)));

    let rescued = Tmux::start("corrupt2", &["--no-store"], 100, 30, &env);
    rescued.wait_text("CPU ", STARTUP);
    rescued.send(&["q"]);
    rescued.wait_text("EXIT=0", Duration::from_secs(2));
}

#[test]
fn the_log_file_keeps_info_and_up_without_http_noise() {
    // A scrape target that refuses every connection: the HTTP crates log at
    // DEBUG on each try, and opsdeck itself logs the failure.
    let config =
        std::env::temp_dir().join(format!("opsdeck-log-noise-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        "[[scrape]]\nname = \"gone\"\nurl = \"http://127.0.0.1:9/metrics\"\ninterval = \"1s\"\n",
    )
    .unwrap();
    let t = Tmux::start("lognoise", &["-c", config.to_str().unwrap()], 100, 30, &[]);
    // The header marks the source down once a poll has failed (its requests,
    // and the HTTP crates' lines about them, are done by then).
    t.wait_for("the scrape to fail", STARTUP, |s| {
        s.lines()
            .next()
            .is_some_and(|h| h.contains("✗") && h.contains("gone"))
    });
    t.send(&["q"]);
    t.wait_text("EXIT=0", Duration::from_secs(2));
    let _ = std::fs::remove_file(&config);
    let log = std::fs::read_to_string(t.state_dir().join("opsdeck.log")).expect("a log file");
    assert!(log.contains("opsdeck 0.1.0 started"), "{log}");
    for line in log.lines() {
        let mut words = line.split_whitespace().skip(1);
        let (level, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        assert!(
            matches!(level, "INFO" | "WARN" | "ERROR"),
            "below INFO by default: {line}"
        );
        assert!(
            !["hyper", "reqwest", "rustls", "h2"]
                .iter()
                .any(|c| target.starts_with(c)),
            "HTTP noise: {line}"
        );
    }
}
