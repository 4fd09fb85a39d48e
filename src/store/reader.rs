//! Reading a run back: its events, and its state at any point via the nearest snapshot.
//!
//! Owns the read paths of the store. Must not write events (it may only be handed the
//! `Store`, never a `RunWriter`).

use super::summary::RunSummary;
use super::{key_seq, seq_key, Result, Store, StoreError};
use crate::model::{apply, Event, RunId, RunState};

/// What `event_heads` reads of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventHead {
    pub seq: u64,
    pub at_ms: u64,
    /// The `kind` tag (`"ApprovalDecided"`).
    pub kind: String,
}

impl Store {
    /// Events `from..to` (`to` = the end when `None`), decoded in order.
    pub fn events(
        &self,
        run: RunId,
        from: u64,
        to: Option<u64>,
    ) -> Result<impl Iterator<Item = Result<Event>>> {
        let db = self.run_db(run)?;
        let range = match to {
            Some(to) => db.log.range(seq_key(from)..seq_key(to)),
            None => db.log.range(seq_key(from)..),
        };
        Ok(range.map(move |kv| {
            // The database stays open (this process's handle on it) while this is read.
            let _open = &db;
            let (k, v) = kv?;
            serde_json::from_slice::<Event>(&v).map_err(|e| StoreError::Corrupt {
                run,
                seq: key_seq(&k),
                reason: e.to_string(),
            })
        }))
    }

    /// Each event's seq, time and kind name in `from..to`, backwards when `reverse`, decoding
    /// nothing else: a replay indexes a million-event run's decisions with this.
    pub fn event_heads(
        &self,
        run: RunId,
        from: u64,
        to: Option<u64>,
        reverse: bool,
    ) -> Result<Box<dyn Iterator<Item = Result<EventHead>>>> {
        #[derive(serde::Deserialize)]
        struct Head<'a> {
            at_ms: u64,
            #[serde(borrow)]
            kind: std::borrow::Cow<'a, str>,
        }
        let db = self.run_db(run)?;
        let range = match to {
            Some(to) => db.log.range(seq_key(from)..seq_key(to)),
            None => db.log.range(seq_key(from)..),
        };
        let decode = move |kv: sled::Result<(sled::IVec, sled::IVec)>| {
            let _open = &db;
            let (k, v) = kv?;
            let seq = key_seq(&k);
            let h: Head = serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt {
                run,
                seq,
                reason: e.to_string(),
            })?;
            Ok(EventHead {
                seq,
                at_ms: h.at_ms,
                kind: h.kind.into_owned(),
            })
        };
        Ok(if reverse {
            Box::new(range.rev().map(decode))
        } else {
            Box::new(range.map(decode))
        })
    }

    /// All events of a run.
    pub fn all_events(&self, run: RunId) -> Result<Vec<Event>> {
        self.events(run, 0, None)?.collect()
    }

    /// How many events the run's log holds.
    pub fn event_count(&self, run: RunId) -> Result<u64> {
        self.run_db(run)?.event_count()
    }

    /// The state after the first `upto` events (all when `None`), from the nearest snapshot
    /// at or before that point.
    pub fn state_at(&self, run: RunId, upto: Option<u64>) -> Result<RunState> {
        let db = self.run_db(run)?;
        let count = db.event_count()?;
        let upto = upto.unwrap_or(count).min(count);
        let mut state = RunState::default();
        if let Some((seq, v)) = db.snapshot_before(upto)? {
            match serde_json::from_slice::<RunState>(&v) {
                Ok(mut s) if s.next_seq == seq => {
                    s.rebuild_index();
                    state = s;
                }
                // A damaged snapshot only costs time: fold from zero instead.
                _ => tracing::warn!(%run, seq, "unreadable snapshot ignored"),
            }
        }
        for e in self.events(run, state.next_seq, Some(upto))? {
            apply(&mut state, &e?);
        }
        Ok(state)
    }

    /// Every run's summary, oldest first. See `summary`.
    pub fn summaries(&self) -> Result<Vec<RunSummary>> {
        let mut out = Vec::new();
        for run in self.run_ids()? {
            out.push(self.summary(run)?);
        }
        Ok(out)
    }

    /// The run's row in the index, `live` when a process runs it now. The row of a run nobody
    /// runs but that never finished may be older than its log (the process died between a
    /// write and the next flush): it is recomputed from the log. One whose log cannot be read
    /// is shown as the index last had it, `damaged`.
    pub fn summary(&self, run: RunId) -> Result<RunSummary> {
        let file = self.layout().summary_file(run);
        let stored = std::fs::read(&file)
            .ok()
            .and_then(|v| serde_json::from_slice::<RunSummary>(&v).ok());
        let live = self.is_live(run);
        let mut s = match stored {
            Some(s) if live || matches!(s.status.as_str(), "finished" | "failed" | "cancelled") => {
                s
            }
            stored => match self.state_at(run, None) {
                Ok(state) => RunSummary::of(run, &state),
                Err(e @ (StoreError::Live { .. } | StoreError::Busy { .. })) => match stored {
                    Some(s) => s,
                    None => return Err(e),
                },
                Err(StoreError::Damaged { .. } | StoreError::Corrupt { .. }) => {
                    let mut s = stored.unwrap_or_else(|| RunSummary::of(run, &RunState::default()));
                    s.status = "damaged".into();
                    s
                }
                Err(e) => return Err(e),
            },
        };
        s.live = live;
        Ok(s)
    }
}
