//! In an alert's details: its recovery runs as the store has them, whoever
//! ran them; the newest with each step attempt and the end of its output.

use super::alert_details::{field, heading};
use crate::app::alerts::Alert;
use crate::ui::Ui;
use crate::ui::visible;
use ratatui::text::{Line, Span};

/// Output lines shown of the newest run's last step that wrote any.
const OUTPUT_LINES: usize = 6;

pub fn lines(ui: Ui<'_>, alert: &Alert) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let Some((key, runs)) = &state.recoveries.history else {
        return Vec::new();
    };
    if runs.is_empty() || *key != alert.key() {
        return Vec::new();
    }
    let mut lines = vec![heading(s, "Recovery runs")];
    for (i, (run, steps)) in runs.iter().enumerate() {
        let at = run.started.with_timezone(&state.local_offset);
        let took = run
            .finished
            .and_then(|f| (f - run.started).to_std().ok())
            .map_or(String::new(), |d| {
                format!(" in {}", crate::config::duration::short(d))
            });
        let dry = if run.dry_run { " (dry run)" } else { "" };
        let state_text = run.state.replace('_', " ");
        lines.push(field(
            s,
            &at.format("%m-%d %H:%M:%S").to_string(),
            format!(
                "{} run {}: {state_text}{dry}{took}, {} by {}: {}",
                run.runbook, run.id, run.trigger, run.actor, run.detail
            ),
        ));
        if i > 0 {
            continue;
        }
        for step in steps {
            let attempt = if step.attempt > 1 || step.run_attempt > 1 {
                format!(" (attempt {}.{})", step.run_attempt, step.attempt)
            } else {
                String::new()
            };
            lines.push(field(
                s,
                "",
                format!(
                    "{}. {}{attempt}: {} {}",
                    step.position,
                    step.name,
                    step.state.replace('_', " "),
                    step.detail
                ),
            ));
        }
        let output = steps.iter().rev().find(|st| !st.output.trim().is_empty());
        if let Some(step) = output {
            let all: Vec<&str> = step.output.lines().collect();
            for line in &all[all.len().saturating_sub(OUTPUT_LINES)..] {
                lines.push(Line::from(Span::styled(
                    format!("{:>18}{}", "", visible(line)),
                    s.dim,
                )));
            }
        }
    }
    lines
}
