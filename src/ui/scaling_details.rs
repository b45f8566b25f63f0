//! A scaling target's history (Enter in the Scaling pane): each evaluation
//! that changed something as its stages (each metric's proposal, after
//! stabilisation and which recommendation held it, after the policies and
//! min/max, HPA's reasons), and each execution with its argv and output;
//! newest first.

use super::alert_details::field;
use crate::engine::scaling::TargetSpec;
use crate::store::scaling::{RecordKind, ScalingRecord};
use crate::ui::Ui;
use crate::ui::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Output lines shown per execution.
const OUTPUT_LINES: usize = 6;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>, target: usize) {
    let Ui { state, styles: s } = ui;
    let (Some(spec), Some(view)) = (
        state.config.scaling_targets().get(target),
        state.scaling.targets.get(target),
    ) else {
        return;
    };
    let short = crate::config::duration::short;
    let mut lines = vec![
        field(
            s,
            "replicas",
            format!(
                "{}..{}, every {}, {}, tolerance {}%",
                spec.scaler.min,
                spec.scaler.max,
                short(spec.interval),
                crate::app::scaling::mode_name(spec.mode),
                spec.scaler.tolerance * 100.0
            ),
        ),
        field(s, "executor", crate::engine::shell_words(&spec.executor)),
        field(s, "now", view.summary.clone()),
    ];
    if view.records.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled(
            "  nothing has changed since this opsdeck started",
            s.dim,
        ));
    }
    for record in view.records.iter().rev() {
        lines.push(Line::default());
        lines.extend(record_lines(ui, spec, record));
    }
    let width = area.width.saturating_sub(4).min(120);
    let title = format!(
        " Scaling {}: {} ",
        visible(&spec.scaler.name),
        view.state().as_str()
    );
    super::overlay::details_popup(frame, area, ui, width, (&title, " Esc closes "), lines);
}

fn record_lines(ui: Ui<'_>, spec: &TargetSpec, r: &ScalingRecord) -> Vec<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let at = r.at.with_timezone(&state.local_offset).format("%H:%M:%S");
    let mut lines = Vec::new();
    match r.kind {
        RecordKind::Evaluation => {
            let outcome_style = if r.current == r.desired {
                s.dim
            } else {
                s.info
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{at}  evaluated "), s.title),
                Span::styled(
                    format!("{} → {}  {}", r.current, r.desired, r.outcome),
                    outcome_style,
                ),
            ]));
            if let Some(d) = &r.decision {
                for (label, text) in d.stages(&spec.scaler) {
                    lines.push(field(s, label, text));
                }
            }
            for reading in &r.inputs.readings {
                if let Some(e) = &reading.error {
                    lines.push(field(s, &reading.name, e.clone()));
                }
            }
        }
        RecordKind::Execution => {
            let style = if r.executed { s.ok } else { s.critical };
            lines.push(Line::from(vec![
                Span::styled(format!("{at}  executed "), s.title),
                Span::styled(
                    format!(
                        "{} → {} ({}) {}",
                        r.current, r.desired, r.trigger, r.outcome
                    ),
                    style,
                ),
            ]));
            lines.push(field(s, "command", crate::engine::shell_words(&r.command)));
            lines.push(field(s, "by", r.actor.clone()));
            if !r.summary.is_empty() {
                lines.push(field(s, "why", r.summary.clone()));
            }
            let output: Vec<&str> = r.output.lines().collect();
            let start = output.len().saturating_sub(OUTPUT_LINES);
            for (i, line) in output[start..].iter().enumerate() {
                lines.push(field(
                    s,
                    if i == 0 { "output" } else { "" },
                    line.to_string(),
                ));
            }
        }
    }
    lines
}
