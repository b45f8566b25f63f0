//! The one wrapper every write goes through: its intent is written to the
//! audit log durably first (if it cannot be, nothing is done), then it is
//! carried out by its feature's executor, then its outcome is written, and only
//! then does the screen hear how it went.

use crate::app::Msg;
use crate::app::intent::{Done, Feature, Write, Written};
use crate::store::writer::StoreHandle;
use crate::store::{NewAudit, Phase};
use chrono::Utc;
use tokio::sync::mpsc;

/// What the writes need: the Alertmanager clients, the store (None with
/// --no-store), and who acts.
#[derive(Clone)]
pub struct WriteContext {
    pub clients: super::remote::Clients,
    pub store: Option<StoreHandle>,
    /// The source id of opsdeck's own rules: their acks live in the store.
    pub local_source: Option<usize>,
    pub actor: String,
}

impl WriteContext {
    /// Writes the intent; `Err` means it is not durable and nothing may be done.
    async fn intent(&self, record: NewAudit) -> Result<Option<i64>, String> {
        let Some(store) = &self.store else {
            return Ok(None);
        };
        match store.audit(record).await {
            Ok(Ok(id)) => Ok(Some(id)),
            Ok(Err(e)) => Err(format!("not sent: the audit log could not be written: {e}")),
            Err(_) => Err("not sent: the store thread is gone".into()),
        }
    }

    async fn outcome(&self, intent: &NewAudit, intent_id: Option<i64>, outcome: String) {
        let Some(store) = &self.store else {
            return;
        };
        let record = NewAudit {
            at: Utc::now(),
            phase: Phase::Outcome,
            params: serde_json::json!({}),
            outcome,
            intent_id,
            ..intent.clone()
        };
        if !matches!(store.audit(record).await, Ok(Ok(_))) {
            let (action, target) = (&intent.action, &intent.target);
            tracing::error!("{action} {target}: the outcome could not be recorded");
        }
    }
}

/// Carries out one write on the event loop's LocalSet (it waits on I/O only).
pub fn perform(ctx: WriteContext, write: Write, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_local(async move {
        let result = carry_out(&ctx, &write).await;
        let written = Written {
            intent: write.intent,
            result,
        };
        let _ = tx.send(Msg::Written(Box::new(written))).await;
    });
}

async fn carry_out(ctx: &WriteContext, write: &Write) -> Result<Done, String> {
    let mut record = write.record.clone();
    record.at = Utc::now();
    let intent_id = ctx.intent(record.clone()).await?;
    let result = match write.intent.feature() {
        // The scheduler is `update`'s: it carries the write out now that its
        // intent is durable, and records the outcome.
        Feature::Tasks | Feature::Runbooks | Feature::Scaling => {
            return Ok(Done::IntentRecorded(intent_id));
        }
        Feature::Alerts => super::alerts::execute(ctx, &write.intent).await,
    };
    let outcome = match &result {
        Ok(done) => done.outcome(&write.intent),
        Err(e) => format!("failed: {e}"),
    };
    ctx.outcome(&record, intent_id, outcome).await;
    result
}
