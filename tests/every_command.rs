//! What holds for every command, the real binary as a script runs it:
//! `--no-store` gets you in whatever lies at the database's path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

const CONFIG: &str = r#"
[[task]]
id = "quick"
name = "Quick check"
command = ["true"]
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
        let commands: [(&[&str], &str); 7] = [
            (&["--no-store", "snapshot"], "host "),
            (&["--no-store", "snapshot", "--format", "json"], "\"tasks\""),
            (&["--no-store", "task", "list"], "quick"),
            (&["--no-store", "task", "list", "--format", "json"], "quick"),
            (&["--no-store", "task", "run", "quick"], ""),
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
