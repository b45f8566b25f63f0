//! Resources of the local host: CPU, load, memory and swap, filesystems, network
//! rates and top processes, with history graphs. Two layouts: wide (two columns)
//! and narrow (one column, for 80x24).

use crate::app::{AppState, PaneId};
use crate::collect::model::{Filesystem, ResourceSample};
use crate::config::Threshold;
use crate::ui::widgets::format::{self, bytes, rate};
use crate::ui::widgets::graph::HistoryGraph;
use crate::ui::widgets::meter::{self, Level, grade, level_style};
use crate::ui::{note, pane_block};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState) {
    let s = &state.styles;
    let mut notes = Vec::new();
    if let Some(age) = state.resources_stale_for() {
        let why = state
            .resources
            .error
            .as_ref()
            .map(|(e, _)| format!(": {e}"))
            .unwrap_or_default();
        notes.push(Span::styled(
            format!(" STALE {}{why} ", format::age(age.as_secs())),
            s.warning,
        ));
    }
    let block = pane_block(state, PaneId::Resources, notes);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(sample) = &state.resources.latest else {
        let text = match &state.resources.error {
            Some((e, _)) => format!("cannot read the local host: {e}"),
            None => "collecting the first sample…".into(),
        };
        note(frame, inner, &text, s.dim);
        return;
    };
    if inner.width >= 90 {
        wide(frame, inner, state, sample);
    } else {
        narrow(frame, inner, state, sample);
    }
}

fn wide(frame: &mut Frame, area: Rect, state: &AppState, sample: &ResourceSample) {
    let [left, _, right] = Layout::horizontal([
        Constraint::Percentage(44),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    let core_rows = core_rows(sample.cpu_per_core.len(), left.width, 24);
    let [
        cpu_line,
        load_line,
        cores,
        cpu_graph,
        mem_line,
        swap_line,
        mem_graph,
        rx_graph,
        tx_graph,
    ] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(core_rows),
        Constraint::Fill(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ])
    .areas(left);
    cpu_meter(frame, cpu_line, state, sample);
    frame.render_widget(Paragraph::new(load_text(state, sample)), load_line);
    graph(frame, cpu_graph, state, GraphKind::Cpu);
    per_core(frame, cores, state, sample, 24);
    memory_meters(frame, mem_line, swap_line, state, sample);
    graph(frame, mem_graph, state, GraphKind::Memory);
    graph(frame, rx_graph, state, GraphKind::NetRx);
    graph(frame, tx_graph, state, GraphKind::NetTx);

    let fs_rows = (sample.filesystems.len() as u16 + 1)
        .min(right.height / 3)
        .max(2);
    let net_rows = (sample.networks.len() as u16 + 1)
        .min(right.height / 4)
        .max(2);
    let [fs, _, net, _, procs] = Layout::vertical([
        Constraint::Length(fs_rows),
        Constraint::Length(1),
        Constraint::Length(net_rows),
        Constraint::Length(1),
        Constraint::Min(3),
    ])
    .areas(right);
    filesystems_table(frame, fs, state, &sample.filesystems);
    network_table(frame, net, state, sample);
    processes(frame, procs, state, sample);
}

fn narrow(frame: &mut Frame, area: Rect, state: &AppState, sample: &ResourceSample) {
    let core_rows = core_rows(sample.cpu_per_core.len(), area.width, 16);
    let graph_rows = if area.height >= 20 { 3 } else { 0 };
    let fs_count = (sample.filesystems.len() as u16).min(if area.height >= 18 { 3 } else { 1 });
    let [
        cpu_line,
        cores,
        cpu_graph,
        mem_line,
        swap_line,
        fs,
        net,
        procs,
    ] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(core_rows),
        Constraint::Length(graph_rows),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(fs_count),
        Constraint::Length(1),
        Constraint::Min(2),
    ])
    .areas(area);
    cpu_meter(frame, cpu_line, state, sample);
    per_core(frame, cores, state, sample, 16);
    graph(frame, cpu_graph, state, GraphKind::Cpu);
    memory_meters(frame, mem_line, swap_line, state, sample);
    let t = state.config.ui.thresholds.disk;
    let lines: Vec<Line> = sample
        .filesystems
        .iter()
        .take(usize::from(fs_count))
        .map(|f| {
            let label = truncate_left(&f.mount_point, 5);
            let mut used = format!("{}/{}", bytes(f.used_bytes()), bytes(f.total_bytes));
            if let Some(t) = state.time_until_full(f) {
                used.push_str(&format!(" full in {}", format::age(t.as_secs())));
            }
            meter_line(state, &label, f.used_percent(), &used, t, fs.width)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), fs);
    let s = &state.styles;
    let mut spans = vec![Span::styled("Net  ", s.title)];
    for n in sample.networks.iter().take(3) {
        spans.push(Span::styled(format!("{} ", n.interface), s.dim));
        spans.push(Span::styled(
            format!(
                "↓{} ↑{}  ",
                rate(n.rx_bytes_per_sec),
                rate(n.tx_bytes_per_sec)
            ),
            s.text,
        ));
    }
    if sample.networks.is_empty() {
        spans.push(Span::styled("no interfaces besides lo", s.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), net);
    processes(frame, procs, state, sample);
}

/// "CPU  ■■■■····· 45.2%!" sized to `width`.
fn meter_line(
    state: &AppState,
    label: &str,
    percent: f64,
    detail: &str,
    t: Threshold,
    width: u16,
) -> Line<'static> {
    let s = &state.styles;
    let symbols = state.config.ui.graph;
    let level = grade(percent, t);
    let value = format!(" {percent:5.1}%{}", meter::marker(level, symbols));
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" {detail}")
    };
    let fixed = 5 + value.chars().count() + detail.chars().count();
    let bar_width = usize::from(width).saturating_sub(fixed).max(4);
    let mut spans = vec![Span::styled(format!("{label:<5}"), s.title)];
    spans.extend(meter::bar(
        percent,
        bar_width,
        level_style(s, level),
        s.dim,
        symbols,
    ));
    spans.push(Span::styled(value, level_style(s, level)));
    spans.push(Span::styled(detail, s.dim));
    Line::from(spans)
}

fn cpu_meter(frame: &mut Frame, area: Rect, state: &AppState, sample: &ResourceSample) {
    let t = state.config.ui.thresholds.cpu;
    let detail = format!("{} procs", sample.process_count);
    let line = meter_line(
        state,
        "CPU",
        f64::from(sample.cpu_total),
        &detail,
        t,
        area.width,
    );
    frame.render_widget(Paragraph::new(line), area);
}

fn load_text(state: &AppState, sample: &ResourceSample) -> Line<'static> {
    let s = &state.styles;
    let cores = sample.cpu_per_core.len().max(1) as f64;
    let per_core = sample.load.one / cores * 100.0;
    let level = grade(per_core, state.config.ui.thresholds.load);
    Line::from(vec![
        Span::styled("load ", s.title),
        Span::styled(
            format!(
                "{:.2}{} ",
                sample.load.one,
                meter::marker(level, state.config.ui.graph)
            ),
            level_style(s, level),
        ),
        Span::styled(
            format!("{:.2} {:.2}", sample.load.five, sample.load.fifteen),
            s.text,
        ),
        Span::styled(
            format!("  1/5/15 min · {} cores", sample.cpu_per_core.len()),
            s.dim,
        ),
    ])
}

fn core_rows(cores: usize, width: u16, cell: u16) -> u16 {
    let per_row = usize::from((width / cell).max(1));
    cores.div_ceil(per_row) as u16
}

fn per_core(frame: &mut Frame, area: Rect, state: &AppState, sample: &ResourceSample, cell: u16) {
    if area.is_empty() {
        return;
    }
    let s = &state.styles;
    let symbols = state.config.ui.graph;
    let per_row = usize::from((area.width / cell).max(1));
    let digits = sample
        .cpu_per_core
        .len()
        .saturating_sub(1)
        .to_string()
        .len();
    let t = state.config.ui.thresholds.cpu;
    let lines: Vec<Line> = sample
        .cpu_per_core
        .chunks(per_row)
        .enumerate()
        .map(|(row, chunk)| {
            let mut spans = Vec::new();
            for (i, usage) in chunk.iter().enumerate() {
                let core = row * per_row + i;
                let usage = f64::from(*usage);
                let level = grade(usage, t);
                let value = format!("{usage:3.0}%{}", meter::marker(level, symbols));
                let bar_width =
                    usize::from(cell).saturating_sub(digits + 2 + value.chars().count() + 1);
                spans.push(Span::styled(format!("{core:>digits$} "), s.dim));
                spans.extend(meter::bar(
                    usage,
                    bar_width,
                    level_style(s, level),
                    s.dim,
                    symbols,
                ));
                spans.push(Span::styled(format!("{value} "), level_style(s, level)));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn memory_meters(
    frame: &mut Frame,
    mem: Rect,
    swap: Rect,
    state: &AppState,
    sample: &ResourceSample,
) {
    let t = &state.config.ui.thresholds;
    let m = &sample.memory;
    let detail = format!("{}/{}", bytes(m.used_bytes), bytes(m.total_bytes));
    frame.render_widget(
        Paragraph::new(meter_line(
            state,
            "Mem",
            m.percent(),
            &detail,
            t.memory,
            mem.width,
        )),
        mem,
    );
    let sw = &sample.swap;
    let line = if sw.total_bytes == 0 {
        Line::from(vec![
            Span::styled("Swap ", state.styles.title),
            Span::styled("none configured", state.styles.dim),
        ])
    } else {
        let detail = format!("{}/{}", bytes(sw.used_bytes), bytes(sw.total_bytes));
        meter_line(state, "Swap", sw.percent(), &detail, t.swap, swap.width)
    };
    frame.render_widget(Paragraph::new(line), swap);
}

#[derive(Clone, Copy)]
enum GraphKind {
    Cpu,
    Memory,
    NetRx,
    NetTx,
}

fn graph(frame: &mut Frame, area: Rect, state: &AppState, kind: GraphKind) {
    if area.height < 2 || area.width < 12 {
        return;
    }
    let s = &state.styles;
    let r = &state.resources;
    let (series, style, label) = match kind {
        GraphKind::Cpu => (&r.cpu, s.graph_cpu, "cpu"),
        GraphKind::Memory => (&r.memory, s.graph_memory, "mem"),
        GraphKind::NetRx => (&r.net_rx, s.graph_rx, "↓rx"),
        GraphKind::NetTx => (&r.net_tx, s.graph_tx, "↑tx"),
    };
    let [axis, plot] = Layout::horizontal([Constraint::Length(5), Constraint::Fill(1)]).areas(area);
    let samples = HistoryGraph::samples_for_width(state.config.ui.graph, plot.width);
    let values = series.buckets(samples, r.samples_seen);
    let (max, top) = match kind {
        GraphKind::Cpu | GraphKind::Memory => (100.0, "100%".to_string()),
        GraphKind::NetRx | GraphKind::NetTx => {
            // A power of two above the peak: the scale moves rarely, so the graph is
            // not repainted for every small change of the peak.
            let peak = values.iter().flatten().fold(0.0_f64, |a, b| a.max(*b));
            let max = (peak.max(1024.0)).log2().ceil().exp2();
            (max, format::bytes(max as u64))
        }
    };
    frame.render_widget(
        HistoryGraph {
            values: &values,
            max,
            style,
            symbols: state.config.ui.graph,
        },
        plot,
    );
    let window = crate::config::duration::short(state.config.general.history);
    let mut axis_lines = vec![Line::from(Span::styled(top, s.dim))];
    for _ in 2..area.height {
        axis_lines.push(Line::default());
    }
    axis_lines.push(Line::from(Span::styled(label, s.dim)));
    frame.render_widget(Paragraph::new(axis_lines), axis);
    let tag = format!(" {window} ");
    let tag_area = Rect::new(
        plot.right().saturating_sub(tag.len() as u16),
        plot.y,
        tag.len() as u16,
        1,
    );
    frame.render_widget(
        Paragraph::new(Span::styled(tag, s.dim)),
        tag_area.intersection(plot),
    );
}

fn filesystems_table(frame: &mut Frame, area: Rect, state: &AppState, filesystems: &[Filesystem]) {
    let s = &state.styles;
    let t = state.config.ui.thresholds.disk;
    let symbols = state.config.ui.graph;
    let rows: Vec<Row> = filesystems
        .iter()
        .map(|f| {
            let pct = f.used_percent();
            let level = grade(pct, t);
            let [on, off] = meter::bar(pct, 8, level_style(s, level), s.dim, symbols);
            Row::new(vec![
                Line::from(f.mount_point.clone()),
                Line::from(Span::styled(f.fs_type.clone(), s.dim)),
                Line::from(bytes(f.total_bytes)),
                Line::from(bytes(f.used_bytes())),
                Line::from(vec![on, off]),
                Line::from(Span::styled(
                    format!("{pct:5.1}%{}", meter::marker(level, symbols)),
                    level_style(s, level),
                )),
                full_in(state, f),
            ])
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Min(10),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(7),
        ],
    )
    .header(Row::new(["Mount", "Type", "Size", "Used", "", "Use%", "Full in"]).style(s.title));
    frame.render_widget(table, area);
    if empty {
        note_below_header(frame, area, "no disk filesystems mounted", s.dim);
    }
}

/// The days-until-full forecast: critical within an hour, warning within a day.
fn full_in(state: &AppState, fs: &Filesystem) -> Line<'static> {
    let s = &state.styles;
    match state.time_until_full(fs) {
        None => Line::from(Span::styled("–", s.dim)),
        Some(t) => {
            let style = match t.as_secs() {
                0..3600 => s.critical,
                3600..86400 => s.warning,
                _ => s.text,
            };
            Line::from(Span::styled(format::age(t.as_secs()), style))
        }
    }
}

fn network_table(frame: &mut Frame, area: Rect, state: &AppState, sample: &ResourceSample) {
    let s = &state.styles;
    let rows: Vec<Row> = sample
        .networks
        .iter()
        .map(|n| {
            Row::new(vec![
                Line::from(n.interface.clone()),
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

fn processes(frame: &mut Frame, area: Rect, state: &AppState, sample: &ResourceSample) {
    let s = &state.styles;
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
                Line::from(truncate_right(&p.user, 8)),
                Line::from(Span::styled(
                    format!("{:5.1}{}", p.cpu_percent, meter::marker(level, symbols)),
                    cpu_style,
                )),
                Line::from(bytes(p.memory_bytes)),
                Line::from(p.command.clone()),
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
    .row_highlight_style(if state.focus == PaneId::Resources {
        s.selection
    } else {
        Style::new()
    });
    let selected = state.list(PaneId::Resources).selected;
    let mut table_state =
        TableState::default().with_selected((state.focus == PaneId::Resources).then_some(selected));
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

fn truncate_right(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Keeps the end of a path ("…/data" rather than "/var/…").
fn truncate_left(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        text.to_string()
    } else {
        let tail: String = text.chars().skip(count - width + 1).collect();
        format!("…{tail}")
    }
}

/// A one-line note under a table's header row, for a table with no rows.
fn note_below_header(frame: &mut Frame, area: Rect, text: &str, style: Style) {
    let below = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    note(frame, below, text, style);
}
