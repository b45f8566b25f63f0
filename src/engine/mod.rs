//! Engines: plain Rust with no terminal code, driven by the state owner and tested
//! without a TTY; the ones that act on a schedule take an injectable clock
//! (`crate::clock::Clock`). Rules, the task scheduler, the runbook runner and the
//! autoscaler arrive with their issues.

pub mod forecast;
pub mod incident;
pub mod matcher;
pub mod notify;
pub mod promql;
pub mod rules;
pub mod runbooks;
pub mod tasks;
