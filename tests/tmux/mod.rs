//! The real binary in a real terminal: tmux on its own socket, with its own XDG
//! directories, shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

pub struct Tmux {
    pub dir: PathBuf,
    socket: PathBuf,
}

impl Tmux {
    /// Starts `opsdeck ARGS` in a WxH pane, wrapped so the pane shows its exit code and
    /// whether the terminal is back in cooked mode afterwards.
    pub fn start(name: &str, args: &[&str], width: u16, height: u16, env: &[(&str, &str)]) -> Tmux {
        let tmux = Tmux::new(name);
        let mut script = String::from("#!/bin/sh\nexport RUST_BACKTRACE=0\n");
        for (k, v) in env {
            script.push_str(&format!("export {k}='{v}'\n"));
        }
        script.push_str(&format!(
            "'{BIN}' {}\necho \"EXIT=$?\"\nstty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\{{0,1\\}}icanon' | sed 's/^/MODE=/'\nsleep 600\n",
            args.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ")
        ));
        let wrapper = tmux.dir.join("run.sh");
        std::fs::write(&wrapper, script).unwrap();
        tmux.new_session(width, height, &["sh", wrapper.to_str().unwrap()]);
        tmux
    }

    /// `opsdeck -c CONFIG` with its state database under `state`, which the
    /// test shares with the other opsdeck processes it starts.
    pub fn start_with_state(
        name: &str,
        config: &Path,
        state: &Path,
        width: u16,
        height: u16,
    ) -> Tmux {
        let state = state.to_string_lossy();
        let config = config.to_string_lossy();
        Tmux::start(
            name,
            &["-c", &config],
            width,
            height,
            &[("XDG_STATE_HOME", &state)],
        )
    }

    pub fn new(name: &str) -> Tmux {
        let dir = std::env::temp_dir().join(format!("opsdeck-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::create_dir_all(dir.join("state")).unwrap();
        Tmux {
            socket: dir.join("tmux.sock"),
            dir,
        }
    }

    pub fn new_session(&self, width: u16, height: u16, command: &[&str]) {
        let (w, h) = (width.to_string(), height.to_string());
        let mut args = vec!["new-session", "-d", "-s", "t", "-x", &w, "-y", &h];
        args.extend_from_slice(command);
        let out = self.tmux(&args);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("XDG_STATE_HOME", self.dir.join("state"))
            .env_remove("OPSDECK_CONFIG")
            .env_remove("TMUX")
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux ({e}); install it with `apt-get install tmux` (scripts/test does)"))
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// The screen with its SGR sequences, as tmux stores what the program sent.
    pub fn capture_with_escapes(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-e", "-t", "t"]).stdout)
            .into_owned()
    }

    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{text:?}"), timeout, |s| s.contains(text))
    }

    /// The opsdeck process: the child of the pane's shell.
    pub fn opsdeck_pid(&self) -> i32 {
        let out = self.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let start = Instant::now();
        loop {
            let out = Command::new("pgrep")
                .args(["-P", &shell, "-x", "opsdeck"])
                .output()
                .expect("pgrep (procps)");
            if let Some(pid) = String::from_utf8_lossy(&out.stdout).lines().next() {
                return pid.trim().parse().unwrap();
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no opsdeck child of pane shell {shell}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.join("state/opsdeck")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `opsdeck audit --format json` with the given state home, parsed.
pub fn audit_records(state_home: &Path) -> Vec<serde_json::Value> {
    let no_config = state_home.join("no-config");
    json_lines(&["audit", "--format", "json"], state_home, &no_config)
}

/// The stdout of `opsdeck -c CONFIG ARGS` with its state database under
/// `state`, once it succeeded (its stderr in the failure).
pub fn stdout_of(config: &Path, state: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("-c")
        .arg(config)
        .args(args)
        .env("XDG_STATE_HOME", state)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "opsdeck {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The output of `opsdeck ARGS` (a command printing one JSON object per line)
/// with the given state and config homes, parsed.
pub fn json_lines(args: &[&str], state_home: &Path, config_home: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(BIN)
        .args(args)
        .env("XDG_STATE_HOME", state_home)
        .env("XDG_CONFIG_HOME", config_home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The bottom line of the screen.
pub fn status_line(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}
