//! Which alerts an Alertmanager silence covers, as Alertmanager decides it,
//! with the one matcher (`engine::matcher`; the client in `collect` only
//! carries the wire form): every matcher must hold; a missing label reads
//! as ""; regexes are anchored (`^(?:…)$`); a regex that does not compile
//! matches nothing.

use super::{Ack, Alert, AlertInputs, AlertState, is_ack_comment};
use crate::app::sources::SourceId;
use crate::collect::alertmanager::{Matcher, Silence, SilenceState};
use crate::engine::matcher;
use chrono::{DateTime, Utc};

/// An active silence applies to every alert whose labels it matches, whichever
/// source reported it: a Prometheus-only copy (or a local alert) under an
/// Alertmanager's ACK silence is acknowledged, not a late P1. The row then
/// names that Alertmanager, so `u` expires the silence there.
pub(super) fn apply_everywhere(alerts: &mut [Alert], inputs: &AlertInputs, now: DateTime<Utc>) {
    // Active by Alertmanager's last word and by the clock: a failing
    // Alertmanager's copy must not silence past its end.
    let active: Vec<(SourceId, &Silence, &[matcher::Matcher])> = inputs
        .silences
        .iter()
        .flat_map(|(&id, list)| {
            let compiled = inputs.silence_matchers.get(&id);
            list.iter().enumerate().filter_map(move |(i, s)| {
                let live = s.state == SilenceState::Active && s.starts_at <= now && now < s.ends_at;
                let matchers = compiled?.get(i)?;
                live.then_some((id, s, matchers.as_slice()))
            })
        })
        .collect();
    if active.is_empty() {
        return;
    }
    for alert in alerts {
        if !matches!(alert.state, AlertState::Firing | AlertState::Pending) {
            continue;
        }
        // An acknowledgement wins over a plain silence, as on Alertmanager's rows.
        let mut covering = active
            .iter()
            .filter(|(_, _, m)| matcher::all_match(m, &alert.labels));
        let first = covering.clone().next();
        let Some(&(source, silence, _)) = covering
            .find(|(_, s, _)| is_ack_comment(&s.comment))
            .or(first)
        else {
            continue;
        };
        alert.alertmanager = alert.alertmanager.or(Some(source));
        alert.silenced_by.push(silence.id.clone());
        if is_ack_comment(&silence.comment) {
            alert.state = AlertState::Acknowledged;
            alert.ack = Some(Box::new(Ack::from_silence(silence)));
        } else {
            alert.state = AlertState::Silenced;
        }
    }
}

impl Matcher {
    /// This wire matcher as the engine's, its regex compiled once.
    pub fn compile(&self) -> matcher::Matcher {
        matcher::Matcher::from_wire(&self.name, &self.value, self.is_regex, self.is_equal)
    }

    /// True when `labels` satisfy this matcher (compiles a regex each call).
    pub fn matches(&self, labels: &impl crate::labels::Labelled) -> bool {
        self.compile().matches(labels)
    }
}

impl Silence {
    /// True when every matcher holds for `labels`, whatever the silence's
    /// state or time range. Compiles regexes each call: for many alerts,
    /// use [`Silence::compile`] once.
    pub fn matches(&self, labels: &impl crate::labels::Labelled) -> bool {
        matcher::all_match(&self.compile(), labels)
    }

    /// The matchers with their regexes compiled, for [`matcher::all_match`].
    pub fn compile(&self) -> Vec<matcher::Matcher> {
        self.matchers.iter().map(Matcher::compile).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> crate::labels::LabelSet {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn regexes_are_anchored_and_missing_labels_are_empty() {
        let l = labels(&[("job", "node-exporter")]);
        assert!(!m("job", "node", true, true).matches(&l));
        assert!(m("job", "node.*", true, true).matches(&l));
        assert!(m("env", "", false, true).matches(&l));
        assert!(m("env", "prod|", true, true).matches(&l));
        assert!(!m("env", ".+", true, true).matches(&l));
    }

    #[test]
    fn invalid_regex_matches_nothing() {
        let l = labels(&[("job", "x")]);
        assert!(!m("job", "(", true, true).matches(&l));
        assert!(!m("job", "(", true, false).matches(&l));
    }

    #[test]
    fn case_insensitive_flag_works() {
        // Needs regex's `unicode-case` feature (today enabled through
        // promql-parser's default features).
        assert!(m("sev", "(?i)CRIT.*", true, true).matches(&labels(&[("sev", "critical")])));
    }

    #[test]
    fn a_silence_needs_every_matcher() {
        let silence = |matchers| Silence {
            id: "s".into(),
            matchers,
            starts_at: chrono::DateTime::UNIX_EPOCH,
            ends_at: chrono::DateTime::UNIX_EPOCH,
            created_by: String::new(),
            comment: String::new(),
            state: super::super::SilenceState::Active,
            updated_at: None,
        };
        let l = labels(&[("job", "api"), ("env", "prod")]);
        let both = silence(vec![
            m("job", "api", false, true),
            m("env", "dev", false, true),
        ]);
        assert!(!both.matches(&l));
        assert!(silence(vec![m("job", "a.*", true, true)]).matches(&l));
        assert_eq!(both.compile().len(), 2);
    }
}
