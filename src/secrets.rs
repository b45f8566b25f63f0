//! The secrets the config names (token files, token variables, passwords) and
//! the Authorization values built from them, registered when they are read, so
//! that text opsdeck did not write itself (a server's error body, a library's
//! error, a log line) is cleaned of them before it is shown, printed or logged.
//! A server or proxy that echoes the request's headers in a 401 page must not
//! put a token on screen or in opsdeck.log.

use std::borrow::Cow;
use std::sync::{PoisonError, RwLock};

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Forms kept at most. Only distinct secrets add up (a rotated token adds a
/// few forms), so this bounds memory on a wall display that runs for weeks;
/// the oldest forms go first.
const MAX_FORMS: usize = 512;

/// Every registered form, longest first (so a longer secret is hidden whole
/// when a shorter one is part of it).
static FORMS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Registers a token or password: as read, as it appears escaped in JSON and
/// in base64 (what a server that re-encodes what it got would show).
pub fn register(secret: &str) {
    add(forms(secret));
}

/// Registers a basic-auth password and the `user:password` base64 of the
/// Authorization header built from it.
pub fn register_basic(username: &str, password: &str) {
    let mut forms = forms(password);
    if !password.is_empty() {
        forms.extend(base64_forms(format!("{username}:{password}").as_bytes()));
    }
    add(forms);
}

/// `text` without any registered secret.
pub fn redact(text: &str) -> Cow<'_, str> {
    let forms = FORMS.read().unwrap_or_else(PoisonError::into_inner);
    redact_with(&forms, text)
}

/// [`redact`] into an owned string, for the fields of errors.
pub fn redacted(text: impl Into<String>) -> String {
    let text = text.into();
    match redact(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// Whether a URL query parameter of this name carries a credential
/// (`token`, `access_token`, `password`, `api_key`, `X-Api-Key`, ...).
pub fn is_credential_param(name: &str) -> bool {
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect();
    const PARTS: [&str; 8] = [
        "token",
        "password",
        "passwd",
        "secret",
        "apikey",
        "accesskey",
        "credential",
        "jwt",
    ];
    PARTS.iter().any(|p| name.contains(p))
        || matches!(name.as_str(), "auth" | "authorization" | "pwd" | "pass")
}

fn forms(secret: &str) -> Vec<String> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut forms = vec![secret.to_owned()];
    forms.extend(base64_forms(secret.as_bytes()));
    let json = serde_json::Value::from(secret).to_string();
    let escaped = &json[1..json.len() - 1];
    if escaped != secret {
        forms.push(escaped.to_owned());
    }
    forms
}

fn add(new: Vec<String>) {
    let mut forms = FORMS.write().unwrap_or_else(PoisonError::into_inner);
    let mut changed = false;
    for form in new {
        if !form.is_empty() && !forms.contains(&form) {
            if forms.len() >= MAX_FORMS {
                forms.remove(0);
            }
            forms.push(form);
            changed = true;
        }
    }
    if changed {
        // Stable: among equal lengths the oldest stays first, so eviction
        // still takes the oldest.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }
}

fn contains_any(forms: &[String], text: &str) -> bool {
    forms.iter().any(|f| text.contains(f.as_str()))
}

/// `text` with every occurrence of any of `forms` replaced. Whatever the
/// secrets are, the result contains none of them: a secret made of the
/// marker's own characters gets another marker, and in the last resort the
/// whole text goes.
pub(crate) fn redact_with<'a>(forms: &[String], text: &'a str) -> Cow<'a, str> {
    if !contains_any(forms, text) {
        return Cow::Borrowed(text);
    }
    let Some(marker) = [REDACTED, "***", "#"]
        .into_iter()
        .find(|m| !contains_any(forms, m))
    else {
        return Cow::Borrowed("");
    };
    let mut out = text.to_owned();
    // Cutting a secret out can join the text around the marker into another
    // one only when a secret shares the marker's characters: a few rounds.
    for _ in 0..3 {
        out = replace(forms, &out, marker);
        if !contains_any(forms, &out) {
            return Cow::Owned(out);
        }
    }
    Cow::Borrowed(marker)
}

/// One pass: the union of all occurrences' byte ranges becomes markers, so
/// overlapping secrets are hidden whole.
fn replace(forms: &[String], text: &str, marker: &str) -> String {
    let mut ranges: Vec<(usize, usize)> = forms
        .iter()
        .flat_map(|f| {
            text.match_indices(f.as_str())
                .map(|(at, s)| (at, at + s.len()))
        })
        .collect();
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in ranges {
        if end <= done {
            continue;
        }
        if start >= done {
            out.push_str(&text[done..start]);
            out.push_str(marker);
        }
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// Base64 with its padding, hidden whole, and without, as a server may strip
/// the `=`.
fn base64_forms(bytes: &[u8]) -> [String; 2] {
    let bare = base64(bytes);
    let pad = (4 - bare.len() % 4) % 4;
    [format!("{bare}{}", "=".repeat(pad)), bare]
}

/// Standard base64 without the padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(forms: &[&str], text: &str) -> String {
        let mut forms: Vec<String> = forms.iter().map(|f| f.to_string()).collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        redact_with(&forms, text).into_owned()
    }

    #[test]
    fn base64_matches_the_authorization_header() {
        // reqwest's header for bob:hunter2-pw-x9, padding dropped.
        assert_eq!(base64(b"bob:hunter2-pw-x9"), "Ym9iOmh1bnRlcjItcHcteDk");
        assert_eq!(base64(b"a"), "YQ");
        assert_eq!(base64(b"ab"), "YWI");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn every_occurrence_goes_and_the_rest_stays() {
        assert_eq!(
            with(
                &["tok123"],
                "401: Authorization: Bearer tok123, again tok123"
            ),
            "401: Authorization: Bearer <redacted>, again <redacted>"
        );
        assert_eq!(with(&["tok123"], "nothing here"), "nothing here");
    }

    #[test]
    fn overlapping_secrets_are_hidden_whole() {
        assert_eq!(with(&["abcd", "cdef"], "x abcdef y"), "x <redacted> y");
        assert_eq!(with(&["pass", "password1"], "password1"), "<redacted>");
    }

    #[test]
    fn a_secret_made_of_the_markers_characters_still_goes() {
        assert_eq!(with(&["e"], "secret here"), "s***cr***t h***r***");
        assert_eq!(with(&["<redacted>"], "<redacted>"), "***");
        // Cutting "tok" leaves "<redacted>x", which holds "d>x".
        let joined = with(&["tok", "d>x"], "tokx");
        assert!(
            !joined.contains("tok") && !joined.contains("d>x"),
            "{joined}"
        );
    }

    #[test]
    fn registered_forms_include_json_escapes_and_base64() {
        register("q\"uote/9Zx-unit");
        register_basic("alice", "pw-unit-7Qz");
        let text = format!(
            r#"{{"h":"q\"uote/9Zx-unit"}} {}! Basic {}= Basic {}"#,
            base64(b"q\"uote/9Zx-unit"),
            base64(b"alice:pw-unit-7Qz"),
            base64(b"alice:pw-unit-7Qz"),
        );
        assert_eq!(
            redact(&text),
            r#"{"h":"<redacted>"} <redacted>! Basic <redacted> Basic <redacted>"#
        );
    }

    #[test]
    fn credential_params_are_recognised() {
        for name in [
            "token",
            "access_token",
            "Password",
            "api_key",
            "X-Api-Key",
            "auth",
        ] {
            assert!(is_credential_param(name), "{name}");
        }
        for name in ["query", "match[]", "tenant", "module", "target", "step"] {
            assert!(!is_credential_param(name), "{name}");
        }
    }
}
