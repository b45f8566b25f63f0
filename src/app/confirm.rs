//! The one confirmation dialog. Every action that changes something opens it
//! with a plan (exactly what will happen: the silence's matchers, the argv, the
//! replicas), optional fields to fill in (an acknowledgement's duration and
//! comment), and whether it is a dry run. Enter confirms, Esc cancels; the
//! confirmed draft becomes an `Intent` for `dispatch`.

use super::ack::{self, ExpireRequest, SilenceRequest};
use super::alerts::Labels;
use super::intent::{Intent, RecoveryRef, StepRef, TaskRef};
use super::sources::SourceId;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub draft: Draft,
    pub title: String,
    /// What will happen, one labelled row each.
    pub plan: Vec<PlanRow>,
    /// Sentences under the plan (where, as whom, what else follows).
    pub notes: Vec<String>,
    /// What the operator fills in; Tab moves between them.
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The hint's words for Enter and Esc.
    pub yes: &'static str,
    pub no: &'static str,
    /// `Some(true)`: nothing will be changed (shown in the title and notes).
    pub dry_run: Option<bool>,
    /// Sent, waiting for the answer: only Esc works.
    pub busy: bool,
    /// Why the last try failed (a field's error, or the server's words).
    pub error: Option<String>,
}

/// What the dialog will do once confirmed.
#[derive(Debug, Clone, PartialEq)]
pub enum Draft {
    /// Fields: duration, comment.
    Acknowledge {
        source: SourceId,
        labels: Labels,
    },
    Unacknowledge(ExpireRequest),
    TriggerTask(TaskRef),
    CancelTask(TaskRef),
    /// `d` toggles the dry run, Tab the runbook when several match.
    RunRecovery(RecoveryRef),
    /// A running recovery's dangerous step asks; Esc aborts the run.
    ConfirmStep(StepRef),
    AbortRecovery(StepRef),
    /// `s`: field: replicas (the recommendation, or a count by hand).
    Scale(super::scaling::ScaleDraft),
    /// Quitting cancels this many running task runs (not a write: not audited).
    Quit(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub label: String,
    pub value: String,
    /// Dimmed after the value (e.g. a timeout).
    pub aside: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
}

/// What a key did in the dialog.
#[derive(Debug, PartialEq)]
pub enum DialogKey {
    /// Handled: text edited or focus moved.
    Edited,
    Submit,
    Cancel,
    Ignored,
}

/// What the ack fields need to become a silence.
pub struct AckContext<'a> {
    pub now: DateTime<Utc>,
    pub actor: &'a str,
    pub comment_template: &'a str,
}

/// Longest text a field takes.
const FIELD_MAX: usize = 500;

impl PlanRow {
    pub fn new(label: &str, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
            aside: String::new(),
        }
    }

    pub fn aside(mut self, aside: impl Into<String>) -> Self {
        self.aside = aside.into();
        self
    }
}

impl Confirm {
    pub fn new(draft: Draft, title: String, plan: Vec<PlanRow>) -> Self {
        Self {
            draft,
            title,
            plan,
            notes: Vec::new(),
            fields: Vec::new(),
            focus: 0,
            yes: "confirm",
            no: "cancel",
            dry_run: None,
            busy: false,
            error: None,
        }
    }

    pub fn notes(mut self, notes: Vec<String>) -> Self {
        self.notes = notes;
        self
    }

    pub fn keys(mut self, yes: &'static str, no: &'static str) -> Self {
        (self.yes, self.no) = (yes, no);
        self
    }

    /// Adds fields; the one at `focus` has the cursor first.
    pub fn fields(mut self, fields: Vec<Field>, focus: usize) -> Self {
        self.fields = fields;
        self.focus = focus;
        self
    }

    pub fn field(&self, label: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map_or("", |f| f.value.as_str())
    }

    pub fn is_quit(&self) -> bool {
        matches!(self.draft, Draft::Quit(_))
    }

    pub fn on_key(&mut self, key: KeyEvent) -> DialogKey {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.busy {
            // Sent: it may still succeed. Closing is all a key can do (and in
            // a dialog without fields, n and Ctrl-C close it as Esc does).
            let close = key.code == KeyCode::Esc
                || (self.fields.is_empty()
                    && (key.code == KeyCode::Char('n')
                        || (ctrl && key.code == KeyCode::Char('c'))));
            return if close {
                DialogKey::Cancel
            } else {
                DialogKey::Ignored
            };
        }
        match key.code {
            KeyCode::Esc => return DialogKey::Cancel,
            KeyCode::Char('c') if ctrl => return DialogKey::Cancel,
            KeyCode::Enter => return DialogKey::Submit,
            _ => {}
        }
        if self.fields.is_empty() {
            // A plain yes/no: y and n answer too.
            return match key.code {
                KeyCode::Char('y') if !ctrl => DialogKey::Submit,
                KeyCode::Char('n') if !ctrl => DialogKey::Cancel,
                _ => DialogKey::Ignored,
            };
        }
        let count = self.fields.len();
        let text = &mut self.fields[self.focus.min(count - 1)].value;
        match key.code {
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % count,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + count - 1) % count,
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if ctrl => text.clear(),
            KeyCode::Char(c) if !ctrl && text.chars().count() < FIELD_MAX => text.push(c),
            _ => return DialogKey::Ignored,
        }
        self.error = None;
        // A plan that follows what is typed (the argv of the count).
        if matches!(self.draft, Draft::Scale(_)) {
            super::scaling::refresh_plan(self);
        }
        DialogKey::Edited
    }

    /// The intent the dialog now describes, or why its fields do not make one
    /// (`Ok(None)`: confirming quits, nothing to dispatch).
    pub fn intent(&self, ctx: &AckContext) -> Result<Option<Intent>, String> {
        Ok(Some(match &self.draft {
            Draft::Acknowledge { source, labels } => {
                let duration = ack::parse_duration(self.field(ack::DURATION))?;
                let comment =
                    ack::render_comment(ctx.comment_template, self.field(ack::COMMENT), ctx.actor)?;
                let ends_at = ctx.now
                    + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::hours(1));
                Intent::Acknowledge(SilenceRequest {
                    source: *source,
                    labels: labels.clone(),
                    starts_at: ctx.now,
                    ends_at,
                    created_by: ctx.actor.to_string(),
                    comment,
                })
            }
            Draft::Unacknowledge(request) => Intent::Unacknowledge(request.clone()),
            Draft::TriggerTask(task) => Intent::TriggerTask(task.clone()),
            Draft::CancelTask(task) => Intent::CancelTask(task.clone()),
            Draft::RunRecovery(r) => Intent::RunRecovery(RecoveryRef {
                dry_run: self.dry_run == Some(true),
                ..r.clone()
            }),
            Draft::ConfirmStep(step) => Intent::ConfirmStep(step.clone()),
            Draft::AbortRecovery(step) => Intent::AbortRecovery(step.clone()),
            Draft::Scale(draft) => {
                Intent::Scale(draft.intent(self.field(super::scaling::REPLICAS))?)
            }
            Draft::Quit(_) => return Ok(None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn task() -> TaskRef {
        TaskRef {
            task_id: "t".into(),
            name: "T".into(),
            command: "true".into(),
        }
    }

    #[test]
    fn a_plain_confirmation_takes_enter_y_esc_and_n() {
        let mut c = Confirm::new(Draft::TriggerTask(task()), "Run".into(), vec![]);
        assert_eq!(c.on_key(key(KeyCode::Char('y'))), DialogKey::Submit);
        assert_eq!(c.on_key(key(KeyCode::Enter)), DialogKey::Submit);
        assert_eq!(c.on_key(key(KeyCode::Char('n'))), DialogKey::Cancel);
        assert_eq!(c.on_key(key(KeyCode::Char('x'))), DialogKey::Ignored);
        c.busy = true;
        assert_eq!(c.on_key(key(KeyCode::Enter)), DialogKey::Ignored);
        assert_eq!(c.on_key(key(KeyCode::Char('y'))), DialogKey::Ignored);
        assert_eq!(c.on_key(key(KeyCode::Esc)), DialogKey::Cancel);
        assert_eq!(c.on_key(key(KeyCode::Char('n'))), DialogKey::Cancel);
    }

    #[test]
    fn fields_take_text_and_tab_moves_between_them() {
        let fields = vec![
            Field {
                label: "duration",
                value: "1h".into(),
            },
            Field {
                label: "comment",
                value: String::new(),
            },
        ];
        let mut c = Confirm::new(Draft::TriggerTask(task()), "x".into(), vec![]).fields(fields, 1);
        for ch in "yes".chars() {
            c.on_key(key(KeyCode::Char(ch)));
        }
        c.on_key(key(KeyCode::Tab));
        c.on_key(key(KeyCode::Backspace));
        c.on_key(key(KeyCode::Char('2')));
        assert_eq!((c.field("comment"), c.field("duration")), ("yes", "12"));
        assert_eq!(c.on_key(key(KeyCode::Enter)), DialogKey::Submit);
    }
}
