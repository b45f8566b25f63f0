//! The shipped configs (`assets/default.toml`, `assets/examples/*.toml`) pass
//! `opsdeck check-config`, run as the real binary, and the example scripts are
//! executable POSIX sh that parses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Files in `dir` ending in `.ext`, sorted; at least one.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .{ext} files in {}", dir.display());
    files
}

/// `opsdeck check-config FILE` with empty XDG homes, so no user config or
/// theme of the machine running the tests takes part.
fn check_config(file: &Path) -> Output {
    let home = std::env::temp_dir().join(format!(
        "opsdeck-examples-{}-{}",
        std::process::id(),
        file.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(BIN)
        .arg("check-config")
        .arg(file)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("OPSDECK_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run opsdeck");
    let _ = std::fs::remove_dir_all(&home);
    out
}

#[test]
fn default_and_example_configs_pass_check_config() {
    let mut configs = vec![root().join("assets/default.toml")];
    configs.extend(files(&root().join("assets/examples"), "toml"));
    let mut failures = Vec::new();
    for file in &configs {
        let out = check_config(file);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(0) || stdout != format!("{}: ok\n", file.display()) {
            failures.push(format!(
                "{}: {:?}\n{stdout}{}",
                file.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every script the examples run exists in assets/examples/scripts (where
/// the install step copies them from) and is an executable that `sh -n` parses.
#[test]
fn example_scripts_exist_are_executable_and_parse() {
    use std::os::unix::fs::PermissionsExt;
    let scripts_dir = root().join("assets/examples/scripts");
    for script in files(&scripts_dir, "sh") {
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{} is not executable", script.display());
        let text = std::fs::read_to_string(&script).unwrap();
        assert!(text.starts_with("#!/bin/sh\n"), "{}", script.display());
        assert!(
            text.contains("\nset -eu\n"),
            "{}: no set -eu",
            script.display()
        );
        let out = Command::new("sh").arg("-n").arg(&script).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for example in files(&root().join("assets/examples"), "toml") {
        let text = std::fs::read_to_string(&example).unwrap();
        let config: toml::Table = toml::from_str(&text).unwrap();
        let tasks = config.get("task").and_then(|t| t.as_array());
        for task in tasks.into_iter().flatten() {
            let program = task["command"][0].as_str().unwrap();
            if let Some(name) = program.strip_prefix("/etc/opsdeck/scripts/") {
                assert!(
                    scripts_dir.join(name).is_file(),
                    "{}: {program} is not in assets/examples/scripts",
                    example.display()
                );
            }
        }
    }
}
