//! Acknowledging an Alertmanager alert: the dialog (duration and comment), the
//! silence it asks for, and the confirmation before a silence is expired.
//!
//! Submitting goes back through `dispatch`, the one place read-only is enforced.

use super::alerts::{Ack, Labels, PendingAck};
use super::sources::SourceId;
use super::state::{AppState, Overlay, StatusKind};
use crate::collect::alertmanager::AmAlertState;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;

/// The longest acknowledgement: a silence longer than this is not an ack.
pub const MAX_ACK: Duration = Duration::from_secs(30 * 86400);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckField {
    Duration,
    Comment,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AckDialog {
    pub source: SourceId,
    pub labels: Labels,
    pub duration: String,
    pub comment: String,
    pub field: AckField,
    /// What went wrong with the last try, verbatim from Alertmanager.
    pub error: Option<String>,
    /// Sent, waiting for Alertmanager's answer.
    pub busy: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpireConfirm {
    pub source: SourceId,
    pub silence_id: String,
    pub labels: Labels,
    /// Who acknowledged it, for the question.
    pub by: String,
    pub busy: bool,
}

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

/// What a key does in a dialog.
#[derive(Debug, PartialEq)]
pub enum DialogKey {
    /// Handled: text edited or focus moved.
    Edited,
    Submit,
    Cancel,
    Ignored,
}

impl AckDialog {
    pub fn new(source: SourceId, labels: Labels, default_duration: Duration) -> Self {
        Self {
            source,
            labels,
            duration: crate::config::duration::short(default_duration),
            comment: String::new(),
            field: AckField::Comment,
            error: None,
            busy: false,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> DialogKey {
        if self.busy {
            // Only Esc while the request is out: it may still succeed.
            return if key.code == KeyCode::Esc {
                DialogKey::Cancel
            } else {
                DialogKey::Ignored
            };
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let text = match self.field {
            AckField::Duration => &mut self.duration,
            AckField::Comment => &mut self.comment,
        };
        match key.code {
            KeyCode::Esc => return DialogKey::Cancel,
            KeyCode::Char('c') if ctrl => return DialogKey::Cancel,
            KeyCode::Enter => return DialogKey::Submit,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                self.field = match self.field {
                    AckField::Duration => AckField::Comment,
                    AckField::Comment => AckField::Duration,
                };
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if ctrl => text.clear(),
            KeyCode::Char(c) if !ctrl && text.chars().count() < 500 => text.push(c),
            _ => return DialogKey::Ignored,
        }
        self.error = None;
        DialogKey::Edited
    }

    /// The duration typed, checked: at least a minute, at most `MAX_ACK`.
    pub fn parsed_duration(&self) -> Result<Duration, String> {
        let d = crate::config::duration::parse(&self.duration)?;
        if d < Duration::from_secs(60) {
            return Err("duration: at least 1m".into());
        }
        if d > MAX_ACK {
            return Err("duration: at most 30d (use a silence for longer)".into());
        }
        Ok(d)
    }
}

/// Alertmanager accepted the silence: the dialog closes and the row shows the ack
/// at once, before Alertmanager's next answer reports it.
pub(super) fn silence_created(
    state: &mut AppState,
    request: SilenceRequest,
    silence_id: String,
    member: String,
) {
    if matches!(state.overlay, Some(Overlay::Ack(_))) {
        state.overlay = None;
    }
    let name = request.labels.get("alertname").cloned().unwrap_or_default();
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
pub(super) fn local_acked(state: &mut AppState, request: SilenceRequest, id: i64) {
    if matches!(state.overlay, Some(Overlay::Ack(_))) {
        state.overlay = None;
    }
    let name = request.labels.get("alertname").cloned().unwrap_or_default();
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
pub(super) fn silence_failed(state: &mut AppState, error: &str) {
    match &mut state.overlay {
        Some(Overlay::Ack(dialog)) => {
            dialog.busy = false;
            dialog.error = Some(error.to_string());
        }
        _ => state.set_status(StatusKind::Error, format!("acknowledge failed: {error}")),
    }
}

/// The silence is expired: until Alertmanager's next answer, show the alert as it
/// now is, not silenced.
pub(super) fn silence_expired(state: &mut AppState, request: &ExpireRequest) {
    if matches!(state.overlay, Some(Overlay::Expire(_))) {
        state.overlay = None;
    }
    let name = request.labels.get("alertname").cloned().unwrap_or_default();
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

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_goes_to_the_focused_field() {
        let mut d = AckDialog::new(0, Labels::new(), Duration::from_secs(3600));
        assert_eq!(d.duration, "1h");
        for c in "disk".chars() {
            d.on_key(key(KeyCode::Char(c)));
        }
        d.on_key(key(KeyCode::Tab));
        d.on_key(key(KeyCode::Backspace));
        d.on_key(key(KeyCode::Char('2')));
        assert_eq!((d.comment.as_str(), d.duration.as_str()), ("disk", "12"));
        assert!(
            d.parsed_duration()
                .unwrap_err()
                .contains("invalid duration")
        );
        d.on_key(key(KeyCode::Char('h')));
        assert_eq!(d.parsed_duration(), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(d.on_key(key(KeyCode::Enter)), DialogKey::Submit);
    }

    #[test]
    fn durations_are_bounded() {
        let mut d = AckDialog::new(0, Labels::new(), Duration::from_secs(3600));
        d.duration = "30s".into();
        assert!(d.parsed_duration().is_err());
        d.duration = "90d".into();
        assert!(d.parsed_duration().is_err());
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
