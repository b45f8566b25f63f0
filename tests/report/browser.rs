//! A page opened in headless Chromium (Debian's `chromium`, installed by
//! scripts/test): its DOM as rendered, what its console said, and a
//! screenshot, of which the number of colours tells a page from a blank one.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

pub struct Page {
    /// The rendered DOM's text (tags removed, entities decoded).
    pub text: String,
    pub svg_charts: usize,
    /// Console errors, CSP refusals and uncaught exceptions.
    pub console_errors: Vec<String>,
    /// Distinct colours in the screenshot.
    pub screenshot_colours: usize,
}

const CHROMIUM: &str = "chromium";

/// The flags this machine's closed network needs (no background
/// connections), as root (no sandbox), with a fresh profile in `work`.
fn chromium(work: &Path, extra: &[String]) -> std::process::Output {
    let profile = work.join("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot start {CHROMIUM} ({e}): scripts/test installs Debian's chromium package")
        })
}

pub fn open(file: &Path, work: &Path) -> Page {
    let url = format!("file://{}", file.display());
    let dom = chromium(work, &["--dump-dom".into(), url.clone()]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let html = String::from_utf8_lossy(&dom.stdout).into_owned();
    let log = String::from_utf8_lossy(&dom.stderr).into_owned();
    let console_errors = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Refused to") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    let shot = work.join("screenshot.png");
    let run = chromium(
        work,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1000,1600".into(),
            url,
        ],
    );
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    Page {
        text: text_of(&html),
        svg_charts: html.matches("<svg").count(),
        console_errors,
        screenshot_colours: colours(&shot),
    }
}

fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Distinct RGB colours of a PNG (8-bit RGB or RGBA, as Chromium writes),
/// decoded by Python's zlib with the scanline filters undone.
fn colours(png: &Path) -> usize {
    let script = r#"
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
pos, idat, w, h, depth, kind = 8, b'', 0, 0, 0, 0
while pos < len(data):
    n, tag = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if tag == b'IHDR': w, h, depth, kind = struct.unpack('>IIBB', body[:10])
    elif tag == b'IDAT': idat += body
assert depth == 8 and kind in (2, 6), (depth, kind)
bpp = 3 if kind == 2 else 4
raw, stride, prev, seen, i = zlib.decompress(idat), w * bpp, bytearray(w * bpp), set(), 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2): seen.add(bytes(line[x:x + 3]))
    prev = line
print(len(seen))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(png)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}
