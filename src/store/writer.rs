//! `RunWriter`: the single writer of one run's log.
//!
//! Owns seq assignment (gap-free, from 0), redaction before anything is written, batching,
//! durability (events that must count are flushed before `append` returns), periodic
//! snapshots and the run's index entry. It keeps the run's folded state, so the engine and
//! the store always agree on what the log says. Must not decide anything about the run.

use super::owner::OwnerLock;
use super::summary::RunSummary;
use super::{key_seq, seq_key, Result, RunDb, Store, StoreError};
use crate::model::{apply, Event, EventKind, RunId, RunState};
use crate::secrets::Redactor;

/// Snapshots of the state are at least this many events apart.
pub const SNAPSHOT_EVERY: u64 = 4096;

/// Snapshot bytes that cost about as much to read back as folding one stored event.
///
/// A snapshot holds the whole state, which grows with the run (transcripts above all), so a
/// snapshot every `SNAPSHOT_EVERY` events would make the snapshots of a long run grow with the
/// square of its length (a 1M-event run: gigabytes, and a sled database that takes seconds to
/// open). Instead the next snapshot waits until folding the events since the last one costs
/// about as much as reading that one back: a seek then costs at most about two snapshot reads,
/// and all snapshots together stay a small multiple of the final state's size.
pub const SNAPSHOT_BYTES_PER_EVENT: u64 = 1024;

pub struct RunWriter {
    run: RunId,
    db: RunDb,
    /// The run's row in the index.
    summary_file: std::path::PathBuf,
    /// Held for as long as this writer lives: the run is live, and nobody else writes it.
    _owner: OwnerLock,
    redactor: Redactor,
    state: RunState,
    /// Seq of the last event known to be on disk, if any.
    durable_upto: Option<u64>,
    /// False while an import writes: the run is indexed only once all of it is on disk.
    indexed: bool,
    /// Seq and size of the last snapshot (0, 0 before the first).
    last_snapshot: (u64, u64),
}

impl RunWriter {
    pub(super) fn create(
        store: &Store,
        run: RunId,
        owner: OwnerLock,
        db: RunDb,
    ) -> Result<RunWriter> {
        Ok(RunWriter {
            run,
            db,
            summary_file: store.layout().summary_file(run),
            _owner: owner,
            redactor: store.redactor().clone(),
            state: RunState::default(),
            durable_upto: None,
            indexed: true,
            last_snapshot: (0, 0),
        })
    }

    pub(super) fn reopen(
        store: &Store,
        run: RunId,
        owner: OwnerLock,
        db: RunDb,
    ) -> Result<RunWriter> {
        let state = store.state_at(run, None)?;
        let mut w = RunWriter::create(store, run, owner, db)?;
        let last = w.db.log.last()?.map(|(k, _)| key_seq(&k));
        if last.map_or(0, |l| l + 1) != state.next_seq {
            return Err(StoreError::Corrupt {
                run,
                seq: state.next_seq,
                reason: "the log and its snapshots disagree".into(),
            });
        }
        w.durable_upto = last;
        w.state = state;
        if let Some((k, v)) = w.db.snaps.last()? {
            w.last_snapshot = (key_seq(&k), Store::snapshot_len(&v));
        }
        Ok(w)
    }

    pub fn run(&self) -> RunId {
        self.run
    }

    /// What every event is scrubbed with (the engine also scrubs what goes to a model).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The run's state after every event appended so far.
    pub fn state(&self) -> &RunState {
        &self.state
    }

    pub fn next_seq(&self) -> u64 {
        self.state.next_seq
    }

    /// Seq of the last event known to be durable.
    pub fn durable_upto(&self) -> Option<u64> {
        self.durable_upto
    }

    /// Appends one event. If it is one that must count only once on disk (an approval, a
    /// decision, a level change, a merge, the end), it is flushed before this returns.
    pub fn append(&mut self, at_ms: u64, kind: EventKind) -> Result<Event> {
        let mut out = self.append_batch(at_ms, vec![kind])?;
        Ok(out.remove(0))
    }

    /// Appends events atomically (all or none reach the log) without waiting for the disk,
    /// unless one of them must be durable.
    pub fn append_batch(&mut self, at_ms: u64, kinds: Vec<EventKind>) -> Result<Vec<Event>> {
        let first = self.state.next_seq;
        let events = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Event {
                run: self.run,
                seq: first + i as u64,
                at_ms,
                kind,
            })
            .collect();
        self.write(events)
    }

    /// Appends events that already carry their seq and time (import, fork): they must
    /// continue this log exactly.
    pub fn append_events(&mut self, events: Vec<Event>) -> Result<Vec<Event>> {
        for (i, e) in events.iter().enumerate() {
            let want = self.state.next_seq + i as u64;
            if e.run != self.run || e.seq != want {
                return Err(StoreError::Corrupt {
                    run: self.run,
                    seq: want,
                    reason: format!(
                        "event {} of run {} does not continue this log",
                        e.seq, e.run
                    ),
                });
            }
        }
        self.write(events)
    }

    fn write(&mut self, events: Vec<Event>) -> Result<Vec<Event>> {
        let mut prepared = Vec::with_capacity(events.len());
        for e in events {
            prepared.push(prepare_event(e, &self.redactor)?);
        }
        self.write_prepared(prepared)
    }

    /// Appends events `prepare_event` made ready (the run log's writer thread gets them so:
    /// redacted and encoded by whoever appended them). They must continue the log.
    pub fn write_prepared(&mut self, events: Vec<(Event, Vec<u8>)>) -> Result<Vec<Event>> {
        let mut batch = sled::Batch::default();
        let mut out = Vec::with_capacity(events.len());
        let mut must_flush = false;
        for (i, (e, json)) in events.into_iter().enumerate() {
            let want = self.state.next_seq + i as u64;
            if e.seq != want {
                return Err(StoreError::Corrupt {
                    run: self.run,
                    seq: want,
                    reason: format!("event {} does not continue this log", e.seq),
                });
            }
            must_flush |= e.kind.must_be_durable();
            batch.insert(&seq_key(e.seq), json);
            out.push(e);
        }
        self.db.log.apply_batch(batch)?;
        for e in &out {
            apply(&mut self.state, e);
            // A finished run is opened far more often than it is seeked: its final state is
            // kept whole, so opening it reads one snapshot and folds nothing.
            if self.snapshot_due() || matches!(e.kind, EventKind::RunFinished { .. }) {
                self.snapshot()?;
            }
        }
        if out
            .iter()
            .any(|e| matches!(e.kind, EventKind::RunStarted { .. }))
        {
            // Indexed, and durable, before anyone is told the run exists: a process killed
            // right after printing its id leaves a run `resume` finds.
            self.flush()?;
        } else if must_flush && self.indexed {
            // An import flushes once at the end instead.
            self.flush()?;
        }
        Ok(out)
    }

    /// Makes every appended event durable and refreshes the run index.
    pub fn flush(&mut self) -> Result<()> {
        self.db.db.flush()?;
        self.write_summary()?;
        self.durable_upto = self.state.next_seq.checked_sub(1);
        Ok(())
    }

    /// See `SNAPSHOT_BYTES_PER_EVENT`.
    fn snapshot_due(&self) -> bool {
        let (seq, bytes) = self.last_snapshot;
        let since = self.state.next_seq.saturating_sub(seq);
        since >= SNAPSHOT_EVERY && since.saturating_mul(SNAPSHOT_BYTES_PER_EVENT) >= bytes
    }

    fn snapshot(&mut self) -> Result<()> {
        let json = serde_json::to_vec(&self.state).map_err(|err| StoreError::Corrupt {
            run: self.run,
            seq: self.state.next_seq,
            reason: err.to_string(),
        })?;
        self.last_snapshot = (self.state.next_seq, json.len() as u64);
        self.db.put_snapshot(self.state.next_seq, json)?;
        Ok(())
    }

    /// Keeps the run out of the index until `publish` (used by import).
    pub(super) fn unindexed(mut self) -> Self {
        self.indexed = false;
        self
    }

    /// Snapshots the state it ends at (an import or a fork is opened right after), flushes
    /// everything, then makes the run visible in the index, then flushes again.
    pub fn publish(&mut self) -> Result<()> {
        if self.last_snapshot.0 != self.state.next_seq {
            self.snapshot()?;
        }
        self.db.db.flush()?;
        self.indexed = true;
        self.flush()
    }

    fn write_summary(&self) -> Result<()> {
        if !self.indexed || self.state.run.is_none() {
            // Not indexed until it has begun: an empty log stays invisible.
            return Ok(());
        }
        let s = RunSummary::of(self.run, &self.state);
        let json = serde_json::to_vec(&s).unwrap_or_default();
        super::layout::replace_file(&self.summary_file, &json)
            .map_err(super::io_err(&self.summary_file))
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        // Best effort: a writer going away should leave its run listed with fresh numbers.
        let _ = self.write_summary();
    }
}

/// An event as the log will hold it: scrubbed by `redactor` and encoded. What the log says is
/// what the state shows, also after redaction, so the event comes back redacted too.
pub fn prepare_event(mut e: Event, redactor: &Redactor) -> Result<(Event, Vec<u8>)> {
    let json = serde_json::to_string(&e).map_err(|err| StoreError::Corrupt {
        run: e.run,
        seq: e.seq,
        reason: err.to_string(),
    })?;
    let clean = redactor.redact(&json);
    if let std::borrow::Cow::Owned(clean) = &clean {
        if let Ok(redacted) = serde_json::from_str::<Event>(clean) {
            e = redacted;
        }
    }
    Ok((e, clean.into_owned().into_bytes()))
}
