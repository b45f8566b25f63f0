//! A health check's details: what it probes and how often, each condition of
//! its last probe with its verdict (`status 200 ✓`, `latency 612 ms > 500 ms
//! ✗`), its latency, and the recent state changes with their causes ("down
//! at 14:02:11 after 3 failures: connection refused").

use super::alert_details::{field, heading};
use crate::app::health::CheckId;
use crate::engine::health::{CheckStatus, Verdict};
use crate::ui::Ui;
use crate::ui::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>, id: CheckId) {
    let state = ui.state;
    let Some(status) = state.health.status(id) else {
        return;
    };
    let (name, lines) = match id {
        CheckId::Host => (crate::config::health::HOST_CHECK.to_string(), host(ui)),
        CheckId::Check(i) => {
            let spec = &state.config.health_checks()[i];
            (spec.name.clone(), probed(ui, i))
        }
    };
    let mut lines = lines;
    lines.extend(last_probe(ui, status));
    lines.extend(changes(ui, status));
    let width = area.width.saturating_sub(4).min(110);
    let rows = super::dialogs::wrapped_height(&lines, width.saturating_sub(2));
    let height = rows.saturating_add(2).min(area.height);
    let rect = super::overlay::centered(area, width, height);
    let shown = height.saturating_sub(2);
    let view = &state.view;
    let max = rows.saturating_sub(shown);
    view.details_scroll_max.set(max);
    let scroll = view.details_scroll.min(max);
    let title = format!(" Check {}: {} ", visible(&name), status.state.as_str());
    super::overlay::popup_scrolled(frame, rect, ui, (&title, " Esc closes "), lines, scroll);
}

/// What a configured check probes, how often, and when it changes state.
fn probed(ui: Ui<'_>, i: usize) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let spec = &state.config.health_checks()[i];
    let short = |d| crate::config::duration::short(d);
    let mut lines = vec![
        field(s, "probes", format!("{} {}", spec.kind(), spec.target())),
        field(
            s,
            "every",
            format!(
                "{} ({} while failing), timeout {}",
                short(spec.interval),
                short(spec.retry_interval),
                short(spec.timeout)
            ),
        ),
        field(
            s,
            "changes",
            format!(
                "down after {} failures in a row, up again after {} successes",
                spec.thresholds.failure, spec.thresholds.success
            ),
        ),
    ];
    if !spec.labels.is_empty() {
        let labels: Vec<String> = spec
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        lines.push(field(s, "labels", labels.join(" ")));
    }
    lines
}

fn host(ui: Ui<'_>) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let b = state.config.health.host.bounds();
    vec![
        field(
            s,
            "judges",
            "this host's disks and memory, on every sample".into(),
        ),
        field(
            s,
            "bounds",
            format!(
                "disk free under {}% unhealthy, under {}% warning; memory over {}% unhealthy, over {}% warning",
                b.disk_free_unhealthy, b.disk_free_warning, b.memory_unhealthy, b.memory_warning
            ),
        ),
    ]
}

/// The last probe, condition by condition.
fn last_probe(ui: Ui<'_>, status: &CheckStatus) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let Some(probe) = &status.last else {
        return vec![heading(s, "Not probed yet")];
    };
    let at = probe
        .at
        .with_timezone(&state.local_offset)
        .format("%H:%M:%S");
    let mut lines = vec![heading(s, &format!("Last probe, {at}"))];
    if let Some(e) = &probe.error {
        lines.push(Line::from(vec![
            Span::styled("  ✗ ", s.critical),
            Span::styled(visible(e).into_owned(), s.critical),
        ]));
    }
    for c in &probe.conditions {
        let (mark, style) = match c.verdict {
            Verdict::Pass => ("✓", s.ok),
            Verdict::Warn => ("!", s.warning),
            Verdict::Fail => ("✗", s.critical),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {mark} "), style),
            Span::styled(visible(&c.text).into_owned(), s.text),
        ]));
    }
    let ms = |d: std::time::Duration| format!("{} ms", d.as_millis());
    if let Some(latency) = probe.latency {
        let p95 = status.p95().map(|d| {
            format!(
                ", p95 {} over the last {} probes",
                ms(d),
                status.latencies.len()
            )
        });
        lines.push(field(
            s,
            "latency",
            format!("{}{}", ms(latency), p95.unwrap_or_default()),
        ));
    }
    let counters = format!(
        "{} failures, {} successes in a row",
        status.failures, status.successes
    );
    lines.push(field(s, "counters", counters));
    if let Some((at, why)) = &status.last_error {
        let at = at.with_timezone(&state.local_offset).format("%H:%M:%S");
        lines.push(field(s, "last error", format!("{at}: {why}")));
    }
    lines
}

/// The recent state changes, newest first.
fn changes(ui: Ui<'_>, status: &CheckStatus) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    if status.changes.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![heading(s, "State changes")];
    for c in status.changes.iter().rev() {
        let at =
            c.at.with_timezone(&state.local_offset)
                .format("%m-%d %H:%M:%S");
        // "down after 3 failures: connection refused", "up: first probe".
        let sep = if c.cause.starts_with("after ") {
            " "
        } else {
            ": "
        };
        let text = format!("{}{sep}{}", c.to.as_str(), c.cause);
        lines.push(field(s, &at.to_string(), text));
    }
    lines
}
