//! Overlays drawn over the panes: help (the live keymap) and row details.

use crate::app::state::Overlay;
use crate::app::{Action, PaneId};
use crate::ui::Ui;
use crate::ui::widgets::format;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let state = ui.state;
    match &state.view.overlay {
        Some(Overlay::Help) => help(frame, area, ui),
        Some(Overlay::Details) => details(frame, area, ui),
        Some(Overlay::Confirm(dialog)) => super::dialogs::confirm(frame, area, ui, dialog),
        Some(Overlay::FilterInput(_)) | None => {}
    }
}

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn help(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let labels: Vec<String> = Action::BINDABLE
        .iter()
        .map(|(action, _, _)| {
            let keys = state.keymap.label_for(*action);
            if keys.is_empty() {
                "(unbound)".to_string()
            } else {
                keys
            }
        })
        .collect();
    let key_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(8);
    let entries: Vec<Line> = Action::BINDABLE
        .iter()
        .zip(&labels)
        .map(|((action, _, what), keys)| {
            let note = if action.is_write() && state.mode.read_only {
                " (read-only)"
            } else {
                ""
            };
            Line::from(vec![
                Span::styled(format!(" {keys:>key_width$} "), s.key),
                Span::styled(format!("{what}{note}"), s.text),
            ])
        })
        .collect();
    // Two columns when the terminal is too short for one.
    let columns = if usize::from(area.height.saturating_sub(2)) < entries.len() {
        2
    } else {
        1
    };
    let per_column = entries.len().div_ceil(columns);
    let width = if columns == 2 { 78 } else { 50 };
    let rect = centered(area, width, per_column as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(s.border_focus)
        .title(Span::styled(
            " Help · keys (remap in [keys]) ",
            s.title_focus,
        ))
        .title_bottom(Line::from(Span::styled(" Esc or ? closes ", s.dim)).right_aligned())
        .style(s.text);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let cols = Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(inner);
    for (i, chunk) in entries.chunks(per_column).enumerate() {
        frame.render_widget(Paragraph::new(chunk.to_vec()), cols[i]);
    }
}

fn details(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    if state.view.focus == PaneId::Alerts {
        return super::alert_details::draw(frame, area, ui);
    }
    if state.view.focus == PaneId::Tasks {
        return super::task_details::draw(frame, area, ui);
    }
    if state.view.focus != PaneId::Resources {
        return;
    }
    // The process the dialog was opened on, never the row's next occupant.
    let Some(details) = &state.view.process.details else {
        return;
    };
    let p = &details.row;
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:>8}  "), s.dim),
            Span::styled(value, s.text),
        ])
    };
    let mut lines = Vec::new();
    if let Some(at) = details.ended_at {
        let at = at.with_timezone(&state.local_offset).format("%H:%M:%S");
        lines.push(Line::from(vec![
            Span::styled(format!("{:>8}  ", "state"), s.dim),
            Span::styled(
                format!("ended (gone at {at}); figures as last seen"),
                s.warning,
            ),
        ]));
    }
    lines.extend([
        field("pid", p.pid.to_string()),
        field("user", p.user.clone()),
        field("cpu", format!("{:.1}% of one core", p.cpu_percent)),
        field("memory", format::bytes(p.memory_bytes)),
        field("command", p.command.clone()),
    ]);
    let title = match details.ended_at {
        Some(_) => format!(" Process {} · ended ", p.pid),
        None => format!(" Process {} ", p.pid),
    };
    let rect = centered(area, 72, 11);
    popup(frame, rect, ui, &title, " Esc closes ", lines);
}

/// A bordered popup at `rect` over whatever is below: title, bottom-right hint,
/// word-wrapped lines.
pub(super) fn popup(
    frame: &mut Frame,
    rect: Rect,
    ui: Ui<'_>,
    title: &str,
    hint: &str,
    lines: Vec<Line>,
) {
    let s = ui.styles;
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(s.border_focus)
        .title(Span::styled(title.to_string(), s.title_focus))
        .title_bottom(Line::from(Span::styled(hint.to_string(), s.dim)).right_aligned())
        .style(s.text);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}
