//! Every pane rendered with fixed data and a fixed clock, at 80x24 and 160x48, and
//! in 16 colours and mono (with styles), compared with reviewed snapshots.

mod common;

use opsdeck::app::state::Mode;
use opsdeck::app::{Action, Msg, PaneId, update};
use opsdeck::ui::color::ColorDepth;

fn zoomed(pane: Option<PaneId>) -> opsdeck::app::AppState {
    let mut state = common::state_with(Mode::default());
    if let Some(pane) = pane {
        let _ = update(&mut state, Msg::Action(Action::Zoom(pane)));
    }
    state
}

const VIEWS: [(&str, Option<PaneId>); 6] = [
    ("overview", None),
    ("resources", Some(PaneId::Resources)),
    ("tasks", Some(PaneId::Tasks)),
    ("alerts", Some(PaneId::Alerts)),
    ("scaling", Some(PaneId::Scaling)),
    ("log", Some(PaneId::Log)),
];

#[test]
fn panes_as_text_at_80x24_and_160x48() {
    for (name, pane) in VIEWS {
        let state = zoomed(pane);
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), common::screen(&state, w, h));
        }
    }
}

#[test]
fn panes_with_styles_in_16_colours_and_mono() {
    for (name, pane) in VIEWS {
        for (depth, tag) in [(ColorDepth::C16, "16"), (ColorDepth::Mono, "mono")] {
            let state = zoomed(pane);
            let terminal = common::render_in(&state, &common::styles(depth), 80, 24);
            insta::assert_debug_snapshot!(
                format!("{name}_80x24_{tag}"),
                terminal.backend().buffer()
            );
        }
    }
}

#[test]
fn wall_mode_has_big_header_and_says_read_only() {
    let state = common::state_with(Mode {
        read_only: true,
        wall: true,
    });
    let screen = common::screen(&state, 120, 36);
    insta::assert_snapshot!("wall_120x36", screen);
    assert!(screen.contains("READ-ONLY"));
}

#[test]
fn wall_header_flashes_in_the_critical_style_until_flash_until() {
    use ratatui::style::Modifier;
    let mut state = common::state_with(Mode {
        read_only: true,
        wall: true,
    });
    let styles = common::styles(ColorDepth::TrueColor);
    // The hostname, top left, is drawn in the header's style.
    let host_cell = |state: &opsdeck::app::AppState| {
        common::render_in(state, &styles, 120, 36)
            .backend()
            .buffer()[(1, 0)]
            .style()
    };
    let calm = host_cell(&state);
    assert_eq!(calm.fg, styles.header.fg);
    assert!(!calm.add_modifier.contains(Modifier::REVERSED));
    state.view.flash_until = Some(state.now + chrono::Duration::seconds(2));
    let flashing = host_cell(&state);
    assert_eq!(flashing.fg, styles.critical.fg);
    assert!(flashing.add_modifier.contains(Modifier::REVERSED));
    state.now += chrono::Duration::seconds(2);
    assert_eq!(host_cell(&state), calm, "the flash ends at flash_until");
}

#[test]
fn help_lists_the_live_keymap_at_80x24() {
    let mut o = std::collections::BTreeMap::new();
    o.insert(
        "quit".to_string(),
        opsdeck::config::KeyList::One("Q".into()),
    );
    let mut state = common::state();
    state.keymap = opsdeck::app::keymap::KeyMap::from_config(&o).unwrap();
    let _ = update(&mut state, Msg::Action(Action::Help));
    let screen = common::screen(&state, 80, 24);
    insta::assert_snapshot!("help_80x24", screen);
    assert!(
        screen.contains("Q quit"),
        "remapped key shown in help:\n{screen}"
    );
    // Each binding with the action's name as `[keys]` takes it, even at 80x24.
    for (action, name, _) in Action::BINDABLE {
        let keys = state.keymap.label_for(*action);
        assert!(
            screen.contains(&format!("{keys} {name}")),
            "`{keys} {name}` in help:\n{screen}"
        );
    }
}

/// Where the terminal has room, each line also says what the action does.
#[test]
fn help_describes_each_action_where_there_is_room() {
    let mut state = common::state();
    let _ = update(&mut state, Msg::Action(Action::Help));
    let screen = common::screen(&state, 120, 40);
    for (action, name, what) in Action::BINDABLE {
        let keys = state.keymap.label_for(*action);
        let line = screen
            .lines()
            .find(|l| l.contains(&format!(" {keys} {name} ")))
            .unwrap_or_else(|| panic!("no line for {name}:\n{screen}"));
        assert!(line.contains(what), "{name}: {line}");
    }
}
