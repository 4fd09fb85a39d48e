//! Replays of stored runs: a player that drives the screen's feed from the store (play,
//! pause, speed, steps, seeks through snapshots) and the index of a run's decision points.
//!
//! Owns reading a run back for watching. The screen (`tui`) only sends `ReplayControl`s and
//! shows `ReplayStatus`; the store is only read here; a fork the person asks for is handed to
//! the caller, which starts it through the engine.

pub mod marks;
pub mod player;

pub use player::{ForkRequest, PlayError, Player};
