//! `[[notifier]]`: webhook receivers for opsdeck's own alerts (`[[rule]]`), sent
//! in Alertmanager's webhook format (see `engine::notify`).
//!
//! ```toml
//! [[notifier]]
//! name = "pager"
//! url = "https://relay.example/alertmanager"
//! match = ['severity="critical"']
//! bearer_token_file = "/etc/opsdeck/relay.token"
//! headers = { X-Team = "ops" }
//! ```

use super::duration;
use super::remote::{Connection, Credentials, SecretError};
use crate::engine::matcher::Matcher;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Notifier {
    /// The `receiver` of the webhook body, and the name in logs.
    pub name: String,
    pub url: String,
    /// Each attempt gives up after this long.
    #[serde(default = "default_timeout", with = "duration")]
    pub timeout: Duration,
    /// Attempts after the first, on a transport error, 5xx or 429.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Extra, non-secret request headers (the token goes in `bearer_token_*`,
    /// which is never logged).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    /// Alertmanager-style matchers (`severity="critical"`, `team=~"db|ops"`);
    /// an alert is sent when all match. Empty: every alert. Parsed at load, so
    /// a bad one is a config error at its position.
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<Matcher>,
    /// Also send resolutions (as Alertmanager's `send_resolved`).
    #[serde(default = "yes")]
    pub send_resolved: bool,
    /// The body's `externalURL`; default `http://<hostname>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_retries() -> u32 {
    3
}

fn yes() -> bool {
    true
}

/// More retries than this only delays the warning that the receiver is down.
pub const MAX_RETRIES: u32 = 10;

impl Notifier {
    /// The token settings as a remote section's `Connection`, so `check_files`
    /// and the sender read secrets exactly as the other sections do.
    pub fn connection(&self) -> Connection {
        Connection {
            timeout: self.timeout,
            bearer_token_file: self.bearer_token_file.clone(),
            bearer_token_env: self.bearer_token_env.clone(),
            ..Connection::default()
        }
    }

    /// Reads the bearer token, if any: `Err((key, message))` names the key and the
    /// file or variable, never the secret.
    pub fn credentials(&self) -> Result<Credentials, SecretError> {
        self.connection().credentials()
    }

    /// `external_url`, or `http://<hostname>` of this machine.
    pub fn external_url(&self) -> String {
        match &self.external_url {
            Some(url) => url.clone(),
            None => {
                let host = nix::unistd::gethostname()
                    .ok()
                    .and_then(|h| h.into_string().ok())
                    .unwrap_or_else(|| "localhost".into());
                format!("http://{host}")
            }
        }
    }
}

/// Validates the `[[notifier]]` sections; `err(table, key, message)` as in
/// `section_checks`.
pub fn check(notifiers: &[Notifier], err: &mut impl FnMut(&str, &str, String)) {
    let mut names = BTreeSet::new();
    for (i, n) in notifiers.iter().enumerate() {
        let table = format!("notifier.{i}");
        if n.name.trim().is_empty() {
            err(&table, "name", "must not be empty".into());
        } else if !names.insert(n.name.as_str()) {
            err(
                &table,
                "name",
                format!(
                    "another [[notifier]] is already named {:?}; names must be unique",
                    n.name
                ),
            );
        }
        if let Err(m) = check_url(&n.url) {
            err(&table, "url", m);
        }
        if let Some(url) = &n.external_url
            && let Err(m) = check_url(url)
        {
            err(&table, "external_url", m);
        }
        if n.timeout < Duration::from_millis(100) || n.timeout > Duration::from_secs(300) {
            err(&table, "timeout", "must be between 100ms and 5m".into());
        }
        if n.retries > MAX_RETRIES {
            err(&table, "retries", format!("must be at most {MAX_RETRIES}"));
        }
        if n.bearer_token_file.is_some() && n.bearer_token_env.is_some() {
            err(
                &table,
                "bearer_token_file",
                "choose one of bearer_token_file and bearer_token_env".into(),
            );
        }
        for (name, value) in &n.headers {
            if let Err(m) = check_header(name, value) {
                err(&table, "headers", m);
            }
        }
    }
}

fn check_url(url: &str) -> Result<(), String> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            if !u.username().is_empty() || u.password().is_some() {
                // The URL is logged with errors; a secret must come from a token file.
                Err("must not carry credentials; use bearer_token_file or bearer_token_env".into())
            } else if let Some(param) = super::section_checks::credential_param(&u) {
                Err(format!(
                    "must not carry credentials in its query string ({param}=...); \
                     use bearer_token_file or bearer_token_env"
                ))
            } else {
                Ok(())
            }
        }
        Ok(_) => Err(format!(
            "{url:?} must be an http:// or https:// URL with a host"
        )),
        Err(e) => Err(format!("{url:?} is not a URL: {e}")),
    }
}

fn check_header(name: &str, value: &str) -> Result<(), String> {
    use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
    let parsed = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a header name"))?;
    if parsed == AUTHORIZATION {
        // `headers` are not treated as secret (they show in `config` output).
        return Err(
            "Authorization must not be written here; use bearer_token_file or bearer_token_env"
                .into(),
        );
    }
    if parsed == CONTENT_TYPE {
        return Err("Content-Type is always application/json".into());
    }
    HeaderValue::from_str(value)
        .map(|_| ())
        .map_err(|_| format!("{name}: the value is not a valid header value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Notifier> {
        #[derive(Deserialize)]
        struct File {
            notifier: Vec<Notifier>,
        }
        toml::from_str::<File>(text).expect("parses").notifier
    }

    fn problems(text: &str) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        check(&parse(text), &mut |t: &str, k: &str, m: String| {
            out.push((t.to_string(), k.to_string(), m))
        });
        out
    }

    #[test]
    fn defaults() {
        let n = &parse("[[notifier]]\nname = \"a\"\nurl = \"http://h:1/x\"\n")[0];
        assert_eq!(n.timeout, Duration::from_secs(10));
        assert_eq!(n.retries, 3);
        assert!(n.send_resolved);
        assert!(n.matchers.is_empty() && n.headers.is_empty());
        assert!(n.external_url().starts_with("http://"));
        assert_eq!(n.credentials(), Ok(Credentials::None));
    }

    #[test]
    fn every_key_parses_and_a_valid_notifier_has_no_problem() {
        let text = r#"
[[notifier]]
name = "pager"
url = "https://relay.example/am"
timeout = "2s"
retries = 5
headers = { X-Team = "ops" }
bearer_token_env = "RELAY_TOKEN"
match = ['severity="critical"', 'team=~"db|ops"']
send_resolved = false
external_url = "https://opsdeck.example"
"#;
        let n = &parse(text)[0];
        assert_eq!(n.matchers.len(), 2);
        assert_eq!(n.matchers[1], r#"team=~"db|ops""#.parse().unwrap());
        assert_eq!(n.external_url(), "https://opsdeck.example");
        assert!(problems(text).is_empty(), "{:?}", problems(text));
    }

    #[test]
    fn problems_name_table_and_key() {
        let text = r#"
[[notifier]]
name = "a"
url = "ftp://h/x"
timeout = "10m"
retries = 11
headers = { Authorization = "Bearer x", "bad name" = "v" }

[[notifier]]
name = "a"
url = "http://user:pw@h/x"
bearer_token_file = "/t"
bearer_token_env = "T"
external_url = "nowhere"
"#;
        let got = problems(text);
        let keys: Vec<(&str, &str)> = got
            .iter()
            .map(|(t, k, _)| (t.as_str(), k.as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("notifier.0", "url"),
                ("notifier.0", "timeout"),
                ("notifier.0", "retries"),
                ("notifier.0", "headers"),
                ("notifier.0", "headers"),
                ("notifier.1", "name"),
                ("notifier.1", "url"),
                ("notifier.1", "external_url"),
                ("notifier.1", "bearer_token_file"),
            ]
        );
        assert!(!got[6].2.contains("pw"), "{}", got[6].2);
    }

    #[test]
    fn a_bad_matcher_is_a_config_error_at_its_entry() {
        let text =
            "[[notifier]]\nname = \"a\"\nurl = \"http://h\"\nmatch = ['a=\"x\"', 'b=\"x\" c']\n";
        let errors = crate::config::parse(text, "n.toml")
            .expect_err("bad matcher")
            .0;
        let e = &errors[0];
        assert_eq!(
            (e.line, e.column, e.key.as_str()),
            (4, 19, "notifier[0].match")
        );
        assert_eq!(
            e.message,
            r#"bad matcher "b=\"x\" c": column 7: expected the end, found 'c' (quote values with spaces or any of {}!=~,\"'`)"#
        );
    }

    #[test]
    fn token_errors_name_the_key_not_the_secret() {
        let n = &parse(
            "[[notifier]]\nname = \"a\"\nurl = \"http://h\"\nbearer_token_file = \"/nonexistent/tok\"\n",
        )[0];
        let (key, message) = n.credentials().expect_err("missing file");
        assert_eq!(key, "bearer_token_file");
        assert!(message.contains("/nonexistent/tok"), "{message}");
    }
}
