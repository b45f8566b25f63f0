//! The Alertmanagers' active silences, read once for the report's "Now":
//! the store holds the silences opsdeck made (acknowledgements); those made
//! in Alertmanager's UI or with amtool are only there. One that cannot be
//! read is named in the report, never left out quietly.

use crate::collect::alertmanager::{Matcher, Silence, SilenceState};
use crate::config::Config;
use crate::engine::report::inputs::OpenAck;
use crate::secrets::redacted;

/// Active silences of every `[[alertmanager]]` not already among `known`
/// (by silence id), and why a cluster's could not be read.
pub fn live(config: &Config, known: &[OpenAck]) -> (Vec<OpenAck>, Vec<String>) {
    if config.alertmanager.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return (
                Vec::new(),
                vec![format!("cannot start the HTTP client: {e}")],
            );
        }
    };
    let clients = crate::runtime::remote::alertmanager_clients(config);
    let reads = rt.block_on(futures_util::future::join_all(clients.into_iter().map(
        |(name, client)| async move {
            let read = match client {
                Ok(client) => client
                    .silences()
                    .await
                    .map(|r| r.value)
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            (name, read)
        },
    )));
    let (mut silences, mut unread) = (Vec::new(), Vec::new());
    for (name, read) in reads {
        match read {
            Ok(list) => silences.extend(
                list.into_iter()
                    .filter(|s| s.state == SilenceState::Active)
                    .filter(|s| {
                        !known
                            .iter()
                            .any(|k| k.silence.as_deref() == Some(s.id.as_str()))
                    })
                    .map(ack_of),
            ),
            Err(e) => unread.push(format!("Alertmanager {name}: {}", redacted(e))),
        }
    }
    (silences, unread)
}

fn ack_of(s: Silence) -> OpenAck {
    OpenAck {
        key: matchers(&s.matchers),
        author: s.created_by,
        comment: s.comment,
        created: s.starts_at,
        expires: s.ends_at,
        silence: Some(s.id),
    }
}

/// The matchers as PromQL writes them: `{alertname="X", instance=~"db.*"}`.
fn matchers(list: &[Matcher]) -> String {
    let parts: Vec<String> = list
        .iter()
        .map(|m| {
            let op = match (m.is_equal, m.is_regex) {
                (true, false) => "=",
                (false, false) => "!=",
                (true, true) => "=~",
                (false, true) => "!~",
            };
            format!("{}{op}{:?}", m.name, m.value)
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}
