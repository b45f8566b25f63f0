//! When all that changed in opsdeck's own alerts is their annotations (a
//! summary quoting `$value` changes at every evaluation), their rows take the
//! new ones in place instead of the whole list being merged again: with a
//! storm of 30,000 remote alerts listed, a merge every second took a third
//! of a core.

use std::collections::HashMap;

use super::{Alert, Labels};
use crate::app::state::AppState;

/// Puts the local alerts' new annotations on their rows when nothing else
/// of them changed since `old`. False (nothing done that matters) when
/// something else did, or a row is not found: then the list must be merged.
pub fn annotations_only(state: &mut AppState, old: &[Alert]) -> bool {
    let Some(local) = state.rules.source else {
        return false;
    };
    let selected = state.selected_alert().map(|a| a.labels.clone());
    let remote = &mut state.remote;
    let new = &remote.alert_inputs.local;
    if new.len() != old.len() {
        return false;
    }
    let mut changed: HashMap<&Labels, &Labels> = HashMap::new();
    for (now, before) in new.iter().zip(old) {
        if now.annotations == before.annotations {
            if now != before {
                return false;
            }
            continue;
        }
        let rest_same = Alert {
            annotations: before.annotations.clone(),
            ..now.clone()
        } == *before;
        if !rest_same {
            return false;
        }
        changed.insert(&now.labels, &now.annotations);
    }
    let mut patched = 0;
    for row in remote
        .alerts
        .iter_mut()
        .filter(|r| r.sources.contains(&local))
    {
        if let Some(annotations) = changed.get(&row.labels) {
            row.annotations = (*annotations).clone();
            patched += 1;
        }
    }
    if patched != changed.len() {
        return false;
    }
    // The summary is part of what a text filter searches.
    remote.generation += 1;
    super::update::keep_selection(state, selected);
    true
}
