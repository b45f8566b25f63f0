//! The polling loops, one task per source, and the single passes `snapshot` uses.

use super::unchanged::Sent;
use super::{Poller, fleet, panels};
use crate::app::Msg;
use crate::app::remote::{AmSnapshot, Failure, Payload, PromSnapshot, RemoteUpdate};
use crate::app::sources::SourceId;
use crate::collect::alertmanager::AlertmanagerClient;
use crate::collect::backoff::Backoff;
use crate::collect::expfmt::{Format, Keep, Parser, Scrape};
use crate::collect::http::{HttpClient, SourceError, url_for_display};
use crate::collect::prometheus::PrometheusClient;
use crate::config::remote::{Fleet, Panel};
use crate::config::size;
use crate::secrets::redacted;
use chrono::Utc;
use reqwest::Url;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Everything one Prometheus is asked each poll.
pub struct PromJob {
    pub client: PrometheusClient,
    pub fleet: Option<Fleet>,
    /// Panels asking this Prometheus, with their index in `[[panel]]`.
    pub panels: Vec<(usize, Panel)>,
}

/// Alertmanager's version changes rarely: ask for it every this many polls.
const STATUS_EVERY: u32 = 30;

/// Starts one task per source on the event loop's `LocalSet` (the clients'
/// futures are not `Send`, and need not be on a single-threaded runtime).
pub fn spawn_all(pollers: Vec<Poller>, intervals: Vec<Duration>, tx: mpsc::Sender<Msg>) {
    for (id, (poller, interval)) in pollers.into_iter().zip(intervals).enumerate() {
        let tx = tx.clone();
        tokio::task::spawn_local(async move { run(id, poller, interval, tx).await });
    }
}

async fn run(id: SourceId, poller: Poller, interval: Duration, tx: mpsc::Sender<Msg>) {
    let mut backoff = Backoff::new(interval, (interval * 8).min(Duration::from_secs(300)));
    let mut polls: u32 = 0;
    let mut sent = Sent::default();
    loop {
        let started = Instant::now();
        let with_status = polls.is_multiple_of(STATUS_EVERY);
        let result = poll_once(&poller, with_status, &mut sent).await;
        if result.is_err() {
            sent.forget();
        }
        polls = polls.wrapping_add(1);
        let wait = if result.is_ok() {
            backoff.on_success()
        } else {
            backoff.on_failure()
        };
        let update = RemoteUpdate {
            source: id,
            at: Utc::now(),
            latency: started.elapsed(),
            result,
        };
        if tx.send(Msg::Remote(Box::new(update))).await.is_err() {
            return; // the dashboard is gone
        }
        if matches!(poller, Poller::Broken(_)) {
            return; // nothing will change until the config does
        }
        tokio::time::sleep(wait.saturating_sub(started.elapsed().min(wait / 2))).await;
    }
}

/// One poll of any source; Alertmanager's version only `with_status`. Alert
/// lists the same as those in `sent` come as `None`.
pub async fn poll_once(
    poller: &Poller,
    with_status: bool,
    sent: &mut Sent,
) -> Result<Payload, Failure> {
    match poller {
        Poller::Prometheus(job) => once_prometheus(job, sent).await,
        Poller::Alertmanager(client) => once_alertmanager(client, with_status, sent).await,
        Poller::Scrape {
            http,
            url,
            max_size,
            keep,
        } => once_scrape(http, url, *max_size, keep).await,
        Poller::Broken(message) => Err(Failure {
            kind: "config".into(),
            message: message.clone(),
        }),
    }
}

/// Polls every source once, concurrently, for `opsdeck snapshot`.
pub async fn poll_all_once(pollers: &[Poller]) -> Vec<RemoteUpdate> {
    let polls = pollers.iter().enumerate().map(|(id, poller)| async move {
        let started = Instant::now();
        let result = poll_once(poller, true, &mut Sent::default()).await;
        RemoteUpdate {
            source: id,
            at: Utc::now(),
            latency: started.elapsed(),
            result,
        }
    });
    futures_util::future::join_all(polls).await
}

/// The error as the screen, the log and `snapshot` show it. The HTTP layer
/// has already cleaned it of secrets; this is the last place to make sure.
fn failure(e: &SourceError) -> Failure {
    Failure {
        kind: e.kind().to_string(),
        message: redacted(e.to_string()),
    }
}

/// One poll of a Prometheus: its alerts (which decide the source's health), then
/// the fleet and panel queries, all at once.
pub async fn once_prometheus(job: &PromJob, sent: &mut Sent) -> Result<Payload, Failure> {
    let client = &job.client;
    let fleet = async {
        match &job.fleet {
            Some(f) => Some(fleet::query(client, f).await),
            None => None,
        }
    };
    let panels = panels::query_all(client, &job.panels);
    let (alerts, fleet, panels) = tokio::join!(client.alerts_since(sent.alerts), fleet, panels);
    let alerts = sent.alerts(alerts.map_err(|e| failure(&e))?).map(|alerts| {
        // Server text, shown in the title and logged.
        sent.warnings = alerts
            .warnings
            .into_iter()
            .chain(alerts.infos)
            .map(redacted)
            .collect();
        alerts.data
    });
    Ok(Payload::Prometheus(Box::new(PromSnapshot {
        alerts,
        warnings: sent.warnings.clone(),
        fleet,
        panels,
    })))
}

pub async fn once_alertmanager(
    client: &AlertmanagerClient,
    with_status: bool,
    sent: &mut Sent,
) -> Result<Payload, Failure> {
    let status = async {
        if with_status {
            client.status().await.ok().and_then(|s| s.value.version)
        } else {
            None
        }
    };
    let members = async {
        if client.members().len() > 1 {
            client.failing_members().await
        } else {
            Vec::new()
        }
    };
    let (alerts, silences, version, failing) = tokio::join!(
        client.alerts_since(sent.alerts),
        client.silences(),
        status,
        members
    );
    let alerts = alerts.map_err(|e| failure(&e))?;
    let silences = silences.map_err(|e| failure(&e))?;
    Ok(Payload::Alertmanager(Box::new(AmSnapshot {
        member: url_for_display(&alerts.member),
        alerts: sent.alerts(alerts.value),
        silences: sent.silences(silences.value).await,
        version,
        members: client.members().len(),
        failing_members: failing
            .iter()
            .map(|(url, e)| (url_for_display(url), failure(e).message))
            .collect(),
    })))
}

/// Chunks (of up to a few tens of KiB) read ahead of the parser: the page in
/// memory at once is this many chunks and one line, whatever its size.
const CHUNKS_AHEAD: usize = 8;

/// Fetches a `/metrics` page and parses it as it arrives, off the event loop's
/// thread, keeping only the series `keep` names. A page over `max_size` fails
/// the poll: a cut page would make the rules see absent series.
pub async fn once_scrape(
    http: &HttpClient,
    url: &Url,
    max_size: u64,
    keep: &Keep,
) -> Result<Payload, Failure> {
    let mut page = http.open_metrics(url).await.map_err(|e| failure(&e))?;
    if let Some(announced) = page.announced.filter(|&n| n > max_size) {
        return Err(too_large(url, max_size, Seen::Announced(announced)));
    }
    let content_type = page.content_type.clone();
    let format = Format::from_content_type(content_type.as_deref());
    let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
    let keep = keep.clone();
    let parsing = tokio::task::spawn_blocking(move || parse_chunks(rx, format, keep));
    let mut read: u64 = 0;
    while let Some(chunk) = page.chunk().await.map_err(|e| failure(&e))? {
        read = read.saturating_add(chunk.as_ref().len() as u64);
        if read > max_size {
            return Err(too_large(url, max_size, Seen::Read));
        }
        if tx.send(chunk).await.is_err() {
            break; // the parser is gone; joining it says why
        }
    }
    drop(tx);
    let scrape = parsing.await.map_err(|e| Failure {
        kind: "parse".into(),
        message: format!("parser failed: {e}"),
    })?;
    if let Some(why) = scrape.rejection(content_type.as_deref()) {
        return Err(Failure {
            kind: "not metrics".into(),
            message: redacted(format!("{}: {why}", url_for_display(url))),
        });
    }
    Ok(Payload::Scrape(Arc::new(scrape)))
}

fn parse_chunks<C: AsRef<[u8]>>(mut rx: mpsc::Receiver<C>, format: Format, keep: Keep) -> Scrape {
    let mut parser = Parser::new(format, keep);
    while let Some(chunk) = rx.blocking_recv() {
        parser.feed(chunk.as_ref());
    }
    parser.finish()
}

/// How a page was found too big: its Content-Length, or reading past the limit.
enum Seen {
    Announced(u64),
    Read,
}

/// `http://h/metrics: page is 80.0 MiB, over the 64 MiB limit ([[scrape]]
/// max_size)`: what, how big (when the server said), and the key to raise.
fn too_large(url: &Url, max_size: u64, seen: Seen) -> Failure {
    let limit = size::show(max_size);
    let what = match seen {
        Seen::Announced(n) => format!("{}, over the {limit} limit", size::approx(n)),
        Seen::Read => format!("over the {limit} limit, reading stopped there"),
    };
    Failure {
        kind: "too large".into(),
        message: redacted(format!(
            "{}: page is {what} ([[scrape]] max_size)",
            url_for_display(url)
        )),
    }
}
