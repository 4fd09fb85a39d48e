//! The mouse on what the person sees: a click picks the task on its row, the agent tab under
//! it, the hunk under it (and then keys act on that pick); the wheel scrolls the pane under
//! the pointer whichever has the focus; clicks land on the last frame drawn.

use conclave::model::{Command, RunState};
use conclave::testkit::*;
use conclave::tui::*;
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

fn ui() -> Ui {
    Ui::new(Theme::default(), Keymap::default())
}

fn live() -> RunState {
    state_of(&live_run())
}

fn draw(u: &Ui, s: &RunState, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    u.render(buf.area, &mut buf, s);
    buf
}

/// The screen cell where `needle` first shows (searched from row `from`).
fn find(buf: &Buffer, needle: &str, from: u16) -> (u16, u16) {
    let text = buffer_text(buf);
    for (y, line) in text.lines().enumerate().skip(from as usize) {
        let line = line.trim_matches('"');
        if let Some(i) = line.find(needle) {
            let x = conclave::tui::text::wrap::str_width(&line[..i]);
            return (x as u16, y as u16);
        }
    }
    panic!("`{needle}` is not on the screen:\n{text}");
}

fn mouse(kind: MouseEventKind, (column, row): (u16, u16)) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

fn click(u: &mut Ui, s: &RunState, at: (u16, u16)) -> Effect {
    u.handle_mouse(mouse(MouseEventKind::Down(MouseButton::Left), at), s)
}

fn wheel(u: &mut Ui, s: &RunState, down: bool, at: (u16, u16)) {
    let kind = if down {
        MouseEventKind::ScrollDown
    } else {
        MouseEventKind::ScrollUp
    };
    u.handle_mouse(mouse(kind, at), s);
}

#[test]
fn a_click_selects_the_task_on_its_row() {
    let s = live();
    let mut u = ui();
    u.view.focus = PaneId::Metrics;
    let buf = draw(&u, &s, 120, 40);
    assert_eq!(
        click(&mut u, &s, find(&buf, "t3 tests for", 0)),
        Effect::None
    );
    assert_eq!(u.view.focus, PaneId::Tasks);
    assert_eq!(u.view.tasks.selected.as_deref(), Some("t3"));
    // The details and the diff follow the task picked.
    let (_, t1_row) = find(&buf, "t1 parse rate", 0);
    click(&mut u, &s, (10, t1_row));
    let text = buffer_text(&draw(&u, &s, 120, 40));
    assert!(text.contains("t1 · done · impl-1"), "{text}");
    assert!(text.contains("Diff task t1"), "{text}");
    // Below the last task there is nothing to pick.
    let (_, t5_row) = find(&buf, "t5 retry", 0);
    click(&mut u, &s, (10, t5_row + 2));
    assert_eq!(u.view.tasks.selected.as_deref(), Some("t1"));
}

#[test]
fn a_click_on_a_tab_shows_that_agents_transcript() {
    let s = live();
    let mut u = ui();
    let buf = draw(&u, &s, 120, 40);
    let tab = find(&buf, "impl-2", 0);
    click(&mut u, &s, (tab.0 + 2, tab.1));
    assert_eq!(u.view.focus, PaneId::Transcript);
    assert_eq!(u.view.transcript.tab, Some(2));
    let buf = draw(&u, &s, 120, 40);
    let active = |x: u16| buf[(x, tab.1)].modifier.contains(Modifier::UNDERLINED);
    assert!(active(tab.0), "impl-2's tab is the active one");
    let (x, _) = find(&buf, "strategist", 0);
    assert!(!active(x));
    // The separator between tabs picks nothing.
    click(&mut u, &s, (tab.0 - 2, tab.1));
    assert_eq!(u.view.transcript.tab, Some(2));
}

#[test]
fn a_click_on_a_hunk_makes_it_the_one_keys_act_on() {
    let s = live();
    let mut u = ui();
    let buf = draw(&u, &s, 160, 50);
    // A line inside the second hunk.
    let (x, y) = find(&buf, "@@ -20,6 +22,15 @@", 0);
    click(&mut u, &s, (x, y + 3));
    assert_eq!((u.view.focus, u.view.diff.hunk), (PaneId::Diff, 1));
    let text = buffer_text(&draw(&u, &s, 160, 50));
    assert!(text.contains("▶ @@ -20,6 +22,15 @@"), "{text}");
    // Space drops the hunk clicked; approving keeps the others.
    u.handle_key(key("space"), &s);
    assert_eq!(
        u.handle_key(key("a"), &s),
        Effect::Command(Command::Approve {
            approval: "a4".into(),
            keep_hunks: Some(vec!["h0".into(), "h2".into()])
        })
    );
    // The file list: a click goes to that file's first hunk.
    let buf = draw(&u, &s, 160, 50);
    click(&mut u, &s, find(&buf, "A src/retry.rs", 0));
    let text = buffer_text(&draw(&u, &s, 160, 50));
    assert!(text.contains("Diff task t5 · src/retry.rs (2/2)"), "{text}");
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer_not_the_focused_one() {
    let s = live();
    let mut u = ui();
    let buf = draw(&u, &s, 160, 50);
    assert_eq!(u.view.focus, PaneId::Tasks);
    let over_diff = find(&buf, "use std::time::Duration", 0);
    let before = buffer_text(&buf);
    wheel(&mut u, &s, true, over_diff);
    assert_eq!(
        u.view.focus,
        PaneId::Tasks,
        "the wheel does not move the focus"
    );
    assert_eq!(u.view.tasks.selected, None, "nor the task selection");
    assert_eq!(u.view.diff.top, 3);
    let after = buffer_text(&draw(&u, &s, 160, 50));
    assert_ne!(after, before);
    // Over the transcript: it stops following the tail.
    u.view.focus = PaneId::Diff;
    wheel(
        &mut u,
        &s,
        false,
        find(&buf, "Reading the config struct", 0),
    );
    assert!(!u.view.transcript.anchors.is_empty());
    assert_eq!(u.view.diff.top, 3, "the focused diff did not move");
    // Over the tasks: the selection moves through them.
    wheel(&mut u, &s, true, find(&buf, "t2 add token", 0));
    assert_eq!(u.view.tasks.selected.as_deref(), Some("t4"));
    assert_eq!(u.view.focus, PaneId::Diff);
}

#[test]
fn a_click_lands_on_the_frame_the_person_saw() {
    let s = live();
    let mut u = ui();
    // Nothing drawn yet: nothing to click.
    click(&mut u, &s, (50, 30));
    assert_eq!(u.view.focus, PaneId::Tasks);
    let buf = draw(&u, &s, 120, 40);
    let on_hunk = find(&buf, "@@ -1,5 +1,7 @@", 0);
    // Zoomed, but not drawn yet: the click is on the diff the screen still shows.
    u.handle_key(key("z"), &s);
    click(&mut u, &s, on_hunk);
    assert_eq!(u.view.focus, PaneId::Diff);
    // Drawn zoomed, the same cell is inside the one pane shown.
    u.handle_key(key("1"), &s);
    draw(&u, &s, 120, 40);
    click(&mut u, &s, on_hunk);
    assert_eq!(u.view.focus, PaneId::Tasks);
}
