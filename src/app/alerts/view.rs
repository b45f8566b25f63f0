//! The Alerts pane's rows after its filter, picked when the merged list or
//! the filter changes, not at every frame and every key: in a storm of
//! 10,000 alerts, a key must cost what the screen shows, not what the list
//! holds. Typing more of a text filter only narrows it, so each key filters
//! what the last one kept.

use super::Alert;
use crate::app::action::PaneId;
use crate::app::filter::Filter;
use crate::app::state::AppState;

#[derive(Debug, Default, Clone)]
pub struct Visible {
    /// The merge the rows were picked from (`Remote::generation`).
    generation: u64,
    /// The filter they were picked with.
    filter: Option<Filter>,
    /// Indices into `Remote::alerts`, in its order.
    rows: Vec<usize>,
}

/// Picks the visible rows again, after a merge or a change of the filter.
pub fn refilter(state: &mut AppState) {
    let filter = state.list(PaneId::Alerts).filter.clone();
    let alerts = &state.remote.alerts;
    let generation = state.remote.generation;
    let cache = &state.alert_rows;
    // One buffer for every row's text: typing into the filter over 10,000
    // alerts must not allocate 10,000 strings per key.
    let mut text = String::new();
    let mut keep = |i: &usize| match &filter {
        None => true,
        Some(Filter::Text(needle)) => has_text(&alerts[*i], needle, &mut text),
        Some(f) => f.matches(&alerts[*i]),
    };
    let rows = if cache.generation == state.remote.generation
        && narrows(cache.filter.as_ref(), filter.as_ref())
    {
        cache.rows.iter().copied().filter(&mut keep).collect()
    } else {
        (0..alerts.len()).filter(&mut keep).collect()
    };
    state.alert_rows = Visible {
        generation,
        filter,
        rows,
    };
}

/// Whether the alert's text (as [`Alert::write_text`] writes it, lower case)
/// contains `needle` (lower case). A needle without spaces cannot span the
/// spaces that join the parts, so it is looked for in each part where it
/// lies, nothing copied: a key typed into the filter over a storm reads each
/// alert's few dozen bytes once.
fn has_text(alert: &Alert, needle: &str, buf: &mut String) -> bool {
    if needle.contains(' ') || !needle.is_ascii() {
        buf.clear();
        alert.write_text(buf);
        lowercase(buf);
        return buf.contains(needle);
    }
    alert.text_parts().any(|part| contains_folded(part, needle))
}

/// `part` lower-cased contains the ASCII `needle` (lower case).
fn contains_folded(part: &str, needle: &str) -> bool {
    if !part.is_ascii() {
        // Some non-ASCII letters lower-case to ASCII ones (the Kelvin sign to k).
        return part.to_lowercase().contains(needle);
    }
    let (hay, needle) = (part.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return true;
    };
    hay.windows(needle.len())
        .any(|w| w[0].to_ascii_lowercase() == first && w.eq_ignore_ascii_case(needle))
}

/// Lower case as the text filter compares (in place for ASCII, the usual text).
fn lowercase(text: &mut String) {
    if text.is_ascii() {
        text.make_ascii_lowercase();
    } else {
        *text = text.to_lowercase();
    }
}

/// True when every row `new` keeps, `old` kept too.
fn narrows(old: Option<&Filter>, new: Option<&Filter>) -> bool {
    match (old, new) {
        (None, _) => true,
        (Some(Filter::Text(old)), Some(Filter::Text(new))) => new.contains(old.as_str()),
        (Some(old), Some(new)) => old == new,
        (Some(_), None) => false,
    }
}

impl AppState {
    /// The picked rows, if they are for this list and filter. Correctness never
    /// depends on a caller having refiltered: a stale pick is not used.
    fn picked(&self) -> Option<&[usize]> {
        let cache = &self.alert_rows;
        (cache.generation == self.remote.generation
            && cache.filter == self.list(PaneId::Alerts).filter)
            .then_some(cache.rows.as_slice())
    }

    /// How many alerts the Alerts pane shows.
    pub fn visible_alert_count(&self) -> usize {
        match self.picked() {
            Some(rows) => rows.len(),
            None => self.visible_alerts().len(),
        }
    }

    /// The `i`th alert the Alerts pane shows.
    pub fn visible_alert(&self, i: usize) -> Option<&Alert> {
        match self.picked() {
            Some(rows) => rows.get(i).map(|&r| &self.remote.alerts[r]),
            None => self.visible_alerts().get(i).copied(),
        }
    }

    /// Alerts shown in the Alerts pane, after its filter.
    pub fn visible_alerts(&self) -> Vec<&Alert> {
        if let Some(rows) = self.picked() {
            return rows.iter().map(|&r| &self.remote.alerts[r]).collect();
        }
        let filter = self.list(PaneId::Alerts).filter.as_ref();
        self.remote
            .alerts
            .iter()
            .filter(|a| filter.is_none_or(|f| f.matches(*a)))
            .collect()
    }

    /// Where the alert with exactly these labels is among the visible rows.
    pub fn visible_position(&self, labels: &super::Labels) -> Option<usize> {
        match self.picked() {
            Some(rows) => rows
                .iter()
                .position(|&r| self.remote.alerts[r].labels == *labels),
            None => self
                .visible_alerts()
                .iter()
                .position(|a| a.labels == *labels),
        }
    }

    pub fn selected_alert(&self) -> Option<&Alert> {
        self.visible_alert(self.list(PaneId::Alerts).selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Option<Filter> {
        Some(Filter::Text(t.into()))
    }

    #[test]
    fn looking_in_the_parts_finds_what_the_whole_text_would() {
        use crate::app::alerts::{AlertState, Labels};
        let labels: Labels = [
            ("alertname", "HighCPU"),
            ("instance", "DB-1:9100"),
            ("zone", "\u{212A}iel"),
        ]
        .into_iter()
        .collect();
        let summary: Labels = [("summary", "CPU at 97% on db-1")].into_iter().collect();
        let alert = Alert::new(0, labels, summary, AlertState::Firing, None);
        let mut whole = String::new();
        alert.write_text(&mut whole);
        let whole = whole.to_lowercase();
        let mut buf = String::new();
        for needle in [
            "highcpu",
            "db-1:91",
            "cpu",
            "97%",
            "firing",
            "kiel",
            "on db-1",
            "cpu db",
            "x",
            "",
            "9100 ",
            "highcpu db",
            "ı",
        ] {
            let expected = whole.contains(needle);
            assert_eq!(
                has_text(&alert, needle, &mut buf),
                expected,
                "{needle:?} in {whole:?}"
            );
        }
        assert!(
            has_text(&alert, "kiel", &mut buf),
            "the Kelvin sign lower-cases to k"
        );
        assert!(
            has_text(&alert, "highcpu db-1", &mut buf),
            "spaces span the parts"
        );
    }

    #[test]
    fn more_text_narrows_and_anything_else_starts_over() {
        assert!(narrows(None, text("a").as_ref()));
        assert!(narrows(text("sto").as_ref(), text("storm").as_ref()));
        assert!(!narrows(text("storm").as_ref(), text("sto").as_ref()));
        assert!(!narrows(text("a").as_ref(), None));
        let m = Filter::parse("severity=\"critical\"").unwrap();
        assert!(narrows(m.as_ref(), m.as_ref()));
        assert!(!narrows(text("a").as_ref(), m.as_ref()));
    }
}
