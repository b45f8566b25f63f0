//! The host rules: the `[[rule]]`s of the embedded default (CPU, memory, disk).
//! A config file replaces the embedded default, but an on-call engineer who
//! adds one rule of their own must not lose these silently: they stay unless
//! `[general] host_rules = false`, and a file's rule of the same name replaces
//! the host rule.

use super::rules::{Rule, RuleOrigin};
use super::{Config, DEFAULT_CONFIG, EMBEDDED_NAME};

/// The embedded default's rules, with their lines in assets/default.toml.
pub fn host_rules() -> Vec<Rule> {
    // The embedded default is checked by a unit test; were it ever invalid,
    // no host rules is better than a panic at start-up.
    let Ok(config) = super::parse(DEFAULT_CONFIG, EMBEDDED_NAME) else {
        return Vec::new();
    };
    config
        .rule
        .into_iter()
        .map(|mut rule| {
            if let RuleOrigin::File { line } = rule.origin {
                rule.origin = RuleOrigin::HostDefault { line };
            }
            rule
        })
        .collect()
}

impl Config {
    /// The rules opsdeck runs with, from the config read from `file`: the host
    /// rules (unless `general.host_rules` is false) except those a rule of the
    /// file replaces by name, then the file's rules in file order.
    pub fn add_host_rules(&mut self, file: &str) {
        if file == EMBEDDED_NAME {
            // No config file: its rules are the host rules.
            for rule in &mut self.rule {
                if let RuleOrigin::File { line } = rule.origin {
                    rule.origin = RuleOrigin::HostDefault { line };
                }
            }
            return;
        }
        if !self.general.host_rules {
            return;
        }
        let mut rules = Vec::new();
        for host in host_rules() {
            match self.rule.iter_mut().find(|r| r.name == host.name) {
                Some(own) => {
                    if let RuleOrigin::File { line } = own.origin {
                        own.origin = RuleOrigin::ReplacesHostDefault { line };
                    }
                }
                None => rules.push(host),
            }
        }
        rules.append(&mut self.rule);
        self.rule = rules;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    fn names(config: &Config) -> Vec<&str> {
        config.rule.iter().map(|r| r.name.as_str()).collect()
    }

    const HOST: [&str; 6] = [
        "HostCpuHigh",
        "HostCpuCritical",
        "HostMemoryHigh",
        "HostDiskFull",
        "CheckDown",
        "CertificateExpiring",
    ];

    fn loaded(text: &str) -> Config {
        let mut config = parse(text, "config.toml").expect("valid");
        config.add_host_rules("config.toml");
        config
    }

    #[test]
    fn the_host_rules_are_the_embedded_defaults_with_their_lines() {
        let rules = host_rules();
        assert_eq!(
            rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            HOST
        );
        for rule in &rules {
            let RuleOrigin::HostDefault { line } = rule.origin else {
                panic!("{rule:?}");
            };
            let text = DEFAULT_CONFIG.lines().nth(line - 1).unwrap();
            assert_eq!(text, format!("name = \"{}\"", rule.name));
        }
    }

    #[test]
    fn a_file_without_rules_keeps_the_host_rules() {
        assert_eq!(names(&loaded("[ui]\ntheme = \"dark\"\n")), HOST);
    }

    #[test]
    fn a_files_rules_come_after_the_host_rules() {
        let config = loaded("[[rule]]\nname = \"AppDown\"\nexpr = \"up == 0\"\n");
        assert_eq!(names(&config)[..6], HOST);
        assert_eq!(names(&config)[6], "AppDown");
        assert_eq!(config.rule[6].origin, RuleOrigin::File { line: 2 });
    }

    #[test]
    fn a_rule_of_the_same_name_replaces_the_host_rule() {
        let text =
            "[[rule]]\nname = \"HostDiskFull\"\nexpr = \"opsdeck_filesystem_used_percent > 97\"\n";
        let config = loaded(text);
        assert_eq!(config.rule.len(), HOST.len(), "{:?}", names(&config));
        let disk: Vec<&Rule> = config
            .rule
            .iter()
            .filter(|r| r.name == "HostDiskFull")
            .collect();
        assert_eq!(disk.len(), 1);
        assert!(disk[0].expr.ends_with("> 97"));
        assert_eq!(disk[0].origin, RuleOrigin::ReplacesHostDefault { line: 2 });
    }

    #[test]
    fn host_rules_false_turns_them_off() {
        let text =
            "[general]\nhost_rules = false\n[[rule]]\nname = \"AppDown\"\nexpr = \"up == 0\"\n";
        assert_eq!(names(&loaded(text)), ["AppDown"]);
        assert!(loaded("[general]\nhost_rules = false\n").rule.is_empty());
    }

    #[test]
    fn without_a_file_the_embedded_rules_are_the_host_rules_once() {
        let mut config = parse(DEFAULT_CONFIG, EMBEDDED_NAME).unwrap();
        config.add_host_rules(EMBEDDED_NAME);
        assert_eq!(names(&config), HOST);
        assert!(
            config
                .rule
                .iter()
                .all(|r| matches!(r.origin, RuleOrigin::HostDefault { .. }))
        );
    }
}
