//! Application core: state, the `Action`/`Msg` vocabulary and the pure `update`.
//! Nothing here touches the terminal, the network or the clock.
//!
//! A newcomer's map: `update` routes each message to its feature (`resources`,
//! `alerts`, `tasks`); keys become `Action`s in `input`; view actions are in
//! `navigation`; every write is an `intent::Intent`, confirmed in the one
//! `confirm::Confirm` dialog and dispatched (read-only refused, audited) by
//! `dispatch`.

pub mod ack;
pub mod action;
pub mod alerts;
pub mod confirm;
pub mod dispatch;
pub mod filter;
pub mod filter_prompt;
pub mod health;
pub mod history;
mod input;
pub mod intent;
pub mod keymap;
pub mod local_rules;
mod navigation;
pub mod process_cursor;
pub mod remote;
pub mod report;
pub mod resources;
pub mod runbooks;
pub mod scaling;
pub mod sources;
pub mod state;
pub mod tasks;
pub mod update;

pub use action::{Action, PaneId};
pub use state::AppState;
pub use update::{Effect, Msg, update};
