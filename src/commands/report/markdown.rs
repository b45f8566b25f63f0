//! The report in Markdown: CommonMark with pipe tables (GitHub's), plain
//! enough to read in a terminal. Every text is escaped: a label such as
//! `<script>` or `| x |` is shown as written and breaks nothing. Alerts per
//! hour are a line of counts; CPU and memory are in their table.

use crate::engine::report::Report;
use crate::engine::report::document::{Block, Chart, time};

/// Backslash-escapes what could open markup here: emphasis, code, links,
/// raw HTML, entities, table cells, and a list or heading at the start.
/// Dots, colons and hyphens inside a text stay as they are, to be read.
fn escape(text: &str) -> String {
    // Secrets out first: escaping would hide them from the redaction.
    let text = crate::secrets::redact(text.trim_start());
    let text = crate::ui::visible(&text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        let inside_word = word(i.checked_sub(1)) && word(Some(i + 1));
        let opens_block = i == 0 && matches!(c, '#' | '-' | '+' | '=' | '>');
        // A code forge links a bare URL or www. address: not a label's.
        let links = (c == ':' && chars[i + 1..].starts_with(&['/', '/']))
            || (c == '.' && i >= 3 && chars[i - 3..i] == ['w', 'w', 'w']);
        // "1." or "1)" at the start would begin a numbered list.
        let numbers =
            matches!(c, '.' | ')') && chars[..i].iter().all(char::is_ascii_digit) && i > 0;
        match c {
            '\n' | '\r' => out.push(' '),
            '_' if inside_word => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if opens_block || numbers || links => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report, blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&"#".repeat(usize::from(*level)));
                out.push(' ');
                out.push_str(&escape(text));
                out.push('\n');
            }
            Block::Text(text) => {
                out.push_str(&escape(text));
                out.push('\n');
            }
            Block::Table { head, rows } => {
                let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
                out.push_str(&line(head.iter().map(|h| escape(h)).collect()));
                out.push_str(&line(head.iter().map(|_| "---".to_string()).collect()));
                for row in rows {
                    let cells = row
                        .iter()
                        .map(|c| if c.is_empty() { " ".into() } else { escape(c) })
                        .collect();
                    out.push_str(&line(cells));
                }
            }
            Block::Bullets(items) => {
                for item in items {
                    out.push_str("- ");
                    out.push_str(&escape(item));
                    out.push('\n');
                }
            }
            Block::Chart(Chart::AlertsPerHour) => {
                let Some(first) = report.alerts_per_hour.first() else {
                    continue;
                };
                let counts: Vec<String> = report
                    .alerts_per_hour
                    .iter()
                    .map(|h| h.fired.to_string())
                    .collect();
                out.push_str(&escape(&format!(
                    "Alerts that started firing per hour, from {}: {}",
                    time(first.hour),
                    counts.join(" ")
                )));
                out.push('\n');
            }
            // Its figures are in the table beside it.
            Block::Chart(Chart::CpuAndMemory) => continue,
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Event, Options, Parser, Tag};

    /// Text that would open markup anywhere in a block comes out as text.
    #[test]
    fn hostile_text_opens_no_markup_in_any_block() {
        let hostile = [
            "# not a heading",
            "  1. not a list",
            "- not a bullet",
            "> not a quote",
            "    not code",
            "`code` *em* _em_ **strong** ~~gone~~",
            "<b>html</b> &amp; <!-- comment -->",
            "[link](http://evil.example) ![img](x.png) http://bare.example www.bare.example",
            "a | b | c",
            "line\nbreak\u{1b}[31m",
        ];
        let blocks = vec![
            Block::Heading(2, hostile[0].into()),
            Block::Bullets(hostile.iter().map(|s| s.to_string()).collect()),
            Block::Table {
                head: vec!["A", "B"],
                rows: hostile
                    .iter()
                    .map(|s| vec![s.to_string(), "x".into()])
                    .collect(),
            },
        ];
        let report = crate::engine::report::build(&Default::default());
        let md = render(&report, &blocks);
        let (mut headings, mut lists, mut items) = (0, 0, 0);
        for event in Parser::new_ext(&md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
            match event {
                Event::Start(Tag::Heading { .. }) => headings += 1,
                Event::Start(Tag::List(_)) => lists += 1,
                Event::Start(Tag::Item) => items += 1,
                Event::Start(
                    Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Link { .. }
                    | Tag::Image { .. }
                    | Tag::CodeBlock(_)
                    | Tag::BlockQuote(_),
                )
                | Event::Code(_)
                | Event::Html(_)
                | Event::InlineHtml(_) => panic!("{event:?} from:\n{md}"),
                _ => {}
            }
        }
        assert_eq!((headings, lists, items), (1, 1, hostile.len()), "{md}");
        // Every row kept its two cells.
        let rows = md.lines().filter(|l| l.ends_with("| x |")).count();
        assert_eq!(rows, hostile.len(), "{md}");
        assert!(!md.contains('\u{1b}'), "control characters made visible");
    }
}
