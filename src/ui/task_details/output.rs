//! The selected run's output tail, as a terminal would leave it (carriage
//! returns, tabs), without colour codes, its other escape sequences and
//! control characters shown escaped.

use crate::engine::tasks::Run;
use crate::ui::panes::run_look;
use crate::ui::{Ui, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The selected run's output: its last lines, as many as fit.
pub(super) fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>, run: &Run) {
    let Ui { state, styles: s } = ui;
    if area.is_empty() {
        return;
    }
    let [heading, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let (symbol, style) = run_look(s, run.state);
    let started = run
        .started
        .with_timezone(&state.local_offset)
        .format("%m-%d %H:%M:%S");
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Output", s.title),
            Span::styled(format!(" · run started {started} "), s.dim),
            Span::styled(format!("{symbol} {}", run.state.label()), style),
            Span::styled(where_in_output(state.tasks.output_scroll), s.dim),
        ])),
        heading,
    );
    let rows = usize::from(body.height);
    let scroll = state.tasks.output_scroll;
    let lines = visible_lines(ui, run, body.width, rows, scroll);
    frame.render_widget(Paragraph::new(lines), body);
}

/// The rows of the output shown: the last ones, or higher up when scrolled, or
/// a note when there is none (yet).
fn visible_lines(
    ui: Ui<'_>,
    run: &Run,
    width: u16,
    rows: usize,
    scroll: usize,
) -> Vec<Line<'static>> {
    let s = ui.styles;
    match &run.output {
        Some(text) => {
            // Scrolled up: the rows above the last `scroll` ones.
            let tail = tail_rows(text, usize::from(width), rows + scroll);
            let end = tail.len().saturating_sub(scroll).max(rows.min(tail.len()));
            let window = &tail[end.saturating_sub(rows)..end];
            if window.is_empty() {
                vec![Line::styled("(no output)", s.dim)]
            } else {
                window
                    .iter()
                    .map(|l| Line::styled(l.clone(), s.text))
                    .collect()
            }
        }
        None if !run.state.is_finished() => vec![Line::styled("(no output yet)", s.dim)],
        // Runs of an opsdeck without a store have no stored output to load.
        None if run.id < 0 => vec![Line::styled("(no output)", s.dim)],
        None => vec![Line::styled("loading…", s.dim)],
    }
}

fn where_in_output(scroll: usize) -> String {
    if scroll == 0 {
        " · last lines (PgUp scrolls)".into()
    } else {
        format!(" · {scroll} rows up (PgDn back)")
    }
}

/// The last `rows` screen rows of `text` wrapped at `width` columns: reading
/// from the end, so a long output costs only what is shown.
fn tail_rows(text: &str, width: usize, rows: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(rows);
    if width == 0 || rows == 0 {
        return out;
    }
    let text = text.trim_end_matches(['\n', '\r']);
    if text.is_empty() {
        return out;
    }
    for line in text.rsplit('\n') {
        if out.len() >= rows {
            break;
        }
        let chunks = wrap(&clean_line(line), width);
        for chunk in chunks.into_iter().rev() {
            if out.len() >= rows {
                break;
            }
            out.push(chunk);
        }
    }
    out.reverse();
    out
}

/// A line of program output as a terminal would leave it on screen: the text
/// after the last carriage return (progress bars), tabs expanded, colour
/// codes dropped (the text stays). Every other escape sequence and control
/// character is shown escaped, never acted on.
fn clean_line(line: &str) -> String {
    let line = line.trim_end_matches('\r');
    let mut rest = line.rsplit('\r').next().unwrap_or(line);
    let mut out = String::with_capacity(rest.len());
    let mut column = 0;
    let mut buf = [0u8; 4];
    while let Some(c) = rest.chars().next() {
        if let Some(len) = colour_code(rest) {
            rest = &rest[len..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c == '\t' {
            let n = 8 - column % 8;
            out.extend(std::iter::repeat_n(' ', n));
            column += n;
            continue;
        }
        let shown = visible(c.encode_utf8(&mut buf));
        column += shown.chars().count();
        out.push_str(&shown);
    }
    out
}

/// The length of the SGR sequence (`ESC [ 1;32 m`) `text` starts with: it
/// only colours the text, which the dashboard draws in its own colours.
fn colour_code(text: &str) -> Option<usize> {
    let params = text.strip_prefix("\x1b[")?;
    let end = params.find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':'))?;
    params[end..].starts_with('m').then_some(2 + end + 1)
}

/// `line` cut into pieces at most `width` columns wide (at least one piece).
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut column = 0;
    let mut buf = [0u8; 4];
    for c in line.chars() {
        let w = Span::raw(&*c.encode_utf8(&mut buf)).width();
        if column + w > width && column > 0 {
            pieces.push(String::new());
            column = 0;
        }
        if let Some(piece) = pieces.last_mut() {
            piece.push(c);
        }
        column += w;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_rows_and_wraps_long_lines() {
        let text = "one\ntwo\nthree\nabcdefghij\n\n";
        assert_eq!(tail_rows(text, 4, 3), ["abcd", "efgh", "ij"]);
        assert_eq!(tail_rows(text, 20, 2), ["three", "abcdefghij"]);
        assert!(tail_rows("", 10, 5).is_empty());
    }

    #[test]
    fn colours_go_other_escapes_show_and_carriage_returns_act() {
        assert_eq!(
            clean_line("\x1b[31mred\x1b[0m done \x1b[1;32mok"),
            "red done ok"
        );
        assert_eq!(clean_line("10%\r50%\r100%"), "100%");
        assert_eq!(clean_line("crlf\r"), "crlf");
        assert_eq!(clean_line("a\tb"), "a       b");
        assert_eq!(
            clean_line("\x1b]0;title\x07text\u{202e}\x1b[2J\x1b[m"),
            "\\x1b]0;title\\x07text\\u{202e}\\x1b[2J"
        );
    }
}
