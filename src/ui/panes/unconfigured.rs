//! A pane whose source is not configured says so in one line; it never shows rows
//! that are not real.

use crate::app::{AppState, PaneId};
use crate::ui::{note, pane_block};
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, pane: PaneId, message: &str) {
    let block = pane_block(state, pane, Vec::new());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    note(frame, inner, message, state.styles.dim);
}
