//! Engines: rules, task scheduler, runbook runner, autoscaler. Plain Rust with no
//! terminal code and an injectable clock (`crate::clock::Clock`), testable without
//! a TTY. They arrive with their issues; the dashboard's Tasks, Alerts and Scaling
//! panes say "not configured" until then.
