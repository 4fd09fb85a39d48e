//! The plan editor as a person uses it: Enter starts a line and ctrl-s approves the plan as
//! edited; a problem keeps the editor open with the cursor on the bad line (and column), the
//! line highlighted and the message naming it; a task line indented by mistake is refused
//! instead of vanishing into a description. Keys go through the real keymap; the last test
//! drives the real binary in tmux.

use crate::support::tmux::{must, Tmux};
use conclave::model::{Command, PlannedTask, RunState};
use conclave::testkit::*;
use conclave::tui::overlays::Layer;
use conclave::tui::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

fn ui() -> Ui {
    Ui::new(Theme::default(), Keymap::default())
}

fn plan() -> RunState {
    state_of(&plan_waiting())
}

fn press(ui: &mut Ui, state: &RunState, keys: &[&str]) -> Effect {
    let mut last = Effect::None;
    for k in keys {
        last = ui.handle_key(key(k), state);
    }
    last
}

/// The open editor's text and cursor (row, column).
fn editor(u: &Ui) -> (Vec<String>, (usize, usize)) {
    match u.view.layers.last() {
        Some(Layer::Text(d)) => (d.input.lines().to_vec(), d.input.cursor()),
        _ => panic!("no editor open"),
    }
}

fn edited(e: Effect) -> Vec<PlannedTask> {
    match e {
        Effect::Command(Command::EditPlan { approval, tasks }) => {
            assert_eq!(approval, "a1");
            tasks
        }
        other => panic!("expected an edited plan, got {other:?}"),
    }
}

/// Opens the editor, starts a line under the last task with Enter and types `line`.
fn add_line(u: &mut Ui, s: &RunState, line: &str) {
    press(u, s, &["E", "enter"]);
    type_text(u, s, line);
}

#[test]
fn ctrl_s_approves_the_plan_as_edited_and_enter_starts_a_line() {
    let s = plan();
    let proposed = conclave::tui::plan_text::planned(&s);
    let mut u = ui();
    press(&mut u, &s, &["E"]);
    assert_eq!(u.view.mode(), Mode::Editor);
    let (lines, _) = editor(&u);
    // Enter is a new line, not a send.
    assert_eq!(press(&mut u, &s, &["enter"]), Effect::None);
    assert_eq!(editor(&u).0.len(), lines.len() + 1);
    // Unchanged apart from an empty line: the plan as proposed.
    assert_eq!(edited(press(&mut u, &s, &["ctrl-s"])), proposed);
    assert!(u.view.layers.is_empty());

    // A new task, typed on the line Enter started.
    let mut u = ui();
    add_line(&mut u, &s, "t6 test p1 after t2 cover the limiter");
    let tasks = edited(press(&mut u, &s, &["ctrl-s"]));
    assert_eq!(tasks.len(), proposed.len() + 1);
    let t6 = tasks.last().unwrap();
    assert_eq!(
        (t6.id.as_str(), t6.priority, t6.deps.clone()),
        ("t6", 1, vec!["t2".to_string()])
    );

    // Esc closes without sending; the keys say so in the editor.
    let mut u = ui();
    press(&mut u, &s, &["E"]);
    let screen = screen_text(&u, &s, 120, 40);
    assert!(
        screen.contains("ctrl-s approves the plan as edited; esc closes without approving"),
        "{screen}"
    );
    assert!(
        screen.contains("ctrl-s approve as edited · enter new line · esc cancel"),
        "{screen}"
    );
    assert_eq!(press(&mut u, &s, &["esc"]), Effect::None);
    assert!(u.view.layers.is_empty());

    // Not a plan: nothing opens.
    let mut u = ui();
    assert_eq!(press(&mut u, &state_of(&live_run()), &["E"]), Effect::None);
    assert!(u.view.layers.is_empty());
    assert!(u.view.flash.as_deref().unwrap_or("").contains("not a plan"));
}

#[test]
fn prompts_stay_one_line_sends_while_the_editor_takes_the_dialog_keys_it_does_not_bind() {
    let s = state_of(&live_run());
    let mut u = ui();
    // A reason is sent with Enter.
    press(&mut u, &s, &["r"]);
    assert_eq!(u.view.mode(), Mode::Dialog);
    type_text(&mut u, &s, "no");
    assert_eq!(
        press(&mut u, &s, &["enter"]),
        Effect::Command(Command::Reject {
            approval: "a4".into(),
            reason: "no".into()
        })
    );
    // Emacs: the editor's cancel and newline come from [dialog] (ctrl-g, ctrl-j).
    let s = plan();
    let mut emacs = Ui::new(Theme::default(), Keymap::load("emacs", None).value);
    press(&mut emacs, &s, &["E"]);
    let n = editor(&emacs).0.len();
    press(&mut emacs, &s, &["ctrl-j"]);
    assert_eq!(editor(&emacs).0.len(), n + 1);
    press(&mut emacs, &s, &["ctrl-g"]);
    assert!(emacs.view.layers.is_empty());
}

#[test]
fn a_problem_keeps_the_editor_open_with_the_cursor_at_it() {
    let s = plan();
    let mut u = ui();
    add_line(&mut u, &s, "t6 test after t9 check it");
    let (lines, _) = editor(&u);
    let row = lines.len() - 1;
    assert_eq!(press(&mut u, &s, &["ctrl-s"]), Effect::None);
    assert_eq!(u.view.layers.len(), 1);
    // On the bad line, at the unknown id.
    assert_eq!(editor(&u).1, (row, "t6 test after ".len()));
    let screen = screen_text(&u, &s, 120, 40);
    let line = row + 1;
    assert!(
        screen.contains(&format!(
            "line {line}: task `t6` depends on unknown task `t9`: after `after`, write ids"
        )),
        "{screen}"
    );
    // The message stays while the person types; the fix goes.
    press(&mut u, &s, &["delete", "delete"]);
    type_text(&mut u, &s, "t2");
    assert!(screen_text(&u, &s, 120, 40).contains(&format!("line {line}: ")));
    let tasks = edited(press(&mut u, &s, &["ctrl-s"]));
    assert_eq!(tasks.last().unwrap().deps, vec!["t2".to_string()]);

    // A parse problem: the cursor goes to the word at fault.
    let mut u = ui();
    add_line(&mut u, &s, "t6 tset check it");
    press(&mut u, &s, &["ctrl-s"]);
    assert_eq!(editor(&u).1, (row, 3));
}

#[test]
fn an_indented_task_line_is_refused_not_merged_into_the_previous_description() {
    let s = plan();
    let mut u = ui();
    add_line(&mut u, &s, "t6 test after t2 check it");
    // The cursor at the line's start, a space typed: the task now reads as t5's description.
    press(&mut u, &s, &["home"]);
    type_text(&mut u, &s, "  ");
    assert_eq!(press(&mut u, &s, &["ctrl-s"]), Effect::None);
    let (lines, cursor) = editor(&u);
    assert_eq!(cursor, (lines.len() - 1, 0));
    let screen = screen_text(&u, &s, 120, 40);
    assert!(
        screen.contains(&format!(
            "line {}: `t6 test after t2 check it` is indented, so it reads as part of `t5`'s",
            lines.len()
        )),
        "{screen}"
    );
    press(&mut u, &s, &["delete", "delete"]);
    let tasks = edited(press(&mut u, &s, &["ctrl-s"]));
    assert_eq!(tasks.last().unwrap().id, "t6");
}

fn draw(u: &Ui, s: &RunState, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    u.render(buf.area, &mut buf, s);
    buf
}

/// Rows whose cells carry the problem line's background.
fn highlighted_rows(buf: &Buffer, theme: &Theme) -> Vec<u16> {
    let bg = theme.style("ui.dialog.error_line").bg;
    (0..buf.area.height)
        .filter(|&y| (0..buf.area.width).any(|x| buf[(x, y)].bg == bg.unwrap()))
        .collect()
}

/// The screen as text with the highlighted rows marked after them.
fn marked(buf: &Buffer, theme: &Theme) -> String {
    let rows = highlighted_rows(buf, theme);
    buffer_text(buf)
        .lines()
        .enumerate()
        .map(|(y, l)| {
            if rows.contains(&(y as u16)) {
                format!("{l} ◀ highlighted\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

#[test]
fn the_bad_line_is_highlighted_and_nothing_is_underlined() {
    let s = plan();
    let theme = Theme::default();
    let mut u = ui();
    add_line(&mut u, &s, "t6 test after t9 check it");
    let before = draw(&u, &s, 100, 30);
    assert!(highlighted_rows(&before, &theme).is_empty());
    // Inside the dialog (its background), no cell is underlined: not the text, not the
    // cursor's line, not the empty rows under the text.
    let dialog_bg = theme.style("ui.dialog").bg;
    let underlined = |b: &Buffer| {
        b.content()
            .iter()
            .any(|c| Some(c.bg) == dialog_bg && c.modifier.contains(Modifier::UNDERLINED))
    };
    assert!(!underlined(&before), "{}", buffer_text(&before));
    press(&mut u, &s, &["ctrl-s"]);
    let buf = draw(&u, &s, 100, 30);
    let rows = highlighted_rows(&buf, &theme);
    assert_eq!(rows.len(), 1, "{}", marked(&buf, &theme));
    let text = buffer_text(&buf);
    let row_text = text.lines().nth(rows[0] as usize).unwrap();
    assert!(row_text.contains("t6 test after t9 check it"), "{row_text}");
    // The cursor (reversed) is visible on that row.
    assert!((0..100).any(|x| buf[(x, rows[0])].modifier.contains(Modifier::REVERSED)));
    assert!(!underlined(&buf));
    insta::assert_snapshot!("problem_highlighted_100x30", marked(&buf, &theme));

    // Lines added above the bad one: the highlight stays on its text.
    press(&mut u, &s, &["alt-<", "enter", "enter"]);
    let buf = draw(&u, &s, 100, 30);
    let rows = highlighted_rows(&buf, &theme);
    let text = buffer_text(&buf);
    assert_eq!(rows.len(), 1, "{}", marked(&buf, &theme));
    assert!(text
        .lines()
        .nth(rows[0] as usize)
        .unwrap()
        .contains("t6 test after t9"));
}

/// In the real binary: open the editor, add a task with Enter, make a mistake, see the
/// cursor, highlight and message, fix it, ctrl-s, and see the plan with the new task.
#[test]
fn a_person_edits_the_plan_in_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_conclave");
    let script = format!(
        "env CONCLAVE_DATA_DIR={} XDG_CONFIG_HOME={} {bin} demo --dir {}; echo EXITED; sleep 60",
        dir.path().join("data").display(),
        dir.path().join("cfg").display(),
        dir.path().join("calc").display()
    );
    let t = Tmux::start("plan-editor", &script, 120, 40);
    must(t.wait_for("plan of 4 tasks", 30), "the plan waiting");
    t.keys(&["E"]);
    must(t.wait_for("Edit plan", 10), "the plan editor");
    t.keys(&["Enter"]);
    t.text("t5 test after t9 check the median");
    t.keys(&["C-s"]);
    let screen = must(
        t.wait_for("line 12: task `t5` depends on unknown task `t9`", 10),
        "the problem named with its line",
    );
    assert!(
        screen.contains("Edit plan"),
        "the editor stays open:\n{screen}"
    );
    // In colour: the bad line has the highlight background, and the cursor (reversed) sits
    // on `t9` in it.
    let coloured = t.cmd(&["capture-pane", "-p", "-e", "-t", "e2e"]);
    let bad = coloured
        .lines()
        .find(|l| l.contains("t5 test after"))
        .unwrap_or_else(|| panic!("no bad line:\n{coloured}"));
    assert!(bad.contains("48;2;61;32;41"), "not highlighted: {bad:?}");
    assert!(bad.contains("\u{1b}[7mt"), "no cursor on t9: {bad:?}");
    // Fixed where the cursor is: t9 becomes t4; ctrl-s approves the plan as edited.
    t.keys(&["Delete", "Delete"]);
    t.text("t4");
    t.keys(&["C-s"]);
    must(t.wait_gone("Edit plan", 10), "the editor closed");
    must(
        t.wait_for("t5 check the median", 30),
        "the new task in the Tasks pane",
    );
    must(
        t.wait_for("approved as edited", 30),
        "the plan approved as edited",
    );
    t.quit();
}
