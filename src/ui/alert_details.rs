//! Enter on an alert: every label and annotation, its sources, the generator URL,
//! and the silences that match it.

use crate::ui::Ui;
use crate::ui::widgets::format;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let Some(alert) = state.selected_alert() else {
        return;
    };
    let age = |t: chrono::DateTime<chrono::Utc>| {
        (state.now - t)
            .to_std()
            .map(|d| format!("{} ago", format::age(d.as_secs())))
            .unwrap_or_else(|_| "in the future".into())
    };
    let heading = |text: &str| Line::from(Span::styled(text.to_string(), s.title));
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("  {name:>14}  "), s.dim),
            Span::styled(value, s.text),
        ])
    };
    let (symbol, style) = crate::ui::panes::severity_look(s, alert.severity);
    let mut lines = vec![Line::from(vec![
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
                        age(t)
                    )
                })
                .unwrap_or_default(),
            s.dim,
        ),
    ])];
    let sources: Vec<String> = alert
        .sources
        .iter()
        .filter_map(|id| state.remote.sources.get(*id))
        .map(|src| format!("{} {}", src.kind.label(), src.name))
        .collect();
    lines.push(field("sources", sources.join(", ")));
    if let Some(url) = &alert.generator_url {
        lines.push(field("generator", url.clone()));
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
            "acknowledged",
            format!(
                "by {} {} until {}: {}",
                ack.by,
                age(ack.at),
                until,
                ack.comment
            ),
        ));
    }
    if !alert.inhibited_by.is_empty() {
        lines.push(field("inhibited by", alert.inhibited_by.join(", ")));
    }
    lines.push(heading("Labels"));
    lines.extend(alert.labels.iter().map(|(k, v)| field(k, v.clone())));
    if !alert.annotations.is_empty() {
        lines.push(heading("Annotations"));
        lines.extend(alert.annotations.iter().map(|(k, v)| field(k, v.clone())));
    }
    if let Some((key, events)) = &state.history
        && *key == alert.key()
        && !events.is_empty()
    {
        lines.push(heading("History"));
        for e in events.iter().take(10) {
            let at = e.at.with_timezone(&state.local_offset);
            lines.push(field(
                &at.format("%m-%d %H:%M:%S").to_string(),
                format!("{} ({})", e.kind, e.source),
            ));
        }
    }
    let silences = state.remote.alert_inputs.matching_silences(alert);
    if !silences.is_empty() {
        lines.push(heading("Silences that match"));
        for silence in silences {
            lines.push(field(
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
    }
    let width = area.width.saturating_sub(4).min(110);
    // Generator URLs and comments wrap: count the rows they take.
    let height = super::dialogs::wrapped_height(&lines, width.saturating_sub(2))
        .saturating_add(2)
        .min(area.height);
    let rect = super::overlay::centered(area, width, height);
    let title = format!(" {} ", alert.name());
    super::overlay::popup(frame, rect, ui, &title, " Esc closes ", lines);
}
