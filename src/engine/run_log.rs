//! `RunLog`: the engine's one door to the store. Every event of a run goes through it: it is
//! stamped, appended (and flushed when it must count), folded into the run's state, and handed
//! to every subscriber (headless printer, TUI) in order.
//!
//! Owns the writer and the subscriber list. Must not decide anything.

use crate::model::{Event, EventKind, RunState};
use crate::providers::EventSink;
use crate::secrets::Redactor;
use crate::store::{RunWriter, StoreError};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

pub struct RunLog {
    inner: Mutex<Inner>,
    /// The store's redactor, shared with what hands text to a model (tool results, gate
    /// feedback), so a secret is scrubbed there too and not only in the store.
    redactor: Arc<Redactor>,
}

struct Inner {
    writer: RunWriter,
    subscribers: Vec<UnboundedSender<Event>>,
    /// The first store failure; the engine stops the run when it sees one.
    failure: Option<String>,
}

impl RunLog {
    pub fn new(writer: RunWriter) -> RunLog {
        RunLog {
            redactor: Arc::new(writer.redactor().clone()),
            inner: Mutex::new(Inner {
                writer,
                subscribers: Vec::new(),
                failure: None,
            }),
        }
    }

    /// The run's redactor: secret values and key shapes become `[redacted]`.
    pub fn redactor(&self) -> Arc<Redactor> {
        self.redactor.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends one event now; durable before it returns when the kind must count.
    pub fn append(&self, kind: EventKind) -> Result<Event, StoreError> {
        let mut g = self.lock();
        match g.writer.append(crate::util::now_ms(), kind) {
            Ok(e) => {
                g.subscribers.retain(|s| s.send(e.clone()).is_ok());
                Ok(e)
            }
            Err(err) => {
                g.failure.get_or_insert_with(|| err.to_string());
                Err(err)
            }
        }
    }

    /// Every event from now on, in order. Earlier ones are in the store.
    pub fn subscribe(&self) -> UnboundedReceiver<Event> {
        let (tx, rx) = unbounded_channel();
        self.watch(tx);
        rx
    }

    pub fn watch(&self, tx: UnboundedSender<Event>) {
        self.lock().subscribers.push(tx);
    }

    /// The state now and every event after it, both taken under the lock `append` holds, so
    /// a watcher that starts from the state misses no event and sees none twice (the run
    /// service's `watch`).
    pub fn state_and_subscribe(&self) -> (RunState, UnboundedReceiver<Event>) {
        let (tx, rx) = unbounded_channel();
        let mut g = self.lock();
        g.subscribers.push(tx);
        (g.writer.state().clone(), rx)
    }

    /// Reads the run's current state.
    pub fn with_state<R>(&self, f: impl FnOnce(&RunState) -> R) -> R {
        f(self.lock().writer.state())
    }

    pub fn state(&self) -> RunState {
        self.with_state(Clone::clone)
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.lock().writer.flush()
    }

    pub fn failure(&self) -> Option<String> {
        self.lock().failure.clone()
    }

    pub fn run(&self) -> crate::model::RunId {
        self.lock().writer.run()
    }
}

impl EventSink for RunLog {
    fn emit(&self, kind: EventKind) {
        if let Err(e) = self.append(kind) {
            tracing::error!(error = %e, "an event could not be stored");
        }
    }
}
