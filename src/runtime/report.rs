//! The ops report's effects: the leader's minutes stored, the header's
//! hand-over line and the `H` overlay's report read, all on the store's
//! thread (a report of a busy shift is no work for the thread that reads
//! keys).

use crate::app::Msg;
use crate::app::report::{Effect, Msg as ReportMsg};
use crate::store::report::HANDOVER_SHOWN;

pub fn run_effect(ex: &super::Executor, effect: Effect) {
    let Some(store) = &ex.store else { return };
    match effect {
        Effect::StoreMinute(minute) => {
            // Not waited for: an observation, logged if it fails.
            drop(store.call("resource minute", move |s| s.upsert_minute(&minute)));
        }
        Effect::StoreCheckMinute(minute) => {
            drop(store.call("check minute", move |s| s.upsert_check_minute(&minute)));
        }
        Effect::LoadHandover => {
            let now = chrono::Utc::now();
            ex.polls.handover.read(
                &ex.tx,
                || store.call("hand-over", move |s| s.since_handover(now)),
                |since| Some(Msg::Report(ReportMsg::Handover(since))),
            );
        }
        Effect::LoadSummary(request) => {
            let reply = store.call("hand-over report", move |s| {
                let until = chrono::Utc::now();
                let since = s
                    .last_handover(until)?
                    .map_or(until - HANDOVER_SHOWN, |h| h.at);
                let mut inputs = s.report_inputs(since, until)?;
                inputs.host = request.host;
                inputs.generated_by = request.actor;
                inputs.level_rules = request.level_rules;
                Ok(Box::new(crate::engine::report::build(&inputs)))
            });
            let tx = ex.tx.clone();
            tokio::spawn(async move {
                let result = match reply.await {
                    Ok(result) => result,
                    Err(_) => Err("the store thread is gone".into()),
                };
                let _ = tx.send(Msg::Report(ReportMsg::Summary(result))).await;
            });
        }
    }
}
