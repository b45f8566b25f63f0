//! The remote part of the Resources pane: fleet rows (one per node_exporter
//! instance) and the user's PromQL panels. Stale data stays, marked with its age.

use crate::app::AppState;
use crate::app::remote::{FleetRow, PanelView};
use crate::app::sources::{SourceId, SourceKind};
use crate::config::Threshold;
use crate::config::remote::{Panel, PanelKind};
use crate::ui::widgets::format::{self, unit_value};
use crate::ui::widgets::graph::HistoryGraph;
use crate::ui::widgets::meter::{self, Level, grade, level_style};
use crate::ui::{Ui, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

/// Rows the remote part wants (fleet header and rows, panel boxes), before capping.
pub fn wanted_height(state: &AppState) -> u16 {
    let fleet_on = state.config.prometheus.iter().any(|p| p.fleet.enabled);
    let fleet = if fleet_on {
        let rows: usize = state.remote.fleet.values().map(Vec::len).sum();
        2 + rows.max(1) as u16
    } else {
        0
    };
    let panels = panels_height(state);
    super::checks::wanted_height(state) + fleet + panels
}

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let state = ui.state;
    let fleet_on = state.config.prometheus.iter().any(|p| p.fleet.enabled);
    // Short of room, the fleet (where an instance shows down) comes before panels.
    let fleet_min = if fleet_on { 3 } else { 0 };
    // Checks first: a service down is what the section is for.
    let checks_height = super::checks::wanted_height(state).min(area.height);
    let [checks_area, area] =
        Layout::vertical([Constraint::Length(checks_height), Constraint::Fill(1)]).areas(area);
    if checks_height > 0 {
        super::checks::draw(frame, checks_area, ui);
    }
    let panels_height = match panels_height(state) {
        h if area.height >= fleet_min + h => h,
        _ if fleet_on => 0,
        h => h.min(area.height),
    };
    let [fleet_area, panels_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(panels_height)]).areas(area);
    if fleet_on {
        fleet(frame, fleet_area, ui);
    }
    if panels_height > 0 {
        panels(frame, panels_area, ui);
    }
}

/// Panel boxes are 4 rows (title, value, sparkline); 8 when one is a chart.
fn panels_height(state: &AppState) -> u16 {
    let panels = &state.config.panel;
    if panels.is_empty() {
        0
    } else if panels.iter().any(|p| p.kind == PanelKind::Chart) {
        8
    } else {
        4
    }
}

/// Prometheus sources that feed fleet rows, with their ids.
fn fleet_sources(state: &AppState) -> Vec<SourceId> {
    let prometheus = state.config.prometheus.iter();
    state
        .remote
        .sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == SourceKind::Prometheus)
        .zip(prometheus)
        .filter(|(_, p)| p.fleet.enabled)
        .map(|((id, _), _)| id)
        .collect()
}

fn fleet(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    if area.height < 2 {
        return;
    }
    let [title_area, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let sources = fleet_sources(state);
    frame.render_widget(Paragraph::new(fleet_title(ui, &sources)), title_area);
    // A row of a failing Prometheus is its last word, not the instance's state.
    let mut rows: Vec<(&FleetRow, bool)> = sources
        .iter()
        .filter(|id| state.remote.sources.get(**id).is_some())
        .flat_map(|id| {
            let stale = !state.remote.healthy(*id);
            let rows = state.remote.fleet.get(id).into_iter().flatten();
            rows.map(move |r| (r, stale))
        })
        .collect();
    // More instances than lines: the ones not up come first, the rest are
    // counted on the last line (a down instance is never the one cut).
    let room = usize::from(table_area.height.saturating_sub(1));
    let mut hidden = 0;
    if rows.len() > room {
        // Down first (known now), then stale (not known), then up.
        rows.sort_by_key(|(r, stale)| match (*stale, r.up) {
            (false, Some(true)) => 2,
            (true, _) => 1,
            (false, _) => 0,
        });
        hidden = rows.len() - room.saturating_sub(1);
        rows.truncate(room.saturating_sub(1));
    }
    if rows.is_empty() {
        let waiting = sources
            .iter()
            .filter_map(|id| state.remote.sources.get(*id))
            .all(|s| s.last_ok.is_none());
        let text = if waiting {
            "  waiting for Prometheus…"
        } else {
            "  no node_exporter instances (see [prometheus.fleet] queries)"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, s.dim)), table_area);
        return;
    }
    let widths = [
        Constraint::Fill(2),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let mut lines: Vec<Row> = rows
        .iter()
        .map(|(r, stale)| fleet_row(ui, r, *stale))
        .collect();
    if hidden > 0 {
        let more = Line::from(Span::styled(format!("+{hidden} more"), s.dim));
        lines.push(Row::new([more]));
    }
    let table = Table::new(lines, widths)
        .header(Row::new(["Instance", "Up", "CPU", "CPU history", "Mem", "Disk"]).style(s.title));
    frame.render_widget(table, table_area);
    // Sparklines go in the "CPU history" column, one per row, under the header.
    let columns = Layout::horizontal(widths).spacing(1).split(table_area);
    let column = columns[3];
    for (i, (row, _)) in rows.iter().enumerate() {
        let y = column.y + 1 + i as u16;
        if y >= column.bottom() {
            break;
        }
        let area = Rect::new(column.x, y, column.width, 1);
        sparkline(frame, area, state, &row.cpu_history, 100.0, s.graph_cpu);
    }
}

/// "Fleet", and what is wrong with each source that feeds it.
fn fleet_title(ui: Ui<'_>, sources: &[SourceId]) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    let mut title = vec![Span::styled("Fleet", s.title)];
    for id in sources {
        let Some(source) = state.remote.sources.get(*id) else {
            continue;
        };
        let problem = if let Some(e) = &source.error {
            let stale = source
                .stale_for(state.now)
                .map(|age| format!(", data {} old", format::age(age.as_secs())))
                .unwrap_or_default();
            format!(" · {} down{stale}: {}", source.name, e.message)
        } else if let Some(e) = state.remote.fleet_error.get(id) {
            format!(" · {}: {e}", source.name)
        } else if let Some(warnings) = &source.note {
            // Prometheus's own warnings (e.g. partial results) are news too.
            format!(" · {} warns: {warnings}", source.name)
        } else {
            continue;
        };
        // Servers' errors and warnings, in their words.
        title.push(Span::styled(visible(&problem).into_owned(), s.warning));
    }
    Line::from(title)
}

/// One instance: up or down, CPU, memory and the fullest disk (the CPU history
/// column is left for a sparkline).
fn fleet_row(ui: Ui<'_>, r: &FleetRow, stale: bool) -> Row<'static> {
    let Ui { state, styles: s } = ui;
    let t = &state.config.ui.thresholds;
    let up = match r.up {
        // Whether it is up now is not known: the title says since when.
        _ if stale => Span::styled("stale", s.warning),
        Some(true) => Span::styled("up", s.ok),
        Some(false) => Span::styled("DOWN", s.critical),
        None => Span::styled("?", s.dim),
    };
    let row = Row::new(vec![
        Line::from(visible(&r.instance).into_owned()),
        Line::from(up),
        percent(ui, r.cpu, t.cpu),
        Line::default(),
        percent(ui, r.memory, t.memory),
        percent(ui, r.disk, t.disk),
    ]);
    if stale { row.style(s.dim) } else { row }
}

/// A percentage, coloured and marked by its level; "–" when unknown.
fn percent(ui: Ui<'_>, v: Option<f64>, th: Threshold) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    match v {
        Some(v) if v.is_finite() => {
            let level = grade(v, th);
            let style = if level == Level::Ok {
                s.text
            } else {
                level_style(s, level)
            };
            Line::from(Span::styled(
                format!("{v:5.1}%{}", meter::marker(level, state.config.ui.graph)),
                style,
            ))
        }
        _ => Line::from(Span::styled("    –", s.dim)),
    }
}

pub(super) fn sparkline(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    values: &[f64],
    max: f64,
    style: Style,
) {
    let values: Vec<Option<f64>> = values.iter().map(|v| v.is_finite().then_some(*v)).collect();
    frame.render_widget(
        HistoryGraph {
            values: &values,
            max,
            style,
            symbols: state.config.ui.graph,
        },
        area,
    );
}

fn panels(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let state = ui.state;
    let count = state.config.panel.len();
    // At least 24 columns a panel; the rest scroll off to the right.
    let per_row = (usize::from(area.width) / 24).clamp(1, count);
    let cells = Layout::horizontal(vec![Constraint::Ratio(1, per_row as u32); per_row]).split(area);
    for (i, (panel, view)) in state
        .config
        .panel
        .iter()
        .zip(&state.remote.panels)
        .take(per_row)
        .enumerate()
    {
        panel_box(frame, cells[i], ui, panel, view);
    }
}

fn panel_box(frame: &mut Frame, area: Rect, ui: Ui<'_>, panel: &Panel, view: &PanelView) {
    let Ui { state, styles: s } = ui;
    let mut block = ratatui::widgets::Block::bordered()
        .border_style(s.border)
        .title(Span::styled(
            format!(" {} ", visible(&panel.title)),
            s.title,
        ));
    // Its Prometheus fails: the values are its last answer, this old.
    let stale = view
        .source
        .and_then(|id| state.remote.sources.get(id))
        .and_then(|source| source.error.as_ref().map(|_| source.stale_for(state.now)));
    if let Some(age) = stale {
        let age = age.map_or_else(|| "no data".into(), |a| format::age(a.as_secs()));
        block = block
            .title(Line::from(Span::styled(format!(" stale {age} "), s.warning)).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let mut lines = Vec::new();
    if let Some(e) = &view.error {
        lines.push(Line::from(Span::styled(visible(e).into_owned(), s.warning)));
    }
    match (view.series.first(), panel.kind) {
        (None, _) if view.error.is_none() => {
            let text = if view.updated.is_some() {
                "no data"
            } else {
                "waiting…"
            };
            lines.push(Line::from(Span::styled(text, s.dim)));
        }
        (None, _) => {}
        (Some(_), PanelKind::Table) => {
            lines.extend(series_lines(ui, panel, view, usize::from(inner.height)));
        }
        (Some(first), kind) => {
            lines.push(value_line(ui, panel, view, first.value));
            if kind.is_range() && inner.height > 1 {
                frame.render_widget(Paragraph::new(lines), inner);
                let graph = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
                let max = first
                    .history
                    .iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .fold(0.0, f64::max);
                sparkline(frame, graph, state, &first.history, max, s.graph_cpu);
                return;
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A table panel: one series a line, as many as fit in `room` lines; when they
/// do not fit, the last line says how many are not shown.
fn series_lines(ui: Ui<'_>, panel: &Panel, view: &PanelView, room: usize) -> Vec<Line<'static>> {
    let s = ui.styles;
    let shown = if view.series.len() > room {
        room.saturating_sub(1)
    } else {
        room
    };
    let mut lines = Vec::new();
    for series in view.series.iter().take(shown) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} ", marked(ui, panel, series.value)),
                value_style(ui, panel, series.value),
            ),
            Span::styled(visible(&series.name).into_owned(), s.dim),
        ]));
    }
    if view.series.len() > shown {
        let more = view.series.len() - shown;
        lines.push(Line::from(Span::styled(format!("+{more} more"), s.dim)));
    }
    lines
}

/// The first series' value, and how many more series there are.
fn value_line(ui: Ui<'_>, panel: &Panel, view: &PanelView, value: f64) -> Line<'static> {
    let more = if view.series.len() > 1 {
        format!("  (+{} series)", view.series.len() - 1)
    } else {
        String::new()
    };
    Line::from(vec![
        Span::styled(marked(ui, panel, value), value_style(ui, panel, value)),
        Span::styled(more, ui.styles.dim),
    ])
}

/// A value's colour by the panel's thresholds, if it has any.
fn value_style(ui: Ui<'_>, panel: &Panel, v: f64) -> Style {
    match panel.thresholds {
        Some(t) if v.is_finite() => level_style(ui.styles, grade(v, t)),
        _ => ui.styles.text,
    }
}

/// A value in its unit, with its level as a symbol too, as fleet cells have it:
/// colour alone is lost in mono.
fn marked(ui: Ui<'_>, panel: &Panel, v: f64) -> String {
    let text = unit_value(v, panel.unit);
    match panel.thresholds.map(|t| grade(v, t)) {
        Some(level) if v.is_finite() && level != Level::Ok => {
            format!("{text}{}", meter::marker(level, ui.state.config.ui.graph))
        }
        _ => text,
    }
}
