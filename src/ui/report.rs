//! The hand-over summary (`H`): the ops report since the last hand-over,
//! drawn from the same document as `opsdeck report` (headings, text, tables
//! with aligned columns, lists; charts as sparklines), scrolled like details.

use crate::app::report::Summary;
use crate::config::GraphSymbols;
use crate::engine::report::Report;
use crate::engine::report::document::{Block, Chart};
use crate::ui::Ui;
use crate::ui::theme::Styles;
use crate::ui::visible;
use crate::ui::widgets::format::ellipsis;
use crate::ui::widgets::graph::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

/// A column is cut to this many characters at most.
const CELL: usize = 40;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let lines = match &state.report.summary {
        None => vec![Line::styled(
            "building the report from the state database…",
            s.dim,
        )],
        Some(Err(e)) => vec![Line::styled(
            format!("cannot build the report: {}", visible(e)),
            s.critical,
        )],
        Some(Ok(summary)) => lines(s, state.config.ui.graph, summary),
    };
    let width = area.width.saturating_sub(4).min(140);
    let hints = (
        " Hand-over summary ",
        " j/k scroll · Esc closes · opsdeck report for the file ",
    );
    super::overlay::details_popup(frame, area, ui, width, hints, lines);
}

fn lines(s: &Styles, graph: GraphSymbols, summary: &Summary) -> Vec<Line<'static>> {
    let report = &summary.report;
    let mut out = Vec::new();
    for block in &summary.blocks {
        match block {
            Block::Heading(level, text) => {
                if *level > 1 {
                    out.push(Line::default());
                }
                let style = if *level <= 2 { s.accent } else { s.title };
                out.push(Line::styled(
                    visible(text).into_owned(),
                    style.add_modifier(Modifier::BOLD),
                ));
            }
            Block::Text(text) => out.push(Line::styled(visible(text).into_owned(), s.text)),
            Block::Bullets(items) => {
                for item in items {
                    out.push(Line::styled(format!("• {}", visible(item)), s.text));
                }
            }
            Block::Table { head, rows } => out.extend(table(s, head, rows)),
            Block::Chart(chart) => out.extend(sparklines(s, graph, report, *chart)),
        }
    }
    out
}

fn table(s: &Styles, head: &[&str], rows: &[Vec<String>]) -> Vec<Line<'static>> {
    let cell = |text: &str| ellipsis(&visible(text), CELL);
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell(c).chars().count());
            }
        }
    }
    let line = |cells: Vec<String>, style| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        Line::styled(format!("  {}", text.join("  ").trim_end()), style)
    };
    let mut out = vec![line(head.iter().map(|h| h.to_string()).collect(), s.dim)];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(|c| cell(c)).collect(), s.text)),
    );
    out
}

fn sparklines(
    s: &Styles,
    graph: GraphSymbols,
    report: &Report,
    chart: Chart,
) -> Vec<Line<'static>> {
    let spark = |values: &[f64], max: f64| {
        let values: Vec<Option<f64>> = values.iter().map(|v| Some(*v)).collect();
        one_line(&values, max, graph)
    };
    let label = |name: &str, line: String, style| {
        Line::from(vec![
            Span::styled(format!("  {name:<9}"), s.dim),
            Span::styled(line, style),
        ])
    };
    match chart {
        Chart::AlertsPerHour => {
            let fired: Vec<f64> = report
                .alerts_per_hour
                .iter()
                .map(|h| h.fired as f64)
                .collect();
            let most = fired.iter().copied().fold(0.0, f64::max);
            vec![label(
                "per hour",
                format!("{} (most {most})", spark(&fired, most)),
                s.info,
            )]
        }
        Chart::CpuAndMemory => {
            // At most 60 points: the overlay is not a chart pane.
            let step = report.resource_series.len().div_ceil(60).max(1);
            let points: Vec<_> = report.resource_series.iter().step_by(step).collect();
            let cpu: Vec<f64> = points.iter().map(|p| p.cpu).collect();
            let mem: Vec<f64> = points.iter().map(|p| p.memory).collect();
            vec![
                label("cpu", spark(&cpu, 100.0), s.graph_cpu),
                label("memory", spark(&mem, 100.0), s.graph_memory),
            ]
        }
    }
}
