//! Collectors: each samples one source and sends owned snapshots to the event loop.
//! They hold no UI state; the loop decides what to show.

pub mod alertmanager;
pub mod backoff;
pub mod cpu_times;
pub mod expfmt;
pub mod http;
pub mod local;
pub mod model;
pub mod proc_stat;
pub mod procs;
pub mod prometheus;
pub mod unchanged;
