//! Which alerts a silence covers, as Alertmanager decides it: every matcher
//! must hold; a missing label reads as ""; regexes are anchored (`^(?:…)$`).

use regex::Regex;

use super::model::{Labels, Matcher, Silence};

/// A silence's matchers with regexes compiled once, for matching many alerts.
#[derive(Debug, Clone)]
pub struct CompiledMatchers(Vec<Compiled>);

#[derive(Debug, Clone)]
struct Compiled {
    name: String,
    test: Test,
    is_equal: bool,
}

#[derive(Debug, Clone)]
enum Test {
    Equal(String),
    Regex(Regex),
    /// A regex that does not compile matches nothing, negated or not:
    /// Alertmanager would have refused it, so don't guess.
    Invalid,
}

impl CompiledMatchers {
    pub fn new(matchers: &[Matcher]) -> Self {
        CompiledMatchers(matchers.iter().map(Compiled::new).collect())
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.0.iter().all(|m| m.matches(labels))
    }
}

impl Compiled {
    fn new(m: &Matcher) -> Self {
        let test = if m.is_regex {
            Regex::new(&format!("^(?:{})$", m.value)).map_or(Test::Invalid, Test::Regex)
        } else {
            Test::Equal(m.value.clone())
        };
        Compiled {
            name: m.name.clone(),
            test,
            is_equal: m.is_equal,
        }
    }

    fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.name).map_or("", String::as_str);
        let hit = match &self.test {
            Test::Equal(want) => value == want,
            Test::Regex(re) => re.is_match(value),
            Test::Invalid => return false,
        };
        hit == self.is_equal
    }
}

impl Matcher {
    /// True when `labels` satisfy this matcher (compiles a regex each call).
    pub fn matches(&self, labels: &Labels) -> bool {
        Compiled::new(self).matches(labels)
    }
}

impl Silence {
    /// True when every matcher holds for `labels`, whatever the silence's
    /// state or time range. Compiles regexes each call: for many alerts,
    /// use [`Silence::compile`] once.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.compile().matches(labels)
    }

    pub fn compile(&self) -> CompiledMatchers {
        CompiledMatchers::new(&self.matchers)
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

    fn labels(pairs: &[(&str, &str)]) -> Labels {
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
}
