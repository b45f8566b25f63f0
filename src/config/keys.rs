//! `[keys]`: action name → one key or a list of keys, replacing that action's
//! defaults. The key names, the action names and their default keys live here,
//! so the section is validated at load; `app::keymap` maps the names to its
//! `Action`s and builds the keymap from the validated [`Bindings`].

use crossterm::event::KeyCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Every action a key can be bound to, by its config name, with its default
/// keys, in the order the help screen lists them (`app::action::Action::BINDABLE`
/// has the same names in the same order).
pub const ACTIONS: &[(&str, &[&str])] = &[
    ("quit", &["q", "ctrl-c"]),
    ("help", &["?"]),
    ("zoom_resources", &["1"]),
    ("zoom_tasks", &["2"]),
    ("zoom_alerts", &["3"]),
    ("zoom_scaling", &["4"]),
    ("zoom_log", &["5"]),
    ("overview", &["0", "esc"]),
    ("focus_next", &["tab"]),
    ("focus_prev", &["shift-tab"]),
    ("up", &["k", "up"]),
    ("down", &["j", "down"]),
    ("top", &["g", "home"]),
    ("bottom", &["G", "end"]),
    ("page_up", &["pgup"]),
    ("page_down", &["pgdn"]),
    ("filter", &["/"]),
    ("details", &["enter"]),
    ("pause", &["p"]),
    ("log_more", &["+"]),
    ("log_less", &["-"]),
    ("suspend", &["ctrl-z"]),
    ("redraw", &["ctrl-l"]),
    ("handover", &["H"]),
    ("acknowledge", &["a"]),
    ("unacknowledge", &["u"]),
    ("trigger", &["t"]),
    ("cancel", &["x"]),
    ("recover", &["r"]),
    ("scale", &["s"]),
];

/// One key or a list of keys, as written under `[keys]`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = KeyList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key such as \"q\" or a list of keys such as [\"q\", \"ctrl-c\"]")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyList, E> {
                Ok(KeyList::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeyList::Many(keys))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl KeyList {
    pub fn keys(&self) -> Vec<&str> {
        match self {
            KeyList::One(k) => vec![k.as_str()],
            KeyList::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A key as the keymap sees it: SHIFT is folded into the character for printable keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    /// Parses "q", "G", "?", "ctrl-c", "alt-x", "esc", "tab", "shift-tab", "pgdn", "f1", "space".
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && (lower.starts_with("ctrl-") || lower.starts_with("ctrl+")) {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 1 && (lower.starts_with("alt-") || lower.starts_with("alt+")) {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => named(rest).ok_or_else(|| {
                format!(
                    "unknown key {text:?}; use a character, ctrl-X, alt-X, esc, enter, tab, shift-tab, \
                     space, backspace, delete, insert, up, down, left, right, home, end, pgup, pgdn \
                     or f1..f12"
                )
            })?,
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Insert => "Ins".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut out = String::new();
        if self.ctrl {
            out.push_str("Ctrl-");
        }
        if self.alt {
            out.push_str("Alt-");
        }
        out.push_str(&base);
        out
    }
}

/// A key written by name ("esc", "pgdn", "f5"), modifiers already taken off.
fn named(name: &str) -> Option<KeyCode> {
    Some(match name.to_ascii_lowercase().as_str() {
        "esc" | "escape" => KeyCode::Esc,
        "enter" | "return" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "shift-tab" | "shift+tab" | "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "delete" | "del" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        f if f.starts_with('f') => match f[1..].parse::<u8>() {
            Ok(n) if (1..=12).contains(&n) => KeyCode::F(n),
            _ => return None,
        },
        _ => return None,
    })
}

/// What is wrong with one entry of `[keys]`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyProblem {
    /// The config name of the action whose binding is wrong.
    pub action: String,
    pub message: String,
}

/// The keys of every action (in [`ACTIONS`] order): the defaults, with `[keys]`
/// applied, parsed and free of conflicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bindings(Vec<(&'static str, Vec<Key>)>);

impl Default for Bindings {
    fn default() -> Self {
        Self::resolve(&BTreeMap::new()).expect("built-in keymap is consistent")
    }
}

impl Bindings {
    /// The defaults with `overrides` applied; every unknown action, unknown key
    /// and key bound to two actions is a problem.
    pub fn resolve(overrides: &BTreeMap<String, KeyList>) -> Result<Bindings, Vec<KeyProblem>> {
        let mut problems = Vec::new();
        let mut bound: Vec<(&'static str, Vec<Key>)> = ACTIONS
            .iter()
            .map(|(name, keys)| {
                let keys = keys
                    .iter()
                    .map(|k| Key::parse(k).expect("default keys parse"));
                (*name, keys.collect())
            })
            .collect();
        for (name, list) in overrides {
            let Some(slot) = bound.iter_mut().find(|(n, _)| n == name) else {
                let names: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
                problems.push(KeyProblem {
                    action: name.clone(),
                    message: format!("unknown action; actions are: {}", names.join(", ")),
                });
                continue;
            };
            let mut keys = Vec::new();
            for text in list.keys() {
                match Key::parse(text) {
                    Ok(k) => keys.push(k),
                    Err(message) => problems.push(KeyProblem {
                        action: name.clone(),
                        message,
                    }),
                }
            }
            slot.1 = keys;
        }
        conflicts(&bound, overrides, &mut problems);
        if problems.is_empty() {
            Ok(Bindings(bound))
        } else {
            Err(problems)
        }
    }

    /// The keys of the action with this config name (none for an unknown name).
    pub fn keys_for(&self, action: &str) -> &[Key] {
        self.0
            .iter()
            .find(|(n, _)| *n == action)
            .map_or(&[], |(_, keys)| keys.as_slice())
    }

    /// Each action's config name and keys, in [`ACTIONS`] order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[Key])> {
        self.0.iter().map(|(n, keys)| (*n, keys.as_slice()))
    }
}

/// A key bound to two actions, reported on whichever of the two the user
/// configured (the later one when both were).
fn conflicts(
    bound: &[(&'static str, Vec<Key>)],
    overrides: &BTreeMap<String, KeyList>,
    problems: &mut Vec<KeyProblem>,
) {
    let mut by_key: HashMap<Key, &str> = HashMap::new();
    for (action, keys) in bound {
        for key in keys {
            if let Some(other) = by_key.insert(*key, action)
                && other != *action
            {
                let (culprit, partner) = if overrides.contains_key(*action) {
                    (*action, other)
                } else {
                    (other, *action)
                };
                problems.push(KeyProblem {
                    action: culprit.to_string(),
                    message: format!(
                        "key {} is already bound to `{partner}`; rebind that action too",
                        key.label()
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_parse() {
        let k = Key::parse("ctrl-C").unwrap();
        assert_eq!((k.code, k.ctrl, k.alt), (KeyCode::Char('c'), true, false));
        assert_eq!(Key::parse("G").unwrap().code, KeyCode::Char('G'));
        assert_eq!(Key::parse("shift-tab").unwrap().code, KeyCode::BackTab);
        assert_eq!(Key::parse("F12").unwrap().code, KeyCode::F(12));
        assert_eq!(Key::parse("alt+space").unwrap().label(), "Alt-space");
        for bad in ["f13", "f0", "hyper-x", "ctrl-", ""] {
            assert!(Key::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn defaults_resolve_and_overrides_replace_them() {
        let defaults = Bindings::default();
        assert_eq!(defaults.iter().count(), ACTIONS.len());
        assert_eq!(defaults.keys_for("quit").len(), 2);
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), KeyList::One("Q".into()));
        let b = Bindings::resolve(&o).unwrap();
        assert_eq!(b.keys_for("quit"), [Key::parse("Q").unwrap()]);
        assert_eq!(b.keys_for("help"), defaults.keys_for("help"));
    }

    #[test]
    fn conflicts_and_unknown_names_are_reported() {
        let mut o = BTreeMap::new();
        o.insert("help".to_string(), KeyList::One("q".into()));
        o.insert("jump".to_string(), KeyList::One("z".into()));
        o.insert(
            "pause".to_string(),
            KeyList::Many(vec!["ctrl-".into(), "hyper-x".into()]),
        );
        let problems = Bindings::resolve(&o).unwrap_err();
        let found = |action: &str, text: &str| {
            problems
                .iter()
                .any(|p| p.action == action && p.message.contains(text))
        };
        assert!(found("help", "already bound to `quit`"), "{problems:?}");
        assert!(found("jump", "unknown action"), "{problems:?}");
        assert!(found("pause", "unknown key"), "{problems:?}");
    }

    /// The commented `[keys]` of assets/default.toml, uncommented, is every
    /// action in help order with its default keys: what README promises.
    #[test]
    fn the_default_config_lists_every_action_with_its_default_keys() {
        let text = crate::config::DEFAULT_CONFIG;
        let example: String = text
            .lines()
            .skip_while(|l| *l != "[keys]")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.strip_prefix("# "))
            .map(|l| format!("{}\n", l.split("  #").next().unwrap_or(l)))
            .collect();
        let names: Vec<&str> = example
            .lines()
            .filter_map(|l| l.split(" =").next())
            .collect();
        let all: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, all, "[keys] in assets/default.toml");
        let listed: BTreeMap<String, KeyList> = toml::from_str(&example).unwrap();
        assert_eq!(Bindings::resolve(&listed), Ok(Bindings::default()));
    }

    #[test]
    fn both_configured_blames_the_later_action() {
        let mut o = BTreeMap::new();
        o.insert("pause".to_string(), KeyList::One("f5".into()));
        o.insert("filter".to_string(), KeyList::One("f5".into()));
        let problems = Bindings::resolve(&o).unwrap_err();
        assert_eq!(
            problems,
            [KeyProblem {
                action: "pause".into(),
                message: "key F5 is already bound to `filter`; rebind that action too".into(),
            }]
        );
    }
}
