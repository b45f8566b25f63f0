//! The Scaling pane: one row per target (current → desired, mode, state,
//! why in one line of words) and, where there is room, the selected
//! target's replicas over time with its first metric beside it.

use crate::app::PaneId;
use crate::app::scaling::{TargetState, TargetView};
use crate::engine::scaling::{Mode, TargetSpec};
use crate::ui::theme::Styles;
use crate::ui::widgets::graph::HistoryGraph;
use crate::ui::{Ui, note, pane_block};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

/// Rows the chart takes (label and graphs) when there is room for it.
const CHART_HEIGHT: u16 = 6;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let block = pane_block(ui, PaneId::Scaling, title_notes(ui), area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let specs = state.config.scaling_targets();
    let targets = &state.scaling.targets;
    if targets.is_empty() {
        note(
            frame,
            inner,
            "no scaling targets configured — see [[scaling]] in config",
            s.dim,
        );
        return;
    }
    let focused = state.view.focus == PaneId::Scaling;
    let selected = state.list(PaneId::Scaling).selected.min(targets.len() - 1);
    let table_height = u16::try_from(targets.len() + 1).unwrap_or(u16::MAX);
    let chart = inner.height >= table_height + 1 + CHART_HEIGHT && inner.width >= 30;
    let [table_area, _, chart_area] = Layout::vertical([
        Constraint::Length(if chart { table_height } else { inner.height }),
        Constraint::Length(u16::from(chart)),
        Constraint::Length(if chart { CHART_HEIGHT } else { 0 }),
    ])
    .areas(inner);
    let wide = inner.width >= 60;
    let rows: Vec<Row> = specs
        .iter()
        .zip(targets)
        .map(|(spec, view)| row(ui, spec, view, wide))
        .collect();
    let name_width = specs
        .iter()
        .map(|t| t.scaler.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(6, 20) as u16;
    let mut widths = vec![Constraint::Length(name_width), Constraint::Length(8)];
    let mut header = vec!["Target", "Replicas"];
    if wide {
        widths.push(Constraint::Length(9));
        header.push("Mode");
    }
    widths.extend([Constraint::Length(18), Constraint::Fill(1)]);
    header.extend(["State", "Why"]);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.title))
        .row_highlight_style(if focused { s.selection } else { Style::new() });
    let mut table_state = TableState::default().with_selected(focused.then_some(selected));
    frame.render_stateful_widget(table, table_area, &mut table_state);
    if chart {
        draw_chart(frame, chart_area, ui, &specs[selected], &targets[selected]);
    }
}

fn row<'a>(ui: Ui<'_>, spec: &TargetSpec, view: &TargetView, wide: bool) -> Row<'a> {
    let s = ui.styles;
    let state = view.state();
    let replicas = match (view.current(), &view.decision) {
        (Some(c), Some(d)) if d.desired != c => format!("{c}→{}", d.desired),
        (Some(c), _) => c.to_string(),
        (None, _) => "?".into(),
    };
    let mut cells = vec![
        Line::from(crate::ui::visible(&spec.scaler.name).into_owned()),
        Line::from(replicas),
    ];
    if wide {
        cells.push(Line::styled(
            crate::app::scaling::mode_name(spec.mode),
            if spec.mode == Mode::Auto {
                s.accent
            } else {
                s.dim
            },
        ));
    }
    cells.push(Line::styled(
        state_words(ui, spec, view, state),
        state_style(s, state),
    ));
    cells.push(Line::from(crate::ui::visible(&why(ui, view)).into_owned()));
    Row::new(cells)
}

/// The state, or how long the figures have been stale.
fn state_words(ui: Ui<'_>, spec: &TargetSpec, view: &TargetView, state: TargetState) -> String {
    let stale = view.stale_for(ui.state.now, spec);
    match (state, view.under_way(), view.settling, stale) {
        (TargetState::Executing, Some((_, from, to)), _, _) => format!("executing {from}→{to}"),
        (TargetState::Settling, _, Some((to, _)), _) => format!("settling at {to}"),
        (_, _, _, Some(age)) => {
            let age = crate::ui::widgets::format::age(age.num_seconds().max(0).unsigned_abs());
            format!("stale {age}")
        }
        _ => state.as_str().into(),
    }
}

/// The decision in words, then the last execution and its age.
fn why(ui: Ui<'_>, view: &TargetView) -> String {
    let now = ui.state.now;
    let mut text = match &view.inputs {
        Some(i) if i.current.is_none() => i.current_error.clone().unwrap_or_default(),
        _ => view.summary.clone(),
    };
    if let Some(e) = &view.last_execution {
        let ago = (now - e.at).num_seconds().max(0).unsigned_abs();
        let ago = crate::ui::widgets::format::age(ago);
        let done = if e.executed {
            format!("executed {}→{} {ago} ago", e.current, e.desired)
        } else {
            format!("{}→{} {} {ago} ago", e.current, e.desired, e.outcome)
        };
        text = if text.is_empty() {
            done
        } else {
            format!("{text}; {done}")
        };
    }
    text
}

fn state_style(s: &Styles, state: TargetState) -> Style {
    match state {
        TargetState::CurrentUnreadable | TargetState::ExecutorFailed => s.critical,
        TargetState::MetricMissing | TargetState::Limited | TargetState::Disabled => s.warning,
        TargetState::ScalingUp
        | TargetState::ScalingDown
        | TargetState::Executing
        | TargetState::Settling
        | TargetState::Stabilised => s.info,
        TargetState::Steady => s.ok,
        TargetState::Waiting => s.dim,
    }
}

/// Targets not steady, for the pane's title.
fn title_notes<'a>(ui: Ui<'_>) -> Vec<Span<'a>> {
    let s = ui.styles;
    let targets = &ui.state.scaling.targets;
    let failing = targets
        .iter()
        .filter(|t| {
            matches!(
                t.state(),
                TargetState::CurrentUnreadable | TargetState::ExecutorFailed
            )
        })
        .count();
    let moving = targets
        .iter()
        .filter(|t| {
            matches!(
                t.state(),
                TargetState::ScalingUp | TargetState::ScalingDown | TargetState::Executing
            )
        })
        .count();
    let mut notes = Vec::new();
    if failing > 0 {
        notes.push(Span::styled(format!(" {failing} failing "), s.critical));
    }
    if moving > 0 {
        notes.push(Span::styled(format!(" {moving} scaling "), s.info));
    }
    // Whose decisions these are (not the word "leader": scripts look for
    // it on the leader's status line).
    if let (true, Some(pid)) = (ui.state.follows_leader(), ui.state.leader) {
        notes.push(Span::styled(format!(" pid {pid} decides "), s.dim));
    }
    notes
}

/// Replicas (current, and the desired count beside it) and the first metric.
fn draw_chart(frame: &mut Frame, area: Rect, ui: Ui<'_>, spec: &TargetSpec, view: &TargetView) {
    let s = ui.styles;
    let symbols = ui.state.config.ui.graph;
    let [label, graphs] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let [left, _, right] = Layout::horizontal([
        Constraint::Percentage(50),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(graphs);
    let metric = spec.scaler.metrics.first();
    let last = view.chart.back();
    let metric_text = match (metric, last.and_then(|p| p.metric)) {
        (Some(m), Some(v)) => format!("{} {v:.1} (target {})", m.name, m.target),
        (Some(m), None) => format!("{} (no reading)", m.name),
        (None, _) => String::new(),
    };
    let title = Line::from(vec![
        Span::styled(crate::ui::visible(&spec.scaler.name).into_owned(), s.title),
        Span::styled(
            format!(
                " replicas {}..{}  now {}",
                spec.scaler.min,
                spec.scaler.max,
                view.current().map_or("?".into(), |c| c.to_string())
            ),
            s.dim,
        ),
    ]);
    let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)]).areas(label);
    frame.render_widget(Paragraph::new(title), l);
    frame.render_widget(
        Paragraph::new(Span::styled(
            crate::ui::visible(&metric_text).into_owned(),
            s.dim,
        )),
        r,
    );
    let n = HistoryGraph::samples_for_width(symbols, left.width);
    let start = view.chart.len().saturating_sub(n);
    let replicas: Vec<Option<f64>> = view
        .chart
        .iter()
        .skip(start)
        .map(|p| Some(f64::from(p.current)))
        .collect();
    frame.render_widget(
        HistoryGraph {
            values: &replicas,
            max: f64::from(spec.scaler.max),
            style: s.graph_cpu,
            symbols,
        },
        left,
    );
    let n = HistoryGraph::samples_for_width(symbols, right.width);
    let start = view.chart.len().saturating_sub(n);
    let values: Vec<Option<f64>> = view.chart.iter().skip(start).map(|p| p.metric).collect();
    let top = values
        .iter()
        .flatten()
        .copied()
        .fold(metric.map_or(1.0, |m| m.target * 2.0), f64::max);
    frame.render_widget(
        HistoryGraph {
            values: &values,
            max: top,
            style: s.graph_memory,
            symbols,
        },
        right,
    );
}
