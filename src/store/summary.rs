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
    /// Calls whose model had no known price: `cost_usd` leaves them out.
    #[serde(default)]
    pub unpriced: u64,
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

/// The status a person is shown for a run whose log says `status`, `live` when a process runs
/// it now: one that never ended and that nobody runs was interrupted. Every listing (the home
/// screen, `conclave runs` and its JSON, `runs show`) says it through this.
pub fn shown_status(status: &str, live: bool) -> &str {
    match status {
        "running" | "paused" | "empty" if !live => "interrupted",
        s => s,
    }
}

impl RunSummary {
    /// The status a person is shown: a run whose log says running or paused but that no
    /// process runs was interrupted (killed, or its terminal closed) and waits for
    /// `conclave resume`.
    pub fn status_shown(&self) -> &str {
        shown_status(&self.status, self.live)
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
            unpriced: s.usage.unpriced,
            events: s.next_seq,
            parent: s.parent.clone(),
            kpis: s.kpis,
            merges: s.kpi_counters.merges,
            conflicts: s.kpi_counters.conflicts,
            live: false,
        }
    }
}
