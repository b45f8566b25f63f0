//! Keys → actions. The defaults, the key names and the action names live in
//! `config::keys`, which validates `[keys]` at load; here the validated bindings
//! become a keymap of `Action`s.

use super::action::Action;
use crate::config::KeyList;
use crate::config::keys::Bindings;
pub use crate::config::keys::{Key, KeyProblem};
use crossterm::event::{KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, HashMap};

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    by_key: HashMap<Key, Action>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

impl Default for KeyMap {
    fn default() -> Self {
        Self::new(&Bindings::default())
    }
}

impl KeyMap {
    /// The keymap of validated bindings (a config's `key_bindings()`).
    pub fn new(bindings: &Bindings) -> KeyMap {
        let mut by_key = HashMap::new();
        let mut by_action = BTreeMap::new();
        for (action, name, _) in Action::BINDABLE {
            let keys = bindings.keys_for(name).to_vec();
            for key in &keys {
                by_key.insert(*key, *action);
            }
            by_action.insert(*action, keys);
        }
        KeyMap { by_key, by_action }
    }

    /// The keymap of a `[keys]` table as written (what `config::parse` checks).
    pub fn from_config(overrides: &BTreeMap<String, KeyList>) -> Result<KeyMap, Vec<KeyProblem>> {
        Bindings::resolve(overrides).map(|b| Self::new(&b))
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
    use crate::app::action::PaneId;
    use crossterm::event::KeyCode;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn config_names_every_bindable_action_in_help_order() {
        let config: Vec<&str> = crate::config::keys::ACTIONS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        let app: Vec<&str> = Action::BINDABLE.iter().map(|(_, n, _)| *n).collect();
        assert_eq!(config, app);
        let km = KeyMap::default();
        for (action, name, _) in Action::BINDABLE {
            assert!(
                !km.keys_for(*action).is_empty(),
                "{name} has no default key"
            );
        }
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
}
