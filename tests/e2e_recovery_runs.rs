//! The runs list end to end: `opsdeck runbook run` in one terminal while a
//! dashboard is open in another on the same host. The run shows under the
//! tasks in the Tasks pane as it goes; Enter opens it with the output its step
//! has written so far; the view follows it to the dangerous step the CLI asks
//! about (the dashboard says it waits), then to `recovered`; `x` says an ended
//! run cannot be aborted. Real binary, real tmux, real store.

mod tmux;

use std::time::Duration;
use tmux::Tmux;

const SEEN: Duration = Duration::from_secs(20);

#[test]
fn a_cli_run_shows_in_the_tasks_pane_live_and_enter_follows_its_output() {
    let dir = std::env::temp_dir().join(format!(
        "opsdeck-e2e-runs-list-files-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let gate = dir.join("gate");
    let config = format!(
        r#"
[general]
host_rules = false

[[runbook]]
id = "survey"
name = "Disk survey"
timeout = "1m"

[[runbook.step]]
name = "Count"
command = ["sh", "-c", "echo survey found 42 files; while [ ! -e {gate} ]; do sleep 0.1; done; echo survey done"]

[[runbook.step]]
name = "Report"
command = ["echo", "nothing to clean"]
dangerous = true
"#,
        gate = gate.display()
    );
    let config_path = dir.join("opsdeck.toml");
    std::fs::write(&config_path, config).unwrap();
    let config_arg = config_path.to_string_lossy().into_owned();
    let state = dir.join("state");
    let t = Tmux::start_with_state("runs-list", &config_path, &state, 120, 30);
    t.wait_text("leader", SEEN);
    t.send(&["2"]);
    t.wait_text("no tasks configured", SEEN);
    // The CLI in a terminal of its own: it asks before the dangerous step.
    let cli = Tmux::new("runs-list-cli");
    let script = format!(
        "XDG_STATE_HOME='{}' '{}' -c '{config_arg}' runbook run survey; echo CLI_EXIT=$?; sleep 600",
        state.display(),
        tmux::BIN
    );
    cli.new_session(100, 20, &["sh", "-c", &script]);
    let row = t.wait_text("running step 1/2", SEEN);
    for text in [
        "Recovery run",
        "survey",
        "no alert",
        "· cli",
        "1 recovering",
    ] {
        assert!(row.contains(text), "{text:?} in the Tasks pane:\n{row}");
    }
    // The run is the pane's only row: Enter opens it, with the output the
    // step wrote so far (it still runs).
    t.send(&["Enter"]);
    let view = t.wait_text("survey found 42 files", SEEN);
    assert!(view.contains("Recovery: Disk survey · run 1"), "{view}");
    assert!(view.contains("▶ 1/2 Count"), "{view}");
    assert!(view.contains("another opsdeck runs it"), "{view}");
    std::fs::write(&gate, "").unwrap();
    let view = t.wait_text("asking before step 2/2: Report", SEEN);
    assert!(view.contains("survey done"), "{view}");
    assert!(view.contains("? 2/2 Report"), "{view}");
    t.send(&["Escape"]);
    // Back on the list, whose row is cut short ("asking before step 2/2: R…").
    t.wait_for("the run's row asking", SEEN, |s| {
        !s.contains("Recovery: Disk survey") && s.contains("asking before step 2/2")
    });
    cli.wait_text("run it? [y/N]", SEEN);
    cli.send(&["y", "Enter"]);
    cli.wait_text("CLI_EXIT=0", SEEN);
    t.wait_text("✓ recovered", SEEN);
    t.send(&["Enter"]);
    let view = t.wait_text("nothing to clean", SEEN);
    assert!(view.contains("state recovered"), "{view}");
    assert!(view.contains("✓ 2/2 Report"), "{view}");
    // x on the ended run's view cannot abort it.
    t.send(&["x"]);
    t.wait_text("run 1 has ended", SEEN);
    drop(cli);
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}
