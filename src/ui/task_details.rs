//! Enter on a task: what it runs and when (command, env names, limits, the
//! schedule and its next runs), its run history, and the selected run's output
//! tail. Env values are never shown: they may be secrets.

use crate::app::tasks::{TaskStatus, shell_words};
use crate::engine::tasks::{Concurrency, Missed, Run, RunState, TaskSpec};
use crate::ui::Ui;
use crate::ui::panes::{
    clock, duration, outcome, priority_look, run_look, since, status_line, until,
};
use crate::ui::widgets::format;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, TableState, Wrap};

/// Fewest output rows kept on screen, whatever the rest needs.
const OUTPUT_MIN: u16 = 3;
/// Most lines of a multi-line command (a `sh -c` script) shown.
const COMMAND_LINES: usize = 5;
/// Fewest history rows kept on screen when there are runs.
const HISTORY_MIN: u16 = 3;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let Some(spec) = state.selected_task() else {
        return;
    };
    // Most of the screen (the output is what one opens this for), leaving the
    // header and status lines.
    let rect = super::overlay::centered(area, area.width.min(160), area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(s.border_focus)
        .title(Span::styled(format!(" {} ", spec.name), s.title_focus))
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

    let info = info_lines(ui, spec);
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
    let info_height = super::dialogs::wrapped_height(&info, inner.width)
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
    history(frame, history_area, ui, spec, &runs, selected);
    if let Some(run) = runs.get(selected) {
        output(frame, output_area, ui, run);
    }
}

/// What the task is: the fields of its `[[task]]`, the schedule in words and
/// its next runs, and what it is doing now.
fn info_lines(ui: Ui<'_>, spec: &TaskSpec) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let field = |name: &str, value: Vec<Span<'static>>| {
        let mut spans = vec![Span::styled(format!("{name:>9}  "), s.dim)];
        spans.extend(value);
        Line::from(spans)
    };
    let text = |t: String| Span::styled(t, s.text);
    let dim = |t: String| Span::styled(t, s.dim);
    let mut lines = Vec::new();
    if !spec.description.is_empty() {
        lines.push(field(
            "about",
            vec![text(spec.description.replace('\n', " "))],
        ));
    }
    let (symbol, _, style) = priority_look(s, spec.priority);
    let mut task = vec![
        text(spec.id.clone()),
        dim(" · priority ".into()),
        Span::styled(format!("{symbol} {}", spec.priority.as_str()), style),
    ];
    if !spec.category.is_empty() {
        task.push(dim(" · category ".into()));
        task.push(text(spec.category.clone()));
    }
    if !spec.enabled {
        task.push(Span::styled(" · disabled", s.warning));
    }
    lines.push(field("task", task));
    // `sh -c` scripts span lines: shown as lines (as a shell would read them),
    // the first few only, so the schedule below stays on screen.
    let command = shell_words(&spec.command).replace('\t', "    ");
    let command_lines: Vec<&str> = command.lines().collect();
    let shown = if command_lines.len() > COMMAND_LINES {
        COMMAND_LINES - 1
    } else {
        command_lines.len().max(1)
    };
    for i in 0..shown {
        let line = command_lines.get(i).copied().unwrap_or_default();
        let name = if i == 0 { "command" } else { "" };
        lines.push(field(name, vec![text(line.to_string())]));
    }
    if command_lines.len() > shown {
        lines.push(field(
            "",
            vec![dim(format!("… {} more lines", command_lines.len() - shown))],
        ));
    }
    lines.push(field(
        "workdir",
        vec![match &spec.workdir {
            Some(dir) => text(dir.display().to_string()),
            None => dim("opsdeck's working directory".into()),
        }],
    ));
    if !spec.env.is_empty() {
        // Names only: values may be passwords or tokens.
        let names: Vec<&str> = spec.env.keys().map(String::as_str).collect();
        lines.push(field(
            "env",
            vec![text(names.join(", ")), dim(" (values not shown)".into())],
        ));
    }
    let retries = if spec.retries == 0 {
        "no retries".to_string()
    } else {
        format!(
            "{} retries, {} backoff doubling",
            spec.retries,
            humantime::format_duration(spec.retry_backoff)
        )
    };
    lines.push(field(
        "limits",
        vec![text(format!(
            "timeout {} · {retries}",
            humantime::format_duration(spec.timeout)
        ))],
    ));
    let concurrency = match spec.concurrency {
        Concurrency::Skip => "skip",
        Concurrency::Queue => "queue",
    };
    let missed = match spec.missed {
        Missed::Skip => "skip".to_string(),
        Missed::RunOnce => format!(
            "one catch-up run within {}",
            humantime::format_duration(spec.missed_grace)
        ),
    };
    lines.push(field(
        "policy",
        vec![text(format!(
            "due while running: {concurrency} · missed while down: {missed}"
        ))],
    ));
    if !spec.depends_on.is_empty() {
        let mut deps = Vec::new();
        for (i, dep) in spec.depends_on.iter().enumerate() {
            if i > 0 {
                deps.push(dim(", ".into()));
            }
            deps.push(text(dep.clone()));
            if let Some(run) = state.tasks.last_finished(dep) {
                let (symbol, style) = run_look(s, run.state);
                deps.push(Span::styled(
                    format!(" {symbol} {}", run.state.label()),
                    style,
                ));
            }
        }
        lines.push(field("after", deps));
    }
    match &spec.schedule {
        Some(schedule) => {
            lines.push(field(
                "schedule",
                vec![
                    text(schedule.pattern().to_string()),
                    dim(format!(" {} · ", schedule.zone_name())),
                    text(schedule.describe()),
                ],
            ));
            if let Some(first) = state.tasks.next_run(spec, state.now) {
                let mut next = vec![
                    text(clock(state, first)),
                    dim(format!(" (in {})", until(state.now, first))),
                ];
                let later: Vec<String> =
                    std::iter::successors(schedule.next_after(first), |t| schedule.next_after(*t))
                        .take(2)
                        .map(|t| clock(state, t))
                        .collect();
                if !later.is_empty() {
                    next.push(dim(format!(", then {}", later.join(", "))));
                }
                lines.push(field("next", next));
            }
        }
        None => lines.push(field(
            "schedule",
            vec![dim("none: runs only when triggered".into())],
        )),
    }
    let status = state.tasks.status(&spec.id);
    let last = state.tasks.last_run(&spec.id);
    let mut now = status_line(ui, &status, last, false).spans;
    match (&status, last) {
        (TaskStatus::Waiting(reason), _) => now.push(dim(format!(": {reason}"))),
        (TaskStatus::Run(RunState::Running), Some(run)) => now.push(dim(format!(
            " · attempt {}/{} · {} by {}",
            run.attempt,
            spec.retries + 1,
            run.trigger.as_str(),
            run.actor
        ))),
        _ => {}
    }
    if let Some((at, attempt)) = state.tasks.scheduler.retry(&spec.id) {
        now.push(Span::styled(
            format!(
                " · retry {attempt}/{} at {} (in {})",
                spec.retries + 1,
                clock(state, at),
                until(state.now, at)
            ),
            s.warning,
        ));
    }
    lines.push(field("now", now));
    lines
}

/// The runs, newest first, the selected one highlighted.
fn history(
    frame: &mut Frame,
    area: Rect,
    ui: Ui<'_>,
    spec: &TaskSpec,
    runs: &[&Run],
    selected: usize,
) {
    let Ui { state, styles: s } = ui;
    if area.is_empty() {
        return;
    }
    let [heading, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let mut title = vec![Span::styled("Runs", s.title)];
    if runs.is_empty() {
        title.push(Span::styled(" · never run", s.dim));
    } else {
        title.push(Span::styled(
            format!(" · {} kept, newest first", runs.len()),
            s.dim,
        ));
    }
    if let Some(stats) = state.tasks.stats.get(&spec.id)
        && let Some(rate) = stats.success_rate()
    {
        title.push(Span::styled(
            format!(
                " · {:.0}% succeeded ({} ok, {} failed)",
                rate * 100.0,
                stats.succeeded,
                stats.failed
            ),
            s.dim,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(title)), heading);
    if runs.is_empty() || body.is_empty() {
        return;
    }
    let wide = area.width >= 110;
    let mut header = vec!["Started", "Trigger", "Att", "State", "Took"];
    let mut widths = vec![
        Constraint::Length(14),
        Constraint::Length(8),
        Constraint::Length(5),
        Constraint::Length(11),
        Constraint::Length(7),
    ];
    if wide {
        header.push("By");
        widths.push(Constraint::Length(18));
    }
    header.push("Result");
    widths.push(Constraint::Fill(1));
    let rows: Vec<Row> = runs
        .iter()
        .map(|run| {
            let (symbol, style) = run_look(s, run.state);
            let took = match run.duration() {
                Some(d) => Span::styled(duration(d), s.text),
                None if run.state == RunState::Running => {
                    Span::styled(format!("{}…", since(state.now, run.started)), s.dim)
                }
                None => Span::styled("–", s.dim),
            };
            let result = if !run.detail.is_empty() {
                run.detail.clone()
            } else if run.state.is_finished() {
                outcome(run)
            } else {
                String::new()
            };
            let mut cells = vec![
                Line::styled(
                    run.started
                        .with_timezone(&state.local_offset)
                        .format("%m-%d %H:%M:%S")
                        .to_string(),
                    s.text,
                ),
                Line::styled(run.trigger.as_str(), s.dim),
                Line::styled(format!("{}/{}", run.attempt, spec.retries + 1), s.text),
                Line::styled(format!("{symbol} {}", run.state.label()), style),
                Line::from(took),
            ];
            if wide {
                cells.push(Line::styled(format::ellipsis(&run.actor, 18), s.dim));
            }
            cells.push(Line::styled(result.replace('\n', " "), s.text));
            Row::new(cells)
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.title))
        .row_highlight_style(s.selection)
        // The picked run shows without colour too: its output is the one below.
        .highlight_symbol("› ");
    let mut table_state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, body, &mut table_state);
}

/// The selected run's output: its last lines, as many as fit.
fn output(frame: &mut Frame, area: Rect, ui: Ui<'_>, run: &Run) {
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
    let lines: Vec<Line> = match &run.output {
        Some(text) => {
            // Scrolled up: the rows above the last `scroll` ones.
            let tail = tail_rows(text, usize::from(body.width), rows + scroll);
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
    };
    frame.render_widget(Paragraph::new(lines), body);
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

/// A line of program output as a terminal would leave it on screen, without
/// the escape sequences and control characters that would garble the TUI: the
/// text after the last carriage return (progress bars), tabs expanded.
fn clean_line(line: &str) -> String {
    let line = line.trim_end_matches('\r');
    let line = line.rsplit('\r').next().unwrap_or(line);
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => skip_escape(&mut chars),
            '\t' => {
                let n = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', n));
                column += n;
            }
            c if c.is_control() => {}
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// Skips the rest of an escape sequence whose ESC was just read.
fn skip_escape(chars: &mut std::str::Chars) {
    match chars.next() {
        // CSI (colours, cursor moves): parameters, then one final byte.
        Some('[') => {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        // OSC, DCS and the like: up to BEL or ST (ESC \).
        Some(']' | 'P' | '_' | '^') => {
            while let Some(c) = chars.next() {
                if c == '\x07' {
                    break;
                }
                if c == '\x1b' {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
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
    fn escapes_and_carriage_returns_are_cleaned() {
        assert_eq!(clean_line("\x1b[31mred\x1b[0m done"), "red done");
        assert_eq!(clean_line("10%\r50%\r100%"), "100%");
        assert_eq!(clean_line("crlf\r"), "crlf");
        assert_eq!(clean_line("a\tb"), "a       b");
        assert_eq!(clean_line("\x1b]0;title\x07text\x07"), "text");
    }
}
