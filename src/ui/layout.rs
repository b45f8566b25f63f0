//! The overview grid. Wide terminals get Resources beside a column of the other
//! panes and the Log below; 80x24 collapses to Resources over a row of summaries.

use crate::app::PaneId;
use ratatui::layout::{Constraint, Layout, Rect};

pub fn overview(area: Rect) -> Vec<(PaneId, Rect)> {
    let log_height = if area.height >= 30 {
        (area.height / 5).clamp(6, 12)
    } else {
        0
    };
    let [main, log] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(log_height)]).areas(area);
    let mut out = Vec::with_capacity(5);
    if main.width >= 120 {
        let [resources, side] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
                .areas(main);
        let [alerts, tasks, scaling] = Layout::vertical([
            Constraint::Percentage(40),
            Constraint::Percentage(30),
            Constraint::Percentage(30),
        ])
        .areas(side);
        out.extend([
            (PaneId::Resources, resources),
            (PaneId::Alerts, alerts),
            (PaneId::Tasks, tasks),
            (PaneId::Scaling, scaling),
        ]);
    } else {
        let row_height = if main.height >= 30 { 8 } else { 5 };
        let [resources, row] =
            Layout::vertical([Constraint::Min(8), Constraint::Length(row_height)]).areas(main);
        let [tasks, alerts, scaling] = Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(row);
        out.extend([
            (PaneId::Resources, resources),
            (PaneId::Tasks, tasks),
            (PaneId::Alerts, alerts),
            (PaneId::Scaling, scaling),
        ]);
    }
    if log_height > 0 {
        out.push((PaneId::Log, log));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_terminals_drop_the_log_but_keep_four_panes() {
        let panes = overview(Rect::new(0, 1, 80, 22));
        assert_eq!(panes.len(), 4);
        assert!(panes.iter().all(|(_, r)| r.height >= 5));
    }

    #[test]
    fn large_terminals_show_all_five() {
        let panes = overview(Rect::new(0, 1, 200, 58));
        assert_eq!(panes.len(), 5);
    }
}
