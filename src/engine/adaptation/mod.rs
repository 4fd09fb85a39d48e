//! Outcome adaptation (design §5, §8, used at level 5): per agent × task kind outcome
//! statistics kept in the store's memory (`stats/<agent>/<kind>`), the router's score built
//! on them, and the retry budget and parallelism rules.
//!
//! Owns those keys and rules. Must not assign tasks, change settings or emit events: the
//! engine does, recording every adaptation with the human-readable reason returned here.
//! Reads and writes sled synchronously (small values, flushed on write).
//!
//! One concern per file:
//! - `outcomes`: the statistics, their keys and rates;
//! - `router_score`: candidates ranked for a task kind, with exploration and reasons;
//! - `tuning`: retry budget and parallelism, one step at a time, with reasons.

mod outcomes;
mod router_score;
mod tuning;

pub use outcomes::{stats_key, Outcome, OutcomeStats};
pub use router_score::{score_agents, score_stats, OPTIMISTIC_PRIOR};
pub use tuning::{
    tune_parallelism, tune_retry_budget, Tuning, MAX_PARALLELISM, MAX_RETRY_BUDGET,
    MIN_PARALLELISM, MIN_RETRY_BUDGET, MIN_RETRY_SAMPLES,
};
