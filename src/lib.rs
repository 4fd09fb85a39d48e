//! conclave: several AI coding agents working on a git repository under a person's eye.
//!
//! The architecture (design §3): the engine emits `Event`s, the store persists them, the pure
//! reducer folds them into `RunState`, and views render that state.

pub mod model;
pub mod tui;
