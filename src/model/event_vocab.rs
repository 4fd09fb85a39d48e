//! The small types events carry: roles, task kinds and statuses, diffs, approvals, findings.
//!
//! Part of the event log's wire contract (see `event.rs`): variant names (as serde spells them)
//! and field names here are what scripts, exports and tests read, so renaming one is a format
//! change; fields may be added with serde defaults so older logs still load. Owns only these
//! types and their name accessors. Must not depend on `event.rs` (which holds `EventKind` and
//! re-exports everything here) nor hold behaviour beyond small accessors.

use super::ids::RunId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Strategist,
    Implementer,
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Strategist, Role::Implementer, Role::Reviewer];

    /// The role as config files and events spell it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Strategist => "strategist",
            Role::Implementer => "implementer",
            Role::Reviewer => "reviewer",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentSpec {
    pub name: String,
    pub role: Role,
    pub provider: String,
    pub model: String,
}

/// Where a forked run came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForkOrigin {
    pub run: RunId,
    pub seq: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalSource {
    Person,
    Detected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Feature,
    Bugfix,
    Test,
    Refactor,
    Docs,
    Perf,
    Security,
    /// A merge conflict handed to an agent (created by the engine, never by a plan).
    Conflict,
}

impl TaskKind {
    /// The kind as events, plans and people spell it (`bugfix`, `test`, ...).
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Feature => "feature",
            TaskKind::Bugfix => "bugfix",
            TaskKind::Test => "test",
            TaskKind::Refactor => "refactor",
            TaskKind::Docs => "docs",
            TaskKind::Perf => "perf",
            TaskKind::Security => "security",
            TaskKind::Conflict => "conflict",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

/// The `agent` of a `PlanProposed` a person wrote (an edited plan); no agent has this name
/// (config validation reserves it).
pub const PERSON: &str = "person";

/// The `task` of the gates run on the integration branch before the land: the run's own
/// gates, not a task's (`validate_plan` keeps ids starting with `_` for conclave).
pub const LAND_TASK: &str = "_land";

/// A task as the strategist's `submit_plan` describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedTask {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub kind: TaskKind,
    #[serde(default)]
    pub deps: Vec<String>,
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// Estimated minutes of agent work, if the strategist gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
}

fn default_priority() -> u8 {
    2
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignReason {
    Manual,
    Router,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    Ready,
    Running,
    Gates,
    Review,
    AwaitingApproval,
    Merging,
    Done,
    Failed,
    Cancelled,
}

impl TaskStatus {
    /// The status as people and JSON spell it (`awaiting_approval`).
    pub fn name(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Ready => "ready",
            TaskStatus::Running => "running",
            TaskStatus::Gates => "gates",
            TaskStatus::Review => "review",
            TaskStatus::AwaitingApproval => "awaiting_approval",
            TaskStatus::Merging => "merging",
            TaskStatus::Done => "done",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Done | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }

    /// An agent or gate is busy with the task.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            TaskStatus::Running | TaskStatus::Gates | TaskStatus::Review | TaskStatus::Merging
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptPart {
    Text,
    Thinking,
    ToolCall,
    ToolResult,
    System,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    Added,
    Modified,
    Deleted,
    Renamed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiffFile {
    pub path: String,
    pub change: FileChange,
    pub added: u32,
    pub removed: u32,
    #[serde(default)]
    pub binary: bool,
}

/// One hunk of a proposed diff, built once from git when the diff is taken, so the screen,
/// the decision and the merge all name the same hunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffHunk {
    /// Stable across retakes of the same change: a hash of the file, the old range and the
    /// changed lines (not the new range, which shifts when another hunk is dropped).
    pub id: String,
    /// The file it changes (its new path).
    pub path: String,
    /// The `@@ -a,b +c,d @@ …` line.
    pub header: String,
    pub old_start: u32,
    pub old_lines: u32,
    pub new_start: u32,
    pub new_lines: u32,
    pub added: u32,
    pub removed: u32,
    /// Where the hunk (its header line first) stands in the diff's `patch`, in bytes.
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    RequestChanges,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewComment {
    pub path: String,
    #[serde(default)]
    pub line: u32,
    pub body: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalWhat {
    Plan,
    Assign,
    Command,
    Diff,
    Retry,
    Merge,
    Land,
}

impl ApprovalWhat {
    /// The kind of approval as events spell it (`plan`, `command`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ApprovalWhat::Plan => "plan",
            ApprovalWhat::Assign => "assign",
            ApprovalWhat::Command => "command",
            ApprovalWhat::Diff => "diff",
            ApprovalWhat::Retry => "retry",
            ApprovalWhat::Merge => "merge",
            ApprovalWhat::Land => "land",
        }
    }
}

/// A circuit breaker's state (design §7: sticky fallback).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

impl CircuitState {
    pub fn name(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half-open",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Todo,
    FailingGate,
    Warning,
    Gap,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// `path:line` where the finding points, if it points somewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Finished,
    Failed,
    Cancelled,
}
