//! Damage contained: checking a run's log, and salvaging what can be read of a damaged one.
//!
//! A run's log is damaged when sled cannot open its database, when the log has a gap or an
//! event that does not decode, or when it holds fewer events than its index row says were
//! made durable (sled, finding a damaged segment, recovers up to it and drops the rest).
//! `repair` keeps every event up to the first damage: it reads them through sled, or, when
//! sled reads less or refuses, from the database's files directly (`carve`), moves the
//! damaged directory to `damaged/`, and writes a fresh log of those events. Owns only
//! that; it reads and writes runs through the `Store` like everyone else.

use super::{io_err, Result, Store, StoreError};
use crate::model::{Event, RunId};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `check` found of one run.
#[derive(Clone, Debug, PartialEq)]
pub enum RunHealth {
    Ok {
        events: u64,
    },
    /// Another process runs it: its log is not read from here.
    Live {
        pid: u32,
    },
    Damaged {
        readable: u64,
        reason: String,
    },
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

/// The events from 0 that decode and follow each other, and why reading stopped early (if it
/// did).
fn readable_prefix(db: &sled::Db, run: RunId) -> (Vec<Event>, Option<String>) {
    let mut out = Vec::new();
    // sled panics on some damaged pages instead of saying so: what was read before stays.
    let stopped = crate::util::contain::contain(|| read_into(db, run, &mut out))
        .unwrap_or_else(|why| Some(format!("event {} cannot be read: {why}", out.len())));
    (out, stopped)
}

fn read_into(db: &sled::Db, run: RunId, out: &mut Vec<Event>) -> Option<String> {
    let Ok(log) = db.open_tree("log") else {
        return Some("its log tree cannot be opened".into());
    };
    for kv in log.iter() {
        let (k, v) = match kv {
            Ok(kv) => kv,
            Err(e) => {
                return Some(format!("event {} cannot be read: {e}", out.len()));
            }
        };
        let want = out.len() as u64;
        if super::key_seq(&k) != want {
            return Some(format!("event {want} is missing"));
        }
        match serde_json::from_slice::<Event>(&v) {
            Ok(e) if e.run == run && e.seq == want => out.push(e),
            _ => return Some(format!("event {want} does not decode")),
        }
    }
    None
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
                    "its index says {} stored, the log holds {readable}",
                    match expected {
                        1 => "1 event was".to_string(),
                        n => format!("{n} events were"),
                    }
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
        let events = self.salvage_events(run)?;
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

    /// The longest readable prefix of `run`'s log: what sled reads of it, or what is found
    /// in its files directly when sled reads less (or nothing).
    fn salvage_events(&self, run: RunId) -> Result<Vec<Event>> {
        let through_sled = match self.run_db(run) {
            Ok(db) => readable_prefix(&db.db, run).0,
            Err(StoreError::Damaged { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        let carved = carve(&self.layout().db_dir(run), run);
        Ok(if carved.len() > through_sled.len() {
            carved
        } else {
            through_sled
        })
    }
}

/// Every event of `run` found in the database's files as its JSON text, gap-free from 0.
///
/// sled keeps a value's bytes as they were given (it is built without compression here), and
/// an event is written once and never changed, so every copy of an event in the files (a
/// leaf page is rewritten whole when it changes) says the same. This reads past whatever sled
/// itself can no longer make sense of: a cut or overwritten page loses only its own events.
fn carve(db_dir: &Path, run: RunId) -> Vec<Event> {
    let needle = format!("{{\"run\":\"{run}\",\"seq\":");
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut found: BTreeMap<u64, Event> = BTreeMap::new();
    let mut files = vec![db_dir.join("db")];
    if let Ok(blobs) = std::fs::read_dir(db_dir.join("blobs")) {
        files.extend(blobs.flatten().map(|e| e.path()));
    }
    for file in files {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        for at in finder.find_iter(&bytes) {
            let mut values =
                serde_json::Deserializer::from_slice(&bytes[at..]).into_iter::<Event>();
            if let Some(Ok(e)) = values.next() {
                if e.run == run {
                    found.entry(e.seq).or_insert(e);
                }
            }
        }
    }
    found
        .into_iter()
        .enumerate()
        .take_while(|(i, (seq, _))| *i as u64 == *seq)
        .map(|(_, (_, e))| e)
        .collect()
}
