//! Engines: plain Rust with no terminal code, driven by the state owner and tested
//! without a TTY; the ones that act on a schedule take an injectable clock
//! (`crate::clock::Clock`). Rules, the task scheduler, the runbook runner and the
//! autoscaler arrive with their issues.

pub mod forecast;
pub mod health;
pub mod incident;
pub mod matcher;
pub mod notify;
pub mod promql;
pub mod report;
pub mod rules;
pub mod runbooks;
pub mod scaling;
pub mod tasks;

/// argv for people: words with spaces or quotes are single-quoted.
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
