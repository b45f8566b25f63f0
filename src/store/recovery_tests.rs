//! Readers of runs see every change of a run's steps, and a first read gets
//! the newest runs.

use super::*;

fn store(name: &str) -> Store {
    let dir = std::env::temp_dir().join(format!("opsdeck-recovery-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Store::open(&dir.join("opsdeck.db")).unwrap()
}

fn new_run(runbook: &str, at_s: i64) -> NewRecoveryRun {
    NewRecoveryRun {
        runbook: runbook.into(),
        alert_key: Some("{alertname=\"DiskFull\"}".into()),
        alert_labels: serde_json::json!({ "alertname": "DiskFull", "mount": "/var" }),
        trigger: "cli".into(),
        dry_run: false,
        started: Utc.timestamp_opt(at_s, 0).unwrap(),
        actor: "ann@ops-1".into(),
    }
}

fn step(position: u32, state: &str) -> StoredStep {
    StoredStep {
        position,
        name: format!("step {position}"),
        run_attempt: 1,
        attempt: 1,
        command: vec!["du".into(), "-sh".into()],
        state: state.into(),
        started: Some(Utc.timestamp_opt(1000, 0).unwrap()),
        finished: None,
        exit_code: None,
        detail: String::new(),
        output: String::new(),
    }
}

#[test]
fn a_step_s_start_output_and_end_each_show_to_readers_of_runs() {
    let mut s = store("steps");
    let id = s.insert_recovery_run(&new_run("disk_full", 1000)).unwrap();
    let (runs, after) = s.recovery_runs_changed(0, 100).unwrap();
    assert_eq!(runs[0].step, None);
    assert_eq!(runs[0].alert_labels.get("mount"), Some("/var"));

    let row = s.insert_recovery_step(id, &step(1, "running")).unwrap();
    let (runs, after) = s.recovery_runs_changed(after, 100).unwrap();
    assert_eq!(runs[0].step, Some((1, "running".into())));

    s.set_recovery_step_output(row, "4.0G /var/log\n").unwrap();
    let (runs, after) = s.recovery_runs_changed(after, 100).unwrap();
    assert_eq!(runs.len(), 1, "the output so far is a change");
    assert_eq!(s.recovery_steps(id).unwrap()[0].output, "4.0G /var/log\n");

    let mut ended = step(1, "succeeded");
    ended.output = "4.0G /var/log\n1.2G /var/cache\n".into();
    s.finish_recovery_step(row, &ended).unwrap();
    let (runs, after) = s.recovery_runs_changed(after, 100).unwrap();
    assert_eq!(runs[0].step, Some((1, "succeeded".into())));
    // A late mirror write does not overwrite the ended step's output.
    s.set_recovery_step_output(row, "4.0G /var/log\n").unwrap();
    assert_eq!(s.recovery_steps(id).unwrap()[0].output, ended.output);
    let (runs, _) = s.recovery_runs_changed(after, 100).unwrap();
    assert!(runs.is_empty(), "a write that changed nothing is no change");
}

#[test]
fn a_first_read_gets_the_newest_runs_in_the_order_they_changed() {
    let mut s = store("newest");
    for i in 0..30 {
        s.insert_recovery_run(&new_run(&format!("rb{i}"), 1000 + i))
            .unwrap();
    }
    let (runs, after) = s.recovery_runs_changed(0, 10).unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r.runbook.as_str()).collect();
    let expected: Vec<String> = (20..30).map(|i| format!("rb{i}")).collect();
    assert_eq!(names, expected);
    let (later, _) = s.recovery_runs_changed(after, 10).unwrap();
    assert!(later.is_empty());
}

#[test]
fn later_reads_page_on_from_the_counter_and_skip_nothing() {
    let mut s = store("paging");
    s.insert_recovery_run(&new_run("first", 1000)).unwrap();
    let (_, after) = s.recovery_runs_changed(0, 10).unwrap();
    for i in 0..25 {
        s.insert_recovery_run(&new_run(&format!("rb{i}"), 2000 + i))
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = after;
    loop {
        let (runs, next) = s.recovery_runs_changed(after, 10).unwrap();
        if runs.is_empty() {
            break;
        }
        seen.extend(runs.into_iter().map(|r| r.runbook));
        after = next;
    }
    let expected: Vec<String> = (0..25).map(|i| format!("rb{i}")).collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_run_s_end_closes_a_step_left_running_and_a_step_start_ends_the_question() {
    let mut s = store("end");
    let id = s.insert_recovery_run(&new_run("disk_full", 1000)).unwrap();
    let asking = "asking before step 1/1: step 1";
    s.update_recovery_run(id, "running", 1, None, asking)
        .unwrap();
    assert_eq!(s.recovery_run(id).unwrap().unwrap().detail, asking);
    s.insert_recovery_step(id, &step(1, "running")).unwrap();
    assert_eq!(s.recovery_run(id).unwrap().unwrap().detail, "", "answered");
    let end = Utc.timestamp_opt(2000, 0).unwrap();
    s.update_recovery_run(id, "failed", 1, Some(end), "stopped: busy")
        .unwrap();
    let steps = s.recovery_steps(id).unwrap();
    assert_eq!(steps[0].state, "failed");
    assert_eq!(steps[0].finished, Some(end));
    assert!(steps[0].detail.contains("not recorded"), "{:?}", steps[0]);
}
