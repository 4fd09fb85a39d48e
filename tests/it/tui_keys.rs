//! Every key action that talks to the engine produces exactly the right `Command`, asks first
//! where it must (L4/L5, quitting while agents work, cancelling), and does nothing harmful on
//! a finished run. Keys go through the real keymap, as a person's would.

use conclave::model::{AutonomyLevel, Command, EventKind, RunState};
use conclave::testkit::*;
use conclave::tui::*;

fn ui() -> Ui {
    Ui::new(Theme::default(), Keymap::default())
}

fn live() -> RunState {
    state_of(&live_run())
}

fn at(level: AutonomyLevel) -> RunState {
    state_of(&with_level(live_run(), level))
}

/// Presses keys in order; returns the effect of the last one.
fn press(ui: &mut Ui, state: &RunState, keys: &[&str]) -> Effect {
    let mut last = Effect::None;
    for k in keys {
        last = ui.handle_key(key(k), state);
    }
    last
}

fn cmd(c: Command) -> Effect {
    Effect::Command(c)
}

#[test]
fn approve_sends_the_selected_approval() {
    let s = live();
    let mut u = ui();
    assert_eq!(
        press(&mut u, &s, &["a"]),
        cmd(Command::Approve {
            approval: "a4".into(),
            keep_hunks: None
        })
    );
    // Selecting the second waiting item (the command) in the queue, then approving it.
    let mut u = ui();
    assert_eq!(
        press(&mut u, &s, &["3", "j", "a"]),
        cmd(Command::Approve {
            approval: "a5".into(),
            keep_hunks: None
        })
    );
}

/// The live run with t5's diff approved whole and its merge now waiting.
fn merge_waiting(hunk_ids: bool) -> RunState {
    use conclave::model::{ApprovalWhat, DecidedBy, Decision};
    let mut events = live_run();
    if !hunk_ids {
        for e in &mut events {
            if let EventKind::DiffProposed { hunks, .. } = &mut e.kind {
                hunks.clear();
            }
        }
    }
    let mut b = LogBuilder::from_events(events);
    b.decide("a4", Decision::Approved, "", DecidedBy::Person, None);
    b.ask(
        "m5",
        ApprovalWhat::Merge,
        Some("t5"),
        "merge task t5 into conclave/run",
        "L2: a person approves every merge",
        Some("d3"),
    );
    state_of(&b.events())
}

#[test]
fn a_merge_approval_carries_the_hunks_kept_in_its_diff() {
    let s = merge_waiting(true);
    let mut u = ui();
    // The merge is the second item waiting; its diff is what the Diff pane shows.
    assert_eq!(
        press(&mut u, &s, &["3", "j", "4", "space", "a"]),
        cmd(Command::Approve {
            approval: "m5".into(),
            keep_hunks: Some(vec!["h1".into(), "h2".into()])
        })
    );
}

#[test]
fn hunks_without_ids_cannot_be_dropped_from_an_approval() {
    let s = merge_waiting(false);
    let mut u = ui();
    press(&mut u, &s, &["4", "space"]);
    let mut sent = Vec::new();
    for _ in 0..3 {
        // Whatever is selected, nothing goes out that keeps a guessed set of hunks.
        if let Effect::Command(Command::Approve {
            keep_hunks: Some(k),
            ..
        }) = press(&mut u, &s, &["a"])
        {
            sent.push(k);
        }
        press(&mut u, &s, &["3", "j"]);
    }
    assert!(sent.is_empty(), "{sent:?}");
}

#[test]
fn approve_carries_the_kept_hunks() {
    let s = live();
    let mut u = ui();
    // Diff pane: drop the first hunk (space), keep the other two.
    press(&mut u, &s, &["4", "space"]);
    assert_eq!(
        press(&mut u, &s, &["a"]),
        cmd(Command::Approve {
            approval: "a4".into(),
            keep_hunks: Some(vec!["h1".into(), "h2".into()])
        })
    );
    // Space again keeps it again: all kept means `None`.
    press(&mut u, &s, &["space"]);
    assert_eq!(
        press(&mut u, &s, &["a"]),
        cmd(Command::Approve {
            approval: "a4".into(),
            keep_hunks: None
        })
    );
    // Dropping every hunk refuses to approve nothing.
    press(&mut u, &s, &["space", "n", "space", "n", "space"]);
    assert_eq!(press(&mut u, &s, &["a"]), Effect::None);
    assert!(u
        .view
        .flash
        .as_deref()
        .unwrap_or("")
        .contains("every hunk is dropped"));
    // keep_all_hunks restores them.
    assert_eq!(
        press(&mut u, &s, &["A", "a"]),
        cmd(Command::Approve {
            approval: "a4".into(),
            keep_hunks: None
        })
    );
}

#[test]
fn reject_asks_for_a_reason_and_sends_it() {
    let s = live();
    let mut u = ui();
    assert_eq!(press(&mut u, &s, &["r"]), Effect::None);
    assert_eq!(u.view.mode(), Mode::Dialog);
    // An empty reason is not sent; the dialog stays.
    assert_eq!(press(&mut u, &s, &["enter"]), Effect::None);
    assert_eq!(u.view.layers.len(), 1);
    // Keys bound elsewhere ("a" approves, "q" quits) are text in the dialog.
    type_text(&mut u, &s, "not a quick fix");
    assert_eq!(
        press(&mut u, &s, &["enter"]),
        cmd(Command::Reject {
            approval: "a4".into(),
            reason: "not a quick fix".into()
        })
    );
    assert!(u.view.layers.is_empty());
    // Esc closes without sending.
    let mut u = ui();
    press(&mut u, &s, &["r"]);
    type_text(&mut u, &s, "hmm");
    assert_eq!(press(&mut u, &s, &["esc"]), Effect::None);
    assert!(u.view.layers.is_empty());
}

#[test]
fn a_rejection_overtaken_by_the_run_is_not_sent() {
    let mut u = ui();
    press(&mut u, &live(), &["r"]);
    type_text(&mut u, &live(), "too late");
    // Meanwhile the approval was decided (the finished run approved a4).
    let later = state_of(&finished_run());
    assert_eq!(press(&mut u, &later, &["enter"]), Effect::None);
    assert!(u.view.layers.is_empty());
    assert_eq!(u.view.flash.as_deref(), Some("a4 was already decided"));
}

#[test]
fn level_changes_ask_first_for_l4_and_l5() {
    let mut u = ui();
    assert_eq!(
        press(&mut u, &at(AutonomyLevel::SemiAutonomous), &["+"]),
        cmd(Command::SetLevel(AutonomyLevel::Strategic))
    );
    assert_eq!(
        press(&mut u, &at(AutonomyLevel::SemiAutonomous), &["-"]),
        cmd(Command::SetLevel(AutonomyLevel::Assisted))
    );
    // L3 -> L4: a question first, yes sends.
    let l3 = at(AutonomyLevel::Strategic);
    assert_eq!(press(&mut u, &l3, &["+"]), Effect::None);
    assert_eq!(u.view.mode(), Mode::Confirm);
    assert_eq!(
        press(&mut u, &l3, &["y"]),
        cmd(Command::SetLevel(AutonomyLevel::Full))
    );
    // No sends nothing.
    assert_eq!(press(&mut u, &l3, &["+", "n"]), Effect::None);
    assert!(u.view.layers.is_empty());
    // Keys that mean something else are swallowed by the question.
    assert_eq!(press(&mut u, &l3, &["+", "a", "q"]), Effect::None);
    assert_eq!(press(&mut u, &l3, &["esc"]), Effect::None);
    // L4 -> L5, confirmed with enter.
    let l4 = at(AutonomyLevel::Full);
    assert_eq!(
        press(&mut u, &l4, &["+", "enter"]),
        cmd(Command::SetLevel(AutonomyLevel::Evolutionary))
    );
    // Lowering never asks; the ends of the scale say so.
    assert_eq!(
        press(&mut u, &l4, &["-"]),
        cmd(Command::SetLevel(AutonomyLevel::Strategic))
    );
    assert_eq!(
        press(&mut u, &at(AutonomyLevel::Evolutionary), &["+"]),
        Effect::None
    );
    assert_eq!(u.view.flash.as_deref(), Some("already at L5 Evolutionary"));
    assert_eq!(
        press(&mut u, &at(AutonomyLevel::Assisted), &["-"]),
        Effect::None
    );
    assert!(u.view.layers.is_empty());
}

#[test]
fn add_goal_sends_the_text_with_its_lines() {
    let s = live();
    let mut u = ui();
    press(&mut u, &s, &["g"]);
    type_text(&mut u, &s, "cache DNS lookups");
    press(&mut u, &s, &["alt-enter"]);
    type_text(&mut u, &s, "per host");
    assert_eq!(
        press(&mut u, &s, &["enter"]),
        cmd(Command::AddGoal("cache DNS lookups\nper host".into()))
    );
}

#[test]
fn pause_and_resume_follow_the_run() {
    let mut u = ui();
    assert_eq!(press(&mut u, &live(), &["p"]), cmd(Command::Pause));
    let mut b = LogBuilder::from_events(live_run());
    b.push(EventKind::RunPaused {});
    assert_eq!(
        press(&mut u, &state_of(&b.events()), &["p"]),
        cmd(Command::Resume)
    );
}

#[test]
fn cancel_task_and_run_ask_first() {
    let s = live();
    let mut u = ui();
    // t1 is done: nothing to cancel.
    assert_eq!(press(&mut u, &s, &["1", "x"]), Effect::None);
    assert_eq!(u.view.flash.as_deref(), Some("t1 is already done"));
    assert_eq!(press(&mut u, &s, &["j", "x"]), Effect::None);
    assert_eq!(
        press(&mut u, &s, &["y"]),
        cmd(Command::CancelTask("t2".into()))
    );
    assert_eq!(press(&mut u, &s, &["X", "y"]), cmd(Command::CancelRun));
    assert_eq!(press(&mut u, &s, &["X", "n"]), Effect::None);
}

#[test]
fn quit_asks_while_agents_work_and_not_after() {
    let mut u = ui();
    assert_eq!(press(&mut u, &live(), &["q"]), Effect::None);
    assert_eq!(press(&mut u, &live(), &["n"]), Effect::None);
    assert_eq!(press(&mut u, &live(), &["q", "y"]), Effect::Quit);
    assert_eq!(press(&mut u, &live(), &["ctrl-c", "y"]), Effect::Quit);
    assert_eq!(
        press(&mut ui(), &state_of(&finished_run()), &["q"]),
        Effect::Quit
    );
}

#[test]
fn a_finished_run_takes_no_commands() {
    let s = state_of(&finished_run());
    for k in ["a", "r", "+", "-", "g", "p", "x", "X"] {
        let mut u = ui();
        assert_eq!(press(&mut u, &s, &[k]), Effect::None, "{k}");
        assert!(u.view.layers.is_empty(), "{k} opened a layer");
        assert!(
            u.view
                .flash
                .as_deref()
                .unwrap_or("")
                .starts_with("the run is over"),
            "{k}"
        );
    }
}

#[test]
fn help_lists_the_active_keymap_and_closes() {
    let s = live();
    let mut u = ui();
    press(&mut u, &s, &["?"]);
    assert_eq!(u.view.mode(), Mode::Help);
    // While help is open, "a" does not approve.
    assert_eq!(press(&mut u, &s, &["a"]), Effect::None);
    press(&mut u, &s, &["esc"]);
    assert!(u.view.layers.is_empty());
}

#[test]
fn other_keymaps_bind_their_own_keys() {
    let s = live();
    let mut vim = Ui::new(Theme::default(), Keymap::load("vim", None).value);
    press(&mut vim, &s, &["o"]);
    type_text(&mut vim, &s, "x");
    assert_eq!(
        press(&mut vim, &s, &["enter"]),
        cmd(Command::AddGoal("x".into()))
    );
    let mut emacs = Ui::new(Theme::default(), Keymap::load("emacs", None).value);
    assert_eq!(
        press(&mut emacs, &s, &["3", "ctrl-n", "a"]),
        cmd(Command::Approve {
            approval: "a5".into(),
            keep_hunks: None
        })
    );
    press(&mut emacs, &s, &["g"]);
    type_text(&mut emacs, &s, "y");
    assert_eq!(press(&mut emacs, &s, &["ctrl-g"]), Effect::None);
    assert!(emacs.view.layers.is_empty());
}

#[test]
fn focus_moves_with_tab_and_zoom_toggles() {
    let s = live();
    let mut u = ui();
    let order: Vec<PaneId> = (0..5)
        .map(|_| {
            press(&mut u, &s, &["tab"]);
            u.view.focus
        })
        .collect();
    assert_eq!(
        order,
        vec![
            PaneId::Transcript,
            PaneId::Approvals,
            PaneId::Diff,
            PaneId::Metrics,
            PaneId::Tasks
        ]
    );
    press(&mut u, &s, &["shift-tab"]);
    assert_eq!(u.view.focus, PaneId::Metrics);
    press(&mut u, &s, &["z"]);
    assert!(u.view.zoomed);
    press(&mut u, &s, &["z"]);
    assert!(!u.view.zoomed);
}

#[test]
fn rule_keys_remember_the_waiting_command_and_revoke_a_rule() {
    use conclave::model::RuleEffect;
    let s = state_of(&command_waiting());
    let mut u = ui();
    assert_eq!(
        press(&mut u, &s, &["Y"]),
        cmd(Command::Remember {
            approval: COMMAND_APPROVAL.into(),
            effect: RuleEffect::Allow
        })
    );
    assert_eq!(
        press(&mut u, &s, &["V"]),
        cmd(Command::Remember {
            approval: COMMAND_APPROVAL.into(),
            effect: RuleEffect::Deny
        })
    );
    // The list: the second rule selected and revoked; the list stays open.
    assert_eq!(
        press(&mut u, &s, &["L", "j", "d"]),
        cmd(Command::RemoveRule("r2".into()))
    );
    assert_eq!(
        press(&mut u, &s, &["esc", "Y"]),
        cmd(Command::Remember {
            approval: COMMAND_APPROVAL.into(),
            effect: RuleEffect::Allow
        })
    );
    // Only a command's answer becomes a rule; a finished run takes none.
    let plan = state_of(&plan_waiting());
    let mut u = ui();
    assert_eq!(press(&mut u, &plan, &["Y"]), Effect::None);
    assert!(u
        .view
        .flash
        .as_deref()
        .unwrap_or("")
        .contains("only a command"));
    let done = state_of(&finished_run());
    assert_eq!(press(&mut ui(), &done, &["V"]), Effect::None);
}
