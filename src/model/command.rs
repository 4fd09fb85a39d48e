//! What a person (through the TUI) or a headless driver asks the engine to do.
//!
//! Owns the command vocabulary only; the engine decides what a command means and answers with
//! events. An approval is answered by the command carrying its id.
//!
//! The JSON shape is part of the run service's protocol (README, "Watching a run from another
//! terminal"): snake_case names, a unit command as a string (`"pause"`), the others as an
//! object with one key (`{"approve":{"approval":"plan-1"}}`, `{"set_level":2}`).

use super::event::PlannedTask;
use super::level::AutonomyLevel;
use super::rule::RuleEffect;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Approve a waiting item. `keep_hunks` lists, for a diff or a merge, the ids of the
    /// hunks the person kept (`DiffHunk::id` of the diff the approval names; all when `None`).
    Approve {
        approval: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keep_hunks: Option<Vec<String>>,
    },
    Reject {
        approval: String,
        #[serde(default)]
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
