//! The Alerts pane's effects: acknowledgements carried out (a silence in
//! Alertmanager, or a local ack in the store), local alerts pushed and
//! notified, and the store's history and acks read. Audit records are the
//! write wrapper's (`write`), not these functions'.

use super::Executor;
use super::write::WriteContext;
use crate::app::Msg;
use crate::app::ack::{ExpireRequest, SilenceRequest};
use crate::app::alerts::{Effect, Labels, Msg as AlertsMsg, label_key};
use crate::app::intent::{Done, Intent};
use crate::collect::alertmanager::{Matcher, NewSilence};
use crate::store::acks::NewAck;
use crate::store::writer::Unack;
use chrono::Utc;

/// Carries out an acknowledgement or its end.
pub async fn execute(ctx: &WriteContext, intent: &Intent) -> Result<Done, String> {
    match intent {
        Intent::Acknowledge(req) if Some(req.source) == ctx.local_source => {
            store_local_ack(ctx, req).await
        }
        Intent::Acknowledge(req) => create_silence(ctx, req).await,
        Intent::Unacknowledge(req) if Some(req.source) == ctx.local_source => {
            remove_local_ack(ctx, req).await
        }
        Intent::Unacknowledge(req) => expire_silence(ctx, req).await,
        _ => Err("not an acknowledgement".into()),
    }
}

/// The Alerts pane's other effects.
pub fn run(ex: &Executor, effect: Effect) {
    match effect {
        Effect::RecordEvents(events) => {
            if let Some(store) = &ex.store {
                store.record_events(events);
            }
        }
        Effect::LoadHistory(key) => {
            let Some(store) = &ex.store else { return };
            let reply = store.history(key.clone());
            let tx = ex.tx.clone();
            tokio::spawn(async move {
                if let Ok(Ok(events)) = reply.await {
                    let _ = tx.send(Msg::Alerts(AlertsMsg::History(key, events))).await;
                }
            });
        }
        Effect::PollAcks { now } => {
            let Some(store) = &ex.store else { return };
            ex.polls.acks.read(
                &ex.tx,
                || store.local_acks(now),
                |acks| Some(Msg::Alerts(AlertsMsg::LocalAcks(acks))),
            );
        }
        Effect::PushAlerts { source, alerts } => {
            // A failure is a warning in the log: the next push tries again.
            let Some(client) = ex.writes.clients.alertmanagers.get(&source).cloned() else {
                return;
            };
            tokio::task::spawn_local(async move {
                if let Err(e) = client.post_alerts(&alerts).await {
                    tracing::warn!("pushing {} local alert(s): {e}", alerts.len());
                }
            });
        }
        Effect::ShareLocal { alerts, at } => {
            if let Some(store) = &ex.store {
                store.share_local_alerts(alerts, at);
            }
        }
        Effect::PollShared => {
            let Some(store) = &ex.store else { return };
            ex.polls.shared.read(
                &ex.tx,
                || store.local_alerts(),
                |alerts| Some(Msg::Alerts(AlertsMsg::Shared(alerts))),
            );
        }
        Effect::Notify(batch) => {
            super::notify::send_reporting(&ex.notifiers, batch, ex.report.as_ref());
        }
    }
}

fn labels_json(labels: &Labels) -> serde_json::Value {
    serde_json::to_value(labels).unwrap_or_default()
}

async fn create_silence(ctx: &WriteContext, req: &SilenceRequest) -> Result<Done, String> {
    let Some(client) = ctx.clients.alertmanagers.get(&req.source) else {
        return Err("that Alertmanager is not configured".into());
    };
    let target = label_key(&req.labels);
    let source = client.name().to_string();
    let silence = NewSilence {
        matchers: req
            .labels
            .iter()
            .map(|(name, value)| Matcher {
                name: name.to_owned(),
                value: value.to_owned(),
                is_regex: false,
                is_equal: true,
            })
            .collect(),
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        created_by: req.created_by.clone(),
        comment: req.comment.clone(),
    };
    let written = client
        .create_silence(&silence)
        .await
        .map_err(|e| e.to_string())?;
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
    Ok(Done::Silenced {
        silence_id: id,
        member,
    })
}

async fn store_local_ack(ctx: &WriteContext, req: &SilenceRequest) -> Result<Done, String> {
    let Some(store) = &ctx.store else {
        return Err("acknowledging opsdeck's own alerts needs the state database (this opsdeck runs with --no-store)".into());
    };
    let target = label_key(&req.labels);
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
    match store.ack(ack).await {
        Ok(Ok(id)) => Ok(Done::AckStored(id)),
        Ok(Err(e)) => Err(format!("the acknowledgement could not be stored: {e}")),
        Err(_) => Err("the store thread is gone".into()),
    }
}

/// Ends a local acknowledgement (`local-<id>`).
async fn remove_local_ack(ctx: &WriteContext, req: &ExpireRequest) -> Result<Done, String> {
    let Some(store) = &ctx.store else {
        return Err("this opsdeck runs with --no-store".into());
    };
    let id: i64 = req
        .silence_id
        .strip_prefix("local-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("{} is not a local acknowledgement", req.silence_id))?;
    match store
        .remove_local_ack(id, labels_json(&req.labels), Utc::now())
        .await
    {
        Ok(Ok(_)) => Ok(Done::Expired),
        Ok(Err(e)) => Err(format!("the store refused: {e}")),
        Err(_) => Err("the store thread is gone".into()),
    }
}

async fn expire_silence(ctx: &WriteContext, req: &ExpireRequest) -> Result<Done, String> {
    let Some(client) = ctx.clients.alertmanagers.get(&req.source) else {
        return Err("that Alertmanager is not configured".into());
    };
    let target = label_key(&req.labels);
    let source = client.name().to_string();
    client
        .expire_silence(&req.silence_id)
        .await
        .map_err(|e| e.to_string())?;
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
    Ok(Done::Expired)
}
