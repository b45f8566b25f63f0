//! Big `/metrics` pages: a million series keep only what the rules read (and
//! say how many were dropped), a 50 MB page parses, and a page over `[[scrape]]
//! max_size` fails the poll with the limit and the key to raise, so the source
//! is down and its series stale. Pages come from a raw TCP listener: no real
//! exporter serves a million series.

mod common;

use opsdeck::app::alerts::AlertState;
use opsdeck::app::local_rules::LocalRules;
use opsdeck::app::remote::{Failure, Payload, RemoteUpdate};
use opsdeck::app::sources::Health;
use opsdeck::app::state::Mode;
use opsdeck::app::{AppState, Msg, update};
use opsdeck::config;
use opsdeck::runtime::remote::{connect, poll_once};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// Serves `body` to every request, with a Content-Length or (`announce`
/// false) delimited by closing the connection, in 64 KiB writes.
fn serve(body: Vec<u8>, announce: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let body = Arc::new(body);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let body = Arc::clone(&body);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let length = if announce {
                    format!("Content-Length: {}\r\n", body.len())
                } else {
                    String::new()
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n{length}Connection: close\r\n\r\n"
                );
                let _ = stream.write_all(head.as_bytes());
                for chunk in body.chunks(64 << 10) {
                    if stream.write_all(chunk).is_err() {
                        return; // the client stopped reading: that is the point
                    }
                }
            });
        }
    });
    format!("http://{addr}/metrics")
}

fn config_for(url: &str, max_size: Option<&str>) -> config::Config {
    let max_size = max_size
        .map(|m| format!("max_size = \"{m}\"\n"))
        .unwrap_or_default();
    let text = format!(
        r#"
[[scrape]]
name = "app"
url = "{url}"
{max_size}
[[rule]]
name = "Wanted"
expr = "wanted_metric > 5"
severity = "warning"
"#
    );
    config::parse(&text, "big.toml").expect("valid config")
}

/// One poll of the only source, as the dashboard's poller does it.
fn poll(config: &config::Config) -> Result<Payload, Failure> {
    let setup = connect(config);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut sent = opsdeck::runtime::remote::Sent::default();
    tokio::task::LocalSet::new().block_on(&rt, poll_once(&setup.pollers[0], true, &mut sent))
}

fn state(config: config::Config) -> AppState {
    let mut s = AppState::new(config, Mode::default(), common::host(), common::t0());
    s.remote = opsdeck::runtime::remote::sources(&s.config);
    s.rules = LocalRules::attach(&s.config, &mut s.remote);
    s
}

fn apply(s: &mut AppState, secs: i64, result: Result<Payload, Failure>) {
    let msg = Msg::Remote(Box::new(RemoteUpdate {
        source: 0,
        at: common::t0() + chrono::Duration::seconds(secs),
        latency: Duration::from_millis(5),
        result,
    }));
    let _ = update(s, msg);
}

fn firing(s: &AppState) -> usize {
    s.visible_alerts()
        .iter()
        .filter(|a| a.name() == "Wanted")
        .filter(|a| matches!(a.state, AlertState::Firing | AlertState::Pending))
        .count()
}

/// `wanted_metric` 0..11 among a million series.
fn million_series() -> Vec<u8> {
    let mut body = Vec::with_capacity(24 << 20);
    body.extend_from_slice(b"# TYPE wanted_metric gauge\n");
    for i in 0..12 {
        writeln!(body, "wanted_metric{{i=\"{i}\"}} {i}").unwrap();
    }
    for i in 0..(1_000_000 - 12) {
        writeln!(body, "other_{}{{i=\"{i}\"}} 1", i % 1000).unwrap();
    }
    body
}

#[test]
fn a_million_series_keep_what_the_rules_read_and_count_the_rest() {
    let url = serve(million_series(), true);
    let config = config_for(&url, None);
    let result = poll(&config);
    let Ok(Payload::Scrape(scrape)) = &result else {
        panic!("a scrape: {result:?}");
    };
    assert_eq!((scrape.sample_count(), scrape.dropped), (12, 999_988));
    assert_eq!(scrape.families.len(), 1);
    assert_eq!(scrape.unparsable, 0);

    let mut s = state(config);
    apply(&mut s, 0, result);
    let source = &s.remote.sources[0];
    assert_eq!(source.health(), Health::Ok);
    assert_eq!(
        source.note.as_deref(),
        Some("1,000,000 series, kept 12 (the rules read only those)")
    );
    // The kept series reach the rules: wanted_metric 6..11 are over 5.
    assert_eq!(firing(&s), 6);
}

#[test]
fn a_fifty_megabyte_page_parses_with_the_default_limit() {
    // Few, long lines: the size is the point here, the million lines above.
    let padding = "x".repeat(1000);
    let mut body = Vec::with_capacity(51 << 20);
    let mut i = 0;
    while body.len() < 50_000_000 {
        writeln!(body, "big{{i=\"{i}\",pad=\"{padding}\"}} {i}").unwrap();
        i += 1;
    }
    writeln!(body, "wanted_metric 9").unwrap();
    let url = serve(body, false);
    let result = poll(&config_for(&url, None));
    let Ok(Payload::Scrape(scrape)) = &result else {
        panic!("a scrape: {result:?}");
    };
    assert_eq!((scrape.sample_count(), scrape.dropped), (1, i));
}

#[test]
fn a_page_over_max_size_fails_and_its_series_go_stale() {
    let small = b"wanted_metric 9\n".to_vec();
    let mut big = small.clone();
    big.extend(std::iter::repeat_n(b"# padding comment line\n", 100_000).flatten());
    let (ok, announced, unannounced) = (
        serve(small, true),
        serve(big.clone(), true),
        serve(big, false),
    );

    let config = config_for(&ok, Some("1MiB"));
    let mut s = state(config);
    apply(&mut s, 0, poll(&config_for(&ok, Some("1MiB"))));
    assert_eq!(firing(&s), 1, "the small page feeds the rule");

    let failure = poll(&config_for(&announced, Some("1MiB"))).expect_err("too large");
    assert_eq!(failure.kind, "too large");
    assert_eq!(
        failure.message,
        format!("{announced}: page is 2.2 MiB, over the 1 MiB limit ([[scrape]] max_size)")
    );
    let failure = poll(&config_for(&unannounced, Some("1MiB"))).expect_err("too large");
    assert_eq!(
        failure.message,
        format!(
            "{unannounced}: page is over the 1 MiB limit, reading stopped there ([[scrape]] max_size)"
        )
    );

    apply(&mut s, 15, Err(failure.clone()));
    let source = &s.remote.sources[0];
    assert_eq!(source.health(), Health::Down);
    let now = common::t0() + chrono::Duration::seconds(15);
    let problem = source.problem(now).expect("a problem");
    assert!(
        problem.starts_with(&format!("scrape app: {}", failure.message)),
        "{problem}"
    );
    assert_eq!(firing(&s), 0, "a failed scrape's series are stale at once");
    let screen = common::screen(&s, 160, 10);
    assert!(screen.contains("✗ scrape app"), "{screen}");
}
