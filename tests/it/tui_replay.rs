//! The replay screen: its keys send the right `ReplayControl`, live-only actions say why they
//! do nothing, a fork asks first (with its level), the timeline takes clicks and drags, and
//! the whole screen with its timeline is snapshot at both sizes.

use conclave::model::replay::{MarkKind, ReplayControl, ReplayStatus, Speed};
use conclave::model::{AutonomyLevel, RunState};
use conclave::testkit::*;
use conclave::tui::*;
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use std::sync::Arc;

fn status(state: &RunState) -> ReplayStatus {
    ReplayStatus {
        position: state.next_seq,
        playing: true,
        speed: Speed::Times(10.0),
        start_ms: 1_700_000_000_000,
        at_ms: 1_700_000_000_000 + 95_000,
        end_ms: 1_700_000_000_000 + 240_000,
        marks: Arc::new(vec![
            (8, MarkKind::Approval),
            (20, MarkKind::Gate),
            (31, MarkKind::Merge),
            (45, MarkKind::Level),
            (70, MarkKind::Approval),
        ]),
        indexing: false,
        last_kind: "ApprovalDecided".into(),
        ..ReplayStatus::new(state.next_seq * 2)
    }
}

fn replay_ui(state: &RunState) -> Ui {
    let mut u = Ui::new(Theme::default(), Keymap::default());
    u.view.replay = Some(status(state));
    u
}

fn press(u: &mut Ui, s: &RunState, k: &str) -> Effect {
    u.handle_key(key(k), s)
}

#[test]
fn replay_keys_send_controls() {
    let s = state_of(&live_run());
    let total = s.next_seq * 2;
    let pos = s.next_seq;
    let mut u = replay_ui(&s);
    let want = [
        ("space", ReplayControl::TogglePlay),
        ("p", ReplayControl::TogglePlay),
        (".", ReplayControl::Step(1)),
        (",", ReplayControl::Step(-1)),
        (">", ReplayControl::Decision(1)),
        ("<", ReplayControl::Decision(-1)),
        ("+", ReplayControl::Faster),
        ("-", ReplayControl::Slower),
        ("}", ReplayControl::Seek(pos + total / 20)),
        ("{", ReplayControl::Seek(pos - total / 20)),
        ("0", ReplayControl::Seek(0)),
        ("$", ReplayControl::Seek(total)),
    ];
    for (k, c) in want {
        assert_eq!(press(&mut u, &s, k), Effect::Replay(c), "key {k}");
    }
    // Space plays even with the diff focused (where it would keep a hunk in a live run).
    press(&mut u, &s, "4");
    assert_eq!(
        press(&mut u, &s, "space"),
        Effect::Replay(ReplayControl::TogglePlay)
    );
    // Quitting a replay never asks.
    assert_eq!(press(&mut u, &s, "q"), Effect::Quit);
}

#[test]
fn live_only_actions_explain_and_replay_keys_do_nothing_live() {
    let s = state_of(&live_run());
    let mut u = replay_ui(&s);
    for k in ["a", "r", "g", "x", "X"] {
        assert_eq!(press(&mut u, &s, k), Effect::None, "key {k}");
        let flash = u.view.flash.clone().unwrap_or_default();
        assert!(flash.contains("F forks it"), "{k}: {flash}");
        assert!(u.view.layers.is_empty());
    }
    let mut live = Ui::new(Theme::default(), Keymap::default());
    // "." and "$" mean nothing in a live run; "p" pauses the run as before.
    assert_eq!(press(&mut live, &s, "."), Effect::None);
    assert_eq!(
        press(&mut live, &s, "p"),
        Effect::Command(conclave::model::Command::Pause)
    );
}

#[test]
fn fork_asks_with_a_level_the_person_can_change() {
    let s = state_of(&live_run());
    let mut u = replay_ui(&s);
    assert_eq!(press(&mut u, &s, "F"), Effect::None);
    assert_eq!(u.view.layers.len(), 1);
    let screen = screen_text(&u, &s, 100, 30);
    assert!(screen.contains("at L2 Semi-autonomous?"), "{screen}");
    press(&mut u, &s, "+");
    press(&mut u, &s, "+");
    let screen = screen_text(&u, &s, 100, 30);
    assert!(screen.contains("at L4 Full"), "{screen}");
    press(&mut u, &s, "-");
    assert_eq!(
        press(&mut u, &s, "y"),
        Effect::Replay(ReplayControl::Fork {
            at: s.next_seq,
            level: AutonomyLevel::Strategic
        })
    );
    // No: nothing is sent.
    let mut u = replay_ui(&s);
    press(&mut u, &s, "F");
    assert_eq!(press(&mut u, &s, "n"), Effect::None);
    assert!(u.view.layers.is_empty());
}

#[test]
fn the_timeline_seeks_on_click_and_drag() {
    let s = state_of(&live_run());
    let total = s.next_seq * 2;
    let mut u = replay_ui(&s);
    let _ = screen_text(&u, &s, 120, 30);
    let at = |col, kind| MouseEvent {
        kind,
        column: col,
        row: 28,
        modifiers: KeyModifiers::NONE,
    };
    let left = MouseEventKind::Down(MouseButton::Left);
    // Far left of the track is the start; the far right the end.
    let first = (0..120)
        .find_map(|c| match u.handle_mouse(at(c, left), &s) {
            Effect::Replay(ReplayControl::Seek(p)) => Some((c, p)),
            _ => None,
        })
        .expect("the track takes clicks");
    assert_eq!(first.1, 0);
    let last = (0..120)
        .rev()
        .find_map(|c| match u.handle_mouse(at(c, left), &s) {
            Effect::Replay(ReplayControl::Seek(p)) => Some(p),
            _ => None,
        })
        .unwrap();
    assert_eq!(last, total);
    match u.handle_mouse(at(60, MouseEventKind::Drag(MouseButton::Left)), &s) {
        Effect::Replay(ReplayControl::Seek(p)) => assert!(p > 0 && p < total),
        other => panic!("a drag on the track seeks: {other:?}"),
    }
    // Clicks elsewhere still focus panes; a drag there does nothing.
    let on_diff = |kind| MouseEvent {
        kind,
        column: 60,
        row: 20,
        modifiers: KeyModifiers::NONE,
    };
    assert_eq!(u.handle_mouse(on_diff(left), &s), Effect::None);
    assert_eq!(u.view.focus, PaneId::Diff);
    assert_eq!(
        u.handle_mouse(on_diff(MouseEventKind::Drag(MouseButton::Left)), &s),
        Effect::None
    );
}

#[test]
fn replay_screen_snapshots() {
    for (phase, log) in [("live", live_run()), ("finished", finished_run())] {
        let s = state_of(&log);
        let u = replay_ui(&s);
        for (w, h) in [(80, 24), (160, 50)] {
            insta::assert_snapshot!(format!("replay_{phase}_{w}x{h}"), screen_text(&u, &s, w, h));
        }
    }
    let s = state_of(&live_run());
    let mut u = replay_ui(&s);
    u.handle_key(key("?"), &s);
    insta::assert_snapshot!("replay_help_80x24", screen_text(&u, &s, 80, 24));
}
