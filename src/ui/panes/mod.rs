//! One module per pane.

mod log;
mod resources;
mod unconfigured;

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
        PaneId::Tasks => unconfigured::draw(
            frame,
            area,
            state,
            pane,
            "no tasks configured — see [[task]] in config",
        ),
        PaneId::Alerts => unconfigured::draw(
            frame,
            area,
            state,
            pane,
            "no alert sources configured — see [[rule]], [[prometheus]], [[alertmanager]] in config",
        ),
        PaneId::Scaling => unconfigured::draw(
            frame,
            area,
            state,
            pane,
            "no scaling targets configured — see [[scaling]] in config",
        ),
    }
}
