//! Effects that change something outside opsdeck: creating and expiring
//! Alertmanager silences. Each is audited twice, its intent before it is sent and
//! its outcome after, and the screen hears of success only once both are durable.

use super::remote::Clients;
use crate::app::Msg;
use crate::app::ack::{ExpireRequest, SilenceRequest};
use crate::app::alerts::{Labels, label_key};
use crate::collect::alertmanager::{Matcher, NewSilence, PostableAlert};
use crate::store::acks::NewAck;
use crate::store::writer::{StoreHandle, Unack};
use crate::store::{NewAudit, Phase};
use chrono::Utc;
use serde_json::json;
use tokio::sync::mpsc;

/// What the actions need: the clients, the store (None with --no-store), and
/// source names for the records.
#[derive(Clone)]
pub struct ActionContext {
    pub clients: Clients,
    pub store: Option<StoreHandle>,
    pub source_names: Vec<String>,
    pub actor: String,
}

impl ActionContext {
    fn name(&self, source: usize) -> String {
        self.source_names.get(source).cloned().unwrap_or_default()
    }

    /// Writes the intent; `Err` means it is not durable and the action must not go.
    async fn intent(
        &self,
        action: &str,
        target: &str,
        params: serde_json::Value,
    ) -> Result<Option<i64>, String> {
        let Some(store) = &self.store else {
            return Ok(None);
        };
        let record = NewAudit {
            at: Utc::now(),
            actor: self.actor.clone(),
            action: action.into(),
            phase: Phase::Intent,
            target: target.into(),
            params,
            outcome: String::new(),
            intent_id: None,
        };
        match store.audit(record).await {
            Ok(Ok(id)) => Ok(Some(id)),
            Ok(Err(e)) => Err(format!("not sent: the audit log could not be written: {e}")),
            Err(_) => Err("not sent: the store thread is gone".into()),
        }
    }

    async fn outcome(&self, action: &str, target: &str, intent_id: Option<i64>, outcome: String) {
        let Some(store) = &self.store else {
            return;
        };
        let record = NewAudit {
            at: Utc::now(),
            actor: self.actor.clone(),
            action: action.into(),
            phase: Phase::Outcome,
            target: target.into(),
            params: json!({}),
            outcome,
            intent_id,
        };
        if !matches!(store.audit(record).await, Ok(Ok(_))) {
            tracing::error!("{action} {target}: the outcome could not be recorded");
        }
    }
}

fn labels_json(labels: &Labels) -> serde_json::Value {
    serde_json::to_value(labels).unwrap_or_default()
}

pub fn create_silence(ctx: ActionContext, req: SilenceRequest, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_local(async move {
        let msg = match create(&ctx, &req).await {
            Ok((silence_id, member)) => Msg::SilenceCreated {
                request: req,
                silence_id,
                member,
            },
            Err(e) => Msg::SilenceFailed(e),
        };
        let _ = tx.send(msg).await;
    });
}

async fn create(ctx: &ActionContext, req: &SilenceRequest) -> Result<(String, String), String> {
    let Some(client) = ctx.clients.alertmanagers.get(&req.source) else {
        return Err("that Alertmanager is not configured".into());
    };
    let target = label_key(&req.labels);
    let source = ctx.name(req.source);
    let params = json!({
        "alertmanager": source,
        "starts_at": req.starts_at.to_rfc3339(),
        "ends_at": req.ends_at.to_rfc3339(),
        "comment": req.comment,
    });
    let intent = ctx.intent("acknowledge", &target, params).await?;
    let silence = NewSilence {
        matchers: req
            .labels
            .iter()
            .map(|(name, value)| Matcher {
                name: name.clone(),
                value: value.clone(),
                is_regex: false,
                is_equal: true,
            })
            .collect(),
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        created_by: req.created_by.clone(),
        comment: req.comment.clone(),
    };
    let written = match client.create_silence(&silence).await {
        Ok(w) => w,
        Err(e) => {
            let message = e.to_string();
            ctx.outcome("acknowledge", &target, intent, format!("failed: {message}"))
                .await;
            return Err(message);
        }
    };
    let (id, member) = (
        written.value,
        crate::collect::http::url_for_display(&written.member),
    );
    if let Some(store) = &ctx.store {
        let ack = NewAck {
            alert_key: target.clone(),
            labels: labels_json(&req.labels),
            source: source.clone(),
            silence_id: Some(id.clone()),
            author: req.created_by.clone(),
            comment: req.comment.clone(),
            created: req.starts_at,
            expires: req.ends_at,
        };
        if !matches!(store.ack(ack).await, Ok(Ok(_))) {
            tracing::error!("acknowledgement {id} could not be stored");
        }
    }
    ctx.outcome(
        "acknowledge",
        &target,
        intent,
        format!("silence {id} on {member}"),
    )
    .await;
    Ok((id, member))
}

/// Posts local alerts to an Alertmanager; a failure is a warning in the log
/// (the next push tries again).
pub fn push_alerts(ctx: &ActionContext, source: usize, alerts: Vec<PostableAlert>) {
    let Some(client) = ctx.clients.alertmanagers.get(&source).cloned() else {
        return;
    };
    tokio::task::spawn_local(async move {
        if let Err(e) = client.post_alerts(&alerts).await {
            tracing::warn!("pushing {} local alert(s): {e}", alerts.len());
        }
    });
}

/// Stores an acknowledgement of a local alert: every opsdeck on the host reads it
/// from the store, and it ends by itself at `ends_at`.
pub fn ack_local(ctx: ActionContext, req: SilenceRequest, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_local(async move {
        let msg = match store_local_ack(&ctx, &req).await {
            Ok(id) => Msg::LocalAcked { request: req, id },
            Err(e) => Msg::SilenceFailed(e),
        };
        let _ = tx.send(msg).await;
    });
}

async fn store_local_ack(ctx: &ActionContext, req: &SilenceRequest) -> Result<i64, String> {
    let Some(store) = &ctx.store else {
        return Err("acknowledging opsdeck's own alerts needs the state database (this opsdeck runs with --no-store)".into());
    };
    let target = label_key(&req.labels);
    let params = json!({
        "source": "local",
        "ends_at": req.ends_at.to_rfc3339(),
        "comment": req.comment,
    });
    let intent = ctx.intent("acknowledge", &target, params).await?;
    let ack = NewAck {
        alert_key: target.clone(),
        labels: labels_json(&req.labels),
        source: "local".into(),
        silence_id: None,
        author: req.created_by.clone(),
        comment: req.comment.clone(),
        created: req.starts_at,
        expires: req.ends_at,
    };
    let result = match store.ack(ack).await {
        Ok(Ok(id)) => Ok(id),
        Ok(Err(e)) => Err(format!("the acknowledgement could not be stored: {e}")),
        Err(_) => Err("the store thread is gone".into()),
    };
    let outcome = match &result {
        Ok(id) => format!("stored as {}", crate::app::alerts::local_ack_id(*id)),
        Err(e) => format!("failed: {e}"),
    };
    ctx.outcome("acknowledge", &target, intent, outcome).await;
    result
}

/// Ends a local acknowledgement (`local-<id>`).
pub fn unack_local(ctx: ActionContext, req: ExpireRequest, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_local(async move {
        let msg = match remove_local_ack(&ctx, &req).await {
            Ok(()) => Msg::SilenceExpired(req),
            Err(e) => Msg::ExpireFailed(e),
        };
        let _ = tx.send(msg).await;
    });
}

async fn remove_local_ack(ctx: &ActionContext, req: &ExpireRequest) -> Result<(), String> {
    let Some(store) = &ctx.store else {
        return Err("this opsdeck runs with --no-store".into());
    };
    let id: i64 = req
        .silence_id
        .strip_prefix("local-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("{} is not a local acknowledgement", req.silence_id))?;
    let target = label_key(&req.labels);
    let params = json!({ "source": "local", "ack": req.silence_id });
    let intent = ctx.intent("unacknowledge", &target, params).await?;
    let result = match store
        .remove_local_ack(id, labels_json(&req.labels), Utc::now())
        .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("the store refused: {e}")),
        Err(_) => Err("the store thread is gone".into()),
    };
    let outcome = match &result {
        Ok(()) => format!("{} removed", req.silence_id),
        Err(e) => format!("failed: {e}"),
    };
    ctx.outcome("unacknowledge", &target, intent, outcome).await;
    result
}

pub fn expire_silence(ctx: ActionContext, req: ExpireRequest, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_local(async move {
        let msg = match expire(&ctx, &req).await {
            Ok(()) => Msg::SilenceExpired(req),
            Err(e) => Msg::ExpireFailed(e),
        };
        let _ = tx.send(msg).await;
    });
}

async fn expire(ctx: &ActionContext, req: &ExpireRequest) -> Result<(), String> {
    let Some(client) = ctx.clients.alertmanagers.get(&req.source) else {
        return Err("that Alertmanager is not configured".into());
    };
    let target = label_key(&req.labels);
    let source = ctx.name(req.source);
    let params = json!({ "alertmanager": source, "silence_id": req.silence_id });
    let intent = ctx.intent("unacknowledge", &target, params).await?;
    if let Err(e) = client.expire_silence(&req.silence_id).await {
        let message = e.to_string();
        ctx.outcome(
            "unacknowledge",
            &target,
            intent,
            format!("failed: {message}"),
        )
        .await;
        return Err(message);
    }
    if let Some(store) = &ctx.store {
        let unack = Unack {
            source,
            silence_id: req.silence_id.clone(),
            alert_key: target.clone(),
            labels: labels_json(&req.labels),
            at: Utc::now(),
        };
        if !matches!(store.unack(unack).await, Ok(Ok(_))) {
            tracing::error!(
                "un-acknowledgement of {} could not be stored",
                req.silence_id
            );
        }
    }
    ctx.outcome(
        "unacknowledge",
        &target,
        intent,
        format!("silence {} expired", req.silence_id),
    )
    .await;
    Ok(())
}
