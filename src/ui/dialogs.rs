//! Dialogs that change something: acknowledge (duration and comment) and the
//! confirmation before a silence is expired. Enter confirms, Esc cancels.

use crate::app::AppState;
use crate::app::ack::{AckDialog, AckField, ExpireConfirm};
use crate::app::alerts::label_key;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn ack(frame: &mut Frame, area: Rect, state: &AppState, dialog: &AckDialog) {
    let s = &state.styles;
    let source = state
        .remote
        .sources
        .get(dialog.source)
        .map_or("", |src| src.name.as_str());
    let name = dialog.labels.get("alertname").map_or("", String::as_str);
    let field = |label: &str, value: &str, which: AckField| {
        let focused = dialog.field == which && !dialog.busy;
        let cursor = if focused { "█" } else { "" };
        Line::from(vec![
            Span::styled(
                format!(" {label:>9} "),
                if focused { s.accent } else { s.dim },
            ),
            Span::styled(format!("{value}{cursor}"), s.text),
        ])
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" silence  ", s.dim),
            Span::styled(label_key(&dialog.labels), s.text),
        ]),
        Line::from(Span::styled(
            format!(" in Alertmanager {source:?}, as {}", state.actor),
            s.dim,
        )),
        Line::default(),
        field("duration", &dialog.duration, AckField::Duration),
        field("comment", &dialog.comment, AckField::Comment),
        Line::default(),
    ];
    if dialog.busy {
        lines.push(Line::from(Span::styled(" sending…", s.info)));
    } else if let Some(error) = &dialog.error {
        lines.push(Line::from(vec![
            Span::styled(" error: ", s.critical),
            Span::styled(error.clone(), s.text),
        ]));
    }
    let hint = " Enter acknowledge · Tab field · Esc cancel ";
    show(
        frame,
        area,
        state,
        &format!(" Acknowledge {name} "),
        hint,
        lines,
    );
}

pub fn expire(frame: &mut Frame, area: Rect, state: &AppState, confirm: &ExpireConfirm) {
    let s = &state.styles;
    let name = confirm.labels.get("alertname").map_or("", String::as_str);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" expire silence ", s.dim),
            Span::styled(confirm.silence_id.clone(), s.text),
        ]),
        Line::from(vec![
            Span::styled(" acknowledged by ", s.dim),
            Span::styled(confirm.by.clone(), s.text),
        ]),
        Line::default(),
    ];
    if confirm.busy {
        lines.push(Line::from(Span::styled(" sending…", s.info)));
    }
    let hint = " Enter expire · Esc keep ";
    show(
        frame,
        area,
        state,
        &format!(" Un-acknowledge {name} "),
        hint,
        lines,
    );
}

fn show(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    title: &str,
    hint: &str,
    lines: Vec<Line>,
) {
    let s = &state.styles;
    let rect = super::overlay::centered(area, 76, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(s.border_focus)
        .title(Span::styled(title.to_string(), s.title_focus))
        .title_bottom(Line::from(Span::styled(hint.to_string(), s.dim)).right_aligned())
        .style(s.text);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}
