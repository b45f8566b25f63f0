//! `opsdeck runbook list` and `opsdeck runbook run` as an operator and a
//! script meet them: the real binary, real child processes, a real state
//! database, each test in a config and state folder of its own.
//!
//! `list_and_run`: the commands, their output, the records they leave;
//! `processes`: a step's timeout, a signal, opsdeck killed mid-run;
//! `store_fails`: the state database stops taking writes mid-run.

#[path = "../receiver/mod.rs"]
mod receiver;

#[path = "../state_db/mod.rs"]
mod state_db;

mod list_and_run;
mod processes;
mod store_fails;
mod verify_check;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

/// A config and state folder of its own, removed when dropped.
pub struct Home(pub PathBuf);

impl Home {
    /// `config` may name files in the home as `{home}`.
    pub fn new(name: &str, config: &str) -> Home {
        let dir =
            std::env::temp_dir().join(format!("opsdeck-runbook-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = config.replace("{home}", dir.to_str().unwrap());
        std::fs::write(dir.join("config.toml"), config).unwrap();
        Home(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("-c")
            .arg(self.path("config.toml"))
            .args(args)
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env_remove("OPSDECK_CONFIG")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out: Output = self.command(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `runbook list --format json`, one object per runbook.
    pub fn listed(&self) -> Vec<serde_json::Value> {
        let (code, out, err) = self.run(&["runbook", "list", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn last_run(&self, id: &str) -> serde_json::Value {
        let all = self.listed();
        let runbook = all.iter().find(|r| r["id"] == id).expect("listed");
        runbook["last_run"].clone()
    }

    pub fn audit(&self) -> Vec<serde_json::Value> {
        let (code, out, err) = self.run(&["audit", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(Path::new(&self.0));
    }
}
