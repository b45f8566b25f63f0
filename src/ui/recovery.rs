//! A recovery run's live view: each step with its state, attempt and time,
//! what the run waits on, and the steps' output as it comes. Drawn from
//! `app::runbooks::LiveRun`; `x` aborts, Esc closes (the run goes on).

use crate::app::runbooks::LiveRun;
use crate::engine::runbooks::StepState;
use crate::ui::{Ui, visible};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// This opsdeck's run, live.
pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>, key: u64) {
    let Some(run) = ui.state.recoveries.get(key) else {
        return;
    };
    let hint = if run.outcome.is_none() {
        " x abort · Esc close (it goes on) "
    } else {
        " Esc close "
    };
    draw_run(frame, area, ui, run, hint);
}

/// A stored run, as read (again each time it changes).
pub fn draw_stored(frame: &mut Frame, area: Rect, ui: Ui<'_>, run_id: i64) {
    match &ui.state.recoveries.viewed {
        Some(run) if run.run_id == run_id => {
            let hint = if run.outcome.is_none() {
                " another opsdeck runs it · Esc close "
            } else {
                " Esc close "
            };
            draw_run(frame, area, ui, run, hint);
        }
        _ => {
            let rect = super::overlay::centered(area, area.width.min(80), 5);
            let text = match &ui.state.recoveries.unreadable {
                Some((id, why)) if *id == run_id => Line::from(Span::styled(
                    format!(" cannot read run {run_id}: {}", visible(why)),
                    ui.styles.critical,
                )),
                _ => Line::from(Span::styled(
                    format!(" reading run {run_id} from the state database…"),
                    ui.styles.dim,
                )),
            };
            super::overlay::popup(frame, rect, ui, " Recovery ", " Esc close ", vec![text]);
        }
    }
}

fn draw_run(frame: &mut Frame, area: Rect, ui: Ui<'_>, run: &LiveRun, hint: &str) {
    let s = ui.styles;
    let now = ui.state.now;
    let width = area.width.min(100);
    let alert = if run.alert.is_empty() {
        Span::styled("none (run for no alert)", s.dim)
    } else {
        Span::styled(visible(&run.alert).into_owned(), s.text)
    };
    let mut lines = vec![Line::from(vec![Span::styled(" alert ", s.dim), alert])];
    let state_style = match run.outcome {
        None => s.info,
        Some(o) if o.status() == 0 => s.ok,
        Some(_) => s.critical,
    };
    let mut status = vec![
        Span::styled(" state ", s.dim),
        Span::styled(run.state_text(), state_style),
    ];
    if run.attempt > 1 {
        status.push(Span::styled(
            format!(" · run attempt {}", run.attempt),
            s.dim,
        ));
    }
    let took = elapsed(run.started, run.finished.unwrap_or(now));
    status.push(Span::styled(format!(" · {took}"), s.dim));
    if !run.detail.is_empty() {
        status.push(Span::styled(format!(" · {}", visible(&run.detail)), s.text));
    }
    lines.push(Line::from(status));
    lines.push(Line::default());
    for (i, step) in run.steps.iter().enumerate() {
        lines.push(step_line(ui, run, i, now));
        if !step.detail.is_empty() && step.state != StepState::Running {
            lines.push(Line::from(Span::styled(
                format!("        {}", visible(&step.detail)),
                s.dim,
            )));
        }
    }
    lines.push(Line::default());
    // The newest output in what room is left.
    let room = usize::from(area.height.saturating_sub(4)).saturating_sub(lines.len());
    let output: Vec<&str> = run.output.lines().collect();
    let shown = &output[output.len().saturating_sub(room)..];
    for line in shown {
        lines.push(Line::from(Span::styled(
            format!(" {}", visible(line)),
            s.text,
        )));
    }
    let dry = if run.dry_run { " (dry run)" } else { "" };
    let id = if run.run_id > 0 {
        format!(" · run {}", run.run_id)
    } else {
        String::new()
    };
    let title = format!(" Recovery: {}{dry}{id} ", visible(&run.name));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = super::overlay::centered(area, width, height.max(area.height.min(16)));
    super::overlay::popup(frame, rect, ui, &title, hint, lines);
}

fn step_line(ui: Ui<'_>, run: &LiveRun, i: usize, now: DateTime<Utc>) -> Line<'static> {
    let s = ui.styles;
    let step = &run.steps[i];
    let asking = run.asking == Some(i);
    let (mark, style) = match step.state {
        _ if asking => ("?", s.warning),
        StepState::Pending => ("·", s.dim),
        StepState::Running => ("▶", s.info),
        StepState::Succeeded | StepState::WouldRun => ("✓", s.ok),
        StepState::Failed | StepState::TimedOut => ("✗", s.critical),
        StepState::Aborted => ("■", s.warning),
        StepState::Skipped => ("-", s.dim),
    };
    let label = if asking {
        "asking".to_string()
    } else {
        step.state.label().to_string()
    };
    let time = match (step.started, step.finished) {
        (Some(a), Some(b)) => format!(" {}", elapsed(a, b)),
        (Some(a), None) => format!(" {}", elapsed(a, now)),
        _ => String::new(),
    };
    let attempt = if step.attempt > 1 {
        format!(" (attempt {})", step.attempt)
    } else {
        String::new()
    };
    let danger = if step.dangerous { " !" } else { "" };
    Line::from(vec![
        Span::styled(format!(" {mark} {}/{} ", i + 1, run.steps.len()), style),
        Span::styled(visible(&step.name).into_owned(), s.text),
        Span::styled(danger.to_string(), s.warning),
        Span::styled(format!("  {label}{attempt}{time}  "), style),
        Span::styled(visible(&step.action).into_owned(), s.dim),
    ])
}

/// "0.4s", "12s", "3m05s".
fn elapsed(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let d = (to - from).to_std().unwrap_or_default();
    crate::config::duration::short(d)
}
