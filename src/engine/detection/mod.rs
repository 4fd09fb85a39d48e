//! Work detection (design §8, used from level 4): TODO/FIXME/HACK/XXX comments, compiler and
//! linter warnings in gate output, gates failing on the base, and a repo summary for the
//! strategist's gap analysis; all turned into ranked goal texts.
//!
//! Owns reading the repo's unignored files and gate output. Must not emit events, start
//! processes or decide policy: the engine runs gates through the `Runner`, passes their
//! output here, and emits `WorkDetected` and `GoalAdded { source: detected }` (level 4 and up)
//! or shows the goals as suggestions (levels 1 to 3).
//!
//! Detection and the summary read files synchronously: from async code, call them in
//! `tokio::task::spawn_blocking`.
//!
//! One concern per file:
//! - `todos`: marker comments in the repo's unignored text files;
//! - `gate_output`: compiler and linter warnings found in gate output;
//! - `failing_gate`: the telling line of a gate that fails on the base;
//! - `goals`: findings ranked, deduplicated and phrased as goals;
//! - `repo_summary`: a compact file tree for the gap analysis prompt;
//! - `walk`, `text`: the repo walk and text helpers the others share.

mod failing_gate;
mod gate_output;
mod goals;
mod repo_summary;
pub(crate) mod text;
mod todos;
mod walk;

pub use failing_gate::failing_gate_finding;
pub use gate_output::{findings_from_gate_output, relative_locations};
pub use goals::{goal_text, goals_from_findings, rank_findings, MAX_DETECTED_GOALS};
pub use repo_summary::{repo_summary, repo_summary_with, SummaryLimits};
pub use todos::{detect_todos, detect_todos_with, ScanLimits};
