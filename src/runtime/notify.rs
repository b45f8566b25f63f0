//! Sending local alerts' notifications to `[[notifier]]` webhooks (in progress).

use crate::app::local_rules::Notification;
use crate::config::notifier::Notifier;

pub fn send(notifiers: &[Notifier], batch: Vec<Notification>) {
    tracing::debug!(
        "{} notification(s) for {} notifier(s)",
        batch.len(),
        notifiers.len()
    );
}
