//! A dashboard with one `auto` scaling target, an injected clock and fixed
//! readings, for the tests of scaling in `update`.

#![allow(dead_code)]

use super::common;
use chrono::Duration;
use opsdeck::app::scaling::Effect as ScalingEffect;
use opsdeck::app::scaling::Msg as ScalingMsg;
use opsdeck::app::state::{Mode, StoreRole};
use opsdeck::app::{AppState, Effect, Msg, update};

const CONFIG: &str = r#"
[general]
host_rules = false

[[prometheus]]
name = "main"
url = "http://127.0.0.1:9090"

[[scaling]]
name = "web"
current = { query = 'count(up{job="web"} == 1)' }
min = 2
max = 10
interval = "15s"
mode = "auto"
executor = ["kubectl", "scale", "deployment/web", "--replicas={replicas}"]

[[scaling.metric]]
name = "cpu"
query = 'avg(rate(process_cpu_seconds_total{job="web"}[1m])) * 100'
target = 70
"#;

pub fn at(s: i64) -> chrono::DateTime<chrono::Utc> {
    common::t0() + Duration::seconds(s)
}

pub fn state(role: StoreRole, mode: Mode) -> AppState {
    let config = opsdeck::config::parse(CONFIG, "test.toml").expect("valid");
    let mut s = AppState::new(config, mode, common::host(), common::t0());
    s.store = role;
    s.actor = "oncall@ops-1".into();
    s
}

pub fn read(s: &mut AppState, secs: i64, current: Result<u32, &str>, cpu: f64) -> Vec<Effect> {
    let msg = ScalingMsg::Read {
        target: 0,
        at: at(secs),
        current: Some(current.map_err(String::from)),
        readings: vec![Some(Ok(cpu))],
    };
    update(s, Msg::Scaling(msg))
}

pub fn scaling_effects(effects: &[Effect]) -> Vec<&ScalingEffect> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Scaling(e) => Some(e),
            _ => None,
        })
        .collect()
}
