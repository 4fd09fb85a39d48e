//! Where the providers report what happened: `ProviderError` and `Usage` events.
//!
//! Owns the `EventSink` seam. The providers only build `EventKind`s; numbering, timestamps
//! and persistence belong to the engine and the store behind the sink. Must not do I/O.

use crate::model::EventKind;
use std::sync::Mutex;

/// Receives the events a model call produces (design §4 `Usage`, `ProviderError`).
pub trait EventSink: Send + Sync {
    fn emit(&self, kind: EventKind);
}

impl<F> EventSink for F
where
    F: Fn(EventKind) + Send + Sync,
{
    fn emit(&self, kind: EventKind) {
        self(kind)
    }
}

/// Keeps every event in memory: for `ping`, tests, and callers that forward events later.
#[derive(Debug, Default)]
pub struct CollectingSink(Mutex<Vec<EventKind>>);

impl CollectingSink {
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of everything emitted so far.
    pub fn events(&self) -> Vec<EventKind> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Everything emitted so far, leaving the sink empty.
    pub fn take(&self) -> Vec<EventKind> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl EventSink for CollectingSink {
    fn emit(&self, kind: EventKind) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(kind);
    }
}

/// Drops everything (calls whose events nobody wants).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _kind: EventKind) {}
}
