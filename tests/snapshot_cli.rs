//! `opsdeck snapshot`: one real collection pass of this machine, printed.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

fn run(args: &[&str]) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!(
        "opsdeck-snapshot-{}-{}",
        std::process::id(),
        args.join("-")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(BIN)
        .args(args)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("OPSDECK_CONFIG")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_snapshot_has_every_section_and_this_machines_figures() {
    let (code, stdout, stderr) = run(&["snapshot", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    for key in ["host", "resources", "tasks", "alerts", "scaling"] {
        assert!(doc.get(key).is_some(), "top-level key {key}: {stdout}");
    }
    // No scaling target is configured, so nothing is invented.
    assert_eq!(doc["scaling"], serde_json::json!([]));
    // The default tasks, each with its next run and, in a fresh state dir, no
    // last run.
    let tasks = doc["tasks"].as_array().unwrap();
    assert!(tasks.iter().any(|t| t["id"] == "disk_report"), "{stdout}");
    for task in tasks {
        assert!(task["next_run"].is_string(), "{task}");
        assert!(task["last_run"].is_null(), "{task}");
        assert!(
            task["command"].as_array().is_some_and(|c| !c.is_empty()),
            "{task}"
        );
    }
    // Alerts can only come from the embedded default rules, evaluated once: each
    // has a `for`, so at most pending, and each names a real condition.
    for alert in doc["alerts"].as_array().unwrap() {
        assert_eq!(
            alert["sources"],
            serde_json::json!(["local rules"]),
            "{alert}"
        );
        assert_eq!(alert["state"], "pending", "{alert}");
        assert!(
            alert["alertname"].as_str().unwrap().starts_with("Host"),
            "{alert}"
        );
    }
    let rules = doc["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "local")
        .expect("the local rules are a source");
    assert_eq!(rules["health"], "ok", "{rules}");
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let total_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    let r = &doc["resources"];
    assert_eq!(r["memory"]["total_bytes"].as_u64(), Some(total_kib * 1024));
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    assert!(r["cpu_per_core"].as_array().unwrap().len() >= cores);
    assert!(r["process_count"].as_u64().unwrap() >= 1);
    let pids: Vec<u64> = r["top_processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["pid"].as_u64())
        .collect();
    assert!(!pids.is_empty());
    assert!(
        r["filesystems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["fs_type"] != "proc" && f["fs_type"] != "tmpfs"),
        "no pseudo filesystems: {}",
        r["filesystems"]
    );
}

#[test]
fn text_snapshot_is_readable() {
    let (code, stdout, stderr) = run(&["snapshot"]);
    assert_eq!(code, 0, "{stderr}");
    for label in ["host ", "cpu ", "memory ", "processes "] {
        assert!(
            stdout.lines().any(|l| l.starts_with(label)),
            "line {label:?} in:\n{stdout}"
        );
    }
}

/// `df -B1 --output=target,size,used,avail` for every mount, by mount point.
fn df() -> std::collections::HashMap<String, [u64; 3]> {
    let out = Command::new("df")
        .args(["-B1", "--output=target,size,used,avail"])
        .output()
        .expect("df (coreutils) runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let n = |i: usize| f.get(i)?.parse::<u64>().ok();
            Some((f.first()?.to_string(), [n(1)?, n(2)?, n(3)?]))
        })
        .collect()
}

#[test]
fn filesystem_figures_match_df() {
    let (code, stdout, stderr) = run(&["snapshot", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let df = df();
    let filesystems = doc["resources"]["filesystems"].as_array().unwrap();
    assert!(!filesystems.is_empty());
    // A write elsewhere on the host may land between the two reads.
    let near = |a: u64, b: u64| a.abs_diff(b) <= 64 * 1024 * 1024;
    for f in filesystems {
        let mount = f["mount_point"].as_str().unwrap();
        let Some(&[size, used, avail]) = df.get(mount) else {
            continue;
        };
        let total = f["total_bytes"].as_u64().unwrap();
        let ours_used = total - f["free_bytes"].as_u64().unwrap();
        let ours_avail = f["available_bytes"].as_u64().unwrap();
        assert_eq!(total, size, "{mount}: size, df says {size}: {f}");
        assert!(
            near(ours_used, used),
            "{mount}: used {ours_used}, df {used}"
        );
        assert!(
            near(ours_avail, avail),
            "{mount}: avail {ours_avail}, df {avail}"
        );
    }
    assert!(
        filesystems
            .iter()
            .any(|f| df.contains_key(f["mount_point"].as_str().unwrap())),
        "no filesystem in common with df: {filesystems:?}"
    );
}

#[test]
fn the_cpu_breakdown_is_there_and_adds_up() {
    let (code, stdout, stderr) = run(&["snapshot", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let b = &doc["resources"]["cpu_breakdown"];
    let part = |k: &str| b[k].as_f64().unwrap_or_else(|| panic!("{k} in {b}"));
    let parts = ["user", "system", "iowait", "steal"].map(part);
    assert!(parts.iter().all(|p| (0.0..=100.0).contains(p)), "{b}");
    assert!(parts.iter().sum::<f64>() <= 100.5, "{b}");
}

/// `opsdeck -c FILE snapshot --format json`, FILE holding `config`: the JSON
/// document and the `local` source (the rules).
fn snapshot_with_config(name: &str, config: &str) -> (serde_json::Value, serde_json::Value) {
    let dir = std::env::temp_dir().join(format!("opsdeck-snapshot-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, config).unwrap();
    let out = Command::new(BIN)
        .arg("-c")
        .arg(&file)
        .args(["--no-store", "snapshot", "--format", "json"])
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let local = doc["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "local")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    (doc, local)
}

/// A config file of one's own keeps the embedded host rules (CPU, memory,
/// disk) beside its rules, unless `host_rules = false`.
#[test]
fn a_config_file_keeps_the_host_rules_unless_turned_off() {
    let own = "[[rule]]\nname = \"AlwaysOn\"\nexpr = \"vector(1)\"\n";
    let (doc, local) = snapshot_with_config("own-rule", own);
    assert_eq!(local["endpoint"], "7 rules", "{local}");
    let names: Vec<&str> = doc["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["alertname"].as_str())
        .collect();
    assert!(names.contains(&"AlwaysOn"), "{names:?}");

    let (_, local) = snapshot_with_config("no-rules", "[ui]\ntheme = \"dark\"\n");
    assert_eq!(local["endpoint"], "6 rules", "{local}");

    let off = format!("[general]\nhost_rules = false\n{own}");
    let (_, local) = snapshot_with_config("host-rules-off", &off);
    assert_eq!(local["endpoint"], "1 rule", "{local}");
}

/// Each scaling target in the snapshot: its count, what a fresh autoscaler
/// decides from the readings, and why a metric could not be read.
#[test]
fn the_snapshot_decides_each_scaling_target_and_says_what_it_could_not_read() {
    let config = r#"
[general]
host_rules = false

[[prometheus]]
name = "gone"
url = "http://127.0.0.1:1"

[[scaling]]
name = "web"
current = { command = ["echo", "3"] }
max = 10
executor = ["echo", "{replicas}"]

[[scaling.metric]]
name = "load"
query = "vector(140)"
source = "local"
target = 70

[[scaling.metric]]
name = "latency"
query = "histogram_quantile(0.95, rate(http_seconds_bucket[1m]))"
target = 0.5
"#;
    let (doc, _) = snapshot_with_config("scaling", config);
    let targets = doc["scaling"].as_array().expect("a scaling section");
    let [web] = targets.as_slice() else {
        panic!("{targets:?}")
    };
    assert_eq!(web["name"], "web");
    assert_eq!(web["current"], 3);
    // 3 × 140/70 = 6; the unreadable metric cannot hold a scale-up back.
    assert_eq!(web["desired"], 6, "{web}");
    assert_eq!(web["readings"][0]["value"], 140.0, "{web}");
    let error = web["readings"][1]["error"].as_str().unwrap_or_default();
    assert!(error.contains("127.0.0.1:1"), "{web}");
    assert!(
        web["summary"].as_str().unwrap().contains("load 140 vs 70"),
        "{web}"
    );
}
