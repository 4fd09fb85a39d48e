//! `RunLog`: the engine's one door to the store. Every event of a run goes through it: it is
//! stamped, scrubbed, folded into the run's state, handed to the log's writer thread, and
//! handed to every subscriber (headless printer, TUI, run service) in order.
//!
//! The writer thread owns the run's `RunWriter` behind a bounded channel, so no sled write and
//! no fsync happens on the thread of whoever appends (an async task of the engine): appending
//! folds and queues. An event that must count only once it is on disk (an approval, a
//! decision, a level change, a merge, the end) is acknowledged by the writer once durable, and
//! only then returned and shown to subscribers. Owns the front state, the subscriber list and
//! the writer thread. Must not decide anything.

use crate::model::EventSink;
use crate::model::{apply, Event, EventKind, RunId, RunState};
use crate::secrets::Redactor;
use crate::store::{prepare_event, RunWriter, StoreError};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// Batches queued for the writer before an append waits for it (back-pressure).
const QUEUE: usize = 256;

type Ack = SyncSender<Result<(), String>>;

/// Which store call a `WriteTimer` is told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreWrite {
    /// One batch of appended events (for a durable kind this includes the flush that makes it
    /// count).
    Append,
    /// One explicit `flush`.
    Flush,
}

/// Told how long each store write took (the `--metrics` write-latency histogram). Called on
/// the writer thread, so it must be quick and must not call back into the log.
pub type WriteTimer = Arc<dyn Fn(StoreWrite, Duration) + Send + Sync>;

type TimerSlot = Arc<Mutex<Option<WriteTimer>>>;

fn timed(slot: &TimerSlot, what: StoreWrite, since: Instant) {
    if let Some(t) = slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        t(what, since.elapsed());
    }
}

enum ToWriter {
    /// Events to append, acknowledged once durable when `ack` is given.
    Write(Vec<(Event, Vec<u8>)>, Option<Ack>),
    Flush(Ack),
}

pub struct RunLog {
    run: RunId,
    front: Mutex<Front>,
    /// The store's redactor, shared with what hands text to a model (tool results, gate
    /// feedback), so a secret is scrubbed there too and not only in the store.
    redactor: Arc<Redactor>,
    /// The first store failure; the engine stops the run when it sees one.
    failure: Arc<Mutex<Option<String>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    timer: TimerSlot,
}

struct Front {
    state: RunState,
    subscribers: Vec<UnboundedSender<Event>>,
    /// `None` once the log is closed.
    to_writer: Option<SyncSender<ToWriter>>,
}

fn failed(why: &str) -> StoreError {
    StoreError::Io {
        path: "the run's log".into(),
        source: std::io::Error::other(why.to_string()),
    }
}

impl RunLog {
    pub fn new(writer: RunWriter) -> RunLog {
        let run = writer.run();
        let state = writer.state().clone();
        let redactor = Arc::new(writer.redactor().clone());
        let failure = Arc::new(Mutex::new(None));
        let (tx, rx) = sync_channel(QUEUE);
        let on_failure = failure.clone();
        let timer: TimerSlot = Arc::default();
        let timing = timer.clone();
        let thread = std::thread::Builder::new()
            .name(format!("run-log-{}", run.short()))
            .spawn(move || write_all(writer, rx, on_failure, timing))
            .ok();
        RunLog {
            run,
            front: Mutex::new(Front {
                state,
                subscribers: Vec::new(),
                to_writer: thread.as_ref().map(|_| tx),
            }),
            redactor,
            failure,
            writer: Mutex::new(thread),
            timer,
        }
    }

    /// From now on, tells `timer` how long each append and flush took (and replaces the
    /// timer set before, if any).
    pub fn time_writes(&self, timer: WriteTimer) {
        *self.timer.lock().unwrap_or_else(|p| p.into_inner()) = Some(timer);
    }

    /// The run's redactor: secret values and key shapes become `[redacted]`.
    pub fn redactor(&self) -> Arc<Redactor> {
        self.redactor.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Front> {
        self.front.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note_failure(&self, why: &str) -> StoreError {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(|| why.to_string());
        failed(why)
    }

    /// Appends one event; when the kind must count, it is durable before this returns.
    pub fn append(&self, kind: EventKind) -> Result<Event, StoreError> {
        if let Some(why) = self.failure() {
            return Err(failed(&why));
        }
        let mut g = self.lock();
        let e = Event {
            run: self.run,
            seq: g.state.next_seq,
            at_ms: crate::util::now_ms(),
            kind,
        };
        let (e, json) = prepare_event(e, &self.redactor).map_err(|err| {
            let why = err.to_string();
            self.note_failure(&why)
        })?;
        let durable = e.kind.must_be_durable();
        let Some(to_writer) = g.to_writer.clone() else {
            return Err(failed(
                "the run's log is closed: the run is over or stopped",
            ));
        };
        let (ack, acked) = if durable {
            let (tx, rx) = sync_channel(1);
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        if to_writer
            .send(ToWriter::Write(vec![(e.clone(), json)], ack))
            .is_err()
        {
            return Err(self.note_failure("the log's writer has stopped"));
        }
        if let Some(acked) = acked {
            match acked.recv() {
                Ok(Ok(())) => {}
                Ok(Err(why)) => return Err(self.note_failure(&why)),
                Err(_) => return Err(self.note_failure("the log's writer has stopped")),
            }
        }
        apply(&mut g.state, &e);
        g.subscribers.retain(|s| s.send(e.clone()).is_ok());
        Ok(e)
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

    /// The state now and every event after it, with no gap and no event twice: what a
    /// screen that joins a live run starts from.
    pub fn state_and_subscribe(&self) -> (RunState, UnboundedReceiver<Event>) {
        let mut g = self.lock();
        let (tx, rx) = unbounded_channel();
        g.subscribers.push(tx);
        (g.state.clone(), rx)
    }

    /// Reads the run's current state.
    pub fn with_state<R>(&self, f: impl FnOnce(&RunState) -> R) -> R {
        f(&self.lock().state)
    }

    pub fn state(&self) -> RunState {
        self.with_state(Clone::clone)
    }

    /// Makes every event appended so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        let g = self.lock();
        let Some(to_writer) = g.to_writer.clone() else {
            return match self.failure() {
                Some(why) => Err(failed(&why)),
                None => Ok(()),
            };
        };
        let (tx, rx) = sync_channel(1);
        if to_writer.send(ToWriter::Flush(tx)).is_err() {
            return Err(self.note_failure("the log's writer has stopped"));
        }
        match rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(self.note_failure(&why)),
            Err(_) => Err(self.note_failure("the log's writer has stopped")),
        }
    }

    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn run(&self) -> RunId {
        self.run
    }
}

impl RunLog {
    /// Writes everything queued, then lets the run's database (and the run) go: appending
    /// fails from now on; the state stays readable.
    pub fn close(&self) {
        self.lock().to_writer = None;
        let thread = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

impl Drop for RunLog {
    /// Everything queued reaches the store before the run's database is let go.
    fn drop(&mut self) {
        self.close();
    }
}

/// The writer thread: appends what it is sent, coalescing queued batches into one sled batch,
/// until every sender is gone; then flushes and lets the run's database go.
fn write_all(
    mut writer: RunWriter,
    rx: Receiver<ToWriter>,
    failure: Arc<Mutex<Option<String>>>,
    timer: TimerSlot,
) {
    let fail = |why: String| {
        tracing::error!(error = %why, "an event could not be stored");
        failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(why.clone());
        why
    };
    let mut broken: Option<String> = None;
    while let Ok(msg) = rx.recv() {
        let (mut events, mut acks, mut flush) = (Vec::new(), Vec::new(), None);
        let mut next = Some(msg);
        while let Some(msg) = next.take() {
            match msg {
                ToWriter::Write(batch, ack) => {
                    events.extend(batch);
                    acks.extend(ack);
                }
                ToWriter::Flush(ack) => flush = Some(ack),
            }
            // What queued meanwhile goes in the same batch, up to a flush or a durable event.
            if flush.is_none() && acks.is_empty() {
                next = rx.try_recv().ok();
            }
        }
        let since = Instant::now();
        let mut result = match &broken {
            Some(why) => Err(why.clone()),
            None if events.is_empty() => Ok(()),
            None => {
                let written = writer
                    .write_prepared(events)
                    .map(|_| ())
                    .map_err(|e| fail(e.to_string()));
                timed(&timer, StoreWrite::Append, since);
                written
            }
        };
        if result.is_ok() && flush.is_some() {
            let since = Instant::now();
            result = writer.flush().map_err(|e| fail(e.to_string()));
            timed(&timer, StoreWrite::Flush, since);
        }
        if let Err(why) = &result {
            broken.get_or_insert(why.clone());
        }
        for ack in acks.into_iter().chain(flush) {
            let _ = ack.send(result.clone());
        }
    }
    if broken.is_none() {
        if let Err(e) = writer.flush() {
            fail(e.to_string());
        }
    }
}

impl EventSink for RunLog {
    fn emit(&self, kind: EventKind) {
        if let Err(e) = self.append(kind) {
            tracing::error!(error = %e, "an event could not be stored");
        }
    }
}
