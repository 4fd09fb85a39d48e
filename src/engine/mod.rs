//! The engine: turns goals into landed commits by driving agents, gates, merges and the
//! policy, and records every step as an event (design §3).
//!
//! Owns decisions and their order. Must not draw anything or write the store except through
//! its `RunWriter`.

pub mod adaptation;
pub mod command_risk;
pub mod detection;
pub mod lessons;
pub mod policy;
