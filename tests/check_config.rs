//! `opsdeck check-config`, `opsdeck info` and the dashboard's config gate, run as the
//! real binary against the fixtures in `tests/configs/`.
//!
//! Fixtures:
//! - `valid/*.toml`: must print `FILE: ok` and exit 0.
//! - `invalid/*.toml`: must exit 1, name the file, never panic, end with
//!   `FILE: N error(s)` where N counts the `FILE:LINE:COLUMN:` lines, and satisfy
//!   the header comments below.
//! - `themes/valid/*.toml`, `themes/invalid/*.toml`: user themes, installed as
//!   `$XDG_CONFIG_HOME/opsdeck/themes/mytheme.toml` and selected with
//!   `[ui] theme = "mytheme"`; same header comments.
//!
//! Header comments at the top of an invalid fixture:
//! - `# expect: TEXT`: TEXT must appear in stderr. Together they give the position
//!   (`:LINE:COLUMN:`) and the key (`` key `a.b` ``) of the error. Those with a
//!   position must appear in the order they are listed: errors come in file
//!   order. `# expect: NAME.toml: N error(s)` says there are no others.
//! - `# expect-not: TEXT`: TEXT must not appear in stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");
const EMBEDDED_NAME: &str = "<embedded assets/default.toml>";

fn configs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs")
}

/// A fresh directory under the system temp dir, removed on drop. Holds the XDG config
/// and state homes, so no test sees the developer's own config or themes.
struct Sandbox {
    root: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let root = std::env::temp_dir().join(format!(
            "opsdeck-check-config-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::create_dir_all(root.join("state")).unwrap();
        Sandbox { root }
    }

    /// `$XDG_CONFIG_HOME`
    fn config_home(&self) -> PathBuf {
        self.root.join("config")
    }

    /// `$XDG_STATE_HOME`
    fn state_home(&self) -> PathBuf {
        self.root.join("state")
    }

    fn themes_dir(&self) -> PathBuf {
        self.config_home().join("opsdeck/themes")
    }

    /// Writes `text` to `relative` under the sandbox root and returns its path.
    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `opsdeck` with the sandbox as XDG homes, no OPSDECK_CONFIG, and no terminal.
    fn opsdeck<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command(args).output().expect("run opsdeck")
    }

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("XDG_STATE_HOME", self.state_home())
            .env_remove("OPSDECK_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn fixtures(sub: &str) -> Vec<PathBuf> {
    let dir = configs_dir().join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The header comments of a fixture.
#[derive(Debug, Default)]
struct Expectations {
    expect: Vec<String>,
    expect_not: Vec<String>,
}

impl Expectations {
    fn read(path: &Path) -> Expectations {
        let text = std::fs::read_to_string(path).unwrap();
        let mut e = Expectations::default();
        for line in text.lines().take_while(|l| l.trim_start().starts_with('#')) {
            let line = line.trim();
            for (prefix, list) in [
                ("# expect:", &mut e.expect),
                ("# expect-not:", &mut e.expect_not),
            ] {
                if let Some(v) = line.strip_prefix(prefix) {
                    list.push(v.trim().to_string());
                }
            }
        }
        e
    }

    /// Every invalid fixture must say where the error is and which key it is about.
    fn check_well_formed(&self, fixture: &str) -> Vec<String> {
        let all = &self.expect;
        let mut problems = Vec::new();
        if !all.iter().any(|e| has_position(e)) {
            problems.push(format!(
                "{fixture}: no `# expect:` line gives a :LINE:COLUMN: position"
            ));
        }
        if !all.iter().any(|e| e.contains("key `")) {
            problems.push(format!(
                "{fixture}: no `# expect:` line names the key (key `...`)"
            ));
        }
        problems
    }
}

/// True when `text` contains `:DIGITS:DIGITS:`.
fn has_position(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    // Three parts after the first colon: LINE, COLUMN and whatever follows the colon.
    parts.windows(4).any(|w| is_number(w[1]) && is_number(w[2]))
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Failures collected over all fixtures, so one run lists every broken one.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
}

impl Report {
    fn fail(&mut self, message: String) {
        self.failures.push(message);
    }

    /// Applies the `# expect*` lines of `exp` to `err`.
    fn check(&mut self, fixture: &str, exp: &Expectations, err: &str, skip_summary: bool) {
        let wanted = |s: &String| !(skip_summary && s.contains("error(s)"));
        for s in exp.expect.iter().filter(|s| wanted(s)) {
            if !err.contains(s.as_str()) {
                self.fail(format!("{fixture}: stderr lacks `{s}`"));
            }
        }
        // Errors come in file order: each positioned expectation after the last.
        let mut from = 0;
        for s in exp.expect.iter().filter(|s| has_position(s)) {
            match err[from..].find(s.as_str()) {
                Some(i) => from += i + s.len(),
                None if err.contains(s.as_str()) => {
                    self.fail(format!("{fixture}: `{s}` is out of file order:\n{err}"));
                }
                None => {}
            }
        }
        for s in &exp.expect_not {
            if err.contains(s.as_str()) {
                self.fail(format!("{fixture}: stderr contains `{s}`"));
            }
        }
    }

    fn finish(self, what: &str) {
        assert!(
            self.failures.is_empty(),
            "{} failure(s) in {what}:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// Checks what every failing run must do: exit 1, name `file`, not panic.
fn check_failed_run(report: &mut Report, fixture: &str, out: &Output, file: &str) {
    let err = stderr(out);
    if out.status.code() != Some(1) {
        report.fail(format!(
            "{fixture}: exit status {:?}, expected 1; stderr:\n{err}",
            out.status
        ));
    }
    if err.contains("panicked") {
        report.fail(format!("{fixture}: panicked:\n{err}"));
    }
    if !err.contains(&format!("{file}:")) {
        report.fail(format!("{fixture}: stderr does not name {file}:\n{err}"));
    }
}

/// `FILE: N error(s)` ends the output and N is the number of `FILE:LINE:COL:` lines.
fn check_summary(report: &mut Report, fixture: &str, err: &str, file: &str) {
    let positioned = err
        .lines()
        .filter(|l| {
            l.strip_prefix(file)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|rest| {
                    let mut parts = rest.splitn(3, ':');
                    parts.next().is_some_and(is_number) && parts.next().is_some_and(is_number)
                })
        })
        .count();
    if positioned == 0 {
        report.fail(format!(
            "{fixture}: no `{file}:LINE:COLUMN:` error line:\n{err}"
        ));
    }
    let summary = format!("{file}: {positioned} error(s)");
    if err.lines().last() != Some(summary.as_str()) {
        report.fail(format!(
            "{fixture}: last line of stderr is not `{summary}`:\n{err}"
        ));
    }
}

#[test]
fn valid_fixtures_are_ok() {
    let sandbox = Sandbox::new();
    let mut report = Report::default();
    for path in fixtures("valid") {
        let fixture = name(&path);
        let out = sandbox.opsdeck([Path::new("check-config"), &path]);
        let expected = format!("{}: ok\n", path.display());
        if out.status.code() != Some(0) || stdout(&out) != expected || !out.stderr.is_empty() {
            report.fail(format!(
                "{fixture}: status {:?}\nstdout: {}stderr: {}",
                out.status,
                stdout(&out),
                stderr(&out)
            ));
        }
    }
    report.finish("valid fixtures");
}

#[test]
fn invalid_fixtures_name_file_line_column_and_key() {
    let sandbox = Sandbox::new();
    let mut report = Report::default();
    for path in fixtures("invalid") {
        let fixture = name(&path);
        let exp = Expectations::read(&path);
        for problem in exp.check_well_formed(&fixture) {
            report.fail(problem);
        }
        let file = path.display().to_string();
        let out = sandbox.opsdeck([Path::new("check-config"), &path]);
        let err = stderr(&out);
        check_failed_run(&mut report, &fixture, &out, &file);
        if !stdout(&out).is_empty() {
            report.fail(format!("{fixture}: printed on stdout: {}", stdout(&out)));
        }
        check_summary(&mut report, &fixture, &err, &file);
        report.check(&fixture, &exp, &err, false);
    }
    report.finish("invalid fixtures");
}

/// The dashboard refuses an invalid config before touching the terminal: exit 1, the
/// error on stderr, nothing on stdout, no log file.
#[test]
fn dashboard_refuses_invalid_configs_before_opening_a_terminal() {
    let mut report = Report::default();
    for path in fixtures("invalid") {
        let sandbox = Sandbox::new();
        let fixture = name(&path);
        let exp = Expectations::read(&path);
        let file = path.display().to_string();
        let out = sandbox.opsdeck([Path::new("-c"), &path]);
        let err = stderr(&out);
        check_failed_run(&mut report, &fixture, &out, &file);
        if err.contains("needs a terminal") {
            report.fail(format!(
                "{fixture}: reached the terminal check with an invalid config"
            ));
        }
        if !out.stdout.is_empty() {
            report.fail(format!(
                "{fixture}: dashboard wrote to stdout: {:?}",
                stdout(&out)
            ));
        }
        if sandbox.state_home().join("opsdeck/opsdeck.log").exists() {
            report.fail(format!("{fixture}: dashboard started logging"));
        }
        // The dashboard prints the errors without the `N error(s)` summary.
        report.check(&fixture, &exp, &err, true);
    }
    report.finish("dashboard with invalid fixtures");
}

/// Control for the test above: with a valid config the dashboard gets as far as the
/// terminal check, so the failures above really come from the config.
#[test]
fn dashboard_with_valid_config_stops_only_at_the_terminal_check() {
    let sandbox = Sandbox::new();
    let path = configs_dir().join("valid/full.toml");
    let out = sandbox.opsdeck([Path::new("-c"), &path]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("needs a terminal"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
}

#[test]
fn user_themes_are_validated() {
    let mut report = Report::default();
    for (sub, valid) in [("themes/valid", true), ("themes/invalid", false)] {
        for path in fixtures(sub) {
            let sandbox = Sandbox::new();
            let fixture = format!("{sub}/{}", name(&path));
            let theme = sandbox.themes_dir().join("mytheme.toml");
            std::fs::create_dir_all(sandbox.themes_dir()).unwrap();
            std::fs::copy(&path, &theme).unwrap();
            let config = sandbox.write("opsdeck.toml", "[ui]\ntheme = \"mytheme\"\n");
            let out = sandbox.opsdeck([Path::new("check-config"), &config]);
            let err = stderr(&out);
            if valid {
                let expected = format!("{}: ok\n", config.display());
                if out.status.code() != Some(0) || stdout(&out) != expected {
                    report.fail(format!(
                        "{fixture}: status {:?}\nstdout: {}stderr: {err}",
                        out.status,
                        stdout(&out)
                    ));
                }
                continue;
            }
            let exp = Expectations::read(&path);
            for problem in exp.check_well_formed(&fixture) {
                report.fail(problem);
            }
            // The error is in the theme file, so that file (with line) is named.
            check_failed_run(&mut report, &fixture, &out, &theme.display().to_string());
            report.check(&fixture, &exp, &err, false);
        }
    }
    report.finish("user themes");
}

#[test]
fn nonexistent_file_is_an_error_naming_the_path() {
    let sandbox = Sandbox::new();
    let missing = sandbox.root.join("no/such/config.toml");
    let out = sandbox.opsdeck([Path::new("check-config"), &missing]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_file_that_is_not_utf8_is_reported_at_the_bad_byte() {
    let sandbox = Sandbox::new();
    let path = sandbox.root.join("latin1.toml");
    std::fs::write(
        &path,
        b"[general]\nrefresh = \"1s\"\n\n[ui]\ntheme = \"caf\xe9\"\n",
    )
    .unwrap();
    let out = sandbox.opsdeck([Path::new("check-config"), &path]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{}:5:13: key `ui.theme`: not UTF-8",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn without_argument_or_user_config_the_embedded_default_is_checked() {
    let sandbox = Sandbox::new();
    let out = sandbox.opsdeck(["check-config"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{EMBEDDED_NAME}: ok\n"));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn without_argument_the_user_config_is_checked() {
    let sandbox = Sandbox::new();
    let text = std::fs::read_to_string(configs_dir().join("invalid/processes_zero.toml")).unwrap();
    let user = sandbox.write("config/opsdeck/config.toml", &text);
    let out = sandbox.opsdeck(["check-config"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{}:3:1: key `ui.processes`", user.display())),
        "{err}"
    );
}

#[test]
fn without_argument_opsdeck_config_is_checked() {
    let sandbox = Sandbox::new();
    let path = configs_dir().join("invalid/refresh_too_small.toml");
    let out = sandbox
        .command(["check-config"])
        .env("OPSDECK_CONFIG", &path)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{}:3:1: key `general.refresh`", path.display())),
        "{err}"
    );
}

/// The `info` line starting with `label`.
fn info_line<'a>(info: &'a str, label: &str) -> &'a str {
    info.lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{info}"))
}

#[test]
fn info_shows_xdg_paths_and_their_origin() {
    let sandbox = Sandbox::new();
    let out = sandbox.opsdeck(["info"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let info = stdout(&out);
    let config_dir = sandbox.config_home().join("opsdeck");
    let state_dir = sandbox.state_home().join("opsdeck");

    let config = info_line(&info, "config file");
    assert!(config.contains(EMBEDDED_NAME), "{config}");
    let default_file = config_dir.join("config.toml").display().to_string();
    assert!(config.contains(&default_file), "{config}");

    let themes = info_line(&info, "themes dir");
    let themes_dir = config_dir.join("themes").display().to_string();
    assert!(themes.contains(&themes_dir), "{themes}");
    assert!(themes.contains("[$XDG_CONFIG_HOME]"), "{themes}");

    let db = info_line(&info, "state db");
    let db_path = state_dir.join("opsdeck.db").display().to_string();
    assert!(db.contains(&db_path), "{db}");
    assert!(db.contains("[$XDG_STATE_HOME]"), "{db}");

    let log = info_line(&info, "log file");
    let log_path = state_dir.join("opsdeck.log").display().to_string();
    assert!(log.contains(&log_path), "{log}");
    assert!(log.contains("[$XDG_STATE_HOME]"), "{log}");
}

#[test]
fn info_shows_the_user_config_from_xdg_config_home() {
    let sandbox = Sandbox::new();
    let user = sandbox.write("config/opsdeck/config.toml", "");
    let out = sandbox.opsdeck(["info"]);
    let info = stdout(&out);
    let config = info_line(&info, "config file");
    assert!(config.contains(&user.display().to_string()), "{config}");
    assert!(config.contains("[$XDG_CONFIG_HOME]"), "{config}");
    assert!(!config.contains("does not exist"), "{config}");
}

/// Asserts that `opsdeck info` names `file` as the config, found through `origin`.
fn assert_config_line(out: &Output, file: &Path, origin: &str) {
    let info = stdout(out);
    let config = info_line(&info, "config file");
    assert!(config.contains(&file.display().to_string()), "{config}");
    assert!(config.contains(&format!("[{origin}]")), "{config}");
}

#[test]
fn info_config_line_says_where_the_file_came_from() {
    let sandbox = Sandbox::new();
    let flag_file = configs_dir().join("valid/minimal.toml");
    let env_file = configs_dir().join("valid/full.toml");

    let out = sandbox.opsdeck([Path::new("-c"), &flag_file, Path::new("info")]);
    assert_config_line(&out, &flag_file, "--config");

    let out = sandbox
        .command(["info"])
        .env("OPSDECK_CONFIG", &env_file)
        .output()
        .unwrap();
    assert_config_line(&out, &env_file, "OPSDECK_CONFIG");

    // The flag wins over the environment.
    let out = sandbox
        .command([Path::new("-c"), &flag_file, Path::new("info")])
        .env("OPSDECK_CONFIG", &env_file)
        .output()
        .unwrap();
    assert_config_line(&out, &flag_file, "--config");
}

/// `--theme NAME` with an unknown NAME: the error must point at the flag, not at a
/// `ui.theme` the config file does not contain.
#[test]
fn dashboard_unknown_theme_from_flag_names_the_flag() {
    let sandbox = Sandbox::new();
    let config = configs_dir().join("valid/minimal.toml");
    let out = sandbox.opsdeck([
        Path::new("-c"),
        &config,
        Path::new("--theme"),
        Path::new("nope"),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("unknown theme \"nope\""), "{err}");
    assert!(!err.contains("needs a terminal"), "{err}");
    assert!(
        err.contains("--theme: unknown theme"),
        "names the flag: {err}"
    );
    // minimal.toml has no `ui.theme`, so no position in it can be right.
    assert!(!err.contains(&format!("{}:", config.display())), "{err}");
}

/// The `rules` block of `opsdeck info`: its header line and one line per rule.
fn info_rules(out: &Output) -> Vec<String> {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    stdout(out)
        .lines()
        .skip_while(|l| !l.starts_with("rules"))
        .map(str::to_string)
        .collect()
}

#[test]
fn info_without_a_config_file_lists_the_embedded_host_rules() {
    let sandbox = Sandbox::new();
    let rules = info_rules(&sandbox.opsdeck(["info"]));
    assert_eq!(
        rules[0], "rules         6 active; host rules on",
        "{rules:#?}"
    );
    for name in [
        "HostCpuHigh",
        "HostCpuCritical",
        "HostMemoryHigh",
        "HostDiskFull",
        "CheckDown",
        "CertificateExpiring",
    ] {
        let line = rules.iter().find(|l| l.contains(name)).unwrap();
        assert!(line.contains(" active "), "{line}");
        assert!(
            line.contains("host default, assets/default.toml:"),
            "{line}"
        );
    }
}

#[test]
fn info_lists_each_rule_active_or_not_and_where_it_was_written() {
    let sandbox = Sandbox::new();
    let user = sandbox.write(
        "config/opsdeck/config.toml",
        "[[rule]]\nname = \"HostDiskFull\"\nexpr = \"opsdeck_filesystem_used_percent > 97\"\n\n\
         [[rule]]\nname = \"AppDown\"\nexpr = \"up == 0\"\nenabled = false\n",
    );
    let rules = info_rules(&sandbox.opsdeck(["info"]));
    let file = user.display();
    assert_eq!(
        rules[0], "rules         6 active, 1 disabled; host rules on",
        "{rules:#?}"
    );
    let line = |name: &str| {
        rules
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {rules:#?}"))
            .clone()
    };
    assert!(line("HostCpuHigh").contains("host default"), "{rules:#?}");
    let disk = line("HostDiskFull");
    assert!(
        disk.contains(&format!("{file}:2, replaces the host default")),
        "{disk}"
    );
    assert_eq!(
        rules.iter().filter(|l| l.contains("HostDiskFull")).count(),
        1,
        "replaced, not listed twice: {rules:#?}"
    );
    let app = line("AppDown");
    assert!(app.contains(" disabled "), "{app}");
    assert!(app.ends_with(&format!("{file}:6")), "{app}");
}

#[test]
fn info_says_where_the_host_rules_were_turned_off() {
    let sandbox = Sandbox::new();
    let path = configs_dir().join("valid/host_rules_off.toml");
    let rules = info_rules(&sandbox.opsdeck([Path::new("-c"), &path, Path::new("info")]));
    assert_eq!(
        rules[0],
        format!(
            "rules         1 active; host rules off (general.host_rules = false, {}:3)",
            path.display()
        )
    );
    assert_eq!(rules.len(), 2, "only the file's rule: {rules:#?}");
    assert!(rules[1].contains("AppDown"), "{rules:#?}");
}

/// A broken config does not hide the paths (they are how one finds it).
#[test]
fn info_with_an_invalid_config_still_shows_the_paths() {
    let sandbox = Sandbox::new();
    let path = configs_dir().join("invalid/multiple_errors.toml");
    let out = sandbox.opsdeck([Path::new("-c"), &path, Path::new("info")]);
    assert_config_line(&out, &path, "--config");
    let rules = info_rules(&out);
    assert_eq!(
        rules,
        ["rules         unknown: the config has 3 error(s); see `opsdeck check-config`"]
    );
}
