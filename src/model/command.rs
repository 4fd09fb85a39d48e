//! What a person (through the TUI) or a headless driver asks the engine to do.
//!
//! Owns the command vocabulary only; the engine decides what a command means and answers with
//! events. An approval is answered by the command carrying its id.

use super::event::PlannedTask;
use super::level::AutonomyLevel;

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
    SetLevel(AutonomyLevel),
    AddGoal(String),
    Pause,
    Resume,
    CancelTask(String),
    CancelRun,
}
