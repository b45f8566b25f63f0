//! Horizontal meters and threshold grading. A level is never shown by colour alone:
//! warning and critical values also carry a marker character.

use crate::config::{GraphSymbols, Threshold};
use crate::ui::theme::Styles;
use ratatui::style::Style;
use ratatui::text::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warning,
    Critical,
}

pub fn grade(value: f64, threshold: Threshold) -> Level {
    if value >= threshold.critical {
        Level::Critical
    } else if value >= threshold.warning {
        Level::Warning
    } else {
        Level::Ok
    }
}

pub fn level_style(styles: &Styles, level: Level) -> Style {
    match level {
        Level::Ok => styles.ok,
        Level::Warning => styles.warning,
        Level::Critical => styles.critical,
    }
}

/// One character that tells the level without colour: ' ', '!' or '‼' ('X' in ASCII).
pub fn marker(level: Level, symbols: GraphSymbols) -> &'static str {
    match (level, symbols) {
        (Level::Ok, _) => " ",
        (Level::Warning, _) => "!",
        (Level::Critical, GraphSymbols::Ascii) => "X",
        (Level::Critical, _) => "‼",
    }
}

/// A bar of `width` cells filled to `percent`, as two spans (filled, empty).
pub fn bar(
    percent: f64,
    width: usize,
    style: Style,
    empty: Style,
    symbols: GraphSymbols,
) -> [Span<'static>; 2] {
    let filled = ((percent.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
    let (on, off) = match symbols {
        GraphSymbols::Ascii => ('#', '.'),
        _ => ('■', '·'),
    };
    [
        Span::styled(on.to_string().repeat(filled), style),
        Span::styled(off.to_string().repeat(width - filled.min(width)), empty),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_at_thresholds() {
        let t = Threshold::new(80.0, 95.0);
        assert_eq!(grade(79.9, t), Level::Ok);
        assert_eq!(grade(80.0, t), Level::Warning);
        assert_eq!(grade(95.0, t), Level::Critical);
    }

    #[test]
    fn bar_has_exact_width() {
        let [a, b] = bar(50.0, 10, Style::new(), Style::new(), GraphSymbols::Ascii);
        assert_eq!(format!("{}{}", a.content, b.content), "#####.....");
    }
}
