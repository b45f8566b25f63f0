//! Reading a config past its shape errors (unknown keys, wrong types, missing
//! keys). serde stops at the first one, so each is reported, the entry it is
//! about taken out of the parsed document, and the rest read again: an
//! operator sees every error in one `check-config`, not one per run.

use super::Config;
use super::error::{ConfigError, from_toml};
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, Deserializer};

/// What the shape pass found.
pub(super) struct Shape {
    /// The config with every offending entry left out (defaults in its place).
    pub config: Config,
    pub errors: Vec<ConfigError>,
    /// False when a whole `[[section]]` item had to be left out: the semantic
    /// checks then wait, since their positions count items and their
    /// cross-references (a panel's `source`, a task's `depends_on`) would report
    /// the missing item as a second, misleading error.
    pub complete: bool,
}

/// One entry taken out of the document.
enum Removed {
    Nothing,
    /// `key` of the table whose span is `table` (its header, for `[table]`s).
    Key {
        table: Range<usize>,
        key: String,
    },
    /// An item of an array of tables.
    Item,
}

/// Parses `text`. Syntax errors end it, all of them reported (toml's parser
/// recovers to find the next), since a document that does not parse cannot be
/// trusted for its values.
pub(super) fn read(text: &str, file: &str) -> Result<Shape, Vec<ConfigError>> {
    let (mut doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return Err(syntax.iter().map(|e| from_toml(e, text, file)).collect());
    }
    let mut errors = Vec::new();
    let mut complete = true;
    let mut removed: Vec<(Range<usize>, String)> = Vec::new();
    // Every round removes an entry, so this ends well before the bound.
    for _ in 0..=text.len() {
        let e = match Config::deserialize(Deserializer::from(doc.clone())) {
            Ok(config) => {
                return Ok(Shape {
                    config,
                    errors,
                    complete,
                });
            }
            Err(e) => e,
        };
        let Some(span) = e.span() else {
            // Nowhere to point at, so nothing to take out: stop here.
            errors.push(from_toml(&e, text, file));
            break;
        };
        // A required key this pass took out (it had the wrong type) is not
        // missing a second time.
        let ours = missing_field(e.message())
            .is_some_and(|key| removed.iter().any(|(t, k)| *t == span && k == key));
        if !ours {
            errors.push(from_toml(&e, text, file));
        }
        let root_span = doc.span();
        match remove_at(doc.get_mut(), root_span, span.start) {
            Removed::Nothing => break,
            Removed::Key { table, key } => removed.push((table, key)),
            Removed::Item => complete = false,
        }
    }
    Ok(Shape {
        config: Config::default(),
        errors,
        complete: false,
    })
}

/// "missing field `name`" → "name".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn contains(span: &Range<usize>, at: usize) -> bool {
    span.start <= at && (at < span.end || span.is_empty() && at == span.start)
}

/// Removes the innermost entry at byte offset `at`: a key whose name or value
/// is there, or an item of an array of tables whose header is there.
/// (Table values span only their header, so every table is searched.)
fn remove_at(table: &mut DeTable<'_>, table_span: Range<usize>, at: usize) -> Removed {
    for (_, value) in table.iter_mut() {
        let span = value.span();
        let inner = match value.get_mut() {
            DeValue::Table(t) => remove_at(t, span, at),
            DeValue::Array(items) => remove_item(items, at),
            _ => Removed::Nothing,
        };
        if !matches!(inner, Removed::Nothing) {
            return inner;
        }
    }
    let Some(key) = table
        .iter()
        .find(|(k, v)| contains(&k.span(), at) || contains(&v.span(), at))
        .map(|(k, _)| k.clone())
    else {
        return Removed::Nothing;
    };
    table.remove(&key);
    Removed::Key {
        table: table_span,
        key: key.into_inner().into_owned(),
    }
}

/// Inside an array: an entry of one of its tables, or a table item itself. A
/// bad item of an array of values is left to the caller, which removes the
/// whole key (half a list would mean something else than what was written).
fn remove_item(items: &mut DeArray<'_>, at: usize) -> Removed {
    let mut hit = None;
    for (i, item) in items.iter_mut().enumerate() {
        let span = item.span();
        if let DeValue::Table(t) = item.get_mut() {
            let inner = remove_at(t, span.clone(), at);
            if !matches!(inner, Removed::Nothing) {
                return inner;
            }
            if contains(&span, at) {
                hit = Some(i);
                break;
            }
        }
    }
    let Some(hit) = hit else {
        return Removed::Nothing;
    };
    let kept: Vec<Spanned<DeValue<'_>>> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != hit)
        .map(|(_, item)| item.clone())
        .collect();
    *items = kept.into_iter().collect();
    Removed::Item
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        let shape = read(text, "t.toml").expect("no syntax error");
        let mut errors: Vec<String> = shape.errors.iter().map(|e| e.to_string()).collect();
        errors.sort();
        errors
    }

    #[test]
    fn every_unknown_key_is_reported_not_only_the_first() {
        let text = "[general]\nrefrsh = \"1s\"\nhistroy = \"1m\"\n[ui]\ncolour = \"mono\"\n";
        let found = errors(text);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found[0].starts_with("t.toml:2:1: key `general.refrsh`"),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("t.toml:3:1: key `general.histroy`"),
            "{found:#?}"
        );
        assert!(
            found[2].starts_with("t.toml:5:1: key `ui.colour`"),
            "{found:#?}"
        );
    }

    #[test]
    fn the_rest_is_read_with_the_bad_entries_left_out() {
        let shape = read("[general]\nrefresh = 5\nhistory = \"2m\"\n", "t.toml").unwrap();
        assert_eq!(shape.errors.len(), 1);
        assert!(shape.complete);
        assert_eq!(shape.config.general.history.as_secs(), 120);
        assert_eq!(shape.config.general.refresh.as_secs(), 1, "the default");
    }

    #[test]
    fn a_table_item_that_cannot_be_read_is_left_out_once() {
        // `name` has the wrong type: one error, not a second "missing field".
        let text =
            "[[rule]]\nname = 5\nexpr = \"up\"\n\n[[rule]]\nname = \"B\"\nexpr = \"up\"\nfoo = 1\n";
        let shape = read(text, "t.toml").unwrap();
        let found: Vec<String> = shape.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("t.toml:2:8: key `rule[0].name`")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("t.toml:8:1: key `rule[1].foo`")),
            "{found:#?}"
        );
        assert!(!shape.complete);
        assert_eq!(shape.config.rule.len(), 1);
    }

    #[test]
    fn a_really_missing_key_is_reported() {
        let found = errors("[[rule]]\nexpr = \"up\"\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("missing field `name`"), "{found:#?}");
    }

    #[test]
    fn errors_in_inline_tables_and_lists() {
        let text = "[ui.thresholds]\ncpu = { warning = 1 }\n[keys]\nquit = 7\nhelp = [\"?\", 3]\n";
        let found = errors(text);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found[0].starts_with("t.toml:2:7: key `ui.thresholds.cpu`"),
            "{found:#?}"
        );
    }

    #[test]
    fn every_syntax_error_is_reported() {
        let text = "[general]\nrefresh = \"1s\"\nrefresh = \"2s\"\n[ui]\ncolor = \n";
        let Err(errors) = read(text, "t.toml") else {
            panic!("syntax errors expected");
        };
        let found: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("t.toml:3:1: key `general.refresh`"),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("t.toml:5:9: key `ui.color`"),
            "{found:#?}"
        );
    }

    /// Every line of the default config broken in a few ways: never a panic,
    /// always a positioned error (the config's keys are all there to break).
    #[test]
    fn any_broken_line_of_the_default_config_is_reported_with_its_position() {
        let text = crate::config::DEFAULT_CONFIG;
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((key, _)) = line.split_once(" = ").filter(|_| !line.starts_with('#')) else {
                continue;
            };
            for broken in [format!("{key} = []"), format!("{key}x = 1")] {
                let mut copy = lines.clone();
                copy[i] = &broken;
                let (_, errors) = crate::config::parse_all(&copy.join("\n"), "t.toml");
                // `key = []` may be valid (an empty list); the others never are.
                let valid_list = broken.ends_with("[]");
                assert!(valid_list || !errors.is_empty(), "line {}: {broken}", i + 1);
                assert!(errors.iter().all(|e| e.line > 0), "{errors:?}");
            }
        }
    }
}
