//! The bounded tail of a run's combined output.

use super::TAIL_BYTES;
use std::collections::VecDeque;

/// How far into a truncated tail to look for a line start: further than this,
/// keeping the partial line beats dropping a large part of what is kept.
const LINE_SEARCH: usize = 4096;

/// The last bytes of a run's stdout and stderr, in arrival order: a ring, so a
/// chatty command costs at most its capacity however much it writes.
#[derive(Debug, Clone)]
pub struct OutputTail {
    buf: VecDeque<u8>,
    cap: usize,
    /// Bytes pushed out of the ring.
    dropped: u64,
    /// The last byte pushed out: a `\n` there means the ring starts a line.
    last_dropped: Option<u8>,
}

impl Default for OutputTail {
    fn default() -> Self {
        Self::new()
    }
}

impl OutputTail {
    /// A tail holding the last [`TAIL_BYTES`] bytes.
    pub fn new() -> Self {
        Self::with_capacity(TAIL_BYTES)
    }

    /// A tail holding the last `cap` bytes (at least one).
    pub fn with_capacity(cap: usize) -> Self {
        let cap = cap.max(1);
        Self {
            buf: VecDeque::with_capacity(cap.min(TAIL_BYTES)),
            cap,
            dropped: 0,
            last_dropped: None,
        }
    }

    /// Appends bytes, pushing the oldest out beyond the capacity.
    pub fn push(&mut self, data: &[u8]) {
        if data.len() >= self.cap {
            // All that is held goes, and the head of `data` with it.
            let cut = data.len() - self.cap;
            let last = if cut > 0 {
                Some(data[cut - 1])
            } else {
                self.buf.back().copied()
            };
            if last.is_some() {
                self.last_dropped = last;
            }
            self.dropped += (self.buf.len() + cut) as u64;
            self.buf.clear();
            self.buf.extend(&data[cut..]);
            return;
        }
        let overflow = (self.buf.len() + data.len()).saturating_sub(self.cap);
        if overflow > 0 {
            self.last_dropped = Some(self.buf[overflow - 1]);
            self.buf.drain(..overflow);
            self.dropped += overflow as u64;
        }
        self.buf.extend(data);
    }

    /// Bytes held (raw, before [`text`](Self::text) trims to a line start).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Bytes pushed that [`text`](Self::text) does not show.
    pub fn dropped_bytes(&self) -> u64 {
        self.dropped + self.start() as u64
    }

    /// The held bytes as text (invalid UTF-8 becomes U+FFFD). After truncation
    /// it starts at a char boundary, and at a line start when one is near.
    pub fn text(&self) -> String {
        let bytes: Vec<u8> = self.buf.iter().skip(self.start()).copied().collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Where the shown text starts in the ring.
    fn start(&self) -> usize {
        if self.dropped == 0 {
            return 0;
        }
        // A UTF-8 char has at most three continuation bytes: skip a split one.
        let split = self
            .buf
            .iter()
            .take(3)
            .take_while(|&&b| b & 0xC0 == 0x80)
            .count();
        if split == 0 && self.last_dropped == Some(b'\n') {
            return 0;
        }
        match self.buf.iter().take(LINE_SEARCH).position(|&b| b == b'\n') {
            // Not when that newline ends the tail: a partial line beats nothing.
            Some(nl) if nl + 1 < self.buf.len() => nl + 1,
            _ => split,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_below_capacity() {
        let mut tail = OutputTail::with_capacity(16);
        tail.push(b"hello ");
        tail.push(b"world\n");
        assert_eq!(tail.text(), "hello world\n");
        assert_eq!(tail.dropped_bytes(), 0);
        assert_eq!(tail.len(), 12);
    }

    #[test]
    fn many_pushes_keep_the_end() {
        let mut tail = OutputTail::new();
        let mut all = Vec::new();
        for i in 0..100_000u32 {
            let line = format!("line {i}\n");
            all.extend_from_slice(line.as_bytes());
            tail.push(line.as_bytes());
        }
        let text = tail.text();
        assert!(text.len() <= TAIL_BYTES);
        assert!(text.ends_with("line 99999\n"));
        assert!(
            text.starts_with("line "),
            "starts mid-line: {:?}",
            &text[..20]
        );
        assert!(all.ends_with(text.as_bytes()));
        assert_eq!(tail.dropped_bytes() + text.len() as u64, all.len() as u64);
    }

    #[test]
    fn one_push_larger_than_capacity_keeps_its_end() {
        let mut tail = OutputTail::with_capacity(8);
        tail.push(b"ab");
        tail.push(b"0123456789abcdef");
        assert_eq!(tail.len(), 8);
        assert_eq!(tail.text(), "89abcdef");
        assert_eq!(tail.dropped_bytes(), 10);
    }

    #[test]
    fn push_of_exactly_capacity_replaces_all() {
        let mut tail = OutputTail::with_capacity(4);
        tail.push(b"x\n");
        tail.push(b"abcd");
        // The last byte pushed out was a newline: "abcd" starts a line.
        assert_eq!(tail.text(), "abcd");
        assert_eq!(tail.dropped_bytes(), 2);
    }

    #[test]
    fn truncation_never_splits_a_char() {
        // "é" is two bytes, "€" three, "𝄞" four: cut at every offset.
        let text = "é€𝄞".repeat(50);
        for cap in 1..40 {
            let mut tail = OutputTail::with_capacity(cap);
            for chunk in text.as_bytes().chunks(7) {
                tail.push(chunk);
            }
            let shown = tail.text();
            assert!(!shown.contains('\u{FFFD}'), "cap {cap}: {shown:?}");
            assert!(text.ends_with(&shown), "cap {cap}: {shown:?}");
            assert_eq!(
                tail.dropped_bytes() + shown.len() as u64,
                text.len() as u64,
                "cap {cap}"
            );
        }
    }

    #[test]
    fn prefers_a_line_start_after_truncation() {
        let mut tail = OutputTail::with_capacity(10);
        tail.push(b"aaaa\nbbbb\ncc\n");
        // Held: "a\nbbbb\ncc\n"; the partial "a" line goes.
        assert_eq!(tail.text(), "bbbb\ncc\n");
        assert_eq!(tail.dropped_bytes(), 5);
    }

    #[test]
    fn keeps_a_partial_line_when_no_other_line_starts() {
        let mut tail = OutputTail::with_capacity(4);
        tail.push(b"0123456789\n");
        assert_eq!(tail.text(), "789\n");
        let mut tail = OutputTail::with_capacity(4);
        tail.push(b"0123456789");
        assert_eq!(tail.text(), "6789");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let mut tail = OutputTail::with_capacity(16);
        tail.push(b"ok \xff\xfe done");
        assert_eq!(tail.text(), "ok \u{FFFD}\u{FFFD} done");
    }
}
