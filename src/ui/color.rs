//! Colour depth: detected once, and every theme colour is converted to that depth
//! before anything is drawn, so a 16-colour terminal never receives a 256-colour or
//! 24-bit sequence, and NO_COLOR means no colour at all.

use crate::config::ColorChoice;
use ratatui::style::Color;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    C256,
    C16,
    Mono,
}

impl ColorDepth {
    /// `choice` from `--color` or `ui.color`; `auto` asks the environment
    /// (NO_COLOR, FORCE_COLOR, COLORTERM, TERM, and whether stdout is a terminal).
    pub fn resolve(choice: ColorChoice) -> ColorDepth {
        match choice {
            ColorChoice::Truecolor => ColorDepth::TrueColor,
            ColorChoice::C256 => ColorDepth::C256,
            ColorChoice::C16 => ColorDepth::C16,
            ColorChoice::Mono => ColorDepth::Mono,
            ColorChoice::Auto => Self::detect(),
        }
    }

    fn detect() -> ColorDepth {
        // supports-color ignores an empty NO_COLOR; the spec says any value counts
        // only when non-empty, which is the same rule.
        match supports_color::on(supports_color::Stream::Stdout) {
            None => ColorDepth::Mono,
            Some(level) if level.has_16m => ColorDepth::TrueColor,
            Some(level) if level.has_256 => ColorDepth::C256,
            Some(_) => ColorDepth::C16,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ColorDepth::TrueColor => "truecolor",
            ColorDepth::C256 => "256",
            ColorDepth::C16 => "16",
            ColorDepth::Mono => "mono",
        }
    }

    /// Converts a theme colour to this depth. `None` means "leave the terminal's own".
    pub fn convert(self, color: Color) -> Option<Color> {
        if color == Color::Reset {
            return None;
        }
        match self {
            ColorDepth::Mono => None,
            ColorDepth::TrueColor => Some(color),
            ColorDepth::C256 => Some(match color {
                Color::Rgb(r, g, b) => Color::Indexed(nearest_256(r, g, b)),
                other => other,
            }),
            ColorDepth::C16 => Some(match color {
                Color::Rgb(r, g, b) => nearest_16(r, g, b),
                Color::Indexed(i) if i < 16 => ANSI16[i as usize].0,
                Color::Indexed(i) => {
                    let (r, g, b) = index_to_rgb(i);
                    nearest_16(r, g, b)
                }
                other => other,
            }),
        }
    }
}

/// The 16 ANSI colours with xterm's default RGB values, for nearest-colour matching.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn distance((r1, g1, b1): (u8, u8, u8), (r2, g2, b2): (u8, u8, u8)) -> u32 {
    // Weighted for the eye's sensitivity (a cheap "redmean" approximation).
    let dr = i32::from(r1) - i32::from(r2);
    let dg = i32::from(g1) - i32::from(g2);
    let db = i32::from(b1) - i32::from(b2);
    (2 * dr * dr + 4 * dg * dg + 3 * db * db) as u32
}

fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| distance(*rgb, (r, g, b)))
        .map_or(Color::White, |(c, _)| *c)
}

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn index_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let i = i - 16;
            (
                CUBE[(i / 36) as usize],
                CUBE[((i / 6) % 6) as usize],
                CUBE[(i % 6) as usize],
            )
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

/// Nearest colour among 16–255 (the first 16 vary by terminal, so they are avoided).
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    (16..=255u8)
        .min_by_key(|i| distance(index_to_rgb(*i), (r, g, b)))
        .unwrap_or(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_stay_within_depth() {
        let rgb = Color::Rgb(247, 118, 142);
        assert!(matches!(ColorDepth::C256.convert(rgb), Some(Color::Indexed(i)) if i >= 16));
        let c16 = ColorDepth::C16.convert(rgb).unwrap();
        assert!(
            !matches!(c16, Color::Rgb(..) | Color::Indexed(_)),
            "{c16:?}"
        );
        assert_eq!(
            ColorDepth::C16.convert(Color::Indexed(196)),
            Some(Color::LightRed)
        );
        assert_eq!(ColorDepth::Mono.convert(rgb), None);
        assert_eq!(ColorDepth::TrueColor.convert(Color::Reset), None);
    }

    #[test]
    fn exact_cube_colours_map_to_themselves() {
        assert_eq!(nearest_256(255, 0, 0), 196);
        assert_eq!(nearest_256(0, 0, 0), 16);
    }
}
