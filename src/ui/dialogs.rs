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
    let width = area.width.min(76);
    let inner_width = width.saturating_sub(2);
    let mut rest: Vec<Line> = Vec::new();
    if dialog.dry_run == Some(true) {
        rest.push(Line::from(Span::styled(
            " Dry run: nothing is changed.",
            s.accent,
        )));
    }
    for note in &dialog.notes {
        rest.push(Line::from(Span::styled(
            format!(" {}", visible(note)),
            s.dim,
        )));
    }
    rest.push(Line::default());
    for (i, field) in dialog.fields.iter().enumerate() {
        let focused = i == dialog.focus && !dialog.busy;
        let cursor = if focused { "█" } else { "" };
        rest.push(Line::from(vec![
            Span::styled(
                format!(" {:>9} ", field.label),
                if focused { s.accent } else { s.dim },
            ),
            Span::styled(format!("{}{cursor}", visible(&field.value)), s.text),
        ]));
    }
    if !dialog.fields.is_empty() {
        rest.push(Line::default());
    }
    // What the operator fills in always shows; the server's words and the
    // plan share what is left (a label may be 10,000 characters long).
    let room = area.height.saturating_sub(2);
    let fixed = wrapped_height(&rest, inner_width);
    if dialog.busy {
        rest.push(Line::from(Span::styled(" sending…", s.info)));
    } else if let Some(error) = &dialog.error {
        let rows = (room.saturating_sub(fixed) / 2).clamp(1, ERROR_ROWS);
        let line = |text: &str| -> Line<'static> {
            Line::from(vec![
                Span::styled(" error: ", s.critical),
                Span::styled(text.to_string(), s.text),
            ])
        };
        rest.push(line(&fit_rows(&visible(error), inner_width, rows, &line)));
    }
    let plan_room = room.saturating_sub(wrapped_height(&rest, inner_width));
    let mut lines = plan_lines(ui, dialog, inner_width, plan_room);
    lines.extend(rest);
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
    // Wrapped rows are counted, or the last lines (the error) fall off the bottom.
    let height = wrapped_height(&lines, inner_width).saturating_add(2);
    let rect = super::overlay::centered(area, width, height);
    super::overlay::popup(frame, rect, ui, &title, &hint, lines);
}

/// Most rows one plan row or the error takes; the alert details show all.
const PLAN_ROWS: u16 = 6;
const ERROR_ROWS: u16 = 4;

/// The plan, one labelled row each, each cut with "…" to its share of `room`
/// rows (at least one, at most `PLAN_ROWS`).
fn plan_lines(ui: Ui<'_>, dialog: &Confirm, width: u16, room: u16) -> Vec<Line<'static>> {
    let s = ui.styles;
    let count = u16::try_from(dialog.plan.len()).unwrap_or(u16::MAX).max(1);
    let rows = (room / count).clamp(1, PLAN_ROWS);
    dialog
        .plan
        .iter()
        .map(|row| {
            let aside = visible(&row.aside).into_owned();
            let line = |value: &str| -> Line<'static> {
                Line::from(vec![
                    Span::styled(format!(" {:<8} ", visible(&row.label)), s.dim),
                    Span::styled(value.to_string(), s.text),
                    Span::styled(aside.clone(), s.dim),
                ])
            };
            line(&fit_rows(&visible(&row.value), width, rows, &line))
        })
        .collect()
}

/// `value` cut with "…" so that `line(value)` wraps into at most `rows` rows
/// of `width` columns; whole when it fits.
fn fit_rows(value: &str, width: u16, rows: u16, line: &dyn Fn(&str) -> Line<'static>) -> String {
    let fits = |text: &str| wrapped_height(&[line(text)], width) <= rows;
    if fits(value) {
        return value.to_string();
    }
    let chars: Vec<char> = value.chars().collect();
    let cut = |n: usize| chars[..n].iter().chain(['…'].iter()).collect::<String>();
    // The longest start that fits: word wrapping makes rows uneven.
    let (mut fit, mut over) = (0, chars.len());
    while over - fit > 1 {
        let mid = (fit + over) / 2;
        if fits(&cut(mid)) {
            fit = mid;
        } else {
            over = mid;
        }
    }
    cut(fit)
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
