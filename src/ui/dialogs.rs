//! The one confirmation dialog, drawn from `app::confirm::Confirm`: the plan
//! (what will happen), notes, the fields to fill in, and the answer so far.
//! Enter confirms, Esc cancels.

use crate::app::confirm::Confirm;
use crate::ui::{Ui, visible};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn confirm(frame: &mut Frame, area: Rect, ui: Ui<'_>, dialog: &Confirm) {
    let s = ui.styles;
    let mut lines: Vec<Line> = dialog
        .plan
        .iter()
        .map(|row| {
            Line::from(vec![
                Span::styled(format!(" {:<8} ", visible(&row.label)), s.dim),
                Span::styled(visible(&row.value), s.text),
                Span::styled(visible(&row.aside), s.dim),
            ])
        })
        .collect();
    if dialog.dry_run == Some(true) {
        lines.push(Line::from(Span::styled(
            " Dry run: nothing is changed.",
            s.accent,
        )));
    }
    for note in &dialog.notes {
        lines.push(Line::from(Span::styled(
            format!(" {}", visible(note)),
            s.dim,
        )));
    }
    lines.push(Line::default());
    for (i, field) in dialog.fields.iter().enumerate() {
        let focused = i == dialog.focus && !dialog.busy;
        let cursor = if focused { "█" } else { "" };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:>9} ", field.label),
                if focused { s.accent } else { s.dim },
            ),
            Span::styled(format!("{}{cursor}", visible(&field.value)), s.text),
        ]));
    }
    if !dialog.fields.is_empty() {
        lines.push(Line::default());
    }
    if dialog.busy {
        lines.push(Line::from(Span::styled(" sending…", s.info)));
    } else if let Some(error) = &dialog.error {
        lines.push(Line::from(vec![
            Span::styled(" error: ", s.critical),
            Span::styled(visible(error), s.text),
        ]));
    }
    let tab = if dialog.fields.len() > 1 {
        " · Tab field"
    } else {
        ""
    };
    let hint = format!(" Enter {}{tab} · Esc {} ", dialog.yes, dialog.no);
    let dry = if dialog.dry_run == Some(true) {
        " (dry run)"
    } else {
        ""
    };
    let title = format!(" {}{dry} ", visible(&dialog.title));
    show(frame, area, ui, &title, &hint, lines);
}

fn show(frame: &mut Frame, area: Rect, ui: Ui<'_>, title: &str, hint: &str, lines: Vec<Line>) {
    // Long label sets and Alertmanager's errors wrap: count the rows they take, or
    // the last lines (the error) fall off the bottom.
    let width = area.width.min(76);
    let height = wrapped_height(&lines, width.saturating_sub(2)).saturating_add(2);
    let rect = super::overlay::centered(area, width, height);
    super::overlay::popup(frame, rect, ui, title, hint, lines);
}

/// Rows `lines` take in a `Paragraph` word-wrapped at `width` columns (greedy, as
/// ratatui wraps; words longer than a row are broken). Never less than needed.
pub(super) fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = lines
        .iter()
        .map(|line| {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            let (mut rows, mut column) = (1, 0);
            for piece in text.split_inclusive(' ') {
                let word = Span::raw(piece.trim_end_matches(' ')).width();
                let spaces = piece.len() - piece.trim_end_matches(' ').len();
                if column > 0 && column + word > width {
                    rows += 1;
                    column = 0;
                }
                if word > width {
                    rows += (word - 1) / width;
                    column = word - (word - 1) / width * width;
                } else {
                    column += word;
                }
                column += spaces;
            }
            rows
        })
        .sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}
