//! Maintenance tasks: what they are (`model`), when they run (`schedule`,
//! croner), and what runs next (`scheduler`, pure, with the clock passed in).
//! The child processes are run by `runtime::process`.

pub mod model;
pub mod schedule;
pub mod scheduler;

pub use model::{Concurrency, Exit, Missed, Priority, Run, RunState, RunStats, TaskSpec, Trigger};
pub use schedule::Schedule;

/// How much of a run's combined output is kept, by the runner and by the pane.
pub const OUTPUT_TAIL_BYTES: usize = 64 * 1024;
