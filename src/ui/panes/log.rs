//! The program's own log (tui-logger), filtered by level with + and -.

use crate::app::PaneId;
use crate::ui::Ui;
use crate::ui::pane_block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use tui_logger::{TuiLoggerLevelOutput, TuiLoggerWidget};

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let level = Span::styled(format!(" ≥{} ", state.view.log_level), s.dim);
    let widget = TuiLoggerWidget::default()
        .block(pane_block(ui, PaneId::Log, vec![level], area.width))
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
        .state(&state.view.log_view);
    frame.render_widget(widget, area);
}
