//! History graphs of the Resources pane: CPU and memory on a 0–100 % scale,
//! network rates on a power-of-two scale.

use crate::ui::Ui;
use crate::ui::widgets::format;
use crate::ui::widgets::graph::HistoryGraph;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Clone, Copy)]
pub(super) enum GraphKind {
    Cpu,
    Memory,
    NetRx,
    NetTx,
}

pub(super) fn graph(frame: &mut Frame, area: Rect, ui: Ui<'_>, kind: GraphKind) {
    let Ui { state, styles: s } = ui;
    if area.height < 2 || area.width < 12 {
        return;
    }
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
