//! The bytes the real backend writes respect the colour depth: no 24-bit or
//! 256-colour sequence in 16-colour mode, and no colour at all in mono (NO_COLOR).

mod common;

use opsdeck::app::state::Mode;
use opsdeck::app::{Action, Msg, PaneId, update};
use opsdeck::runtime::backend::AnsiBackend;
use opsdeck::ui::color::ColorDepth;
use ratatui::Terminal;

/// Every SGR parameter list the frames contain, e.g. "38;5;196".
fn sgr_sequences(depth: ColorDepth) -> Vec<String> {
    let mut state = common::state_with(Mode::default());
    let styles = common::styles(depth);
    let mut bytes = Vec::new();
    {
        let mut terminal = Terminal::new(AnsiBackend::with_size(&mut bytes, 160, 48)).unwrap();
        // Every pane and the help overlay, so every style is used at least once.
        for action in [
            Action::Overview,
            Action::Zoom(PaneId::Resources),
            Action::Zoom(PaneId::Log),
            Action::Help,
        ] {
            let _ = update(&mut state, Msg::Action(action));
            terminal
                .draw(|f| opsdeck::ui::draw(f, &state, &styles))
                .unwrap();
        }
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    text.split("\x1b[")
        .skip(1)
        .filter_map(|seq| {
            let end = seq.find(|c: char| c.is_ascii_alphabetic())?;
            (seq.as_bytes()[end] == b'm').then(|| seq[..end].to_string())
        })
        .collect()
}

fn params(seq: &str) -> Vec<u32> {
    seq.split(';').filter_map(|p| p.parse().ok()).collect()
}

#[test]
fn sixteen_colours_never_send_256_or_truecolor() {
    let seqs = sgr_sequences(ColorDepth::C16);
    assert!(!seqs.is_empty());
    for seq in &seqs {
        let p = params(seq);
        assert!(
            !p.contains(&38) && !p.contains(&48),
            "extended colour sequence in 16-colour mode: ESC[{seq}m"
        );
    }
    assert!(seqs.iter().any(|s| {
        params(s)
            .iter()
            .any(|p| (30..=37).contains(p) || (90..=97).contains(p))
    }));
}

#[test]
fn mono_sends_no_colour_at_all() {
    for seq in sgr_sequences(ColorDepth::Mono) {
        for p in params(&seq) {
            let colour = (30..=49).contains(&p) && p != 39 && p != 49 || (90..=107).contains(&p);
            assert!(!colour, "colour in mono mode: ESC[{seq}m");
        }
    }
}

#[test]
fn c256_uses_indexed_colours_only() {
    let seqs = sgr_sequences(ColorDepth::C256);
    assert!(seqs.iter().any(|s| s.contains("38;5;")));
    assert!(
        !seqs
            .iter()
            .any(|s| s.contains("38;2;") || s.contains("48;2;"))
    );
}
