//! `apply`: the only way a `RunState` changes (design §3).
//!
//! Pure and total: no I/O, no clock (time comes from the event), no randomness, no panics.
//! Input that does not fit (an unknown task, a duplicate seq, another run's event) is ignored
//! or counted as an anomaly, so a damaged log still renders.
//!
//! Owns the checks every event goes through (run, seq) and which family folds each kind; the
//! folds themselves live in the `reducer_*` files, one per family of events, and share only
//! the helpers here. Must not fold any kind itself.

use super::event::*;
use super::state::*;
use super::{
    reducer_approvals as approvals, reducer_gates as gates, reducer_learning as learning,
    reducer_providers as providers, reducer_run as run, reducer_tasks as tasks,
    reducer_transcripts as transcripts, reducer_usage as usage,
};

/// Folds one event into the state.
pub fn apply(s: &mut RunState, e: &Event) {
    if let Some(run) = s.run {
        if e.run != run {
            anomaly(s, format!("seq {}: event of another run {}", e.seq, e.run));
            return;
        }
    }
    if e.seq < s.next_seq {
        anomaly(
            s,
            format!("seq {}: already applied (next is {})", e.seq, s.next_seq),
        );
        return;
    }
    if e.seq > s.next_seq {
        anomaly(s, format!("seq {}: gap, expected {}", e.seq, s.next_seq));
    }
    s.next_seq = e.seq + 1;
    s.last_at_ms = s.last_at_ms.max(e.at_ms);
    apply_kind(s, e);
}

/// Folds a whole log from an empty state.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> RunState {
    let mut s = RunState::default();
    for e in events {
        apply(&mut s, e);
    }
    s
}

/// What a family's fold says: `None` when it refused the event (an anomaly) before changing
/// anything, so the KPIs are not recomputed either; `Some(())` when it folded it.
pub(super) type Folded = Option<()>;

/// Sends each kind to its family's fold. No wildcard: a new kind must be given a family.
fn apply_kind(s: &mut RunState, e: &Event) {
    use EventKind as K;
    let folded = match &e.kind {
        K::RunStarted { .. }
        | K::GoalAdded { .. }
        | K::LevelChanged { .. }
        | K::RunPaused {}
        | K::RunResumed {}
        | K::RunFinished { .. }
        | K::RunRetried { .. } => run::fold(s, e),
        K::PlanProposed { .. }
        | K::TaskAssigned { .. }
        | K::TaskStatus { .. }
        | K::TaskCommitted { .. } => tasks::fold(s, e),
        K::Transcript { .. } | K::ToolCall { .. } | K::ToolResult { .. } => transcripts::fold(s, e),
        K::DiffProposed { .. } | K::ApprovalRequested { .. } | K::ApprovalDecided { .. } => {
            approvals::fold(s, e)
        }
        K::GateResult { .. } | K::Review { .. } | K::MergeResult { .. } | K::Landed { .. } => {
            gates::fold(s, e)
        }
        K::Usage { .. } => usage::fold(s, e),
        K::ProviderError { .. } | K::Circuit { .. } | K::Compacted { .. } => providers::fold(s, e),
        K::WorkDetected { .. }
        | K::Lesson { .. }
        | K::Adapted { .. }
        | K::RulesInForce { .. }
        | K::RuleSaved { .. }
        | K::RuleRemoved { .. } => learning::fold(s, e),
    };
    if folded.is_some() {
        s.kpis = s.kpi_counters.kpis();
    }
}

pub(super) fn anomaly(s: &mut RunState, what: String) {
    s.anomaly_count += 1;
    if s.anomalies.len() < ANOMALIES_KEPT {
        s.anomalies.push(what);
    }
}

/// Records `what` as an anomaly and refuses the event.
pub(super) fn refuse(s: &mut RunState, what: String) -> Folded {
    anomaly(s, what);
    None
}

pub(super) fn task_mut<'a>(s: &'a mut RunState, task: &str, seq: u64) -> Option<&'a mut TaskState> {
    match s.index.tasks.get(task).copied() {
        Some(i) => Some(&mut s.tasks[i]),
        None => {
            anomaly(s, format!("seq {seq}: unknown task {task}"));
            None
        }
    }
}

/// The index of an agent, adding it (role unknown) if no `RunStarted` announced it.
pub(super) fn agent_slot(s: &mut RunState, name: &str) -> usize {
    if let Some(&i) = s.index.agents.get(name) {
        return i;
    }
    s.agents.push(AgentState {
        name: name.to_string(),
        role: None,
        provider: String::new(),
        model: String::new(),
        current_task: None,
        usage: UsageTotals::default(),
        errors: 0,
        latencies_ms: Vec::new(),
        tokens_per_s: Vec::new(),
        latency_p50_ms: 0,
        latency_p95_ms: 0,
        error_open: false,
        problem: None,
    });
    s.transcripts.push(Vec::new());
    let i = s.agents.len() - 1;
    s.index.agents.insert(name.to_string(), i);
    i
}
