//! Themes: TOML files (built-in ones embedded from themes/, user ones from
//! `$XDG_CONFIG_HOME/opsdeck/themes/`) resolved once into concrete styles for the
//! terminal's colour depth.

use super::color::ColorDepth;
use crate::config::error::{ConfigError, from_toml};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

/// Built-in themes: (name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub description: Option<String>,
    pub colors: ThemeColors,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeColors {
    pub text: ThemeColor,
    pub dim: ThemeColor,
    pub border: ThemeColor,
    pub border_focus: ThemeColor,
    pub title: ThemeColor,
    pub header_fg: ThemeColor,
    pub header_bg: ThemeColor,
    pub ok: ThemeColor,
    pub warning: ThemeColor,
    pub critical: ThemeColor,
    pub info: ThemeColor,
    pub accent: ThemeColor,
    pub selection_fg: ThemeColor,
    pub selection_bg: ThemeColor,
    pub graph_cpu: ThemeColor,
    pub graph_memory: ThemeColor,
    pub graph_rx: ThemeColor,
    pub graph_tx: ThemeColor,
}

/// A colour as written in a theme: "#rrggbb", a name ("red", "bright-blue",
/// "reset"), or a 256-colour index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThemeColor(pub Color);

impl<'de> Deserialize<'de> for ThemeColor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ThemeColor;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a colour: \"#rrggbb\", a name such as \"bright-red\", or an index 0-255",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ThemeColor, E> {
                parse_color(v).map(ThemeColor).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ThemeColor, E> {
                u8::try_from(v)
                    .map(|i| ThemeColor(Color::Indexed(i)))
                    .map_err(|_| E::custom(format!("colour index {v} is out of range 0-255")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ThemeColor, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
        d.deserialize_any(Visitor)
    }
}

fn parse_color(text: &str) -> Result<Color, String> {
    let t = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() == 6
            && let Ok(v) = u32::from_str_radix(hex, 16)
        {
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return Err(format!("invalid colour {text:?}: use #rrggbb"));
    }
    Ok(match t.as_str() {
        "reset" | "default" | "none" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "white" | "gray" | "grey" => Color::Gray,
        "bright-black" | "dark-gray" | "dark-grey" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        _ => {
            return Err(format!(
                "invalid colour {text:?}: use #rrggbb, a colour name or an index 0-255"
            ));
        }
    })
}

/// Concrete styles for one colour depth: what `draw` uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Styles {
    pub depth: ColorDepth,
    pub text: Style,
    pub dim: Style,
    pub border: Style,
    pub border_focus: Style,
    pub title: Style,
    pub title_focus: Style,
    pub header: Style,
    pub ok: Style,
    pub warning: Style,
    pub critical: Style,
    pub info: Style,
    pub accent: Style,
    pub selection: Style,
    pub key: Style,
    pub graph_cpu: Style,
    pub graph_memory: Style,
    pub graph_rx: Style,
    pub graph_tx: Style,
}

impl Styles {
    pub fn resolve(theme: &ThemeFile, depth: ColorDepth) -> Styles {
        let c = &theme.colors;
        let fg = |tc: ThemeColor| match depth.convert(tc.0) {
            Some(color) => Style::new().fg(color),
            None => Style::new(),
        };
        let bg = |style: Style, tc: ThemeColor| match depth.convert(tc.0) {
            Some(color) => style.bg(color),
            None => style,
        };
        let mono = depth == ColorDepth::Mono;
        // Without colour, emphasis comes from attributes alone.
        let only_mono = |m: Modifier| if mono { m } else { Modifier::empty() };
        Styles {
            depth,
            text: fg(c.text),
            dim: fg(c.dim),
            border: fg(c.border),
            border_focus: fg(c.border_focus).add_modifier(Modifier::BOLD),
            title: fg(c.title),
            title_focus: fg(c.border_focus)
                .add_modifier(Modifier::BOLD | only_mono(Modifier::REVERSED)),
            header: bg(fg(c.header_fg), c.header_bg).add_modifier(only_mono(Modifier::REVERSED)),
            ok: fg(c.ok),
            warning: fg(c.warning).add_modifier(Modifier::BOLD),
            critical: fg(c.critical).add_modifier(Modifier::BOLD | only_mono(Modifier::UNDERLINED)),
            info: fg(c.info),
            accent: fg(c.accent),
            selection: bg(fg(c.selection_fg), c.selection_bg)
                .add_modifier(only_mono(Modifier::REVERSED)),
            key: fg(c.accent).add_modifier(Modifier::BOLD),
            graph_cpu: fg(c.graph_cpu),
            graph_memory: fg(c.graph_memory),
            graph_rx: fg(c.graph_rx),
            graph_tx: fg(c.graph_tx),
        }
    }

    /// The built-in dark theme at a depth; for tests and as the last resort.
    pub fn builtin(name: &str, depth: ColorDepth) -> Styles {
        let (_, text) = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or(&BUILTIN[0]);
        let theme: ThemeFile = toml::from_str(text).expect("built-in themes are valid");
        Styles::resolve(&theme, depth)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ThemeError {
    /// No built-in or user theme has this name.
    Unknown {
        name: String,
        available: Vec<String>,
    },
    /// The theme file exists but is wrong; the error names the file.
    File(ConfigError),
}

impl ThemeError {
    pub fn unknown_message(name: &str, available: &[String]) -> String {
        format!(
            "unknown theme {name:?}; available: {}",
            available.join(", ")
        )
    }
}

/// Loads theme `name`: a user theme in `themes_dir` wins over a built-in one.
pub fn load(name: &str, themes_dir: &Path) -> Result<ThemeFile, ThemeError> {
    let user_file = themes_dir.join(format!("{name}.toml"));
    let (text, file) = if user_file.is_file() {
        let file = user_file.display().to_string();
        let text = crate::config::read_file(&user_file).map_err(ThemeError::File)?;
        (text, file)
    } else if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name) {
        (text.to_string(), format!("<built-in theme {name}>"))
    } else {
        return Err(ThemeError::Unknown {
            name: name.to_string(),
            available: available(themes_dir),
        });
    };
    toml::from_str(&text).map_err(|e| ThemeError::File(from_toml(&e, &text, &file)))
}

/// Names of all themes: built-in and user.
pub fn available(themes_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    if let Ok(entries) = std::fs::read_dir(themes_dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml")
                && let Some(stem) = path.file_stem()
            {
                names.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_parse() {
        for (name, text) in BUILTIN {
            toml::from_str::<ThemeFile>(text).unwrap_or_else(|e| panic!("theme {name}: {e}"));
        }
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_color("#ff0080").unwrap(), Color::Rgb(255, 0, 128));
        assert_eq!(parse_color("bright-red").unwrap(), Color::LightRed);
        assert!(parse_color("#ff00").is_err());
        assert!(parse_color("chartreuse-ish").is_err());
    }

    #[test]
    fn mono_styles_have_no_colour() {
        let s = Styles::builtin("dark", ColorDepth::Mono);
        for style in [s.text, s.header, s.critical, s.selection, s.graph_cpu] {
            assert_eq!((style.fg, style.bg), (None, None));
        }
        assert!(s.selection.add_modifier.contains(Modifier::REVERSED));
    }
}
