//! Enter on an alert: every label and annotation, its sources, the generator URL,
//! and the silences that match it.

use crate::app::AppState;
use crate::app::alerts::Alert;
use crate::ui::theme::Styles;
use crate::ui::widgets::format;
use crate::ui::{Ui, visible};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Some(alert) = ui.state.selected_alert() else {
        return;
    };
    let mut lines = vec![summary(ui, alert)];
    lines.extend(facts(ui, alert));
    lines.extend(labels(ui.styles, alert));
    lines.extend(history(ui, alert));
    lines.extend(super::recovery_history::lines(ui, alert));
    lines.extend(silences(ui, alert));
    let width = area.width.saturating_sub(4).min(110);
    // Generator URLs and comments wrap: count the rows they take.
    let rows = super::dialogs::wrapped_height(&lines, width.saturating_sub(2));
    let height = rows.saturating_add(2).min(area.height);
    let rect = super::overlay::centered(area, width, height);
    // Taller than the screen (a long label): it scrolls, and says where it is.
    let shown = height.saturating_sub(2);
    let view = &ui.state.view;
    let max = rows.saturating_sub(shown);
    view.details_scroll_max.set(max);
    let scroll = view.details_scroll.min(max);
    let hint = if max == 0 {
        " Esc closes ".to_string()
    } else {
        format!(
            " rows {}–{} of {rows} · PgUp/PgDn scroll · Esc closes ",
            scroll + 1,
            scroll + shown
        )
    };
    let title = format!(" {} ", visible(alert.name()));
    super::overlay::popup_scrolled(frame, rect, ui, (&title, &hint), lines, scroll);
}

pub(super) fn heading(s: &Styles, text: &str) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), s.title))
}

/// A dim name, right-aligned, then its value (escaped: most come from servers).
pub(super) fn field(s: &Styles, name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {:>14}  ", visible(name)), s.dim),
        Span::styled(visible(&value).into_owned(), s.text),
    ])
}

/// A field whose value may span lines (a description): one row each, the
/// name on the first.
fn field_lines(s: &Styles, name: &str, value: &str) -> Vec<Line<'static>> {
    let mut rows: Vec<&str> = value.lines().collect();
    if rows.is_empty() {
        rows.push("");
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, line)| field(s, if i == 0 { name } else { "" }, line.to_string()))
        .collect()
}

fn age(state: &AppState, t: DateTime<Utc>) -> String {
    (state.now - t)
        .to_std()
        .map(|d| format!("{} ago", format::age(d.as_secs())))
        .unwrap_or_else(|_| "in the future".into())
}

/// Severity, state, and since when.
fn summary(ui: Ui<'_>, alert: &Alert) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    let (symbol, style) = crate::ui::panes::severity_look(s, alert.severity);
    Line::from(vec![
        Span::styled(format!("{symbol} {} ", alert.severity.label()), style),
        Span::styled(alert.state.label(), s.text),
        Span::styled(
            alert
                .since
                .map(|t| {
                    format!(
                        "  since {} ({})",
                        t.with_timezone(&state.local_offset)
                            .format("%Y-%m-%d %H:%M:%S"),
                        age(state, t)
                    )
                })
                .unwrap_or_default(),
            s.dim,
        ),
    ])
}

/// Where it comes from, who acknowledged it, what inhibits it.
fn facts(ui: Ui<'_>, alert: &Alert) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let sources: Vec<String> = alert
        .sources
        .iter()
        .filter_map(|id| state.remote.sources.get(*id))
        .map(|src| format!("{} {}", src.kind.label(), src.name))
        .collect();
    let mut lines = vec![field(s, "sources", sources.join(", "))];
    if let Some(url) = &alert.generator_url {
        lines.push(field(s, "generator", url.to_string()));
    }
    if let Some(ack) = &alert.ack {
        // Acks last up to 30 days: the date too unless it ends today.
        let until = ack.until.with_timezone(&state.local_offset);
        let today = state.now.with_timezone(&state.local_offset).date_naive();
        let until = if until.date_naive() == today {
            until.format("%H:%M")
        } else {
            until.format("%Y-%m-%d %H:%M")
        };
        lines.push(field(
            s,
            "acknowledged",
            format!(
                "by {} {} until {}: {}",
                ack.by,
                age(state, ack.at),
                until,
                ack.comment
            ),
        ));
    }
    if !alert.inhibited_by.is_empty() {
        lines.push(field(s, "inhibited by", alert.inhibited_by.join(", ")));
    }
    lines
}

/// Every label, then the annotations if any.
fn labels(s: &Styles, alert: &Alert) -> Vec<Line<'static>> {
    let mut lines = vec![heading(s, "Labels")];
    lines.extend(alert.labels.iter().flat_map(|(k, v)| field_lines(s, k, v)));
    if !alert.annotations.is_empty() {
        lines.push(heading(s, "Annotations"));
        lines.extend(
            alert
                .annotations
                .iter()
                .flat_map(|(k, v)| field_lines(s, k, v)),
        );
    }
    lines
}

/// Its recorded transitions, newest ten, once loaded for this alert.
fn history(ui: Ui<'_>, alert: &Alert) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let Some((key, events)) = &state.view.history else {
        return Vec::new();
    };
    if *key != alert.key() || events.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![heading(s, "History")];
    for e in events.iter().take(10) {
        let at = e.at.with_timezone(&state.local_offset);
        lines.push(field(
            s,
            &at.format("%m-%d %H:%M:%S").to_string(),
            format!("{} ({})", e.kind, e.source),
        ));
    }
    lines
}

/// Alertmanager silences whose matchers match it.
fn silences(ui: Ui<'_>, alert: &Alert) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let silences = state.remote.alert_inputs.matching_silences(alert);
    if silences.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![heading(s, "Silences that match")];
    for silence in silences {
        lines.push(field(
            s,
            &silence.id.chars().take(8).collect::<String>(),
            format!(
                "{} by {}, ends {}: {}",
                format!("{:?}", silence.state).to_lowercase(),
                silence.created_by,
                silence
                    .ends_at
                    .with_timezone(&state.local_offset)
                    .format("%Y-%m-%d %H:%M"),
                silence.comment
            ),
        ));
    }
    lines
}
