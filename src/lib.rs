//! conclave: several AI coding agents working on a git repository under a person's eye.
//!
//! The architecture (design §3): the engine emits `Event`s, the store persists them, the pure
//! reducer folds them into `RunState`, and views render that state.

pub mod agents;
pub mod cli;
pub mod config;
pub mod demo;
pub mod engine;
pub mod git;
pub mod mcp;
pub mod metrics;
pub mod model;
pub mod providers;
pub mod replay;
pub mod runner;
pub mod secrets;
pub mod service;
pub mod store;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod tui;
pub mod util;
