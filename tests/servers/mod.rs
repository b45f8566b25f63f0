//! Real Prometheus, Alertmanager and node_exporter for the tests.
//!
//! The servers are Debian's packages (`prometheus`, `prometheus-alertmanager`,
//! `prometheus-node-exporter`), fetched and unpacked by `scripts/test-servers`
//! into `target/test-servers/root`. A [`Stack`] starts one Prometheus, one or
//! more Alertmanagers and one node_exporter on free 127.0.0.1 ports, each with
//! its own configuration and data in a temporary folder, so tests can run in
//! parallel. Dropping the stack kills them all.
//!
//! Where things are:
//! - `stack.rs`: [`Stack`] and [`StackOptions`], starting and dropping;
//! - `prometheus.rs`, `alertmanager.rs`, `node_exporter.rs`: each server's
//!   command line, configuration, readiness check and the `Stack` methods
//!   about it (queries, waiting for alerts, stopping and starting it);
//! - `process.rs`: spawning, killing, restarting, logs, and the watchdog that
//!   kills the servers if the test process dies;
//! - `shared.rs`: finding the binaries, free ports, [`wait_until`];
//! - `http.rs`: a tiny blocking HTTP/1.1 client, so the harness needs no
//!   async runtime.
//!
//! Each test binary uses a part of this, hence the `allow`s.
#![allow(dead_code)]

mod alertmanager;
mod http;
mod node_exporter;
mod process;
mod prometheus;
mod shared;
mod stack;

// What the tests use; each test binary uses a part of it.
#[allow(unused_imports)]
pub use self::{
    alertmanager::{ALERTMANAGER_TEMPLATES, post_silence},
    http::{get_json, http_delete, http_get, http_post_json, try_http, try_http_get, urlencode},
    prometheus::DEFAULT_RULES,
    shared::{READY_TIMEOUT, bin, free_port, servers_dir, wait_until},
    stack::{Stack, StackOptions},
};
