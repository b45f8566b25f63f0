//! Keys → actions. Defaults follow DESIGN.md; `[keys]` in config replaces the keys of
//! the actions it names. A key bound to two actions is a config error.

use super::action::{Action, PaneId};
use crate::config::KeyList;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, HashMap};

/// A key as the keymap sees it: SHIFT is folded into the character for printable keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

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
            _ => match rest.to_ascii_lowercase().as_str() {
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
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().unwrap_or(1))
                }
                _ => {
                    return Err(format!(
                        "unknown key {text:?}; use a character, ctrl-X, alt-X, esc, enter, tab, shift-tab, \
                         space, backspace, up, down, left, right, home, end, pgup, pgdn or f1..f12"
                    ));
                }
            },
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

const DEFAULTS: &[(Action, &[&str])] = &[
    (Action::Quit, &["q", "ctrl-c"]),
    (Action::Help, &["?"]),
    (Action::Zoom(PaneId::Resources), &["1"]),
    (Action::Zoom(PaneId::Tasks), &["2"]),
    (Action::Zoom(PaneId::Alerts), &["3"]),
    (Action::Zoom(PaneId::Scaling), &["4"]),
    (Action::Zoom(PaneId::Log), &["5"]),
    (Action::Overview, &["0", "esc"]),
    (Action::FocusNext, &["tab"]),
    (Action::FocusPrev, &["shift-tab"]),
    (Action::Up, &["k", "up"]),
    (Action::Down, &["j", "down"]),
    (Action::Top, &["g", "home"]),
    (Action::Bottom, &["G", "end"]),
    (Action::PageUp, &["pgup"]),
    (Action::PageDown, &["pgdn"]),
    (Action::Filter, &["/"]),
    (Action::Details, &["enter"]),
    (Action::Pause, &["p"]),
    (Action::LogMore, &["+"]),
    (Action::LogLess, &["-"]),
    (Action::Suspend, &["ctrl-z"]),
    (Action::Redraw, &["ctrl-l"]),
    (Action::Acknowledge, &["a"]),
    (Action::Unacknowledge, &["u"]),
    (Action::TriggerTask, &["t"]),
    (Action::CancelTask, &["x"]),
    (Action::RunRecovery, &["r"]),
    (Action::Scale, &["s"]),
];

#[derive(Debug, Clone, PartialEq)]
pub struct KeyProblem {
    /// The config name of the action whose binding is wrong.
    pub action: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    by_key: HashMap<Key, Action>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

impl Default for KeyMap {
    fn default() -> Self {
        Self::from_config(&BTreeMap::new()).expect("built-in keymap is consistent")
    }
}

impl KeyMap {
    pub fn from_config(overrides: &BTreeMap<String, KeyList>) -> Result<KeyMap, Vec<KeyProblem>> {
        let mut problems = Vec::new();
        let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        for (action, keys) in DEFAULTS {
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k).expect("default keys parse"))
                .collect();
            by_action.insert(*action, parsed);
        }
        for (name, list) in overrides {
            let Some(action) = Action::from_config_name(name) else {
                let names: Vec<_> = Action::BINDABLE.iter().map(|(_, n, _)| *n).collect();
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
            by_action.insert(action, keys);
        }
        let mut by_key = HashMap::new();
        for (action, keys) in &by_action {
            for key in keys {
                if let Some(other) = by_key.insert(*key, *action)
                    && other != *action
                {
                    // Report on whichever of the two the user configured.
                    let culprit = if overrides.contains_key(action.config_name()) {
                        *action
                    } else {
                        other
                    };
                    let partner = if culprit == *action { other } else { *action };
                    problems.push(KeyProblem {
                        action: culprit.config_name().to_string(),
                        message: format!(
                            "key {} is already bound to `{}`; rebind that action too",
                            key.label(),
                            partner.config_name()
                        ),
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(KeyMap { by_key, by_action })
        } else {
            Err(problems)
        }
    }

    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        self.by_key.get(&Key::from_event(ev)).copied()
    }

    pub fn keys_for(&self, action: Action) -> &[Key] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    /// "q/Ctrl-c" for display.
    pub fn label_for(&self, action: Action) -> String {
        let labels: Vec<String> = self.keys_for(action).iter().map(Key::label).collect();
        labels.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_follow_the_design() {
        let km = KeyMap::default();
        assert_eq!(
            km.action_for(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action_for(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action_for(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            km.action_for(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            km.action_for(&ev(KeyCode::Char('3'), KeyModifiers::NONE)),
            Some(Action::Zoom(PaneId::Alerts))
        );
    }

    #[test]
    fn remap_replaces_defaults_of_that_action() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), KeyList::One("Q".into()));
        let km = KeyMap::from_config(&o).unwrap();
        assert_eq!(
            km.action_for(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            km.action_for(&ev(KeyCode::Char('Q'), KeyModifiers::SHIFT)),
            Some(Action::Quit)
        );
        assert_eq!(km.label_for(Action::Quit), "Q");
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
        let problems = KeyMap::from_config(&o).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.action == "help" && p.message.contains("already bound to `quit`"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.action == "jump" && p.message.contains("unknown action"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.action == "pause" && p.message.contains("unknown key"))
        );
    }
}
