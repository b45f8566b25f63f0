//! Acknowledging an alert: the confirmation (duration and comment) that opens
//! on `a`, the one before `u` expires the silence, and what the screen shows
//! once Alertmanager (or, for a local alert, the store) has carried it out.
//!
//! Confirming goes through `dispatch`, the one place read-only is enforced.

use super::action::PaneId;
use super::alerts::{Ack, Alert, Labels, PendingAck};
use super::confirm::{Confirm, Draft, Field, PlanRow};
use super::intent::{Done, Intent, Written};
use super::sources::{SourceId, SourceKind};
use super::state::{AppState, Overlay, StatusKind};
use crate::collect::alertmanager::AmAlertState;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// The longest acknowledgement: a silence longer than this is not an ack.
pub const MAX_ACK: Duration = Duration::from_secs(30 * 86400);

/// A silence to create, as the runtime sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceRequest {
    pub source: SourceId,
    pub labels: Labels,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpireRequest {
    pub source: SourceId,
    pub silence_id: String,
    pub labels: Labels,
}

/// The acknowledge dialog's fields.
pub const DURATION: &str = "duration";
pub const COMMENT: &str = "comment";

/// The duration typed, checked: at least a minute, at most `MAX_ACK`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = crate::config::duration::parse(text)?;
    if d < Duration::from_secs(60) {
        return Err("duration: at least 1m".into());
    }
    if d > MAX_ACK {
        return Err("duration: at most 30d (use a silence for longer)".into());
    }
    Ok(d)
}

/// `a` on the selected alert: the acknowledge dialog, or why there is none.
pub(super) fn open_ack(state: &mut AppState) {
    let local_source = state.rules.source;
    let Some(alert) = selected_alert(state, "acknowledge") else {
        return;
    };
    let local = local_source.filter(|id| alert.sources.contains(id));
    let problem = match (alert.alertmanager.or(local), &alert.ack) {
        (None, _) => Some(format!(
            "{} comes from Prometheus only: acknowledging silences it in an Alertmanager, and none has it",
            alert.name()
        )),
        (Some(_), Some(ack)) => Some(format!(
            "{} is already acknowledged by {}; u un-acknowledges",
            alert.name(),
            ack.by
        )),
        _ => None,
    };
    if let Some(problem) = problem {
        state.set_status(StatusKind::Warning, format!("acknowledge: {problem}"));
        return;
    }
    // An Alertmanager alert is silenced there; a local one is acknowledged in the store.
    let source = alert.alertmanager.or(local).unwrap_or_default();
    let labels = alert.labels.clone();
    let name = alert.name().to_string();
    let (what, place) = match state.remote.sources.get(source) {
        Some(s) if s.kind == SourceKind::Local => (
            "alert",
            "stored on this host, for every opsdeck here".to_string(),
        ),
        s => (
            "silence",
            format!("in Alertmanager {:?}", s.map_or("", |s| s.name.as_str())),
        ),
    };
    let fields = vec![
        Field {
            label: DURATION,
            value: crate::config::duration::short(state.config.ack.default_duration),
        },
        Field {
            label: COMMENT,
            value: String::new(),
        },
    ];
    let plan = vec![PlanRow::new(what, super::alerts::label_key(&labels))];
    let note = format!("{place}, as {}", state.actor);
    let dialog = Confirm::new(
        Draft::Acknowledge { source, labels },
        format!("Acknowledge {name}"),
        plan,
    )
    .notes(vec![note])
    .fields(fields, 1)
    .keys("acknowledge", "cancel");
    state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
}

/// `u` on the selected alert: the confirmation before its silence is expired.
pub(super) fn open_expire(state: &mut AppState) {
    let local_source = state.rules.source;
    let Some(alert) = selected_alert(state, "un-acknowledge") else {
        return;
    };
    let local = local_source.filter(|id| alert.sources.contains(id));
    let (Some(source), Some(ack)) = (alert.alertmanager.or(local), &alert.ack) else {
        let name = alert.name().to_string();
        state.set_status(
            StatusKind::Warning,
            format!("un-acknowledge: {name} is not acknowledged"),
        );
        return;
    };
    let what = if ack.silence_id.starts_with("local-") {
        "remove acknowledgement"
    } else {
        "expire silence"
    };
    let plan = vec![
        PlanRow::new(what, ack.silence_id.clone()),
        PlanRow::new("acknowledged by", ack.by.clone()),
    ];
    let request = ExpireRequest {
        source,
        silence_id: ack.silence_id.clone(),
        labels: alert.labels.clone(),
    };
    let title = format!("Un-acknowledge {}", alert.name());
    let dialog = Confirm::new(Draft::Unacknowledge(request), title, plan).keys("expire", "keep");
    state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
}

/// The alert under the cursor, or a status line saying why there is none.
fn selected_alert<'a>(state: &'a mut AppState, verb: &str) -> Option<&'a Alert> {
    let why = if state.view.focus != PaneId::Alerts {
        Some("select an alert in the Alerts pane first (3)")
    } else if state.selected_alert().is_none() {
        Some("no alert selected")
    } else {
        None
    };
    if let Some(why) = why {
        state.set_status(StatusKind::Info, format!("{verb}: {why}"));
        return None;
    }
    state.selected_alert()
}

/// Alertmanager accepted the silence: the dialog closes and the row shows the ack
/// at once, before Alertmanager's next answer reports it.
fn silence_created(
    state: &mut AppState,
    request: SilenceRequest,
    silence_id: String,
    member: String,
) {
    let name = request
        .labels
        .get("alertname")
        .unwrap_or_default()
        .to_owned();
    state.set_status(
        StatusKind::Info,
        format!("acknowledged {name}: silence {silence_id} on {member}"),
    );
    state.remote.alert_inputs.pending_acks.push(PendingAck {
        source: request.source,
        labels: request.labels,
        ack: Ack {
            silence_id,
            by: request.created_by,
            at: request.starts_at,
            until: request.ends_at,
            comment: request.comment,
        },
    });
}

/// A local alert's acknowledgement is stored: shown at once, and by every other
/// opsdeck on the host at its next look at the store.
fn local_acked(state: &mut AppState, request: SilenceRequest, id: i64) {
    let name = request
        .labels
        .get("alertname")
        .unwrap_or_default()
        .to_owned();
    let until = request.ends_at.with_timezone(&state.local_offset);
    state.set_status(
        StatusKind::Info,
        format!("acknowledged {name} until {}", until.format("%H:%M")),
    );
    state
        .remote
        .alert_inputs
        .local_acks
        .push(crate::store::acks::StoredAck {
            id,
            alert_key: super::alerts::label_key(&request.labels),
            author: request.created_by,
            comment: request.comment,
            created: request.starts_at,
            expires: request.ends_at,
        });
}

/// Alertmanager refused (or could not be reached): its words go in the dialog,
/// which stays open for another try.
fn silence_failed(state: &mut AppState, intent: &Intent, error: &str) {
    match dialog_for(state, intent) {
        Some(dialog) => {
            dialog.busy = false;
            dialog.error = Some(error.to_string());
        }
        None => state.set_status(StatusKind::Error, format!("acknowledge failed: {error}")),
    }
}

/// Un-acknowledging failed: the confirmation closes and the status line says why.
fn expire_failed(state: &mut AppState, error: &str) {
    state.set_status(StatusKind::Error, format!("un-acknowledge failed: {error}"));
}

/// Whether the open dialog is the one that asked for `intent` (another may
/// have been opened since: it is left alone).
fn dialog_for<'a>(state: &'a mut AppState, intent: &Intent) -> Option<&'a mut Confirm> {
    let Some(Overlay::Confirm(dialog)) = &mut state.view.overlay else {
        return None;
    };
    let same = match (&dialog.draft, intent) {
        (Draft::Acknowledge { source, labels }, Intent::Acknowledge(r)) => {
            *source == r.source && *labels == r.labels
        }
        (Draft::Unacknowledge(asked), Intent::Unacknowledge(r)) => asked == r,
        _ => false,
    };
    same.then_some(dialog.as_mut())
}

/// What carrying out an acknowledgement (or its end) gave.
pub(super) fn on_written(state: &mut AppState, written: Written) {
    let Written { intent, result } = written;
    if result.is_ok() || matches!(intent, Intent::Unacknowledge(_)) {
        // Done (or an un-acknowledge failed, said on the status line): its
        // dialog closes. A failed acknowledgement keeps it open for another try.
        if dialog_for(state, &intent).is_some() {
            state.view.overlay = None;
        }
    }
    match (intent, result) {
        (Intent::Acknowledge(request), Ok(Done::Silenced { silence_id, member })) => {
            silence_created(state, request, silence_id, member);
        }
        (Intent::Acknowledge(request), Ok(Done::AckStored(id))) => local_acked(state, request, id),
        (intent @ Intent::Acknowledge(_), Err(e)) => silence_failed(state, &intent, &e),
        (Intent::Unacknowledge(request), Ok(_)) => silence_expired(state, &request),
        (Intent::Unacknowledge(_), Err(e)) => expire_failed(state, &e),
        _ => {}
    }
}

/// The silence is expired: until Alertmanager's next answer, show the alert as it
/// now is, not silenced.
fn silence_expired(state: &mut AppState, request: &ExpireRequest) {
    let name = request
        .labels
        .get("alertname")
        .unwrap_or_default()
        .to_owned();
    let id = &request.silence_id;
    state.set_status(
        StatusKind::Info,
        format!("un-acknowledged {name}: silence {id} expired"),
    );
    let inputs = &mut state.remote.alert_inputs;
    inputs.pending_acks.retain(|p| &p.ack.silence_id != id);
    inputs
        .local_acks
        .retain(|a| &super::alerts::local_ack_id(a.id) != id);
    if let Some(silences) = inputs.silences.get_mut(&request.source) {
        silences.retain(|s| &s.id != id);
    }
    for a in inputs
        .alertmanager
        .get_mut(&request.source)
        .into_iter()
        .flatten()
    {
        a.silenced_by.retain(|s| s != id);
        if a.silenced_by.is_empty() && a.inhibited_by.is_empty() {
            a.state = AmAlertState::Active;
        }
    }
}

/// Renders the silence comment from `[ack] comment_template`.
pub fn render_comment(template: &str, comment: &str, user: &str) -> Result<String, String> {
    let env = minijinja::Environment::new();
    let rendered = env
        .render_str(
            template,
            minijinja::context! { comment => comment.trim(), user => user },
        )
        .map_err(|e| format!("[ack] comment_template: {e}"))?;
    Ok(rendered.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_bounded() {
        assert!(
            parse_duration("12")
                .unwrap_err()
                .contains("invalid duration")
        );
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert!(parse_duration("30s").is_err());
        assert!(parse_duration("90d").is_err());
    }

    #[test]
    fn comment_template_renders() {
        assert_eq!(
            render_comment("ACK! {{ comment }}", " on it ", "ann@db-1").unwrap(),
            "ACK! on it"
        );
        assert_eq!(
            render_comment("ACK! {{ user }}: {{ comment }}", "x", "ann").unwrap(),
            "ACK! ann: x"
        );
    }
}
