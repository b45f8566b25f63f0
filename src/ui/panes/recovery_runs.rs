//! Under the tasks in the Tasks pane: the newest recovery runs of every
//! opsdeck on the host, each with its runbook, alert, state (live for this
//! opsdeck's, as stored for others'), start, duration and who ran it. The
//! cursor goes on from the last task into them; Enter opens a run.

use super::times::{clock, duration};
use crate::app::runbooks::RunRow;
use crate::ui::widgets::format;
use crate::ui::{Ui, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Row, Table, TableState};

/// The rows the runs get of a pane `height` rows high under `tasks` task
/// rows: all they want when that fits, else at least a third of the pane
/// (two rows when the cursor is on them and the pane is tiny).
pub fn height(height: u16, tasks: usize, runs: usize, cursor_on_runs: bool) -> u16 {
    if runs == 0 {
        return 0;
    }
    let want = u16::try_from(runs + 1).unwrap_or(u16::MAX);
    let tasks_want = u16::try_from(tasks + 1).unwrap_or(u16::MAX).max(2);
    if height < 5 {
        return if cursor_on_runs { height.min(2) } else { 0 };
    }
    let room = height.saturating_sub(tasks_want).max(height / 3).max(2);
    want.min(room)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Started,
    Runbook,
    Alert,
    State,
    Took,
    By,
}

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Started => "Started",
            Col::Runbook => "Recovery run",
            Col::Alert => "Alert",
            Col::State => "State",
            Col::Took => "Took",
            Col::By => "By",
        }
    }
}

/// Columns in the order they are given room; the alert takes what is left.
const BY_IMPORTANCE: [Col; 6] = [
    Col::Runbook,
    Col::State,
    Col::Started,
    Col::Alert,
    Col::Took,
    Col::By,
];
/// Shown in this order.
const ORDER: [Col; 6] = [
    Col::Started,
    Col::Runbook,
    Col::Alert,
    Col::State,
    Col::Took,
    Col::By,
];
/// The narrowest the Alert column is worth showing at.
const ALERT_MIN: u16 = 12;
/// The widest any other column gets; longer text ends in "…".
const CELL_MAX: usize = 28;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>, runs: &[RunRow], selected: Option<usize>) {
    let s = ui.styles;
    let cells: Vec<[Line<'static>; 6]> = runs.iter().map(|r| cells(ui, r)).collect();
    let width_of = |col: Col| -> u16 {
        let i = col as usize;
        let widest = cells.iter().map(|c| c[i].width()).max().unwrap_or(0);
        u16::try_from(widest.max(col.header().len())).unwrap_or(u16::MAX)
    };
    let mut shown: Vec<Col> = Vec::new();
    let mut used = 0u16;
    for col in BY_IMPORTANCE {
        let w = if col == Col::Alert {
            ALERT_MIN
        } else {
            width_of(col)
        };
        let spacing = u16::from(!shown.is_empty());
        if shown.len() < 2 || used + spacing + w <= area.width {
            used += spacing + w;
            shown.push(col);
        }
    }
    let columns: Vec<Col> = ORDER.into_iter().filter(|c| shown.contains(c)).collect();
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|&c| match c {
            Col::Alert => Constraint::Fill(1),
            c => Constraint::Length(width_of(c)),
        })
        .collect();
    let header = Row::new(columns.iter().map(|c| c.header())).style(s.title);
    let rows = cells
        .into_iter()
        .map(|c| Row::new(columns.iter().map(|&col| c[col as usize].clone())));
    let table =
        Table::new(rows, widths)
            .header(header)
            .row_highlight_style(if selected.is_some() {
                s.selection
            } else {
                Style::new()
            });
    let mut table_state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// A run's cells, in `Col` order.
fn cells(ui: Ui<'_>, run: &RunRow) -> [Line<'static>; 6] {
    let Ui { state, styles: s } = ui;
    let (symbol, style) = match run.ok {
        None => ("↻", s.info),
        Some(true) => ("✓", s.ok),
        Some(false) if run.state == "aborted" => ("■", s.warning),
        Some(false) => ("✗", s.critical),
    };
    let took = duration(run.finished.unwrap_or(state.now) - run.started);
    let fit = |text: &str| format::ellipsis(&visible(text), CELL_MAX);
    let alert = if run.alert.is_empty() {
        Line::styled("no alert", s.dim)
    } else {
        Line::styled(visible(&run.alert).into_owned(), s.text)
    };
    [
        Line::styled(clock(state, run.started), s.dim),
        Line::styled(fit(&run.runbook), s.text),
        alert,
        Line::styled(format!("{symbol} {}", fit(&run.state)), style),
        Line::styled(took, s.dim),
        Line::styled(fit(&run.by), s.dim),
    ]
}
