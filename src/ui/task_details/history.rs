//! The task's runs, newest first, as a table under a heading with its record.

use crate::engine::tasks::{Run, RunState, TaskSpec};
use crate::ui::panes::{duration, outcome, run_look, since};
use crate::ui::widgets::format;
use crate::ui::{Ui, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

/// Wide enough for the "By" column.
const WIDE: u16 = 110;

/// The runs, newest first, the selected one highlighted.
pub(super) fn draw(
    frame: &mut Frame,
    area: Rect,
    ui: Ui<'_>,
    spec: &TaskSpec,
    runs: &[&Run],
    selected: usize,
) {
    let s = ui.styles;
    if area.is_empty() {
        return;
    }
    let [heading, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(title(ui, spec, runs)), heading);
    if runs.is_empty() || body.is_empty() {
        return;
    }
    let wide = area.width >= WIDE;
    let (header, widths) = columns(wide);
    let rows: Vec<Row> = runs.iter().map(|run| row(ui, spec, run, wide)).collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.title))
        .row_highlight_style(s.selection)
        // The picked run shows without colour too: its output is the one below.
        .highlight_symbol("› ");
    let mut table_state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, body, &mut table_state);
}

/// "Runs", how many are kept, and the task's success rate.
fn title(ui: Ui<'_>, spec: &TaskSpec, runs: &[&Run]) -> Line<'static> {
    let Ui { state, styles: s } = ui;
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
    Line::from(title)
}

/// The table's headings and widths; who started a run only when wide.
fn columns(wide: bool) -> (Vec<&'static str>, Vec<Constraint>) {
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
    (header, widths)
}

/// One run: when, how, which attempt, its state, how long, by whom, and result.
fn row(ui: Ui<'_>, spec: &TaskSpec, run: &Run, wide: bool) -> Row<'static> {
    let Ui { state, styles: s } = ui;
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
        cells.push(Line::styled(
            format::ellipsis(&visible(&run.actor), 18),
            s.dim,
        ));
    }
    cells.push(Line::styled(
        visible(&result.replace('\n', " ")).into_owned(),
        s.text,
    ));
    Row::new(cells)
}
