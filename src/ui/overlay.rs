//! Overlays drawn over the panes: help (the live keymap) and row details.

use crate::app::state::Overlay;
use crate::app::{Action, PaneId};
use crate::ui::Ui;
use crate::ui::visible::{visible, visible_line};
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
        Some(Overlay::Recovery(key)) => super::recovery::draw(frame, area, ui, *key),
        Some(Overlay::StoredRecovery(id)) => super::recovery::draw_stored(frame, area, ui, *id),
        Some(Overlay::Report) => super::report::draw(frame, area, ui),
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

/// One help row: the keys, the action's name under `[keys]`, what it does.
struct HelpRow {
    keys: String,
    name: &'static str,
    what: &'static str,
    note: &'static str,
}

fn help(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let rows: Vec<HelpRow> = Action::BINDABLE
        .iter()
        .map(|(action, name, what)| {
            let keys = state.keymap.label_for(*action);
            HelpRow {
                keys: if keys.is_empty() {
                    "(unbound)".to_string()
                } else {
                    keys
                },
                name,
                what,
                note: if action.is_write() && state.mode.read_only {
                    " (read-only)"
                } else {
                    ""
                },
            }
        })
        .collect();
    let width = |f: &dyn Fn(&HelpRow) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let key_w = width(&|r| r.keys.chars().count());
    let name_w = width(&|r| r.name.len());
    let note_w = width(&|r| r.note.len());
    let what_w = width(&|r| r.what.len() + r.note.len());
    // Two columns when the terminal is too short for one.
    let columns = if usize::from(area.height.saturating_sub(2)) < rows.len() {
        2
    } else {
        1
    };
    // The action names are what `[keys]` needs, so they always show; the
    // descriptions only where they fit (80 columns hold two of name only).
    let short_w = 1 + key_w + 1 + name_w + note_w + 1;
    let full_w = 1 + key_w + 1 + name_w + 2 + what_w + 1;
    let describe = columns * full_w + 2 <= usize::from(area.width);
    let column_w = if describe { full_w } else { short_w };
    let entries: Vec<Line> = rows
        .iter()
        .map(|r| {
            let mut spans = vec![
                Span::styled(format!(" {:>key_w$} ", r.keys), s.key),
                Span::styled(format!("{:<name_w$}", r.name), s.text),
            ];
            if describe {
                spans.push(Span::styled(format!("  {}{}", r.what, r.note), s.dim));
            } else {
                spans.push(Span::styled(r.note, s.dim));
            }
            Line::from(spans)
        })
        .collect();
    let per_column = entries.len().div_ceil(columns);
    let rect = centered(area, (columns * column_w + 2) as u16, per_column as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(s.border_focus)
        .title(Span::styled(
            " Help · keys and their names for [keys] ",
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
    if state.view.focus == PaneId::Scaling {
        let target = crate::app::scaling::selected(state).unwrap_or_default();
        return super::scaling_details::draw(frame, area, ui, target);
    }
    if state.view.focus != PaneId::Resources {
        return;
    }
    if let Some(id) = state.health.details {
        return super::check_details::draw(frame, area, ui, id);
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
        field("user", visible(&p.user).into_owned()),
        field("cpu", format!("{:.1}% of one core", p.cpu_percent)),
        field("memory", format::bytes(p.memory_bytes)),
        field("command", visible(&p.command).into_owned()),
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
    popup_scrolled(frame, rect, ui, (title, hint), lines, 0);
}

/// `popup`, its lines scrolled up by `scroll` wrapped rows.
/// A details popup at most `width` wide, as tall as its wrapped lines (or
/// the area), scrolled where the keys left it (never past the end).
pub(super) fn details_popup(
    frame: &mut Frame,
    area: Rect,
    ui: Ui<'_>,
    width: u16,
    titles: (&str, &str),
    lines: Vec<Line>,
) {
    let view = &ui.state.view;
    let rows = super::dialogs::wrapped_height(&lines, width.saturating_sub(2));
    let height = rows.saturating_add(2).min(area.height);
    let rect = centered(area, width, height);
    let max = rows.saturating_sub(height.saturating_sub(2));
    view.details_scroll_max.set(max);
    let scroll = view.details_scroll.min(max);
    popup_scrolled(frame, rect, ui, titles, lines, scroll);
}

pub(super) fn popup_scrolled(
    frame: &mut Frame,
    rect: Rect,
    ui: Ui<'_>,
    (title, hint): (&str, &str),
    lines: Vec<Line>,
    scroll: u16,
) {
    let s = ui.styles;
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(s.border_focus)
        .title(Span::styled(visible(title).into_owned(), s.title_focus))
        .title_bottom(Line::from(Span::styled(hint.to_string(), s.dim)).right_aligned())
        .style(s.text);
    // Callers escape what they measure; this catches what one forgot.
    let lines: Vec<Line> = lines.into_iter().map(visible_line).collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block),
        rect,
    );
}
