//! Shared helpers for integration tests: temp data dirs with runs in them, the binary.
#![allow(dead_code)]

pub mod repo;
pub mod runs;
