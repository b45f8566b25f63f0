//! The program's own log (tui-logger), filtered by level with + and -. Its
//! title says when the view is scrolled away from the newest lines.

use crate::app::{Action, AppState, PaneId};
use crate::ui::Ui;
use crate::ui::pane_block;
use crate::ui::theme::Styles;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Widget};
use tui_logger::{TuiLoggerLevelOutput, TuiLoggerWidget, TuiWidgetState};

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let mut notes = Vec::new();
    if is_scrolled(state, s, area) {
        let note = match state.keymap.keys_for(Action::Bottom).first() {
            Some(key) => format!(" scrolled · {} for live ", key.label()),
            None => " scrolled ".to_string(),
        };
        notes.push(Span::styled(note, s.warning));
    }
    notes.push(Span::styled(format!(" ≥{} ", state.view.log_level), s.dim));
    let widget = widget(s)
        .block(pane_block(ui, PaneId::Log, notes, area.width))
        .state(&state.view.log_view);
    frame.render_widget(widget, area);
}

fn widget(s: &Styles) -> TuiLoggerWidget<'static> {
    TuiLoggerWidget::default()
        .style(s.text)
        .style_error(s.critical)
        .style_warn(s.warning)
        .style_info(s.info)
        .style_debug(s.dim)
        .style_trace(s.dim)
        .output_separator(' ')
        .output_timestamp(Some("%H:%M:%S".into()))
        .output_level(Some(TuiLoggerLevelOutput::Abbreviated))
        .output_target(false)
        .output_file(false)
        .output_line(false)
}

/// Whether the view shows something other than the newest lines. tui-logger
/// keeps its scroll position to itself, so the lines are drawn off screen as
/// they stand and as a following view would show them, and compared. Only
/// after a scroll key: until then the view certainly follows.
fn is_scrolled(state: &AppState, s: &Styles, area: Rect) -> bool {
    let inner = Block::bordered().inner(area);
    if !state.view.log_scroll_keys || inner.is_empty() {
        return false;
    }
    let following = TuiWidgetState::new().set_default_display_level(state.view.log_level);
    let lines = |view: &TuiWidgetState| {
        let mut buffer = Buffer::empty(inner);
        widget(s).state(view).render(inner, &mut buffer);
        buffer
    };
    lines(&state.view.log_view) != lines(&following)
}
