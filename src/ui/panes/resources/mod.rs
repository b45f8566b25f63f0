//! Resources of the local host: CPU, load, memory and swap, filesystems, network
//! rates and top processes, with history graphs. Two layouts: wide (two columns)
//! and narrow (one column, for 80x24).

mod checks;
mod graphs;
mod remote;
mod tables;

use crate::app::PaneId;
use crate::collect::model::ResourceSample;
use crate::config::Threshold;
pub(super) use crate::ui::widgets::format::ellipsis as truncate_right;
use crate::ui::widgets::format::{self, bytes, rate};
use crate::ui::widgets::meter::{self, grade, level_style};
use crate::ui::{Ui, visible};
use crate::ui::{note, pane_block};
use graphs::{GraphKind, graph};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tables::{filesystems_table, network_table, processes};

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let mut notes = Vec::new();
    let held = state.resources.received_at.map(|at| state.now - at);
    if state.view.paused {
        // Held by the operator, not stale: the collector still answers.
        let age = held.and_then(|d| d.to_std().ok()).unwrap_or_default();
        notes.push(Span::styled(
            format!(" paused {} · p resumes ", format::age(age.as_secs())),
            s.warning,
        ));
    } else if let Some(age) = state.resources_stale_for() {
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
    let down = state.health.down();
    if down > 0 {
        let what = if down == 1 { "check" } else { "checks" };
        notes.push(Span::styled(format!(" ✗ {down} {what} down "), s.critical));
    }
    let block = pane_block(ui, PaneId::Resources, notes, area.width);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    let remote_height = remote::wanted_height(state).min(inner.height * 2 / 5);
    if remote_height >= 2 {
        let [local, _, remote_area] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(remote_height),
        ])
        .areas(inner);
        remote::draw(frame, remote_area, ui);
        inner = local;
    }
    let Some(sample) = &state.resources.latest else {
        let text = match &state.resources.error {
            Some((e, _)) => format!("cannot read the local host: {e}"),
            None => "collecting the first sample…".into(),
        };
        note(frame, inner, &text, s.dim);
        return;
    };
    if inner.width >= 90 {
        wide(frame, inner, ui, sample);
    } else {
        narrow(frame, inner, ui, sample);
    }
}

fn wide(frame: &mut Frame, area: Rect, ui: Ui<'_>, sample: &ResourceSample) {
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
    cpu_meter(frame, cpu_line, ui, sample);
    frame.render_widget(Paragraph::new(load_text(ui, sample)), load_line);
    graph(frame, cpu_graph, ui, GraphKind::Cpu);
    per_core(frame, cores, ui, sample, 24);
    memory_meters(frame, mem_line, swap_line, ui, sample);
    graph(frame, mem_graph, ui, GraphKind::Memory);
    graph(frame, rx_graph, ui, GraphKind::NetRx);
    graph(frame, tx_graph, ui, GraphKind::NetTx);

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
    filesystems_table(frame, fs, ui, &sample.filesystems);
    network_table(frame, net, ui, sample);
    processes(frame, procs, ui, sample);
}

fn narrow(frame: &mut Frame, area: Rect, ui: Ui<'_>, sample: &ResourceSample) {
    let Ui { state, styles: s } = ui;
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
        // Processes give way first when short: the CPU line never does.
        Constraint::Min(0),
    ])
    .areas(area);
    cpu_meter(frame, cpu_line, ui, sample);
    per_core(frame, cores, ui, sample, 16);
    graph(frame, cpu_graph, ui, GraphKind::Cpu);
    memory_meters(frame, mem_line, swap_line, ui, sample);
    let t = state.config.ui.thresholds.disk;
    let lines: Vec<Line> = sample
        .filesystems
        .iter()
        .take(usize::from(fs_count))
        .map(|f| {
            let label = truncate_left(&visible(&f.mount_point), 5);
            let mut used = format!("{}/{}", bytes(f.used_bytes()), bytes(f.total_bytes));
            if let Some(f) = state.disk_forecast(f) {
                let range = format::forecast(f.earliest, f.latest);
                used.push_str(&format!(" full in {range}"));
            }
            meter_line(ui, &label, f.used_percent(), &used, t, fs.width)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), fs);
    let mut spans = vec![Span::styled("Net  ", s.title)];
    for n in sample.networks.iter().take(3) {
        spans.push(Span::styled(format!("{} ", visible(&n.interface)), s.dim));
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
    processes(frame, procs, ui, sample);
}

/// "CPU  ■■■■····· 45.2%!" sized to `width`.
fn meter_line(
    ui: Ui<'_>,
    label: &str,
    percent: f64,
    detail: &str,
    t: Threshold,
    width: u16,
) -> Line<'static> {
    let Ui { state, styles: s } = ui;
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

fn cpu_meter(frame: &mut Frame, area: Rect, ui: Ui<'_>, sample: &ResourceSample) {
    let state = ui.state;
    let t = state.config.ui.thresholds.cpu;
    // At every size: time lost waiting on disks or the hypervisor, when it is
    // large enough to matter (the total leaves it out, as top's us+sy does).
    let b = sample.cpu_breakdown;
    let mut detail = String::new();
    for (label, pct) in [("wa", b.iowait), ("st", b.steal)] {
        if pct >= WAIT_WARNING {
            detail.push_str(&format!("{label} {pct:.0}% "));
        }
    }
    detail.push_str(&format!("{} procs", sample.process_count));
    let line = meter_line(
        ui,
        "CPU",
        f64::from(sample.cpu_total),
        &detail,
        t,
        area.width,
    );
    frame.render_widget(Paragraph::new(line), area);
}

/// Load averages, then where the CPU time went: iowait and steal first (a host
/// stuck on its disks or starved by its hypervisor looks idle by the total),
/// then user and system, as top shows them.
fn load_text(ui: Ui<'_>, sample: &ResourceSample) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    let cores = sample.cpu_per_core.len().max(1) as f64;
    let per_core = sample.load.one / cores * 100.0;
    let level = grade(per_core, state.config.ui.thresholds.load);
    let b = sample.cpu_breakdown;
    let waiting = |label: &str, pct: f32| {
        let style = if pct >= WAIT_WARNING {
            s.warning
        } else {
            s.text
        };
        [
            Span::styled(format!(" {label} "), s.dim),
            Span::styled(format!("{pct:.0}%"), style),
        ]
    };
    let mut spans = vec![
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
            format!("{:.2} {:.2} ", sample.load.five, sample.load.fifteen),
            s.text,
        ),
    ];
    spans.extend(waiting("wa", b.iowait));
    spans.extend(waiting("st", b.steal));
    spans.push(Span::styled(
        format!("  us {:.0}% sy {:.0}%", b.user, b.system),
        s.dim,
    ));
    Line::from(spans)
}

/// iowait or steal from this share of the time on is shown as a warning.
const WAIT_WARNING: f32 = 10.0;

fn core_rows(cores: usize, width: u16, cell: u16) -> u16 {
    let per_row = usize::from((width / cell).max(1));
    cores.div_ceil(per_row) as u16
}

fn per_core(frame: &mut Frame, area: Rect, ui: Ui<'_>, sample: &ResourceSample, cell: u16) {
    let Ui { state, styles: s } = ui;
    if area.is_empty() {
        return;
    }
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

fn memory_meters(frame: &mut Frame, mem: Rect, swap: Rect, ui: Ui<'_>, sample: &ResourceSample) {
    let Ui { state, styles: s } = ui;
    let t = &state.config.ui.thresholds;
    let m = &sample.memory;
    let detail = format!("{}/{}", bytes(m.used_bytes), bytes(m.total_bytes));
    frame.render_widget(
        Paragraph::new(meter_line(
            ui,
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
            Span::styled("Swap ", s.title),
            Span::styled("none configured", s.dim),
        ])
    } else {
        let detail = format!("{}/{}", bytes(sw.used_bytes), bytes(sw.total_bytes));
        meter_line(ui, "Swap", sw.percent(), &detail, t.swap, swap.width)
    };
    frame.render_widget(Paragraph::new(line), swap);
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
