//! The event log's vocabulary: every fact about a run is one `Event` (design §4).
//!
//! Owns the wire contract: kind names and field names here are what scripts, exports and tests
//! read, so renaming one is a format change. Fields may be added (with serde defaults so older
//! logs still load). Must not contain behaviour beyond small accessors. The small types the
//! kinds carry live in `event_vocab.rs` (same contract) and are re-exported from here, so
//! `model::event::TaskKind` and `model::TaskKind` name them.

use super::ids::RunId;
use super::level::{AutonomyLevel, DecidedBy};
use serde::{Deserialize, Serialize};

pub use super::event_vocab::{
    AgentSpec, ApprovalWhat, AssignReason, CircuitState, Decision, DiffFile, DiffHunk, FileChange,
    Finding, FindingKind, ForkOrigin, GoalSource, PlannedTask, ReviewComment, Risk, Role,
    RunOutcome, TaskKind, TaskStatus, TranscriptPart, Verdict, LAND_TASK, PERSON,
};

/// One entry of a run's log: `{run, seq, at_ms, kind, ...fields}` in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub run: RunId,
    pub seq: u64,
    pub at_ms: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

fn yes() -> bool {
    true
}

/// The kinds of design §4, tagged by `kind` beside their fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum EventKind {
    RunStarted {
        repo: String,
        base_commit: String,
        branch: String,
        goal: String,
        level: AutonomyLevel,
        agents: Vec<AgentSpec>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<ForkOrigin>,
        /// The effective configuration (names of key variables, never keys), so a resume or a
        /// replay elsewhere uses the same agents and profiles.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        config: Option<serde_json::Value>,
    },
    GoalAdded {
        text: String,
        source: GoalSource,
    },
    LevelChanged {
        from: AutonomyLevel,
        to: AutonomyLevel,
        by: DecidedBy,
    },
    PlanProposed {
        agent: String,
        tasks: Vec<PlannedTask>,
    },
    TaskAssigned {
        task: String,
        agent: String,
        why: AssignReason,
    },
    TaskStatus {
        task: String,
        status: TaskStatus,
    },
    Transcript {
        agent: String,
        #[serde(default)]
        task: Option<String>,
        part: TranscriptPart,
        text: String,
    },
    ToolCall {
        call: String,
        agent: String,
        #[serde(default)]
        task: Option<String>,
        tool: String,
        args: serde_json::Value,
        /// The model's opaque signature on the call (Gemini's `thoughtSignature`), kept so a
        /// cassette made from the log sends it back as the model gave it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    ToolResult {
        call: String,
        ok: bool,
        output: String,
        ms: u64,
    },
    DiffProposed {
        task: String,
        /// The diff's id, unique in the run (a task can propose several diffs over retries).
        diff: String,
        files: Vec<DiffFile>,
        added: u32,
        removed: u32,
        patch: String,
        /// The patch's hunks in patch order; empty in logs written before hunks had ids.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hunks: Vec<DiffHunk>,
    },
    /// The task's branch moved to `commit` (an attempt committed, hunks kept, a conflict
    /// resolved), logged before the diff or merge it leads to, so a fork can put the branch
    /// back where it was at any event.
    TaskCommitted {
        task: String,
        commit: String,
    },
    /// One gate's outcome. `task` is the task whose worktree it ran in, or `LAND_TASK` for
    /// the gates run on the integration branch before the land.
    GateResult {
        task: String,
        gate: String,
        passed: bool,
        output_tail: String,
        ms: u64,
    },
    Review {
        task: String,
        reviewer: String,
        verdict: Verdict,
        #[serde(default)]
        summary: String,
        comments: Vec<ReviewComment>,
    },
    ApprovalRequested {
        approval: String,
        what: ApprovalWhat,
        #[serde(default)]
        task: Option<String>,
        subject: String,
        why: String,
        /// For a diff approval: the diff's id, so the exact diff asked about is known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        diff: Option<String>,
        /// A person is asked: the run waits for their answer. False when the policy (or a
        /// headless stand-in) answers at once and the decision follows; logs written before
        /// this was recorded said nothing, and then a person was asked as far as anyone knows.
        #[serde(default = "yes")]
        waits: bool,
    },
    ApprovalDecided {
        approval: String,
        decision: Decision,
        #[serde(default)]
        reason: String,
        by: DecidedBy,
        /// The level in force when the policy decided; absent for a person's decision.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<AutonomyLevel>,
        /// For a diff or merge approved with some hunks dropped: the ids of the hunks kept
        /// (of the diff the approval names). Absent: the whole change.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keep_hunks: Option<Vec<String>>,
    },
    MergeResult {
        task: String,
        ok: bool,
        conflicts: Vec<String>,
        #[serde(default)]
        commit: Option<String>,
    },
    Usage {
        agent: String,
        #[serde(default)]
        task: Option<String>,
        provider: String,
        model: String,
        input_tokens: u64,
        output_tokens: u64,
        #[serde(default)]
        cached_tokens: u64,
        cost_usd: f64,
        /// The model has no known price: `cost_usd` is 0 for want of one, not because the
        /// call was free (a model priced at zero is `false`). Absent in older logs.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unpriced: bool,
        ms: u64,
    },
    ProviderError {
        agent: String,
        provider: String,
        error: String,
        attempt: u32,
        #[serde(default)]
        retry_in_ms: Option<u64>,
        #[serde(default)]
        fallback: Option<String>,
        /// What the failure means for the person and what they can do, in words (absent in
        /// logs written before it existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        advice: Option<String>,
    },
    /// A profile's circuit breaker changed: `open` sends the next calls to the agents'
    /// fallbacks without trying it, `half_open` lets one call probe it, `closed` is normal.
    Circuit {
        provider: String,
        state: CircuitState,
        /// Why it opened (the last error, in words); empty when it closes.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
        /// How long it stays open before a probe, when it opens.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cooldown_ms: Option<u64>,
    },
    /// An agent's conversation was shortened to fit its model's context window: what was
    /// removed, by the rule in `agents::compact`.
    Compacted {
        agent: String,
        #[serde(default)]
        task: Option<String>,
        /// Estimated tokens of the request before and after.
        tokens_before: u64,
        tokens_after: u64,
        /// One line per removed piece (`read_file src/x.rs: 12 KB of output`).
        removed: Vec<String>,
    },
    WorkDetected {
        findings: Vec<Finding>,
    },
    Lesson {
        text: String,
        source: String,
        /// Whether the lesson was written to the store's memory before this event.
        #[serde(default = "yes")]
        persisted: bool,
    },
    /// Level 5 changed how the run works, from recorded outcomes (so a person sees why).
    Adapted {
        what: String,
        from: u32,
        to: u32,
        why: String,
    },
    /// The integration branch landed on the user's branch.
    Landed {
        branch: String,
        commit: String,
        fast_forward: bool,
    },
    RunPaused {},
    RunResumed {},
    RunFinished {
        status: RunOutcome,
        /// Why a run failed, in words, for the person (absent when it finished).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A person sent a failed run back to work (`conclave resume --retry`): it runs again, its
    /// failed tasks from the start, with the configuration it was retried with (names of key
    /// variables, never keys) from here on.
    RunRetried {
        tasks: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        config: Option<serde_json::Value>,
    },
    /// The sticky command rules for the repo when the run started or went on live.
    RulesInForce {
        rules: Vec<crate::model::CommandRule>,
    },
    /// A person saved a sticky rule (with the approval it was saved from, if any).
    RuleSaved {
        rule: crate::model::CommandRule,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approval: Option<String>,
    },
    /// A person revoked a sticky rule.
    RuleRemoved {
        id: String,
    },
}

impl EventKind {
    /// The `kind` tag as it appears in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::RunStarted { .. } => "RunStarted",
            EventKind::GoalAdded { .. } => "GoalAdded",
            EventKind::LevelChanged { .. } => "LevelChanged",
            EventKind::PlanProposed { .. } => "PlanProposed",
            EventKind::TaskAssigned { .. } => "TaskAssigned",
            EventKind::TaskStatus { .. } => "TaskStatus",
            EventKind::Transcript { .. } => "Transcript",
            EventKind::ToolCall { .. } => "ToolCall",
            EventKind::ToolResult { .. } => "ToolResult",
            EventKind::DiffProposed { .. } => "DiffProposed",
            EventKind::TaskCommitted { .. } => "TaskCommitted",
            EventKind::GateResult { .. } => "GateResult",
            EventKind::Review { .. } => "Review",
            EventKind::ApprovalRequested { .. } => "ApprovalRequested",
            EventKind::ApprovalDecided { .. } => "ApprovalDecided",
            EventKind::MergeResult { .. } => "MergeResult",
            EventKind::Usage { .. } => "Usage",
            EventKind::ProviderError { .. } => "ProviderError",
            EventKind::Circuit { .. } => "Circuit",
            EventKind::Compacted { .. } => "Compacted",
            EventKind::WorkDetected { .. } => "WorkDetected",
            EventKind::Lesson { .. } => "Lesson",
            EventKind::Adapted { .. } => "Adapted",
            EventKind::Landed { .. } => "Landed",
            EventKind::RunPaused {} => "RunPaused",
            EventKind::RulesInForce { .. } => "RulesInForce",
            EventKind::RuleSaved { .. } => "RuleSaved",
            EventKind::RuleRemoved { .. } => "RuleRemoved",
            EventKind::RunResumed {} => "RunResumed",
            EventKind::RunFinished { .. } => "RunFinished",
            EventKind::RunRetried { .. } => "RunRetried",
        }
    }

    /// Events that must be on disk before they count (design §13): a person's answer or a
    /// level change is flushed before the engine acts on it, and a run exists (listed,
    /// resumable) before anyone is told its id.
    pub fn must_be_durable(&self) -> bool {
        matches!(
            self,
            EventKind::RunStarted { .. }
                | EventKind::ApprovalRequested { .. }
                | EventKind::ApprovalDecided { .. }
                | EventKind::LevelChanged { .. }
                | EventKind::RunFinished { .. }
                | EventKind::RunRetried { .. }
                | EventKind::MergeResult { .. }
                | EventKind::Landed { .. }
        )
    }

    /// Points a replay can jump between: approvals, level changes, gates, merges.
    pub fn is_decision_point(&self) -> bool {
        matches!(
            self,
            EventKind::ApprovalRequested { .. }
                | EventKind::ApprovalDecided { .. }
                | EventKind::LevelChanged { .. }
                | EventKind::GateResult { .. }
                | EventKind::MergeResult { .. }
                | EventKind::Landed { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_matches_the_design_contract() {
        let run: RunId = "01JD7AAAAAAAAAAAAAAAAAAAAA".parse().unwrap();
        let e = Event {
            run,
            seq: 12,
            at_ms: 1_732_400_000_123,
            kind: EventKind::TaskStatus {
                task: "t2".into(),
                status: TaskStatus::Running,
            },
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"run":"01JD7AAAAAAAAAAAAAAAAAAAAA","seq":12,"at_ms":1732400000123,"kind":"TaskStatus","task":"t2","status":"running"}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
    }

    #[test]
    fn empty_kinds_and_names_agree() {
        let run = RunId::new_at(5);
        for kind in [EventKind::RunPaused {}, EventKind::RunResumed {}] {
            let e = Event {
                run,
                seq: 0,
                at_ms: 5,
                kind: kind.clone(),
            };
            let v: serde_json::Value = serde_json::to_value(&e).unwrap();
            assert_eq!(v["kind"], kind.name());
            assert_eq!(serde_json::from_value::<Event>(v).unwrap(), e);
        }
    }
}
