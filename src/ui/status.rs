//! The bottom line: the filter prompt, the latest status message, or key hints.

use crate::app::Action;
use crate::app::state::{Overlay, StatusKind, StoreRole};
use crate::ui::Ui;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let mut right_text = state.view.focus.title().to_string();
    if state.view.zoom.is_some() {
        right_text = format!("zoom: {right_text}");
    }
    let role = match state.store {
        StoreRole::Off => "no store",
        StoreRole::Follower => "follower",
        StoreRole::Leader => "leader",
    };
    let right_text = format!("{right_text} · {role} ");
    let right_width = right_text.chars().count() as u16;
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(right_width)]).areas(area);
    let line = if let Some(Overlay::FilterInput(text)) = &state.view.overlay {
        Line::from(vec![
            Span::styled(format!(" filter {}: ", state.view.focus.title()), s.accent),
            Span::styled(format!("{text}█"), s.text),
            Span::styled(
                "  Enter apply · Esc cancel · text or name=\"v\", =~, !=, !~",
                s.dim,
            ),
        ])
    } else if let Some(status) = state.visible_status() {
        let (tag, style) = match status.kind {
            StatusKind::Info => ("info", s.info),
            StatusKind::Warning => ("warning", s.warning),
            StatusKind::Error => ("error", s.critical),
        };
        Line::from(vec![
            Span::styled(format!(" {tag}: "), style),
            Span::styled(status.text.clone(), s.text),
        ])
    } else {
        let km = &state.keymap;
        let hint = |action: Action, what: &'static str| {
            [
                Span::styled(format!(" {}", km.label_for(action)), s.key),
                Span::styled(format!(" {what} "), s.dim),
            ]
        };
        let mut spans = Vec::new();
        for (action, what) in [
            (Action::Help, "help"),
            (Action::Quit, "quit"),
            (Action::FocusNext, "focus"),
            (Action::Filter, "filter"),
            (Action::Pause, "pause"),
        ] {
            spans.extend(hint(action, what));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), left);

    frame.render_widget(
        Paragraph::new(right_text)
            .style(s.dim)
            .alignment(Alignment::Right),
        right,
    );
}
