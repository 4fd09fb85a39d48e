//! Damage contained: checking a run's log, and salvaging what can be read of a damaged one.
//!
//! A run's log is damaged when sled cannot open its database, when the log has a gap or an
//! event that does not decode, or when it holds fewer events than its index row says were
//! made durable (sled, finding a damaged segment, recovers up to it and drops the rest).
//! `repair` keeps every event up to the first damage: it reads them (from a copy with sled's
//! own snapshot files removed and, if sled still refuses, cut back segment by segment), moves
//! the damaged directory to `damaged/`, and writes a fresh log of those events. Owns only
//! that; it reads and writes runs through the `Store` like everyone else.

use super::{dbs, io_err, Result, Store, StoreError};
use crate::model::{Event, RunId};
use std::path::{Path, PathBuf};

/// What `check` found of one run.
#[derive(Clone, Debug, PartialEq)]
pub enum RunHealth {
    Ok { events: u64 },
    /// Another process runs it: its log is not read from here.
    Live { pid: u32 },
    Damaged { readable: u64, reason: String },
}

/// What `repair` did with a damaged run.
#[derive(Clone, Debug, PartialEq)]
pub struct Repaired {
    pub run: RunId,
    /// Events in the new log.
    pub kept: u64,
    /// How many its index row said there were (at least), when it said.
    pub expected: Option<u64>,
    /// Where the damaged files were moved.
    pub moved_to: PathBuf,
}

/// sled's default segment size: a log cut at a multiple of it looks like one a crash ended.
const SEGMENT: u64 = 512 * 1024;

/// The events from 0 that decode and follow each other, and why reading stopped early (if it
/// did).
fn readable_prefix(db: &sled::Db, run: RunId) -> (Vec<Event>, Option<String>) {
    let mut out = Vec::new();
    let Ok(log) = db.open_tree("log") else {
        return (out, Some("its log tree cannot be opened".into()));
    };
    for kv in log.iter() {
        let (k, v) = match kv {
            Ok(kv) => kv,
            Err(e) => {
                let why = format!("event {} cannot be read: {e}", out.len());
                return (out, Some(why));
            }
        };
        let want = out.len() as u64;
        if super::key_seq(&k) != want {
            return (out, Some(format!("event {want} is missing")));
        }
        match serde_json::from_slice::<Event>(&v) {
            Ok(e) if e.run == run && e.seq == want => out.push(e),
            _ => return (out, Some(format!("event {want} does not decode"))),
        }
    }
    (out, None)
}

impl Store {
    fn expected_events(&self, run: RunId) -> Option<u64> {
        std::fs::read(self.layout().summary_file(run))
            .ok()
            .and_then(|b| serde_json::from_slice::<super::RunSummary>(&b).ok())
            .map(|s| s.events)
    }

    /// Reads the whole log of `run` and says whether it is whole.
    pub fn check(&self, run: RunId) -> Result<RunHealth> {
        if let Some(pid) = self.live_elsewhere(run) {
            return Ok(RunHealth::Live { pid });
        }
        let db = match self.run_db(run) {
            Ok(db) => db,
            Err(StoreError::Damaged { reason, .. }) => {
                return Ok(RunHealth::Damaged {
                    readable: 0,
                    reason: format!("sled cannot open its database: {reason}"),
                })
            }
            Err(StoreError::Live { pid, .. }) => return Ok(RunHealth::Live { pid }),
            Err(e) => return Err(e),
        };
        let (events, stopped) = readable_prefix(&db.db, run);
        let readable = events.len() as u64;
        if let Some(reason) = stopped {
            return Ok(RunHealth::Damaged { readable, reason });
        }
        if let Some(expected) = self.expected_events(run).filter(|&n| n > readable) {
            return Ok(RunHealth::Damaged {
                readable,
                reason: format!(
                    "its index says {expected} events were stored, the log holds {readable}"
                ),
            });
        }
        if let Err(e) = self.state_at(run, None) {
            return Ok(RunHealth::Damaged {
                readable,
                reason: e.to_string(),
            });
        }
        Ok(RunHealth::Ok { events: readable })
    }

    /// Salvages a damaged run: every event up to the damage goes into a fresh log, the damaged
    /// files to `damaged/`. A run that is live elsewhere is refused.
    pub fn repair(&self, run: RunId) -> Result<Repaired> {
        if let Some(pid) = self.live_elsewhere(run) {
            return Err(StoreError::Live { run, pid });
        }
        let expected = self.expected_events(run);
        let run_dir = self.layout().run_dir(run);
        let damaged = self.layout().damaged_dir();
        std::fs::create_dir_all(&damaged).map_err(io_err(&damaged))?;
        let moved_to = damaged.join(format!("{run}-{}", crate::util::now_ms()));
        let events = self.salvage_events(run, &moved_to)?;
        // The damaged directory is kept whole; the run gets a new one.
        std::fs::rename(&run_dir, &moved_to).map_err(io_err(&run_dir))?;
        let kept = events.len() as u64;
        if kept > 0 {
            let mut w = self.create_unlisted_run(run)?;
            for chunk in events.chunks(4096) {
                w.append_events(chunk.to_vec())?;
            }
            w.publish()?;
        }
        Ok(Repaired {
            run,
            kept,
            expected,
            moved_to,
        })
    }

    /// The readable prefix of `run`'s log, reading a copy under `scratch` when sled will not
    /// open the original.
    fn salvage_events(&self, run: RunId, scratch: &Path) -> Result<Vec<Event>> {
        match self.run_db(run) {
            Ok(db) => return Ok(readable_prefix(&db.db, run).0),
            Err(StoreError::Damaged { .. }) => {}
            Err(e) => return Err(e),
        }
        let copy = scratch.with_extension("salvage");
        let original = self.layout().db_dir(run);
        copy_dir(&original, &copy)?;
        // Without its page-table snapshots sled rebuilds everything from the log itself.
        for entry in std::fs::read_dir(&copy).map_err(io_err(&copy))? {
            let path = entry.map_err(io_err(&copy))?.path();
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snap."))
            {
                std::fs::remove_file(&path).map_err(io_err(&path))?;
            }
        }
        let log_file = copy.join("db");
        let mut len = std::fs::metadata(&log_file).map(|m| m.len()).unwrap_or(0);
        let result = loop {
            match dbs::config(&copy).open() {
                Ok(db) => break readable_prefix(&db, run).0,
                Err(_) if len > 0 => {
                    len = (len - 1) / SEGMENT * SEGMENT;
                    let f = std::fs::OpenOptions::new()
                        .write(true)
                        .open(&log_file)
                        .map_err(io_err(&log_file))?;
                    f.set_len(len).map_err(io_err(&log_file))?;
                }
                Err(_) => break Vec::new(),
            }
        };
        let _ = std::fs::remove_dir_all(&copy);
        Ok(result)
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io_err(to))?;
    for entry in std::fs::read_dir(from).map_err(io_err(from))? {
        let entry = entry.map_err(io_err(from))?;
        let dest = to.join(entry.file_name());
        if entry.file_type().map_err(io_err(from))?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest).map_err(io_err(&dest))?;
        }
    }
    Ok(())
}
