//! The top bar: host, uptime, clock and mode flags. Wall mode gets a taller header
//! with a big clock; it shows minutes only, so it changes once a minute.

use super::widgets::{bigtext, format};
use crate::app::AppState;
use crate::app::sources::Health;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// One mark per remote source: its health by symbol (not colour alone), its
/// name, and a loud marker when TLS verification is off.
fn source_marks(state: &AppState) -> Vec<Span<'static>> {
    let s = &state.styles;
    let mut spans = Vec::new();
    for source in &state.remote.sources {
        let (mark, style) = match source.health() {
            Health::Ok => ("✓", s.ok),
            Health::Slow => ("~", s.warning),
            Health::Down => ("✗", s.critical),
            Health::Waiting => ("…", s.dim),
        };
        spans.push(Span::styled(format!("│ {mark}"), s.header.patch(style)));
        spans.push(Span::styled(
            format!(" {} {} ", source.kind.tag(), source.name),
            s.header,
        ));
        if source.insecure {
            spans.push(Span::styled(" TLS UNVERIFIED ", s.header.patch(s.critical)));
        }
    }
    spans
}

pub fn height(state: &AppState) -> u16 {
    if state.mode.wall { 3 } else { 1 }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState) {
    let s = &state.styles;
    let local = state.now.with_timezone(&state.local_offset);
    let mut flags: Vec<Span> = Vec::new();
    if state.paused {
        flags.push(Span::styled(" ⏸ PAUSED ", s.warning.patch(s.header)));
    }
    if state.mode.read_only {
        flags.push(Span::styled(" READ-ONLY ", s.header));
    }
    flags.extend(source_marks(state));
    let uptime = state
        .resources
        .latest
        .as_ref()
        .map(|r| format!("up {}", format::age(r.uptime_secs)))
        .unwrap_or_default();
    if state.mode.wall {
        // A critical alert just started firing: the header flashes for a moment.
        let flashing = state.flash_until.is_some_and(|until| state.now < until);
        let flash;
        let s = if flashing {
            let mut styles = state.styles.clone();
            styles.header = styles
                .header
                .patch(state.styles.critical)
                .add_modifier(ratatui::style::Modifier::REVERSED);
            flash = styles;
            &flash
        } else {
            &state.styles
        };
        let [left, right] =
            Layout::horizontal([Constraint::Min(10), Constraint::Length(22)]).areas(area);
        let mut lines = vec![
            Line::from(Span::styled(
                format!(" {}", state.host.hostname),
                s.header.add_modifier(ratatui::style::Modifier::BOLD),
            )),
            Line::from(Span::styled(
                format!(" {}  {}  {} cores", state.host.os, uptime, state.host.cores),
                s.header,
            )),
        ];
        lines.push(Line::from(flags));
        frame.render_widget(Paragraph::new(lines).style(s.header), left);
        let big = bigtext::render(&local.format("%H:%M").to_string());
        let clock: Vec<Line> = big
            .into_iter()
            .map(|row| Line::from(format!("{row} ")))
            .collect();
        frame.render_widget(
            Paragraph::new(clock)
                .style(s.header)
                .alignment(Alignment::Right),
            right,
        );
        return;
    }
    let mut spans = vec![
        Span::styled(
            " opsdeck ",
            s.header.add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Span::styled(format!("│ {} ", state.host.hostname), s.header),
        Span::styled(format!("│ {} cores ", state.host.cores), s.header),
    ];
    if !uptime.is_empty() {
        spans.push(Span::styled(format!("│ {uptime} "), s.header));
    }
    spans.extend(flags);
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(10)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)).style(s.header), left);
    frame.render_widget(
        Paragraph::new(local.format("%H:%M:%S ").to_string())
            .style(s.header)
            .alignment(Alignment::Right),
        right,
    );
}
