//! The Checks section of the Resources pane: one row per health check (the
//! host's first), its state, last and p95 latency with a sparkline, and what
//! an operator needs next: "2/3 failures · next probe in 8s · connection
//! refused", the certificate's days left, the last error.

use crate::app::AppState;
use crate::app::PaneId;
use crate::app::health::CheckId;
use crate::engine::health::{CheckState, CheckStatus, Verdict};
use crate::ui::widgets::format;
use crate::ui::{Ui, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

/// Rows the section wants: its title and one per check. Without
/// `[[health_check]]`s there is no section: the host check is in the header.
pub fn wanted_height(state: &AppState) -> u16 {
    let h = &state.health;
    if h.checks.is_empty() {
        return 0;
    }
    let rows = h.checks.len() + usize::from(h.host.is_some());
    u16::try_from(rows + 1).unwrap_or(u16::MAX)
}

/// One check as a row draws it.
struct Shown<'a> {
    id: CheckId,
    name: &'a str,
    kind: &'a str,
    status: &'a CheckStatus,
    /// (failure threshold, next probe due), for probed checks.
    probed: Option<(u32, Option<chrono::DateTime<chrono::Utc>>)>,
    successes_needed: u32,
}

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    if area.height < 2 {
        return;
    }
    let [title_area, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let mut title = vec![Span::styled("Checks", s.title)];
    let down = state.health.down();
    if down > 0 {
        title.push(Span::styled(format!(" · {down} down"), s.critical));
    }
    frame.render_widget(Paragraph::new(Line::from(title)), title_area);
    let mut shown: Vec<Shown> = Vec::new();
    if let Some(host) = &state.health.host {
        shown.push(Shown {
            id: CheckId::Host,
            name: crate::config::health::HOST_CHECK,
            kind: "host",
            status: host,
            probed: None,
            successes_needed: crate::app::health::HOST_THRESHOLDS.success,
        });
    }
    let specs = state.config.health_checks();
    for (i, (view, spec)) in state.health.checks.iter().zip(specs).enumerate() {
        let due = view.status.next_due(spec.interval, spec.retry_interval);
        shown.push(Shown {
            id: CheckId::Check(i),
            name: &spec.name,
            kind: spec.kind(),
            status: &view.status,
            probed: Some((spec.thresholds.failure, due)),
            successes_needed: spec.thresholds.success,
        });
    }
    // Short of room, the ones not up come first (unless the cursor is on a
    // check: then the rows keep their order and scroll to it).
    let room = usize::from(table_area.height);
    let cursor_here =
        state.view.focus == PaneId::Resources && crate::app::health::selected(state).is_some();
    if shown.len() > room && !cursor_here {
        shown.sort_by_key(|c| std::cmp::Reverse(rank(c.status.state)));
        shown.truncate(room);
    }
    let widths = [
        Constraint::Length(9),
        Constraint::Length(16),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(13),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    let rows: Vec<Row> = shown.iter().map(|c| row(ui, c)).collect();
    let cursor = crate::app::health::selected(state)
        .filter(|_| state.view.focus == PaneId::Resources)
        .and_then(|id| shown.iter().position(|c| c.id == id));
    let table = Table::new(rows, widths).row_highlight_style(s.selection);
    let mut table_state = ratatui::widgets::TableState::default().with_selected(cursor);
    frame.render_stateful_widget(table, table_area, &mut table_state);
    let columns = Layout::horizontal(widths).spacing(1).split(table_area);
    for (i, c) in shown.iter().enumerate() {
        let y = table_area.y + i as u16;
        let column = columns[5];
        if y >= table_area.bottom() || c.status.latencies.is_empty() {
            continue;
        }
        let values: Vec<f64> = c.status.latencies.iter().copied().collect();
        let max = values.iter().copied().fold(0.001, f64::max);
        super::remote::sparkline(
            frame,
            Rect::new(column.x, y, column.width, 1),
            state,
            &values,
            max,
            s.graph_cpu,
        );
    }
}

fn rank(state: CheckState) -> u8 {
    match state {
        CheckState::Down => 4,
        CheckState::Pending => 3,
        CheckState::Warning => 2,
        CheckState::Unknown => 1,
        CheckState::Up => 0,
    }
}

fn row(ui: Ui<'_>, c: &Shown) -> Row<'static> {
    let Ui { state, styles: s } = ui;
    let st = c.status;
    let (mark, style) = look(ui, st.state);
    let ms = |d: std::time::Duration| format!("{} ms", d.as_millis());
    let last = st.last.as_ref().and_then(|p| p.latency).map(ms);
    let p95 = st.p95().map(|d| format!("p95 {}", ms(d)));
    let mut detail: Vec<Span<'static>> = Vec::new();
    if let Some(probe) = &st.last {
        let cause = probe.cause();
        if !cause.is_empty() && probe.verdict() != Verdict::Pass {
            detail.push(Span::styled(visible(&cause).into_owned(), style));
        } else if let Some(cert) = probe
            .conditions
            .iter()
            .find(|c| c.text.starts_with("certificate"))
        {
            detail.push(Span::styled(cert.text.clone(), s.dim));
        } else if let Some((at, why)) = &st.last_error {
            let age = format::age((state.now - *at).num_seconds().max(0).unsigned_abs());
            detail.push(Span::styled(
                format!("last error {age} ago: {}", visible(why)),
                s.dim,
            ));
        }
    } else {
        detail.push(Span::styled("waiting for the first probe", s.dim));
    }
    // Then how far it is from a change: "2/3 failures · next probe in 2s".
    if let (Some((threshold, due)), CheckState::Pending | CheckState::Down) = (c.probed, st.state) {
        let mut text = match st.state {
            CheckState::Pending => format!(" · {}/{threshold} failures", st.failures),
            // Recovering: how far it is from up.
            _ if st.successes > 0 => {
                format!(" · {}/{} successes", st.successes, c.successes_needed)
            }
            _ => format!(" · {} failures", st.failures),
        };
        if let Some(due) = due {
            let secs = (due - state.now).num_seconds().max(0);
            text.push_str(&format!(" · next probe in {secs}s"));
        }
        detail.push(Span::styled(text, s.dim));
    }
    Row::new(vec![
        Line::styled(format!("{mark} {}", st.state.as_str()), style),
        Line::raw(format::ellipsis(&visible(c.name), 16)),
        Line::styled(c.kind.to_string(), s.dim),
        Line::raw(last.unwrap_or_else(|| "–".into())),
        Line::styled(p95.unwrap_or_default(), s.dim),
        Line::default(),
        Line::from(detail),
    ])
}

fn look(ui: Ui<'_>, state: CheckState) -> (&'static str, Style) {
    let s = ui.styles;
    match state {
        CheckState::Up => ("✓", s.ok),
        CheckState::Warning => ("!", s.warning),
        CheckState::Pending => ("…", s.warning),
        CheckState::Down => ("✗", s.critical),
        CheckState::Unknown => ("?", s.dim),
    }
}
