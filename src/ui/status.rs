//! The bottom line: the filter prompt, the latest status message, or key hints.

use crate::app::Action;
use crate::app::filter::Problem;
use crate::app::filter_prompt::FilterPrompt;
use crate::app::state::{Overlay, StatusKind, StoreRole};
use crate::ui::theme::Styles;
use crate::ui::{Ui, visible};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    if let Some(Overlay::FilterInput(prompt)) = &state.view.overlay
        && let Some(problem) = &prompt.problem
    {
        // The whole line, so that the message fits at 80 columns.
        let pane = state.view.focus.title();
        let line = problem_prompt(pane, prompt, problem, s, area.width.into());
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let mut right_text = state.view.focus.title().to_string();
    if state.view.zoom.is_some() {
        right_text = format!("zoom: {right_text}");
    }
    // A follower's text never contains "leader": scripts and tests look for it.
    let role = match (state.store, state.leader) {
        (StoreRole::Off, _) => "no store".to_string(),
        (StoreRole::Leader, _) => "leader".to_string(),
        (StoreRole::Follower, Some(pid)) => format!("follower · led by pid {pid}"),
        // Read-only, alone: nothing scheduled runs until a writable one starts.
        (StoreRole::Follower, None) if state.mode.read_only => "nobody leads".to_string(),
        (StoreRole::Follower, None) => "follower".to_string(),
    };
    let right_text = format!("{right_text} · {role} ");
    let right_width = right_text.chars().count() as u16;
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(right_width)]).areas(area);
    let line = if let Some(Overlay::FilterInput(prompt)) = &state.view.overlay {
        Line::from(vec![
            Span::styled(format!(" filter {}: ", state.view.focus.title()), s.accent),
            Span::styled(format!("{}█", prompt.text), s.text),
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
            // Status lines name alerts and quote servers.
            Span::styled(visible(&status.text).into_owned(), s.text),
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

/// ` filter Alerts: text█  col N: what is wrong`, the character at column N
/// underlined. The message matters more than the start of a long text, so
/// the text is cut from the left to leave it room.
fn problem_prompt(
    pane: &str,
    prompt: &FilterPrompt,
    problem: &Problem,
    s: &Styles,
    width: usize,
) -> Line<'static> {
    let style = if problem.error { s.critical } else { s.warning };
    let prefix = format!(" filter {pane}: ");
    let note = format!("  {problem}");
    let chars: Vec<char> = prompt.text.chars().collect();
    let room = width.saturating_sub(prefix.chars().count() + note.chars().count() + 1);
    let (start, cut) = if chars.len() <= room {
        (0, "")
    } else {
        ((chars.len() + 1).saturating_sub(room).min(chars.len()), "…")
    };
    let text = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
    let mut spans = vec![Span::styled(prefix, s.accent), Span::styled(cut, s.dim)];
    let at = problem.column.saturating_sub(1);
    if (start..chars.len()).contains(&at) {
        spans.push(Span::styled(text(start..at), s.text));
        let marked = style.add_modifier(Modifier::UNDERLINED);
        spans.push(Span::styled(chars[at].to_string(), marked));
        spans.push(Span::styled(
            format!("{}█", text(at + 1..chars.len())),
            s.text,
        ));
    } else {
        spans.push(Span::styled(text(start..chars.len()), s.text));
        let cursor = if at >= chars.len() { style } else { s.text };
        spans.push(Span::styled("█", cursor));
    }
    spans.push(Span::styled(note, style));
    Line::from(spans)
}
