//! The report's "Now" lists the silences people made in Alertmanager itself
//! (not only opsdeck's acknowledgements), read once from a real
//! Alertmanager; one that cannot be reached is named, not left out quietly.

mod servers;
mod tmux;

use servers::{Stack, StackOptions, post_silence};

#[test]
fn silences_made_in_alertmanager_are_in_the_report_and_an_unreachable_one_is_named() {
    let stack = Stack::start(StackOptions::default().without_default_rules());
    let am = &stack.alertmanagers[0];
    let id = post_silence(
        am,
        &[("alertname", "DiskFull"), ("instance", "db-9")],
        "carol@laptop",
        "maintenance window",
    );
    let dir = std::env::temp_dir().join(format!("opsdeck-report-silences-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("state/opsdeck/opsdeck.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    drop(opsdeck::store::Store::open(&db).unwrap());
    let config = dir.join("opsdeck.toml");
    std::fs::write(
        &config,
        format!(
            "[[alertmanager]]\nname = \"main\"\nurls = [\"{am}\"]\n\n\
             [[alertmanager]]\nname = \"gone\"\nurls = [\"http://127.0.0.1:1\"]\n"
        ),
    )
    .unwrap();
    let state = dir.join("state");
    let report = |format: &str| tmux::stdout_of(&config, &state, &["report", "--format", format]);
    let doc: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
    let acks = doc["now"]["acknowledgements"].as_array().unwrap();
    let silence = acks
        .iter()
        .find(|a| a["silence"] == id.as_str())
        .unwrap_or_else(|| panic!("silence {id} missing: {acks:?}"));
    assert_eq!(silence["author"], "carol@laptop");
    assert_eq!(
        silence["alert"],
        r#"{alertname="DiskFull", instance="db-9"}"#
    );
    assert_eq!(silence["expires_within_shift"], true);
    let unread = doc["silences_unread"].as_array().unwrap();
    assert_eq!(unread.len(), 1, "{unread:?}");
    assert!(
        unread[0]
            .as_str()
            .unwrap()
            .starts_with("Alertmanager gone:"),
        "{unread:?}"
    );
    let md = report("markdown");
    assert!(
        md.contains("carol@laptop") && md.contains("maintenance window"),
        "{md}"
    );
    assert!(md.contains("Silences not read: Alertmanager gone"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}
