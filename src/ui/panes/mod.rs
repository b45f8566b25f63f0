//! One module per pane.

mod alerts;
mod log;
mod recovery_mark;
mod recovery_runs;
mod resources;
mod scaling;
mod tasks;
mod times;
mod unconfigured;

pub use alerts::severity_look;
pub use tasks::{outcome, priority_look, run_look, status_line};
pub use times::{clock, clock_or_date, duration, needs_year, since, until};

use crate::app::PaneId;
use crate::ui::Ui;
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>, pane: PaneId) {
    let state = ui.state;
    if area.is_empty() {
        return;
    }
    match pane {
        PaneId::Resources => resources::draw(frame, area, ui),
        PaneId::Log => log::draw(frame, area, ui),
        PaneId::Tasks if !state.tasks.is_empty() || !state.config.runbooks().is_empty() => {
            tasks::draw(frame, area, ui)
        }
        PaneId::Tasks => unconfigured::draw(
            frame,
            area,
            ui,
            pane,
            "no tasks configured — see [[task]] in config",
        ),
        PaneId::Alerts => alerts::draw(frame, area, ui),
        PaneId::Scaling if !state.scaling.is_empty() => scaling::draw(frame, area, ui),
        PaneId::Scaling => unconfigured::draw(
            frame,
            area,
            ui,
            pane,
            "no scaling targets configured — see [[scaling]] in config",
        ),
    }
}
