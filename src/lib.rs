//! opsdeck: a live terminal dashboard for the engineer on call.
//!
//! Layout of the crate (see DESIGN.md): `app` holds state, actions and the pure
//! `update`; `ui` draws; `collect` samples sources; `engine` holds the engines;
//! `config` loads TOML; `runtime` owns the terminal and the event loop;
//! `commands` are the command-line entry points; `secrets` keeps the configured
//! secrets out of everything shown, printed or logged.

pub mod app;
pub mod cli;
pub mod clock;
pub mod collect;
pub mod commands;
pub mod config;
pub mod engine;
pub mod labels;
pub mod runtime;
pub mod secrets;
pub mod store;
pub mod ui;
