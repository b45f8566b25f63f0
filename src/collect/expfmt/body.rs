//! Splitting a body into lines within the limits.

/// Lines split on `\n`, each without its `\r\n` / `\n` ending. A final newline does not
/// start another line, and a missing one loses nothing.
pub(crate) struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Lines<'a> {
    pub(crate) fn new(body: &'a [u8]) -> Self {
        Lines { rest: body }
    }

    /// Whether anything (even an empty line) is left.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match self.rest.iter().position(|&b| b == b'\n') {
            Some(newline) => {
                let (line, rest) = self.rest.split_at_checked(newline)?;
                (line, rest.get(1..).unwrap_or_default())
            }
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// The part of `body` within `max_bytes`, cut after its last complete line so a half
/// line is not reported as a bad one; with the reason when something was cut.
pub(crate) fn cap_bytes(body: &[u8], max_bytes: usize) -> (&[u8], Option<String>) {
    if body.len() <= max_bytes {
        return (body, None);
    }
    let head = body.get(..max_bytes).unwrap_or(body);
    let keep = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let why = format!(
        "body is over the {max_bytes}-byte limit ({} bytes); parsed the first {keep} bytes",
        body.len()
    );
    (head.get(..keep).unwrap_or_default(), Some(why))
}
