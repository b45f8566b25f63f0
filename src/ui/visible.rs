//! Text from outside (alert labels and annotations, server errors, process
//! names, task output, log lines) on its way to a terminal. [`visible`] is the
//! one function every printer and every pane uses: a label holding
//! `ESC ] 0 ; … BEL` must not retitle the operator's terminal, `ESC [ 2 J`
//! must not clear it, a C1 byte (U+009B is CSI to many terminals) must not
//! start a sequence, and a right-to-left override or a zero-width space must
//! not make a label read as something it is not. Each of them is shown as an
//! escape instead (`\x1b`, `\u{202e}`): the operator sees that it is there.
//!
//! JSON keeps its data exact and escapes the same characters as `\uXXXX`
//! ([`json`]); program output streamed to a terminal keeps its lines, tabs and
//! carriage returns ([`VisibleStream`]).

use ratatui::text::{Line, Span};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control, bidi and zero-width character shown as an
/// escape: `\n`, `\r`, `\t`, `\x1b` for C0 and DEL, `\u{9b}` for the rest.
/// Borrowed when there is nothing to escape (nearly always); idempotent.
pub fn visible(text: &str) -> Cow<'_, str> {
    escaped(text, false)
}

/// `visible` for text made of lines (an error report with a TOML excerpt):
/// each line escaped, the line breaks kept.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return visible(text);
    }
    let lines: Vec<Cow<str>> = text.split('\n').map(visible).collect();
    Cow::Owned(lines.join("\n"))
}

/// Whether `c` must not reach a terminal as it is: C0, DEL and C1 controls
/// (Unicode Cc), the invisible format characters (Cf: bidi embeddings,
/// overrides, isolates and marks, zero-width space and joiners, word joiner,
/// BOM, soft hyphen, tag characters, …) and the line and paragraph
/// separators, which some terminals break lines at.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{AD}'
                | '\u{600}'..='\u{605}'
                | '\u{61C}'
                | '\u{6DD}'
                | '\u{70F}'
                | '\u{890}'..='\u{891}'
                | '\u{8E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
        )
}

/// `visible` over every span of a line (styles kept).
pub fn visible_line(line: Line<'_>) -> Line<'_> {
    let Line {
        style,
        alignment,
        spans,
    } = line;
    let spans = spans.into_iter().map(visible_span).collect();
    Line {
        style,
        alignment,
        spans,
    }
}

pub fn visible_span(span: Span<'_>) -> Span<'_> {
    let content = match span.content {
        Cow::Borrowed(text) => visible(text),
        Cow::Owned(text) => match visible(&text) {
            Cow::Borrowed(_) => Cow::Owned(text),
            Cow::Owned(escaped) => Cow::Owned(escaped),
        },
    };
    Span {
        style: span.style,
        content,
    }
}

/// `value` as JSON (pretty or one line) in which the characters [`visible`]
/// escapes are `\uXXXX` escapes too: serde_json escapes only U+0000–U+001F,
/// and a C1 or bidi character printed raw acts on the terminal all the same.
/// The data is unchanged: any JSON reader decodes the same strings.
pub fn json<T: Serialize + ?Sized>(value: &T, pretty: bool) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(256);
    if pretty {
        let formatter = EscapingFormatter(serde_json::ser::PrettyFormatter::new());
        value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out, formatter,
        ))?;
    } else {
        let formatter = EscapingFormatter(serde_json::ser::CompactFormatter);
        value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out, formatter,
        ))?;
    }
    // serde_json writes UTF-8 only.
    Ok(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
}

/// serde_json's formatter, with the string fragments it writes raw checked
/// for what must be escaped.
struct EscapingFormatter<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for EscapingFormatter<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if !needs_escape(c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // Everything else as the wrapped formatter does it (indentation).
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// A program's output streamed to a terminal (`opsdeck task run`), chunk by
/// chunk: lines, tabs and carriage returns (progress bars) act as they would,
/// every other character [`visible`] escapes is shown escaped. A character
/// split between two chunks waits for its end.
#[derive(Default)]
pub struct VisibleStream {
    pending: Vec<u8>,
}

impl VisibleStream {
    /// The text to print for `chunk`.
    pub fn push(&mut self, chunk: &[u8]) -> String {
        self.pending.extend_from_slice(chunk);
        let mut out = String::with_capacity(self.pending.len());
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    out.push_str(&escaped(text, true));
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (good, after) = rest.split_at(e.valid_up_to());
                    // Checked by from_utf8 just now.
                    out.push_str(&escaped(std::str::from_utf8(good).unwrap_or(""), true));
                    match e.error_len() {
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            rest = &after[bad..];
                        }
                        // Cut at the chunk's end: the rest comes next time.
                        None => {
                            rest = after;
                            break;
                        }
                    }
                }
            }
        }
        self.pending = rest.to_vec();
        out
    }

    /// What is left at the end of the output (an unfinished character).
    pub fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        escaped(&String::from_utf8_lossy(&rest), true).into_owned()
    }
}

/// The one escaping rule; `layout` keeps newline, carriage return and tab.
fn escaped(text: &str, layout: bool) -> Cow<'_, str> {
    let escape = |c: char| needs_escape(c) && !(layout && matches!(c, '\n' | '\r' | '\t'));
    // Nearly all text is printable ASCII: one pass over the bytes decides.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !escape(c) {
            out.push(c);
            continue;
        }
        let _ = match c {
            '\n' => out.write_str("\\n"),
            '\r' => out.write_str("\\r"),
            '\t' => out.write_str("\\t"),
            '\0'..='\x1f' | '\x7f' => write!(out, "\\x{:02x}", c as u32),
            c => write!(out, "\\u{{{:x}}}", c as u32),
        };
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_and_c1_are_shown_escaped() {
        assert_eq!(visible("\x1b]0;title\x07x"), "\\x1b]0;title\\x07x");
        assert_eq!(visible("\x1b[2J"), "\\x1b[2J");
        assert_eq!(visible("a\u{9b}31mb"), "a\\u{9b}31mb");
        assert_eq!(
            visible("one\ntwo\tthree\r\x7f"),
            "one\\ntwo\\tthree\\r\\x7f"
        );
        assert!(matches!(visible("plain · text ‼ 日本"), Cow::Borrowed(_)));
    }

    #[test]
    fn bidi_and_zero_width_are_shown_escaped() {
        assert_eq!(visible("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(visible("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(visible("a\u{200b}b\u{feff}"), "a\\u{200b}b\\u{feff}");
        assert_eq!(
            visible("\u{61c}\u{200e}\u{200f}"),
            "\\u{61c}\\u{200e}\\u{200f}"
        );
        assert_eq!(visible("\u{e0041}"), "\\u{e0041}");
    }

    #[test]
    fn reports_keep_their_lines() {
        assert_eq!(visible_lines("a\x1b\nb\u{202e}"), "a\\x1b\nb\\u{202e}");
    }

    #[test]
    fn escaping_twice_changes_nothing_more() {
        let once = visible("\x1b[31m\u{202e}x").into_owned();
        assert_eq!(visible(&once), once);
    }

    #[test]
    fn json_escapes_them_and_decodes_to_the_same_text() {
        let text = "a\u{9b}b\u{202e}c\u{200b}d\x1be\u{e0041}";
        let out = json(&serde_json::json!({ "v": text }), false).unwrap();
        assert_eq!(out, r#"{"v":"a\u009bb\u202ec\u200bd\u001be\udb40\udc41"}"#);
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["v"], text);
        let pretty = json(&serde_json::json!({ "v": [1] }), true).unwrap();
        assert_eq!(pretty, "{\n  \"v\": [\n    1\n  ]\n}");
    }

    #[test]
    fn a_stream_keeps_lines_and_joins_split_characters() {
        let mut stream = VisibleStream::default();
        let bytes = "ok\t1\r\n\x1b[2Jé\u{202e}\n".as_bytes();
        // "é" is two bytes: cut between them.
        let cut = bytes.iter().position(|b| *b == 0xc3).unwrap() + 1;
        let mut out = stream.push(&bytes[..cut]);
        out.push_str(&stream.push(&bytes[cut..]));
        out.push_str(&stream.push(b"\xff!"));
        out.push_str(&stream.finish());
        assert_eq!(out, "ok\t1\r\n\\x1b[2Jé\\u{202e}\n\u{fffd}!");
    }
}
