//! The config's loading as a whole: the embedded default, positions of errors.

use super::*;

fn first_error(text: &str) -> ConfigError {
    parse(text, "test.toml").unwrap_err().0.remove(0)
}

#[test]
fn embedded_default_is_valid_and_matches_builtin_defaults() {
    let config = parse(DEFAULT_CONFIG, EMBEDDED_NAME).expect("embedded default parses");
    assert_eq!(config.general, General::default());
    assert_eq!(config.ui.thresholds, Thresholds::default());
    assert_eq!(config.tasks().len(), config.task.len());
}

#[test]
fn empty_file_gives_defaults() {
    assert_eq!(parse("", "x").unwrap(), Config::default());
}

#[test]
fn unknown_key_names_table_and_field() {
    let e = first_error("[general]\nrefresh = \"1s\"\nrefrsh = \"2s\"\n");
    assert_eq!((e.line, e.column), (3, 1));
    assert_eq!(e.key, "general.refrsh");
    assert!(e.message.contains("unknown field"), "{e}");
}

#[test]
fn bad_duration_names_key_and_position() {
    let e = first_error("[general]\nrefresh = \"often\"\n");
    assert_eq!(e.key, "general.refresh");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("invalid duration"), "{e}");
}

#[test]
fn threshold_order_is_checked() {
    let e = first_error("[ui.thresholds]\ncpu = { warning = 95, critical = 80 }\n");
    assert_eq!(e.key, "ui.thresholds.cpu");
    assert_eq!(e.line, 2);
}

#[test]
fn syntax_error_has_position() {
    let e = first_error("[general\nrefresh = 1\n");
    assert_eq!(e.line, 1);
    assert!(e.to_string().starts_with("test.toml:1:"), "{e}");
}
