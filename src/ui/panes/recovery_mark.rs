//! On an alert's row: whether a runbook is linked to it (`r` runs it) and how
//! this opsdeck's latest run for it stands. Worked out for the visible rows
//! only, as they are drawn.

use crate::app::alerts::{Alert, label_key};
use crate::app::state::AppState;
use crate::engine::runbooks::RunbookSpec;
use crate::ui::theme::Styles;
use ratatui::style::Style;

/// "r ", "↻ running step 2/4 · ", "✓ recovered · ", "✗ failed · ".
pub fn mark(state: &AppState, s: &Styles, alert: &Alert) -> Option<(String, Style)> {
    let runbooks = state.config.runbooks();
    if runbooks.is_empty() {
        return None;
    }
    let latest = (!state.recoveries.runs.is_empty())
        .then(|| state.recoveries.latest_for(&label_key(&alert.labels)))
        .flatten();
    if let Some(run) = latest {
        let (symbol, style) = match run.outcome {
            None => ("↻", s.info),
            Some(o) if o.status() == 0 => ("✓", s.ok),
            Some(_) => ("✗", s.critical),
        };
        return Some((format!("{symbol} {} · ", run.state_text()), style));
    }
    let key = (!state.recoveries.stored.is_empty()).then(|| label_key(&alert.labels));
    if let Some(run) = key.and_then(|k| state.recoveries.stored.get(&k)) {
        // Another opsdeck's run (or one before this session).
        let (symbol, style) = match run.state.as_str() {
            "running" => ("↻", s.info),
            "recovered" | "dry_run" => ("✓", s.ok),
            _ => ("✗", s.critical),
        };
        let steps = runbooks
            .iter()
            .find(|r| r.id == run.runbook)
            .map(|r| r.steps.len());
        let state_text = crate::app::runbooks::stored_state_text(run, steps);
        return Some((format!("{symbol} {state_text} · "), style));
    }
    if !state.recoveries.auto_skips.is_empty()
        && let Some(why) = state.recoveries.auto_skips.get(&label_key(&alert.labels))
    {
        return Some((format!("auto-recovery skipped: {why} · "), s.warning));
    }
    RunbookSpec::linked(runbooks, &alert.labels)
        .next()
        .map(|_| ("r ".to_string(), s.accent))
}
