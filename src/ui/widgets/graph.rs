//! A filled history graph: newest sample at the right edge, drawn with braille
//! (2 samples × 4 levels per cell), blocks (1 × 8) or ASCII (1 × 2), per `ui.graph`.

use crate::config::GraphSymbols;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

pub struct HistoryGraph<'a> {
    /// One value per column (or per half-column in braille), oldest first; None = no data.
    pub values: &'a [Option<f64>],
    pub max: f64,
    pub style: Style,
    pub symbols: GraphSymbols,
}

impl HistoryGraph<'_> {
    /// How many samples fit in `width` cells.
    pub fn samples_for_width(symbols: GraphSymbols, width: u16) -> usize {
        match symbols {
            GraphSymbols::Braille => usize::from(width) * 2,
            _ => usize::from(width),
        }
    }
}

/// The graph as one line of text (one sample per cell, two in braille), in
/// the symbols `ui.graph` picks: for a chart inside text, such as an overlay.
pub fn one_line(values: &[Option<f64>], max: f64, symbols: GraphSymbols) -> String {
    let per_cell = if symbols == GraphSymbols::Braille {
        2
    } else {
        1
    };
    let width = u16::try_from(values.len().div_ceil(per_cell)).unwrap_or(u16::MAX);
    let area = Rect::new(0, 0, width, 1);
    let mut buf = Buffer::empty(area);
    let style = Style::new();
    HistoryGraph {
        values,
        max,
        style,
        symbols,
    }
    .render(area, &mut buf);
    (0..width)
        .map(|x| buf[(x, 0)].symbol().to_string())
        .collect()
}

const BLOCKS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

impl Widget for HistoryGraph<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let rows = usize::from(area.height);
        let levels_per_row = match self.symbols {
            GraphSymbols::Braille => 4,
            GraphSymbols::Block => 8,
            GraphSymbols::Ascii => 2,
        };
        let total_levels = rows * levels_per_row;
        // Height in levels of one sample; a non-zero value shows at least one level.
        let level_of = |v: Option<f64>| -> usize {
            match v {
                None => 0,
                Some(v) if v <= 0.0 || self.max <= 0.0 => 0,
                Some(v) => {
                    ((v / self.max * total_levels as f64).round() as usize).clamp(1, total_levels)
                }
            }
        };
        let per_cell = if self.symbols == GraphSymbols::Braille {
            2
        } else {
            1
        };
        let width = usize::from(area.width);
        let needed = width * per_cell;
        // Right-align: the newest sample sits at the right edge.
        let start = self.values.len().saturating_sub(needed);
        let shown = &self.values[start..];
        let pad = needed - shown.len();
        for col in 0..width {
            let sample = |k: usize| {
                let idx = col * per_cell + k;
                if idx < pad {
                    0
                } else {
                    level_of(shown[idx - pad])
                }
            };
            let (left, right) = if per_cell == 2 {
                (sample(0), sample(1))
            } else {
                (sample(0), 0)
            };
            for row in 0..rows {
                // Levels covered within this row, counted from the row's bottom.
                let base = (rows - 1 - row) * levels_per_row;
                let fill = |lv: usize| lv.saturating_sub(base).min(levels_per_row);
                let symbol = match self.symbols {
                    GraphSymbols::Braille => braille(fill(left), fill(right)),
                    GraphSymbols::Block => BLOCKS[fill(left)],
                    GraphSymbols::Ascii => match fill(left) {
                        0 => ' ',
                        1 => '.',
                        _ => '|',
                    },
                };
                if symbol != ' ' && symbol != '\u{2800}' {
                    let x = area.x + col as u16;
                    let y = area.y + row as u16;
                    if let Some(cell) = buf.cell_mut((x, y)) {
                        cell.set_char(symbol).set_style(self.style);
                    }
                }
            }
        }
    }
}

/// A braille cell with the left column filled `l` dots and the right `r` dots from the bottom.
fn braille(l: usize, r: usize) -> char {
    // Dot bits from bottom to top: left 7,3,2,1 → 0x40,0x04,0x02,0x01; right 8,6,5,4 → 0x80,0x20,0x10,0x08.
    const LEFT: [u32; 4] = [0x40, 0x04, 0x02, 0x01];
    const RIGHT: [u32; 4] = [0x80, 0x20, 0x10, 0x08];
    let bits: u32 = LEFT[..l].iter().sum::<u32>() + RIGHT[..r].iter().sum::<u32>();
    char::from_u32(0x2800 + bits).unwrap_or(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(values: &[Option<f64>], symbols: GraphSymbols, w: u16, h: u16) -> Vec<String> {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        HistoryGraph {
            values,
            max: 100.0,
            style: Style::new(),
            symbols,
        }
        .render(area, &mut buf);
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
            .collect()
    }

    #[test]
    fn braille_fills_from_the_bottom_and_right_aligns() {
        let rows = render(&[Some(100.0), Some(50.0)], GraphSymbols::Braille, 2, 1);
        // Two samples share the rightmost cell: full left column, half right column.
        assert_eq!(rows, vec![format!(" {}", braille(4, 2))]);
    }

    #[test]
    fn one_line_draws_the_same_levels_as_text() {
        let values = [Some(0.0), Some(50.0), Some(100.0)];
        assert_eq!(one_line(&values, 100.0, GraphSymbols::Block), " ▄█");
        assert_eq!(one_line(&values, 100.0, GraphSymbols::Ascii), " .|");
        assert_eq!(
            one_line(&values, 100.0, GraphSymbols::Braille)
                .chars()
                .count(),
            2
        );
    }

    #[test]
    fn blocks_and_ascii_scale_to_height() {
        assert_eq!(
            render(&[Some(100.0), Some(50.0), None], GraphSymbols::Block, 3, 2),
            vec!["█  ", "██ "]
        );
        assert_eq!(
            render(&[Some(100.0), Some(25.0)], GraphSymbols::Ascii, 2, 2),
            vec!["| ", "|."]
        );
    }
}
