//! Agents: the tools they call, their prompts, and the loop that drives a model through a task.
//!
//! Owns what an agent may do and how its turns become events. Must not decide policy (it asks
//! the engine through `CommandGate`) nor write the store directly (it emits events through the
//! engine's sink).

pub mod agent_loop;
pub mod coalesce;
pub mod compact;
pub mod instructions;
pub mod prompt;
pub mod tools;

pub use agent_loop::{AgentEnd, AgentRun};
