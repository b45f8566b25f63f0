//! A pane whose source is not configured says so in one line; it never shows rows
//! that are not real.

use crate::app::PaneId;
use crate::ui::Ui;
use crate::ui::{note, pane_block};
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>, pane: PaneId, message: &str) {
    let s = ui.styles;
    let block = pane_block(ui, pane, Vec::new(), area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    note(frame, inner, message, s.dim);
}
