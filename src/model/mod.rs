//! The run's data: ids, events, state and the reducer that folds one into the other.
//!
//! Owns everything that describes a run and must compile without the terminal, the network,
//! git or the store: `tui/`, `engine/` and `store/` depend on this module, never the reverse.

pub mod canonical;
pub mod command;
pub mod event;
mod event_vocab;
pub mod ids;
pub mod kpi;
pub mod level;
pub mod plan;
pub mod reducer;
mod reducer_approvals;
mod reducer_gates;
mod reducer_learning;
mod reducer_providers;
mod reducer_run;
mod reducer_tasks;
mod reducer_transcripts;
mod reducer_usage;
pub mod replay;
pub mod rule;
pub mod sink;
pub mod state;

#[cfg(test)]
mod kpi_tests;
#[cfg(test)]
mod reducer_tests;

pub use canonical::canonical_json;
pub use command::Command;
pub use event::*;
pub use ids::{match_prefix, unique_prefix_len, PrefixMatch, RunId, SHORT_LEN, TIGHT_LEN};
pub use kpi::{KpiCounters, Kpis};
pub use level::{AutonomyLevel, DecidedBy};
pub use plan::{check_plan, valid_task_id, validate_plan, PlanProblem};
pub use reducer::{apply, fold};
pub use rule::{CommandRule, RuleEffect};
pub use sink::{CollectingSink, EventSink, NullSink};
pub use state::*;
