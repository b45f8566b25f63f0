//! The hand-over in the real dashboard, in tmux: after `opsdeck handover`,
//! the header says what came since (an alert that fired, a task that
//! failed, recorded in the same state database), and `H` opens the report
//! since the hand-over, which scrolls and closes with Esc.

mod tmux;

use chrono::{Duration, Utc};
use opsdeck::labels::LabelSet;
use opsdeck::store::Store;
use opsdeck::store::acks::AlertEvent;
use tmux::Tmux;

#[test]
fn the_header_tells_what_came_since_the_hand_over_and_h_opens_the_report() {
    let dir = std::env::temp_dir().join(format!("opsdeck-e2e-report-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (config, state) = (dir.join("opsdeck.toml"), dir.join("state"));
    std::fs::write(&config, "[general]\nhost_rules = false\n").unwrap();
    tmux::stdout_of(
        &config,
        &state,
        &["handover", "--note", "db-2 slow since the deploy"],
    );

    // Since the hand-over: an alert fired and a task failed.
    let mut store = Store::open(&state.join("opsdeck/opsdeck.db")).unwrap();
    let labels: LabelSet = [("alertname", "DiskFull"), ("severity", "critical")]
        .into_iter()
        .collect();
    let now = Utc::now();
    store
        .record_events(&[AlertEvent {
            alert_key: opsdeck::app::alerts::label_key(labels.iter()),
            source: "am".into(),
            kind: "fired".into(),
            at: now,
            labels,
            started: None,
        }])
        .unwrap();
    let mut run = opsdeck::engine::tasks::Run::start(
        "backup",
        opsdeck::engine::tasks::Trigger::Schedule,
        1,
        "scheduler@ops-1",
        now,
    );
    run.id = store.insert_run(&run).unwrap();
    run.state = opsdeck::engine::tasks::RunState::Failed;
    run.finished = Some(now + Duration::seconds(1));
    store.finish_run(&run).unwrap();
    drop(store);

    let t = Tmux::start_with_state("report", &config, &state, 160, 40);
    let screen = t.wait_for(
        "the hand-over line",
        std::time::Duration::from_secs(20),
        |s| s.contains("since hand-over by"),
    );
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("1 new alert, 1 task failed"), "{header}");

    // A second process reads the report while the dashboard leads and writes.
    let json = tmux::stdout_of(&config, &state, &["report", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        doc["previous_handover"]["note"],
        "db-2 slow since the deploy"
    );
    assert_eq!(doc["now"]["firing"][0]["alertname"], "DiskFull");
    assert_eq!(doc["tasks"]["failures"][0]["task"], "backup");

    t.send(&["H"]);
    let report = t.wait_for(
        "the hand-over summary",
        std::time::Duration::from_secs(10),
        |s| s.contains("Hand-over summary") && s.contains("Ops report"),
    );
    assert!(report.contains("db-2 slow since the deploy"), "{report}");
    assert!(
        report.contains("DiskFull"),
        "the alert firing now:\n{report}"
    );
    t.send(&["G"]);
    t.wait_for(
        "the end of the report",
        std::time::Duration::from_secs(5),
        |s| s.contains("Notes"),
    );
    t.send(&["Escape"]);
    t.wait_for(
        "the overlay closed",
        std::time::Duration::from_secs(5),
        |s| !s.contains("Hand-over summary"),
    );
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}
