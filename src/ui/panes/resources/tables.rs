//! The tables of the Resources pane: filesystems (with the days-until-full
//! forecast), network interfaces and processes.

use super::{note_below_header, truncate_right};
use crate::app::PaneId;
use crate::collect::model::{Filesystem, ResourceSample};
use crate::ui::Ui;
use crate::ui::visible as shown;
use crate::ui::widgets::format::{self, bytes, rate};
use crate::ui::widgets::meter::{self, Level, grade, level_style};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, TableState};

/// Columns the filesystem table needs to show its bar too: Mount at least 10,
/// the fixed columns, one space between each.
const FS_WIDTH_WITH_BAR: u16 = 10 + 6 + 5 + 5 + 5 + 8 + 7 + FULL_IN + 7;

/// The forecast's column: its widest range, "183–730d".
const FULL_IN: u16 = 8;

pub(super) fn filesystems_table(
    frame: &mut Frame,
    area: Rect,
    ui: Ui<'_>,
    filesystems: &[Filesystem],
) {
    let Ui { state, styles: s } = ui;
    let t = state.config.ui.thresholds.disk;
    let symbols = state.config.ui.graph;
    // Too narrow for everything: the bar goes first (Use% says the same).
    let with_bar = area.width >= FS_WIDTH_WITH_BAR;
    let rows: Vec<Row> = filesystems
        .iter()
        .map(|f| {
            let pct = f.used_percent();
            let level = grade(pct, t);
            let mut cells = vec![
                // Mount points and commands are anyone's to name.
                Line::from(shown(&f.mount_point).into_owned()),
                Line::from(Span::styled(shown(&f.fs_type).into_owned(), s.dim)),
                Line::from(bytes(f.total_bytes)),
                Line::from(bytes(f.used_bytes())),
                Line::from(bytes(f.available_bytes)),
            ];
            if with_bar {
                let [on, off] = meter::bar(pct, 8, level_style(s, level), s.dim, symbols);
                cells.push(Line::from(vec![on, off]));
            }
            cells.push(Line::from(Span::styled(
                format!("{pct:5.1}%{}", meter::marker(level, symbols)),
                level_style(s, level),
            )));
            cells.push(full_in(ui, f));
            Row::new(cells)
        })
        .collect();
    let empty = rows.is_empty();
    let mut widths = vec![
        Constraint::Min(10),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
    ];
    let mut header = vec!["Mount", "Type", "Size", "Used", "Avail"];
    if with_bar {
        widths.push(Constraint::Length(8));
        header.push("");
    }
    widths.extend([Constraint::Length(7), Constraint::Length(FULL_IN)]);
    header.extend(["Use%", "Full in"]);
    let table = Table::new(rows, widths).header(Row::new(header).style(s.title));
    frame.render_widget(table, area);
    if empty {
        note_below_header(frame, area, "no disk filesystems mounted", s.dim);
    }
}

/// The days-until-full forecast, as the range it is sure of ("–" when it is
/// not sure): critical when likely within an hour, warning within a day.
fn full_in(ui: Ui<'_>, fs: &Filesystem) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    match state.disk_forecast(fs) {
        None => Line::from(Span::styled("–", s.dim)),
        Some(f) => {
            let style = match f.likely.as_secs() {
                0..3600 => s.critical,
                3600..86400 => s.warning,
                _ => s.text,
            };
            let text = format::forecast(f.earliest, f.latest);
            Line::from(Span::styled(text, style))
        }
    }
}

pub(super) fn network_table(frame: &mut Frame, area: Rect, ui: Ui<'_>, sample: &ResourceSample) {
    let s = ui.styles;
    let rows: Vec<Row> = sample
        .networks
        .iter()
        .map(|n| {
            Row::new(vec![
                Line::from(shown(&n.interface).into_owned()),
                Line::from(Span::styled(rate(n.rx_bytes_per_sec), s.graph_rx)),
                Line::from(Span::styled(rate(n.tx_bytes_per_sec), s.graph_tx)),
                Line::from(Span::styled(bytes(n.rx_total_bytes), s.dim)),
                Line::from(Span::styled(bytes(n.tx_total_bytes), s.dim)),
            ])
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Length(8),
            Constraint::Length(8),
        ],
    )
    .header(Row::new(["Interface", "↓ rx", "↑ tx", "rx total", "tx total"]).style(s.title));
    frame.render_widget(table, area);
    if empty {
        note_below_header(frame, area, "no interfaces besides lo", s.dim);
    }
}

pub(super) fn processes(frame: &mut Frame, area: Rect, ui: Ui<'_>, sample: &ResourceSample) {
    let Ui { state, styles: s } = ui;
    let t = state.config.ui.thresholds.cpu;
    let symbols = state.config.ui.graph;
    let visible = state.visible_processes();
    let rows: Vec<Row> = visible
        .iter()
        .map(|p| {
            let level = grade(f64::from(p.cpu_percent), t);
            let cpu_style = if level == Level::Ok {
                s.text
            } else {
                level_style(s, level)
            };
            Row::new(vec![
                Line::from(Span::styled(p.pid.to_string(), s.dim)),
                Line::from(truncate_right(&shown(&p.user), 8)),
                Line::from(Span::styled(
                    format!("{:5.1}{}", p.cpu_percent, meter::marker(level, symbols)),
                    cpu_style,
                )),
                Line::from(bytes(p.memory_bytes)),
                Line::from(shown(&p.command).into_owned()),
            ])
        })
        .collect();
    let title = format!("Processes {}/{}", visible.len(), sample.process_count);
    let table = Table::new(
        rows,
        [
            Constraint::Length(7),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["PID", "USER", "CPU%", "MEM", title.as_str()]).style(s.title))
    .row_highlight_style(if state.view.focus == PaneId::Resources {
        s.selection
    } else {
        Style::new()
    });
    // Past the processes, the cursor is on the checks.
    let selected = Some(state.list(PaneId::Resources).selected)
        .filter(|&i| i < visible.len() && state.view.focus == PaneId::Resources);
    let mut table_state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut table_state);
    if visible.is_empty() {
        let text = if state.list(PaneId::Resources).filter.is_some() {
            "no process matches the filter"
        } else {
            "no processes"
        };
        note_below_header(frame, area, text, s.dim);
    }
}
