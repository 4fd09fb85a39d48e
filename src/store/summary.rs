//! `RunSummary`: the row `conclave runs` shows, kept in the run index.
//!
//! Owns the summary's fields; every number is read off a `RunState`, never recomputed here.

use crate::model::{ForkOrigin, Kpis, RunId, RunState, TaskStatus};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: RunId,
    pub started_at_ms: u64,
    pub last_at_ms: u64,
    pub repo: String,
    pub goal: String,
    pub level: Option<u8>,
    pub status: String,
    pub tasks_done: u32,
    pub tasks_total: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub events: u64,
    #[serde(default)]
    pub parent: Option<ForkOrigin>,
    #[serde(default)]
    pub kpis: Kpis,
    /// Merge attempts and conflicts, for the conflict rate across runs.
    #[serde(default)]
    pub merges: u64,
    #[serde(default)]
    pub conflicts: u64,
    /// A process runs it now (read from its owner lock, never stored as true for long).
    #[serde(default)]
    pub live: bool,
}

impl RunSummary {
    /// The status a person is shown: a run whose log says running or paused but that no
    /// process runs was interrupted (killed, or its terminal closed) and waits for
    /// `conclave resume`.
    pub fn status_shown(&self) -> &str {
        match self.status.as_str() {
            "running" | "paused" | "empty" if !self.live => "interrupted",
            s => s,
        }
    }

    pub fn of(id: RunId, s: &RunState) -> RunSummary {
        RunSummary {
            id,
            started_at_ms: s.started_at_ms,
            last_at_ms: s.last_at_ms,
            repo: s.repo.clone(),
            goal: s.goal.clone(),
            level: s.level.map(|l| l.number()),
            status: s.status.name().to_string(),
            tasks_done: s.count(TaskStatus::Done),
            tasks_total: s.tasks.len() as u32,
            input_tokens: s.usage.input_tokens,
            output_tokens: s.usage.output_tokens,
            cost_usd: s.usage.cost_usd,
            events: s.next_seq,
            parent: s.parent.clone(),
            kpis: s.kpis,
            merges: s.kpi_counters.merges,
            conflicts: s.kpi_counters.conflicts,
            live: false,
        }
    }
}
