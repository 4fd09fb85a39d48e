//! What the engine learns and detects (design §8): work detection for levels 4 and 5, outcome
//! statistics and the adaptive router score for level 5, and lessons for later prompts.
//!
//! Owns pure functions over files, gate output and the store's `Memory` tree (keys
//! `stats/<agent>/<kind>` and `lesson/<ulid>`). Must not emit events, start processes, call
//! providers or decide policy: the engine calls these, turns the answers into events (every
//! adaptation with its human-readable reason) and asks the policy whether to act on them.
//!
//! Everything here is synchronous: detection and the repo summary read files, the rest reads
//! and flushes sled. From async code, call them in `tokio::task::spawn_blocking`.
//!
//! One concern per file:
//! - `todos`: TODO/FIXME/HACK/XXX comments in the repo's unignored text files;
//! - `gate_output`: compiler and linter warnings found in gate output;
//! - `failing_gate`: the telling line of a gate that fails on the base;
//! - `goals`: findings ranked, deduplicated and phrased as goals;
//! - `repo_summary`: a compact file tree for the strategist's gap analysis;
//! - `outcomes`: per agent × task kind outcome statistics kept in memory;
//! - `router_score`: the level-5 router's ranking of candidate agents;
//! - `tuning`: retry budget and parallelism rules;
//! - `lessons`: lessons kept in memory and picked for a prompt;
//! - `walk`, `text`: the repo walk and text helpers the others share;
//! - `distill`: the prompt asking the strategist to distil one lesson.

mod distill;
mod failing_gate;
mod gate_output;
mod goals;
mod lessons;
mod outcomes;
mod repo_summary;
mod router_score;
mod text;
mod todos;
mod tuning;
mod walk;

pub use distill::{distill_prompt, parse_distilled, DistillInput, GateNote, ReviewNote};
pub use failing_gate::failing_gate_finding;
pub use gate_output::{findings_from_gate_output, relative_locations};
pub use goals::{goal_text, goals_from_findings, rank_findings, MAX_DETECTED_GOALS};
pub use lessons::{LessonStore, NewLesson, StoredLesson, MAX_LESSON_CHARS};
pub use outcomes::{kind_name, stats_key, Outcome, OutcomeStats};
pub use repo_summary::{repo_summary, repo_summary_with, SummaryLimits};
pub use router_score::{score_agents, score_stats, OPTIMISTIC_PRIOR};
pub use todos::{detect_todos, detect_todos_with, ScanLimits};
pub use tuning::{
    tune_parallelism, tune_retry_budget, Tuning, MAX_PARALLELISM, MAX_RETRY_BUDGET,
    MIN_PARALLELISM, MIN_RETRY_BUDGET, MIN_RETRY_SAMPLES,
};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum LearningError {
    #[error("memory store: {0}")]
    Store(#[from] StoreError),
    #[error("a lesson needs some text; the distilled reply was empty")]
    EmptyLesson,
}

pub type Result<T> = std::result::Result<T, LearningError>;
