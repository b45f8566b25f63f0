//! One module per pane.

mod alerts;
mod log;
mod resources;
mod tasks;
mod unconfigured;

pub use alerts::severity_look;
pub use tasks::{clock, duration, outcome, priority_look, run_look, since, status_line, until};

use crate::app::{AppState, PaneId};
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, pane: PaneId) {
    if area.is_empty() {
        return;
    }
    match pane {
        PaneId::Resources => resources::draw(frame, area, state),
        PaneId::Log => log::draw(frame, area, state),
        PaneId::Tasks if !state.tasks.is_empty() => tasks::draw(frame, area, state),
        PaneId::Tasks => unconfigured::draw(
            frame,
            area,
            state,
            pane,
            "no tasks configured — see [[task]] in config",
        ),
        PaneId::Alerts => alerts::draw(frame, area, state),
        PaneId::Scaling => unconfigured::draw(
            frame,
            area,
            state,
            pane,
            "no scaling targets configured — see [[scaling]] in config",
        ),
    }
}
