//! The sled store: every run's event log, its snapshots, the run index and the memory tree.
//!
//! Owns the on-disk layout (design §3, §13):
//! - `meta`: `format_version`;
//! - `runs`: run id (16 bytes) → `RunSummary` JSON; a run exists only once it is indexed, so a
//!   half-written import or a crashed create is invisible and cleaned up;
//! - `log/<run>`: seq (u64 big-endian) → event JSON, gap-free from 0;
//! - `snap/<run>`: seq → the byte length (u64 big-endian) of the snapshot after the first
//!   `seq` events, spaced wider as the state grows (`SNAPSHOT_BYTES_PER_EVENT`); stores written
//!   before 0.1 hold the `RunState` JSON itself here, and are still read;
//! - `snapbody/<run>/<seq>`: that snapshot's `RunState` JSON under the key `state`, one tree
//!   each: sled reads a whole leaf at once, so snapshots sharing a tree would be read (and
//!   held in memory) together, tens of megabytes each in a long run;
//! - `memory`: lessons and outcome statistics that later runs learn from.
//!
//! Nothing but this module writes events. Must not know about the terminal or providers.

mod export;
mod memory;
mod reader;
mod summary;
mod writer;

pub use export::{export_run, import_file, ExportHeader, EXPORT_FORMAT, EXPORT_VERSION};
pub use memory::Memory;
pub use reader::EventHead;
pub use summary::RunSummary;
pub use writer::{RunWriter, SNAPSHOT_BYTES_PER_EVENT, SNAPSHOT_EVERY};

use crate::model::{match_prefix, PrefixMatch, RunId};
use crate::secrets::Redactor;
use std::path::{Path, PathBuf};

/// Bumped when the layout or the stored JSON changes incompatibly.
pub const STORE_FORMAT_VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("the store at {path} has format version {found}, newer than this conclave understands ({supported}); upgrade conclave or use another --data-dir")]
    FutureVersion {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    #[error("no run matches `{0}`; `conclave runs` lists them")]
    UnknownRun(String),
    #[error("`{prefix}` matches {} runs ({}); type more of the id", .candidates.len(), .candidates.join(", "))]
    AmbiguousRun {
        prefix: String,
        candidates: Vec<String>,
    },
    #[error("run {0} already exists in this store")]
    RunExists(RunId),
    #[error("run {run}: event {seq} is unreadable ({reason}); the log is damaged")]
    Corrupt {
        run: RunId,
        seq: u64,
        reason: String,
    },
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    #[error("{0}")]
    Import(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Cheap to clone: clones share the open database (a replay reads on a blocking thread while
/// the screen's caller keeps its handle).
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    runs: sled::Tree,
    path: PathBuf,
    redactor: Redactor,
}

fn log_tree_name(run: RunId) -> String {
    format!("log/{run}")
}

fn snap_tree_name(run: RunId) -> String {
    format!("snap/{run}")
}

fn snap_body_name(run: RunId, seq: u64) -> String {
    format!("snapbody/{run}/{seq:020}")
}

/// The key of a snapshot's body in its tree.
const SNAP_BODY_KEY: &[u8] = b"state";

/// Stores the snapshot after the first `seq` events: its body first, then the index entry
/// (`snaps`, the run's `snap/` tree), so an index entry never points at a body not written.
pub(crate) fn put_snapshot(
    db: &sled::Db,
    snaps: &sled::Tree,
    run: RunId,
    seq: u64,
    json: Vec<u8>,
) -> Result<()> {
    let len = json.len() as u64;
    db.open_tree(snap_body_name(run, seq))?
        .insert(SNAP_BODY_KEY, json)?;
    snaps.insert(seq_key(seq), &len.to_be_bytes())?;
    Ok(())
}

pub(crate) fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

pub(crate) fn key_seq(k: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = k.len().min(8);
    b[8 - n..].copy_from_slice(&k[..n]);
    u64::from_be_bytes(b)
}

/// Opens the sled database, waiting up to two seconds for its lock: a conclave that was just
/// killed (or a process it had started that has not exited yet) may hold it a moment longer.
fn open_db(path: &Path) -> Result<sled::Db> {
    let locked = |e: &sled::Error| {
        matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
            || e.to_string().contains("could not acquire lock")
    };
    let mut waited = 0;
    loop {
        let opened = sled::Config::new()
            .path(path)
            .cache_capacity(32 * 1024 * 1024)
            .mode(sled::Mode::HighThroughput)
            .flush_every_ms(Some(200))
            .open();
        match opened {
            Ok(db) => return Ok(db),
            Err(e) if locked(&e) && waited < 20 => {
                waited += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => {
                return Err(StoreError::Open {
                    path: path.to_path_buf(),
                    reason: if locked(&e) {
                        "another conclave process has it open; close that one first".into()
                    } else if matches!(e, sled::Error::Corruption { .. }) {
                        // sled's own words ("Read corrupted data at file offset None
                        // backtrace ()") tell a person nothing they can act on.
                        format!(
                            "its files are damaged and this conclave cannot read them. Keep them for later (`mv {0} {0}.damaged`) and conclave starts with an empty store; runs you exported come back with `conclave import FILE`",
                            path.display()
                        )
                    } else {
                        e.to_string()
                    },
                });
            }
        }
    }
}

impl Store {
    /// Opens (creating if needed) the store under `data_dir/store`.
    pub fn open(data_dir: &Path) -> Result<Store> {
        let path = data_dir.join("store");
        std::fs::create_dir_all(&path).map_err(|e| StoreError::Io {
            path: path.clone(),
            source: e,
        })?;
        let db = open_db(&path)?;
        let meta = db.open_tree("meta")?;
        match meta.get("format_version")? {
            Some(v) => {
                let found = key_seq(&v);
                if found > STORE_FORMAT_VERSION {
                    return Err(StoreError::FutureVersion {
                        path,
                        found,
                        supported: STORE_FORMAT_VERSION,
                    });
                }
            }
            None => {
                meta.insert("format_version", &seq_key(STORE_FORMAT_VERSION))?;
                db.flush()?;
            }
        }
        let runs = db.open_tree("runs")?;
        Ok(Store {
            db,
            runs,
            path,
            redactor: Redactor::from_env(Vec::<String>::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets what is scrubbed from every event written from now on.
    pub fn set_redactor(&mut self, r: Redactor) {
        self.redactor = r;
    }

    /// All indexed runs, oldest first.
    pub fn run_ids(&self) -> Result<Vec<RunId>> {
        let mut ids = Vec::new();
        for kv in self.runs.iter() {
            let (k, _) = kv?;
            if let Ok(b) = <[u8; 16]>::try_from(k.as_ref()) {
                ids.push(RunId(ulid::Ulid::from_bytes(b)));
            }
        }
        Ok(ids)
    }

    pub fn has_run(&self, run: RunId) -> Result<bool> {
        Ok(self.runs.contains_key(run.0.to_bytes())?)
    }

    /// The run a person means by `prefix` (a full id or a unique prefix of one).
    pub fn resolve(&self, prefix: &str) -> Result<RunId> {
        match match_prefix(prefix, self.run_ids()?) {
            PrefixMatch::One(id) => Ok(id),
            PrefixMatch::None => Err(StoreError::UnknownRun(prefix.to_string())),
            PrefixMatch::Many(ids) => Err(StoreError::AmbiguousRun {
                prefix: prefix.to_string(),
                candidates: ids.iter().map(|i| i.to_string()).collect(),
            }),
        }
    }

    /// Starts a new run's log. A leftover unindexed log of the same id (a crashed import) is
    /// dropped first.
    pub fn create_run(&self, run: RunId) -> Result<RunWriter> {
        if self.has_run(run)? {
            return Err(StoreError::RunExists(run));
        }
        self.drop_trees(run)?;
        RunWriter::create(self, run)
    }

    /// Starts a new run whose log is first filled in bulk (import, fork): it stays out of the
    /// index, so invisible to every listing, until `RunWriter::publish`: a process that dies
    /// before that leaves no half-copied run anyone sees.
    pub fn create_unlisted_run(&self, run: RunId) -> Result<RunWriter> {
        Ok(self.create_run(run)?.unindexed())
    }

    /// Continues an existing run's log where it ends.
    pub fn open_writer(&self, run: RunId) -> Result<RunWriter> {
        if !self.has_run(run)? {
            return Err(StoreError::UnknownRun(run.to_string()));
        }
        RunWriter::reopen(self, run)
    }

    /// Removes a run and everything stored for it.
    pub fn delete_run(&self, run: RunId) -> Result<()> {
        self.runs.remove(run.0.to_bytes())?;
        self.drop_trees(run)?;
        self.db.flush()?;
        Ok(())
    }

    fn drop_trees(&self, run: RunId) -> Result<()> {
        self.db.drop_tree(log_tree_name(run))?;
        for k in self.snap_tree(run)?.iter().keys() {
            self.db.drop_tree(snap_body_name(run, key_seq(&k?)))?;
        }
        self.db.drop_tree(snap_tree_name(run))?;
        Ok(())
    }

    /// The nearest snapshot at or before `upto` events: its seq and JSON body, if readable.
    pub(crate) fn snapshot_before(
        &self,
        run: RunId,
        upto: u64,
    ) -> Result<Option<(u64, sled::IVec)>> {
        let Some(kv) = self.snap_tree(run)?.range(..=seq_key(upto)).next_back() else {
            return Ok(None);
        };
        let (k, v) = kv?;
        let seq = key_seq(&k);
        if v.len() != 8 {
            // Written before bodies had trees of their own: the value is the body.
            return Ok(Some((seq, v)));
        }
        let name = snap_body_name(run, seq);
        if !self
            .db
            .tree_names()
            .iter()
            .any(|n| n.as_ref() == name.as_bytes())
        {
            return Ok(None);
        }
        Ok(self
            .db
            .open_tree(name)?
            .get(SNAP_BODY_KEY)?
            .map(|body| (seq, body)))
    }

    /// A snapshot's size in bytes from its index entry.
    pub(crate) fn snapshot_len(value: &[u8]) -> u64 {
        match <[u8; 8]>::try_from(value) {
            Ok(b) => u64::from_be_bytes(b),
            Err(_) => value.len() as u64,
        }
    }

    pub(crate) fn log_tree(&self, run: RunId) -> Result<sled::Tree> {
        Ok(self.db.open_tree(log_tree_name(run))?)
    }

    pub(crate) fn snap_tree(&self, run: RunId) -> Result<sled::Tree> {
        Ok(self.db.open_tree(snap_tree_name(run))?)
    }

    pub(crate) fn runs_tree(&self) -> &sled::Tree {
        &self.runs
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub(crate) fn db(&self) -> &sled::Db {
        &self.db
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// Lessons and outcome statistics kept across runs.
    pub fn memory(&self) -> Result<Memory> {
        Ok(Memory::new(self.db.open_tree("memory")?))
    }
}

#[cfg(test)]
mod tests;
