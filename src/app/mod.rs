//! Application core: state, the `Action`/`Msg` vocabulary and the pure `update`.
//! Nothing here touches the terminal, the network or the clock.

pub mod ack;
pub mod action;
pub mod alerts;
pub mod dispatch;
pub mod filter;
pub mod history;
pub mod keymap;
pub mod local_rules;
pub mod remote;
pub mod sources;
pub mod state;
pub mod tasks;
pub mod update;

pub use action::{Action, PaneId};
pub use state::AppState;
pub use update::{Effect, Msg, update};
