//! The terminal backend: ratatui's diff is written by hand rather than through
//! crossterm's `SetColors`, because crossterm encodes even the 16 basic colours as
//! 256-colour sequences (`38;5;N`), which 16-colour terminals misread. Writing it
//! here also keeps the byte count low, which matters over SSH:
//! - one SGR sequence per style change, carrying only what changed;
//! - short cursor moves (`CSI n C` forward on the same row, CR LF to the next row);
//! - each non-empty frame wrapped in synchronized output (`CSI ? 2026 h/l`), and
//!   nothing at all written when nothing changed.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};

pub struct AnsiBackend<W: Write> {
    out: W,
    fg: Color,
    bg: Color,
    modifier: Modifier,
    cursor: Option<Position>,
    cursor_visible: Option<bool>,
    /// Fixed size for tests; None asks the terminal.
    fixed_size: Option<Size>,
}

impl<W: Write> AnsiBackend<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            fg: Color::Reset,
            bg: Color::Reset,
            modifier: Modifier::empty(),
            cursor: None,
            cursor_visible: None,
            fixed_size: None,
        }
    }

    /// A backend of a fixed size that never queries a terminal (for tests).
    pub fn with_size(out: W, width: u16, height: u16) -> Self {
        Self {
            fixed_size: Some(Size::new(width, height)),
            ..Self::new(out)
        }
    }

    /// Forget what the terminal is assumed to show (after suspend or an external clear).
    pub fn invalidate(&mut self) {
        self.fg = Color::Reset;
        self.bg = Color::Reset;
        self.modifier = Modifier::empty();
        self.cursor = None;
        self.cursor_visible = None;
    }

    fn move_to(&mut self, x: u16, y: u16) -> io::Result<()> {
        match self.cursor {
            Some(p) if p.y == y && p.x == x => Ok(()),
            Some(p) if p.y == y && x > p.x => write!(self.out, "\x1b[{}C", x - p.x),
            Some(p) if y == p.y + 1 && x == 0 => self.out.write_all(b"\r\n"),
            _ => write!(self.out, "\x1b[{};{}H", y + 1, x + 1),
        }
    }

    fn set_style(&mut self, fg: Color, bg: Color, modifier: Modifier) -> io::Result<()> {
        if fg == self.fg && bg == self.bg && modifier == self.modifier {
            return Ok(());
        }
        let mut params: Vec<String> = Vec::with_capacity(6);
        let removed = self.modifier - modifier;
        let (mut cur_fg, mut cur_bg) = (self.fg, self.bg);
        if !removed.is_empty() {
            // Resetting is shorter than undoing attributes one by one, and exact.
            params.push("0".into());
            cur_fg = Color::Reset;
            cur_bg = Color::Reset;
            push_modifiers(&mut params, modifier);
        } else {
            push_modifiers(&mut params, modifier - self.modifier);
        }
        if fg != cur_fg {
            push_color(&mut params, fg, false);
        }
        if bg != cur_bg {
            push_color(&mut params, bg, true);
        }
        self.fg = fg;
        self.bg = bg;
        self.modifier = modifier;
        if params.is_empty() {
            return Ok(());
        }
        write!(self.out, "\x1b[{}m", params.join(";"))
    }

    fn reset_style(&mut self) -> io::Result<()> {
        if self.fg != Color::Reset || self.bg != Color::Reset || !self.modifier.is_empty() {
            self.out.write_all(b"\x1b[0m")?;
            self.fg = Color::Reset;
            self.bg = Color::Reset;
            self.modifier = Modifier::empty();
        }
        Ok(())
    }
}

fn push_modifiers(params: &mut Vec<String>, m: Modifier) {
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if m.contains(flag) {
            params.push(code.into());
        }
    }
}

/// SGR parameters for a colour: 30–37/90–97 for the 16 basic colours, 38;5;n for
/// indexed, 38;2;r;g;b for RGB (40/100/48 for backgrounds).
fn push_color(params: &mut Vec<String>, color: Color, background: bool) {
    let offset = if background { 10 } else { 0 };
    let basic = |code: u8| (code + offset).to_string();
    let text = match color {
        Color::Reset => basic(39),
        Color::Black => basic(30),
        Color::Red => basic(31),
        Color::Green => basic(32),
        Color::Yellow => basic(33),
        Color::Blue => basic(34),
        Color::Magenta => basic(35),
        Color::Cyan => basic(36),
        Color::Gray => basic(37),
        Color::DarkGray => basic(90),
        Color::LightRed => basic(91),
        Color::LightGreen => basic(92),
        Color::LightYellow => basic(93),
        Color::LightBlue => basic(94),
        Color::LightMagenta => basic(95),
        Color::LightCyan => basic(96),
        Color::White => basic(97),
        Color::Indexed(i) => format!("{};5;{i}", 38 + offset),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", 38 + offset),
    };
    params.push(text);
}

impl<W: Write> Write for AnsiBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Backend for AnsiBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        self.out.write_all(b"\x1b[?2026h")?;
        for (x, y, cell) in content {
            self.move_to(x, y)?;
            self.set_style(cell.fg, cell.bg, cell.modifier)?;
            let symbol = cell.symbol();
            self.out.write_all(symbol.as_bytes())?;
            let width = unicode_width(symbol);
            self.cursor = Some(Position {
                x: x.saturating_add(width),
                y,
            });
        }
        self.reset_style()?;
        self.out.write_all(b"\x1b[?2026l")
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(false) {
            self.out.write_all(b"\x1b[?25l")?;
            self.cursor_visible = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(true) {
            self.out.write_all(b"\x1b[?25h")?;
            self.cursor_visible = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor.unwrap_or_default())
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        write!(self.out, "\x1b[{};{}H", p.y + 1, p.x + 1)?;
        self.cursor = Some(p);
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        // Erase uses the current background colour on most terminals: reset first.
        self.reset_style()?;
        let seq: &[u8] = match clear_type {
            ClearType::All => b"\x1b[2J",
            ClearType::AfterCursor => b"\x1b[0J",
            ClearType::BeforeCursor => b"\x1b[1J",
            ClearType::CurrentLine => b"\x1b[2K",
            ClearType::UntilNewLine => b"\x1b[0K",
        };
        self.out.write_all(seq)
    }

    fn size(&self) -> io::Result<Size> {
        if let Some(size) = self.fixed_size {
            return Ok(size);
        }
        let (w, h) = crossterm::terminal::size()?;
        Ok(Size::new(w, h))
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let size = self.size()?;
        Ok(WindowSize {
            columns_rows: size,
            pixels: Size::new(0, 0),
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Display width of one cell's symbol (wide characters take two columns).
fn unicode_width(symbol: &str) -> u16 {
    ratatui::text::Span::raw(symbol).width().max(1) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    fn draw(backend: &mut AnsiBackend<Vec<u8>>, cells: &[(u16, u16, &str, Style)]) -> String {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 3));
        for (x, y, s, style) in cells {
            buf[(*x, *y)].set_symbol(s).set_style(*style);
        }
        let items: Vec<(u16, u16, &Cell)> = cells
            .iter()
            .map(|(x, y, _, _)| (*x, *y, &buf[(*x, *y)]))
            .collect();
        backend.out.clear();
        backend.draw(items.into_iter()).unwrap();
        String::from_utf8(backend.out.clone()).unwrap()
    }

    #[test]
    fn basic_colours_use_basic_sgr_and_moves_are_short() {
        let mut b = AnsiBackend::new(Vec::new());
        let red = Style::new().fg(Color::Red);
        let out = draw(
            &mut b,
            &[
                (0, 0, "a", red),
                (1, 0, "b", red),
                (5, 0, "c", red),
                (0, 1, "d", Style::new()),
            ],
        );
        assert_eq!(
            out,
            "\x1b[?2026h\x1b[1;1H\x1b[31mab\x1b[3Cc\r\n\x1b[39md\x1b[?2026l"
        );
    }

    #[test]
    fn removing_a_modifier_resets_and_restores_the_rest() {
        let mut b = AnsiBackend::new(Vec::new());
        let bold_blue = Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD);
        let out = draw(
            &mut b,
            &[
                (0, 0, "a", bold_blue),
                (1, 0, "b", Style::new().fg(Color::Blue)),
            ],
        );
        assert!(out.contains("\x1b[1;34ma\x1b[0;34mb"), "{out:?}");
    }

    #[test]
    fn nothing_changed_writes_nothing() {
        let mut b = AnsiBackend::new(Vec::new());
        assert_eq!(draw(&mut b, &[]), "");
        b.hide_cursor().unwrap();
        b.out.clear();
        b.hide_cursor().unwrap();
        assert!(b.out.is_empty());
    }
}
