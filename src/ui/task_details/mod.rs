//! Enter on a task: what it runs and when (command, env names, limits, the
//! schedule and its next runs), its run history, and the selected run's output
//! tail. Env values are never shown: they may be secrets.

mod history;
mod info;
mod output;

use crate::engine::tasks::Run;
use crate::ui::{Ui, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// Fewest output rows kept on screen, whatever the rest needs.
const OUTPUT_MIN: u16 = 3;
/// Fewest history rows kept on screen when there are runs.
const HISTORY_MIN: u16 = 3;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let Some(spec) = state.selected_task() else {
        return;
    };
    // Most of the screen (the output is what one opens this for), leaving the
    // header and status lines.
    let rect =
        crate::ui::overlay::centered(area, area.width.min(160), area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(s.border_focus)
        .title(Span::styled(
            format!(" {} ", visible(&spec.name)),
            s.title_focus,
        ))
        .title_bottom(
            Line::from(Span::styled(
                " j/k run · PgUp/PgDn output · Esc close ",
                s.dim,
            ))
            .right_aligned(),
        )
        .style(s.text);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.is_empty() {
        return;
    }
    let runs: Vec<&Run> = state.tasks.runs_of(&spec.id).collect();
    let selected = state.tasks.detail_run.min(runs.len().saturating_sub(1));

    let info = info::lines(ui, spec);
    let count = u16::try_from(runs.len()).unwrap_or(u16::MAX);
    // Heading and table header, then the rows; the output has a heading too.
    let (history_min, history_want, output_min) = if runs.is_empty() {
        (2, 2, 0)
    } else {
        (
            2 + count.min(HISTORY_MIN),
            count.saturating_add(2),
            1 + OUTPUT_MIN,
        )
    };
    let height = inner.height;
    let info_height = crate::ui::dialogs::wrapped_height(&info, inner.width)
        .min(height.saturating_sub(history_min + output_min));
    let rest = height - info_height;
    let history_height = history_want.min(history_min.max(rest * 2 / 5)).min(rest);
    let [info_area, history_area, output_area] = Layout::vertical([
        Constraint::Length(info_height),
        Constraint::Length(history_height),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(info).wrap(Wrap { trim: false }), info_area);
    history::draw(frame, history_area, ui, spec, &runs, selected);
    if let Some(run) = runs.get(selected) {
        output::draw(frame, output_area, ui, run);
    }
}
