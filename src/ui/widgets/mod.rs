//! Small widgets the panes share.

pub mod bigtext;
pub mod format;
pub mod graph;
pub mod meter;
