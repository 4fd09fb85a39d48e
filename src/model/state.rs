//! `RunState`: everything a view needs to know about a run, derived from its events only.
//!
//! Owns the shape of the state and read-only helpers. It changes only through
//! `reducer::apply`; nothing here does I/O, reads a clock or knows about the terminal.

use super::event::*;
use super::ids::RunId;
use super::kpi::{KpiCounters, Kpis};
use super::level::{AutonomyLevel, DecidedBy};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// No `RunStarted` seen yet.
    #[default]
    Empty,
    Running,
    Paused,
    Finished,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn is_over(self) -> bool {
        matches!(
            self,
            RunStatus::Finished | RunStatus::Failed | RunStatus::Cancelled
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Empty => "empty",
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::Finished => "finished",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub text: String,
    pub source: GoalSource,
    pub seq: u64,
}

/// Latencies and speeds kept per agent: the last `WINDOW` calls.
pub const USAGE_WINDOW: usize = 64;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageTotals {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    /// What the calls of known price cost; `unpriced` says how many had none.
    pub cost_usd: f64,
    pub requests: u64,
    /// Calls of a model the price table does not know: their cost is unknown, not zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unpriced: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl UsageTotals {
    /// One call; `cost` is `None` when its model has no known price.
    pub fn add(&mut self, input: u64, output: u64, cached: u64, cost: Option<f64>) {
        self.input_tokens += input;
        self.output_tokens += output;
        self.cached_tokens += cached;
        match cost {
            Some(c) => self.cost_usd += c,
            None => self.unpriced += 1,
        }
        self.requests += 1;
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentState {
    pub name: String,
    /// None for an agent that appeared in events without being announced by `RunStarted`.
    pub role: Option<Role>,
    pub provider: String,
    pub model: String,
    pub current_task: Option<String>,
    pub usage: UsageTotals,
    pub errors: u64,
    /// Latency of the last calls, oldest first.
    pub latencies_ms: Vec<u64>,
    /// Output tokens per second of the last calls, oldest first (the sparkline).
    pub tokens_per_s: Vec<u64>,
    pub latency_p50_ms: u64,
    pub latency_p95_ms: u64,
    /// A provider error not yet followed by a successful call (for the recovery KPI).
    pub error_open: bool,
    /// The last failure of this agent's calls, in words, until a call succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A tool call shown in a transcript, with its result once it came.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolCallInfo {
    pub call: String,
    pub tool: String,
    /// Arguments as compact JSON text.
    pub args: String,
    pub result: Option<ToolOutcome>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolOutcome {
    pub ok: bool,
    pub output: String,
    pub ms: u64,
}

/// One cell of an agent's transcript: consecutive deltas of the same task and part are
/// coalesced into one entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub task: Option<String>,
    pub part: TranscriptPart,
    pub text: String,
    pub call: Option<ToolCallInfo>,
    pub first_seq: u64,
    pub at_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateOutcome {
    pub gate: String,
    pub passed: bool,
    pub output_tail: String,
    pub ms: u64,
    pub round: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewRecord {
    pub reviewer: String,
    pub verdict: Verdict,
    pub summary: String,
    pub comments: Vec<ReviewComment>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergeOutcome {
    pub ok: bool,
    pub conflicts: Vec<String>,
    pub commit: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    pub id: String,
    pub title: String,
    pub description: String,
    pub kind: TaskKind,
    pub deps: Vec<String>,
    pub priority: u8,
    pub estimate_min: Option<u32>,
    pub risk: Option<Risk>,
    pub status: TaskStatus,
    pub agent: Option<String>,
    pub assigned_by: Option<AssignReason>,
    /// How many times the task went to `running`; retries are `attempts - 1`.
    pub attempts: u32,
    pub gate_round: u32,
    pub gates: Vec<GateOutcome>,
    pub first_round_failed: bool,
    pub reviews: Vec<ReviewRecord>,
    /// Ids of the diffs this task proposed, oldest first.
    pub diffs: Vec<String>,
    /// The task branch's last recorded commit.
    #[serde(default)]
    pub commit: Option<String>,
    pub merge: Option<MergeOutcome>,
    pub usage: UsageTotals,
    pub started_at_ms: Option<u64>,
    pub finished_at_ms: Option<u64>,
    pub conflict_open: bool,
    pub person_in_conflict: bool,
}

impl TaskState {
    pub fn retries(&self) -> u32 {
        self.attempts.saturating_sub(1)
    }

    /// Gate outcomes of the latest round only.
    pub fn latest_gates(&self) -> impl Iterator<Item = &GateOutcome> {
        let round = self.gate_round;
        self.gates.iter().filter(move |g| g.round == round)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiffState {
    pub id: String,
    pub task: String,
    pub files: Vec<DiffFile>,
    pub added: u32,
    pub removed: u32,
    pub patch: String,
    /// The patch's hunks with their ids (empty for diffs logged before hunks had ids).
    #[serde(default)]
    pub hunks: Vec<DiffHunk>,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub decision: Decision,
    pub reason: String,
    pub by: DecidedBy,
    pub level: Option<AutonomyLevel>,
    /// The hunks kept when a diff was approved in part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_hunks: Option<Vec<String>>,
    pub at_ms: u64,
    pub seq: u64,
}

/// A person's rejection of a task's diff or merge, and the task's attempts when it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub approval: String,
    pub task: String,
    pub attempts_then: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalState {
    pub id: String,
    pub what: ApprovalWhat,
    pub task: Option<String>,
    pub subject: String,
    pub why: String,
    pub diff: Option<String>,
    pub requested_seq: u64,
    pub requested_at_ms: u64,
    pub decision: Option<DecisionRecord>,
    /// A person is asked (the request's `waits`): false for what the policy or a headless
    /// stand-in answers at once.
    #[serde(default = "asked")]
    pub waits: bool,
}

fn asked() -> bool {
    true
}

impl ApprovalState {
    pub fn is_pending(&self) -> bool {
        self.decision.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderErrorRecord {
    pub agent: String,
    pub provider: String,
    pub error: String,
    pub attempt: u32,
    pub retry_in_ms: Option<u64>,
    pub fallback: Option<String>,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CircuitRecord {
    pub provider: String,
    pub state: crate::model::CircuitState,
    pub reason: String,
    /// Times it opened during the run.
    pub opened: u32,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LessonRecord {
    pub text: String,
    pub source: String,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdaptationRecord {
    pub what: String,
    pub from: u32,
    pub to: u32,
    pub why: String,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LandRecord {
    pub branch: String,
    pub commit: String,
    pub fast_forward: bool,
    pub seq: u64,
}

/// Anomalies kept for display; the count keeps going past it.
pub const ANOMALIES_KEPT: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub run: Option<RunId>,
    pub repo: String,
    pub base_commit: String,
    pub branch: String,
    pub goal: String,
    pub parent: Option<ForkOrigin>,
    pub goals: Vec<Goal>,
    pub level: Option<AutonomyLevel>,
    pub status: RunStatus,
    pub started_at_ms: u64,
    pub last_at_ms: u64,
    pub finished_at_ms: Option<u64>,
    /// The seq the next event must carry: also the number of events applied.
    pub next_seq: u64,
    pub agents: Vec<AgentState>,
    /// Transcripts, one per agent, in the order of `agents`.
    pub transcripts: Vec<Vec<TranscriptEntry>>,
    pub tasks: Vec<TaskState>,
    pub plans_proposed: u32,
    pub diffs: Vec<DiffState>,
    pub approvals: Vec<ApprovalState>,
    pub pending_approvals: u32,
    /// Of the pending approvals, those waiting for a person (the rest are being answered by
    /// the policy or a stand-in).
    #[serde(default)]
    pub waiting_for_person: u32,
    /// The approval id of a person's rejection of a diff or merge, while it is the latest
    /// decision: the status bar says what became of the task (sent back, or failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rejection: Option<Rejection>,
    pub errors: Vec<ProviderErrorRecord>,
    /// Each profile's circuit breaker as last reported, in the order they first changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub circuits: Vec<CircuitRecord>,
    /// Why the run failed, in words, once it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    pub findings: Vec<Finding>,
    pub lessons: Vec<LessonRecord>,
    /// What level 5 changed, and why.
    pub adaptations: Vec<AdaptationRecord>,
    /// Gates run on the integration branch itself before the land (`GateResult`s of
    /// `LAND_TASK`), every round; `round` counts the land's attempts.
    pub run_gates: Vec<GateOutcome>,
    /// Where and how the run landed, once it did.
    pub landed: Option<LandRecord>,
    pub usage: UsageTotals,
    /// How many tasks are in each status, indexed by `status_index`.
    pub status_counts: [u32; 10],
    pub kpi_counters: KpiCounters,
    pub kpis: Kpis,
    pub anomaly_count: u64,
    pub anomalies: Vec<String>,
    /// The sticky command rules in force for the run's repo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<crate::model::CommandRule>,
    #[serde(skip)]
    pub(crate) index: Index,
}

/// Lookups by id, rebuilt from the vectors after a snapshot is loaded.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Index {
    pub agents: HashMap<String, usize>,
    pub tasks: HashMap<String, usize>,
    pub approvals: HashMap<String, usize>,
    pub diffs: HashMap<String, usize>,
    /// Tool call id → (agent index, transcript entry index).
    pub calls: HashMap<String, (usize, usize)>,
}

pub fn status_index(s: TaskStatus) -> usize {
    s as usize
}

impl RunState {
    /// Restores the lookup tables (and the count of approvals waiting for a person) after
    /// deserialising a snapshot.
    pub fn rebuild_index(&mut self) {
        let mut ix = Index::default();
        for (i, a) in self.agents.iter().enumerate() {
            ix.agents.insert(a.name.clone(), i);
        }
        for (i, t) in self.tasks.iter().enumerate() {
            ix.tasks.insert(t.id.clone(), i);
        }
        for (i, a) in self.approvals.iter().enumerate() {
            ix.approvals.insert(a.id.clone(), i);
        }
        for (i, d) in self.diffs.iter().enumerate() {
            ix.diffs.insert(d.id.clone(), i);
        }
        for (ai, entries) in self.transcripts.iter().enumerate() {
            for (ei, e) in entries.iter().enumerate() {
                if let Some(c) = &e.call {
                    ix.calls.insert(c.call.clone(), (ai, ei));
                }
            }
        }
        self.index = ix;
        // A snapshot stored before the count was kept has none.
        self.waiting_for_person = self.pending().filter(|a| a.waits).count() as u32;
    }

    pub fn task(&self, id: &str) -> Option<&TaskState> {
        self.index.tasks.get(id).map(|&i| &self.tasks[i])
    }

    pub fn agent(&self, name: &str) -> Option<&AgentState> {
        self.index.agents.get(name).map(|&i| &self.agents[i])
    }

    pub fn agent_index(&self, name: &str) -> Option<usize> {
        self.index.agents.get(name).copied()
    }

    pub fn approval(&self, id: &str) -> Option<&ApprovalState> {
        self.index.approvals.get(id).map(|&i| &self.approvals[i])
    }

    pub fn diff(&self, id: &str) -> Option<&DiffState> {
        self.index.diffs.get(id).map(|&i| &self.diffs[i])
    }

    /// The newest diff a task proposed.
    pub fn latest_diff(&self, task: &str) -> Option<&DiffState> {
        self.task(task)
            .and_then(|t| t.diffs.last())
            .and_then(|d| self.diff(d))
    }

    pub fn pending(&self) -> impl Iterator<Item = &ApprovalState> {
        self.approvals.iter().filter(|a| a.is_pending())
    }

    /// The land's gates of its latest round.
    pub fn latest_run_gates(&self) -> impl Iterator<Item = &GateOutcome> {
        let round = self.run_gates.iter().map(|g| g.round).max().unwrap_or(0);
        self.run_gates.iter().filter(move |g| g.round == round)
    }

    pub fn count(&self, s: TaskStatus) -> u32 {
        self.status_counts[status_index(s)]
    }

    /// Tasks an agent or gate is busy with right now.
    pub fn active_tasks(&self) -> u32 {
        [
            TaskStatus::Running,
            TaskStatus::Gates,
            TaskStatus::Review,
            TaskStatus::Merging,
        ]
        .iter()
        .map(|&s| self.count(s))
        .sum()
    }

    pub fn level_or_default(&self) -> AutonomyLevel {
        self.level.unwrap_or(AutonomyLevel::SemiAutonomous)
    }
}
