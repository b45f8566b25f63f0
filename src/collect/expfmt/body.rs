//! Cutting a body to the byte limit of `parse`'s `Limits`.

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
