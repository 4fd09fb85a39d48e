//! What a person (through the TUI) or a headless driver asks the engine to do.
//!
//! Owns the command vocabulary only; the engine decides what a command means and answers with
//! events. An approval is answered by the command carrying its id.

use super::event::PlannedTask;
use super::level::AutonomyLevel;
use super::rule::RuleEffect;

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Approve a waiting item. `keep_hunks` lists, for a diff or a merge, the ids of the
    /// hunks the person kept (`DiffHunk::id` of the diff the approval names; all when `None`).
    Approve {
        approval: String,
        keep_hunks: Option<Vec<String>>,
    },
    Reject {
        approval: String,
        reason: String,
    },
    /// Approve a waiting plan as the person edited it: the engine checks it like a proposed
    /// plan, records it as proposed by the person, then approves.
    EditPlan {
        approval: String,
        tasks: Vec<PlannedTask>,
    },
    /// Answer a waiting command approval and remember the answer for its prefix in this
    /// repo: `Allow` approves it and always allows the prefix, `Deny` rejects it and never
    /// allows it. The engine derives the prefix from the command and writes the rule.
    Remember {
        approval: String,
        effect: RuleEffect,
    },
    /// Revoke a sticky rule by its id.
    RemoveRule(String),
    SetLevel(AutonomyLevel),
    AddGoal(String),
    Pause,
    Resume,
    CancelTask(String),
    CancelRun,
}
