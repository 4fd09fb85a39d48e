//! The named actions a key can be bound to.
//!
//! Owns the action vocabulary: each action has a stable snake_case name (what keymap files
//! say), a one-line doc (what the help overlay shows) and the keymap modes it means something
//! in. Must not know which key triggers what (that is `keymap`) nor what an action does (that
//! is the pane or layer that handles it).

use super::keymap::Mode;

macro_rules! actions {
    ($( $variant:ident = $name:literal, [$($mode:ident),+], $doc:literal; )*) => {
        /// Something a person can ask the UI to do, independent of the key that asks.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $( #[doc = $doc] $variant, )*
        }

        impl Action {
            /// Every action, in the order the help overlay lists them.
            pub const ALL: &'static [Action] = &[ $( Action::$variant, )* ];

            /// The stable name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $( Action::$variant => $name, )* }
            }

            /// One line saying what the action does.
            pub fn doc(self) -> &'static str {
                match self { $( Action::$variant => $doc, )* }
            }

            /// The keymap modes in which the action does something.
            pub fn modes(self) -> &'static [Mode] {
                match self { $( Action::$variant => &[$(Mode::$mode),+], )* }
            }
        }
    };
}

actions! {
    Quit = "quit", [Global], "Quit (asks first while agents are working)";
    Help = "help", [Global], "Show every key of the active keymap";
    FocusNext = "focus_next", [Global], "Focus the next pane";
    FocusPrev = "focus_prev", [Global], "Focus the previous pane";
    FocusTasks = "focus_tasks", [Global], "Focus the task graph";
    FocusTranscript = "focus_transcript", [Global], "Focus the transcripts";
    FocusApprovals = "focus_approvals", [Global], "Focus the approval queue";
    FocusDiff = "focus_diff", [Global], "Focus the diff";
    FocusMetrics = "focus_metrics", [Global], "Focus the metrics";
    Zoom = "zoom", [Global], "Zoom the focused pane to the whole screen, or back";
    Approve = "approve", [Global], "Approve the selected waiting item (with the kept hunks)";
    Reject = "reject", [Global], "Reject the selected waiting item, with a reason for the agent";
    EditPlan = "edit_plan", [Global], "Edit the waiting plan's tasks, then approve it as edited";
    ApproveAlways = "approve_always", [Global], "Approve the waiting command and always allow its prefix in this repo";
    RejectNever = "reject_never", [Global], "Reject the waiting command and never allow its prefix in this repo";
    ShowRules = "show_rules", [Global, Rules], "List this repo's sticky command rules (revoke one there), or close the list";
    RevokeRule = "revoke_rule", [Rules], "Revoke the selected sticky rule";
    ShowAnomalies = "show_anomalies", [Global], "List the anomalies: events that did not fit the run (⚠)";
    LevelUp = "level_up", [Global, Confirm], "Raise the autonomy level (L4 and L5 ask first), or a fork's";
    LevelDown = "level_down", [Global, Confirm], "Lower the autonomy level, or a fork's";
    AddGoal = "add_goal", [Global], "Add a goal to the run";
    PauseResume = "pause_resume", [Global], "Pause the run, or resume it";
    CancelTask = "cancel_task", [Global], "Abandon the selected task outright (asks first)";
    CancelRun = "cancel_run", [Global], "Cancel the whole run (asks first)";
    Up = "up", [Global, Help, Rules], "Move up: previous item, or scroll one line";
    Down = "down", [Global, Help, Rules], "Move down: next item, or scroll one line";
    PageUp = "page_up", [Global, Help], "Scroll up one page";
    PageDown = "page_down", [Global, Help], "Scroll down one page";
    Top = "top", [Global, Help, Rules], "Go to the first item or line";
    Bottom = "bottom", [Global, Help, Rules], "Go to the last line (a transcript follows its tail again)";
    NextTab = "next_tab", [Transcript, Metrics], "Show the next agent's transcript";
    PrevTab = "prev_tab", [Transcript, Metrics], "Show the previous agent's transcript";
    ToggleFold = "toggle_fold", [Transcript], "Fold or unfold the selected tool call";
    ExpandAll = "expand_all", [Transcript], "Fold or unfold every tool call";
    NextCall = "next_call", [Transcript], "Select the next tool call";
    PrevCall = "prev_call", [Transcript], "Select the previous tool call";
    NextFile = "next_file", [Diff], "Jump to the next file of the diff";
    PrevFile = "prev_file", [Diff], "Jump to the previous file of the diff";
    NextHunk = "next_hunk", [Diff], "Jump to the next hunk";
    PrevHunk = "prev_hunk", [Diff], "Jump to the previous hunk";
    ToggleHunk = "toggle_hunk", [Diff], "Keep or drop the current hunk before approving";
    KeepAllHunks = "keep_all_hunks", [Diff], "Keep every hunk again";
    OpenRun = "open_run", [Global], "Home: replay the selected run";
    ResumeRun = "resume_run", [Global], "Home: resume the selected (unfinished) run";
    NewRun = "new_run", [Global], "Home: start a new run on this repository";
    ExportRun = "export_run", [Global], "Home: export the selected run as JSONL (asks where)";
    DeleteRun = "delete_run", [Global], "Home: delete the selected run (asks first)";
    AllRuns = "all_runs", [Global], "Home: show every repository's runs, or this one's again";
    ReplayPlay = "replay_play", [Replay], "Play the replay, or pause it";
    ReplayFaster = "replay_faster", [Replay], "Play faster (up to 100×, then instant)";
    ReplaySlower = "replay_slower", [Replay], "Play slower (down to 0.25×)";
    ReplayStepForward = "replay_step_forward", [Replay], "Show one more event";
    ReplayStepBack = "replay_step_back", [Replay], "Show one event less";
    ReplayNextDecision = "replay_next_decision", [Replay], "Jump to the next decision (approval, level, gate, merge)";
    ReplayPrevDecision = "replay_prev_decision", [Replay], "Jump back to the previous decision";
    ReplaySeekForward = "replay_seek_forward", [Replay], "Jump forward a twentieth of the run";
    ReplaySeekBack = "replay_seek_back", [Replay], "Jump back a twentieth of the run";
    ReplayStart = "replay_start", [Replay], "Jump to the start of the run";
    ReplayEnd = "replay_end", [Replay], "Jump to the end of the run";
    Fork = "fork", [Replay], "Fork: a new live run from the event shown (asks first; pick its level)";
    Submit = "submit", [Dialog, Editor], "Send what was typed (in the plan editor: approve the plan as edited)";
    Newline = "newline", [Dialog, Editor], "Start a new line in the text";
    Confirm = "confirm", [Confirm], "Yes, do it";
    Cancel = "cancel", [Dialog, Editor, Confirm, Help, Rules], "Close without doing anything";
}

impl Action {
    /// The action a keymap file names, if any.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// The known name closest to a misspelt one, for "did you mean" hints.
    pub fn closest(name: &str) -> Option<Action> {
        let names = Action::ALL.iter().map(|a| a.name());
        super::problem::closest(name, names).and_then(Action::from_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_snake_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &a in Action::ALL {
            assert!(seen.insert(a.name()), "duplicate name {}", a.name());
            assert!(a.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert_eq!(Action::from_name(a.name()), Some(a));
            assert!(!a.doc().is_empty() && !a.doc().contains('\n'));
        }
        assert_eq!(Action::closest("aprove"), Some(Action::Approve));
        assert_eq!(Action::closest("zzzzzzzzzz"), None);
    }
}
