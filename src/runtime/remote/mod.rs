//! Remote sources at run time: clients built from the config, one polling task per
//! source. Each poll has the source's timeout; failures back off exponentially with
//! jitter. A slow or dead source only delays its own task, never rendering or the
//! other sources.

mod fleet;
mod panels;
mod poll;
mod unchanged;

use crate::app::remote::{PanelView, Remote};
use crate::app::sources::{Source, SourceId, SourceKind};
use crate::collect::alertmanager::AlertmanagerClient;
use crate::collect::expfmt::Keep;
use crate::collect::http::{Auth, HttpClient, HttpOptions, Secret, url_for_display};
use crate::collect::prometheus::PrometheusClient;
use crate::config::Config;
use crate::config::remote::{Connection, Credentials};
use reqwest::Url;
use std::collections::BTreeMap;

pub use poll::{PromJob, poll_all_once, poll_once, spawn_all};
pub use unchanged::Sent;

/// What polls: one entry per configured source, in `Remote::sources` order.
pub enum Poller {
    Prometheus(PromJob),
    Alertmanager(AlertmanagerClient),
    Scrape {
        http: HttpClient,
        url: Url,
        /// `[[scrape]] max_size`: a bigger page fails the poll.
        max_size: u64,
        /// The series kept: those the rules read (`scrape_keep`).
        keep: Keep,
    },
    /// The source could not even be set up (bad token file): shown as down.
    Broken(String),
}

/// Clients the actions need (acknowledge and un-acknowledge go to
/// Alertmanager), and the queries that are not polls (scaling metrics ask
/// a `[[prometheus]]` by name).
#[derive(Clone, Default)]
pub struct Clients {
    pub alertmanagers: BTreeMap<SourceId, AlertmanagerClient>,
    pub prometheus: BTreeMap<String, Result<PrometheusClient, String>>,
}

/// What the runtime starts: the pollers and the clients for actions.
#[derive(Default)]
pub struct Setup {
    pub pollers: Vec<Poller>,
    pub clients: Clients,
}

/// The remote part of the state: one `Source` per configured section, in the
/// order `connect` builds their pollers (so a poller's index is its `SourceId`).
pub fn sources(config: &Config) -> Remote {
    let mut remote = Remote {
        panels: PanelView::for_config(config),
        ..Remote::default()
    };
    let sections = config
        .prometheus
        .iter()
        .map(|p| {
            (
                SourceKind::Prometheus,
                &p.name,
                p.url.as_str(),
                p.connection(),
                p.interval,
            )
        })
        .chain(config.alertmanager.iter().map(|a| {
            let first = a.urls.first().map_or("", String::as_str);
            (
                SourceKind::Alertmanager,
                &a.name,
                first,
                a.connection(),
                a.interval,
            )
        }))
        .chain(config.scrape.iter().map(|s| {
            (
                SourceKind::Scrape,
                &s.name,
                s.url.as_str(),
                s.connection(),
                s.interval,
            )
        }));
    let notifiers = config.notifier.iter().map(|n| {
        let connection = Connection {
            timeout: n.timeout,
            ..Connection::default()
        };
        (
            SourceKind::Notifier,
            &n.name,
            n.url.as_str(),
            connection,
            std::time::Duration::ZERO,
        )
    });
    for (kind, name, url, connection, interval) in sections.chain(notifiers) {
        let mut source = Source::new(kind, name, display(url), interval);
        source.timeout = connection.timeout;
        source.insecure = connection.insecure_skip_verify;
        remote.sources.push(source);
    }
    remote
}

/// The pollers and the clients for actions. Building a TLS client reads the
/// system's CA store, so the dashboard calls this after its first frame.
pub fn connect(config: &Config) -> Setup {
    let mut pollers = Vec::new();
    let mut clients = Clients::default();
    for p in &config.prometheus {
        let id = pollers.len();
        let client = prometheus_client(p);
        clients.prometheus.insert(p.name.clone(), client.clone());
        let poller = match client {
            Ok(client) => {
                let panels = config
                    .panel
                    .iter()
                    .enumerate()
                    .filter(|(_, panel)| panel.prometheus_index(&config.prometheus) == Some(id))
                    .map(|(i, panel)| (i, panel.clone()))
                    .collect();
                Poller::Prometheus(PromJob {
                    client,
                    fleet: p.fleet.enabled.then(|| p.fleet.clone()),
                    panels,
                })
            }
            Err(e) => Poller::Broken(e),
        };
        pollers.push(poller);
    }
    for a in &config.alertmanager {
        let id = pollers.len();
        let members: Result<Vec<Url>, _> = a.urls.iter().map(|u| Url::parse(u)).collect();
        let poller = match (http_client(&a.connection(), false), members) {
            (Ok(http), Ok(members)) => {
                let client = AlertmanagerClient::new(&a.name, members, http);
                clients.alertmanagers.insert(id, client.clone());
                Poller::Alertmanager(client)
            }
            (Err(e), _) => Poller::Broken(e),
            (_, Err(e)) => Poller::Broken(format!("invalid url: {e}")),
        };
        pollers.push(poller);
    }
    let keep = scrape_keep(config);
    for s in &config.scrape {
        let poller = match (http_client(&s.connection(), false), Url::parse(&s.url)) {
            (Ok(http), Ok(url)) => Poller::Scrape {
                http,
                url,
                max_size: s.max_size,
                keep: keep.clone(),
            },
            (Err(e), _) => Poller::Broken(e),
            (_, Err(e)) => Poller::Broken(format!("invalid url: {e}")),
        };
        pollers.push(poller);
    }
    Setup { pollers, clients }
}

/// A client for each `[[prometheus]]`, by name (or why it cannot be built),
/// for a command that asks once (`snapshot`); the dashboard has them in
/// `Clients`.
pub fn prometheus_clients(config: &Config) -> BTreeMap<String, Result<PrometheusClient, String>> {
    config
        .prometheus
        .iter()
        .map(|p| (p.name.clone(), prometheus_client(p)))
        .collect()
}

/// A client for each `[[alertmanager]]` cluster, by name (or why it cannot
/// be built), for a command that asks once (`report`'s silences).
pub fn alertmanager_clients(config: &Config) -> Vec<(String, Result<AlertmanagerClient, String>)> {
    config
        .alertmanager
        .iter()
        .map(|a| {
            let members: Result<Vec<Url>, _> = a.urls.iter().map(|u| Url::parse(u)).collect();
            let client = match (http_client(&a.connection(), false), members) {
                (Ok(http), Ok(members)) => Ok(AlertmanagerClient::new(&a.name, members, http)),
                (Err(e), _) => Err(e),
                (_, Err(e)) => Err(format!("invalid url: {e}")),
            };
            (a.name.clone(), client)
        })
        .collect()
}

fn prometheus_client(p: &crate::config::remote::Prometheus) -> Result<PrometheusClient, String> {
    let http = http_client(&p.connection(), false)?;
    let url = Url::parse(&p.url).map_err(|e| format!("invalid url: {e}"))?;
    Ok(PrometheusClient::new(&p.name, url, http))
}

/// The series of a scrape that something reads: the local rules and the
/// scaling metrics on local series (panels ask Prometheus). A selector
/// without a metric name (`{job="app"}`) may read any of them, so all are kept.
pub fn scrape_keep(config: &Config) -> Keep {
    let rules = config
        .rule
        .iter()
        .filter(|r| r.enabled)
        .map(|r| r.expr.as_str());
    let scaling = config.scaling_targets().iter();
    let exprs = rules.chain(scaling.flat_map(|t| t.local_queries()));
    match crate::engine::rules::metric_names(exprs) {
        Some(names) => Keep::Names(std::sync::Arc::new(names)),
        None => Keep::All,
    }
}

/// One pass over every configured source, merged as the dashboard would show it.
/// Scrapes are kept whole: `snapshot` reports what a page holds, and runs once.
pub fn collect_once(config: &Config) -> anyhow::Result<Remote> {
    let (mut remote, mut setup) = (sources(config), connect(config));
    for poller in &mut setup.pollers {
        if let Poller::Scrape { keep, .. } = poller {
            *keep = Keep::All;
        }
    }
    if setup.pollers.is_empty() {
        return Ok(remote);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let updates = tokio::task::LocalSet::new().block_on(&rt, poll_all_once(&setup.pollers));
    let mut now = chrono::Utc::now();
    for update in updates {
        now = now.max(update.at);
        remote.apply(update);
    }
    remote.remerge(&config.ui.alerts.group_by, now);
    Ok(remote)
}

fn display(url: &str) -> String {
    Url::parse(url)
        .map(|u| url_for_display(&u))
        .unwrap_or_else(|_| url.to_string())
}

/// An HTTP client for a section; the error names the key whose secret is
/// missing. `tls_info`: answers carry the server's certificate (health checks).
pub(crate) fn http_client(c: &Connection, tls_info: bool) -> Result<HttpClient, String> {
    let auth = match c.credentials().map_err(|(key, m)| format!("{key}: {m}"))? {
        Credentials::None => Auth::None,
        Credentials::Bearer(token) => Auth::Bearer(Secret::new(token)),
        Credentials::Basic { username, password } => Auth::Basic {
            username,
            password: Secret::new(password),
        },
    };
    HttpClient::new(HttpOptions {
        timeout: c.timeout,
        auth,
        ca_file: c.ca_file.clone(),
        insecure_skip_verify: c.insecure_skip_verify,
        tls_info,
        ..HttpOptions::default()
    })
    .map_err(|e| e.to_string())
}
