//! Themes: TOML files (built-in ones embedded from themes/, user ones from
//! `$XDG_CONFIG_HOME/opsdeck/themes/`) resolved once into concrete styles for the
//! terminal's colour depth.

use super::color::ColorDepth;
use crate::config::error::{ConfigError, line_col};
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
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Index(u8),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Index(i) => Ok(ThemeColor(Color::Indexed(i))),
            Raw::Text(t) => parse_color(&t)
                .map(ThemeColor)
                .map_err(serde::de::Error::custom),
        }
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

/// Loads theme `name`: a user theme in `themes_dir` wins over a built-in one.
pub fn load(name: &str, themes_dir: &Path) -> Result<ThemeFile, ConfigError> {
    let user_file = themes_dir.join(format!("{name}.toml"));
    let (text, file) = if user_file.is_file() {
        let text = std::fs::read_to_string(&user_file).map_err(|e| ConfigError {
            file: user_file.display().to_string(),
            line: 1,
            column: 1,
            key: String::new(),
            message: format!("cannot read theme: {e}"),
        })?;
        (text, user_file.display().to_string())
    } else if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name) {
        (text.to_string(), format!("<built-in theme {name}>"))
    } else {
        return Err(ConfigError {
            file: String::new(),
            line: 0,
            column: 0,
            key: "ui.theme".into(),
            message: format!(
                "unknown theme {name:?}; available: {}",
                available(themes_dir).join(", ")
            ),
        });
    };
    toml::from_str(&text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(&text, s.start));
        ConfigError {
            file,
            line,
            column,
            key: String::new(),
            message: e.message().trim().to_string(),
        }
    })
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
