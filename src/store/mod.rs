//! The store: every run's event log and snapshots, the run index and the memory of what
//! later runs learn, on disk under the data dir (`layout.rs` has the paths).
//!
//! Many processes share one store: each run has its own sled database, written by the one
//! process that owns the run (`owner.rs`), read by any other once that one lets go; the
//! index is a file per run that anyone can read at any time. Inside a run's database:
//! - `log`: seq (u64 big-endian) → event JSON, gap-free from 0;
//! - `snap`: seq → the byte length (u64 big-endian) of the snapshot after the first `seq`
//!   events, spaced wider as the state grows (`SNAPSHOT_BYTES_PER_EVENT`);
//! - `snapbody/<seq>`: that snapshot's `RunState` JSON under the key `state`, one tree each:
//!   sled reads a whole leaf at once, so snapshots sharing a tree would be read (and held in
//!   memory) together, tens of megabytes each in a long run.
//!
//! Nothing but this module writes events. Must not know about the terminal or providers.

mod dbs;
mod export;
mod layout;
mod memory;
mod migrate;
mod owner;
mod reader;
mod salvage;
mod summary;
mod writer;

pub use export::{
    export_events, export_run, import_file, ExportHeader, EXPORT_FORMAT, EXPORT_VERSION,
};
pub use memory::Memory;
pub use reader::EventHead;
pub use salvage::{Repaired, RunHealth};
pub use summary::{shown_status, RunSummary};
pub use writer::{prepare_event, RunWriter, SNAPSHOT_BYTES_PER_EVENT, SNAPSHOT_EVERY};

use crate::model::{match_prefix, PrefixMatch, RunId};
use crate::secrets::Redactor;
use layout::Layout;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Bumped when the layout or the stored JSON changes incompatibly. 2: a database per run.
pub const STORE_FORMAT_VERSION: u64 = 2;

/// How long a reader waits for another process (an export, a `runs` recomputing a summary)
/// to let go of a run's database before giving up.
const READ_WAIT: Duration = Duration::from_secs(5);

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
    #[error("run {run} is live in process {pid}; `conclave attach {short}` watches it, and it can be resumed only once that process has ended", short = .run.short())]
    Live { run: RunId, pid: u32 },
    #[error("run {run}'s log is being read by another conclave process; try again when that one is done")]
    Busy { run: RunId },
    #[error("run {run}'s log at {path} is damaged ({reason}); `conclave doctor --repair` salvages its events up to the damage. Other runs are not affected")]
    Damaged {
        run: RunId,
        path: PathBuf,
        reason: String,
    },
    #[error("run {run}: event {seq} is unreadable ({reason}); the log is damaged; `conclave doctor --repair` salvages the events before it")]
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

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Cheap to clone: clones (and every other `Store` on the same data dir in this process)
/// share the databases they have open.
#[derive(Clone)]
pub struct Store {
    layout: Layout,
    redactor: Redactor,
}

/// One run's open database, with the trees every reader and the writer use. Holding it holds
/// the database open (and, for other processes, locked).
#[derive(Clone)]
pub(crate) struct RunDb {
    pub db: Arc<sled::Db>,
    pub log: sled::Tree,
    pub snaps: sled::Tree,
}

fn snap_body_name(seq: u64) -> String {
    format!("snapbody/{seq:020}")
}

/// The key of a snapshot's body in its tree.
const SNAP_BODY_KEY: &[u8] = b"state";

impl RunDb {
    fn open(db: Arc<sled::Db>) -> Result<RunDb> {
        Ok(RunDb {
            log: db.open_tree("log")?,
            snaps: db.open_tree("snap")?,
            db,
        })
    }

    /// Stores the snapshot after the first `seq` events: its body first, then the index
    /// entry, so an index entry never points at a body not written.
    pub fn put_snapshot(&self, seq: u64, json: Vec<u8>) -> Result<()> {
        let len = json.len() as u64;
        self.db
            .open_tree(snap_body_name(seq))?
            .insert(SNAP_BODY_KEY, json)?;
        self.snaps.insert(seq_key(seq), &len.to_be_bytes())?;
        Ok(())
    }

    /// The nearest snapshot at or before `upto` events: its seq and JSON body, if readable.
    pub fn snapshot_before(&self, upto: u64) -> Result<Option<(u64, sled::IVec)>> {
        let Some(kv) = self.snaps.range(..=seq_key(upto)).next_back() else {
            return Ok(None);
        };
        let (k, v) = kv?;
        let seq = key_seq(&k);
        if v.len() != 8 {
            // Written before bodies had trees of their own: the value is the body.
            return Ok(Some((seq, v)));
        }
        let name = snap_body_name(seq);
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

    /// How many events the log holds.
    pub fn event_count(&self) -> Result<u64> {
        Ok(self.log.last()?.map_or(0, |(k, _)| key_seq(&k) + 1))
    }
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

impl Store {
    /// Opens (creating if needed) the store under `data_dir`, migrating a format-1 store
    /// first. Opens no database yet: each run's is opened when it is read or written.
    pub fn open(data_dir: &Path) -> Result<Store> {
        let layout = Layout::new(data_dir);
        std::fs::create_dir_all(layout.runs_dir()).map_err(io_err(&layout.runs_dir()))?;
        migrate::ensure_current(&layout)?;
        Ok(Store {
            layout,
            redactor: Redactor::from_env(Vec::<String>::new()),
        })
    }

    /// Where the runs are kept.
    pub fn path(&self) -> PathBuf {
        self.layout.runs_dir()
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Sets what is scrubbed from every event written from now on.
    pub fn set_redactor(&mut self, r: Redactor) {
        self.redactor = r;
    }

    /// All indexed runs, oldest first.
    pub fn run_ids(&self) -> Result<Vec<RunId>> {
        let dir = self.layout.runs_dir();
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<RunId>().ok())
            else {
                continue;
            };
            if self.layout.summary_file(id).exists() {
                ids.push(id);
            }
        }
        ids.sort_by_key(|r| r.0);
        Ok(ids)
    }

    /// How many characters of an id (at least `min`) tell every run here apart: what a
    /// person can type back to `resolve`. `min` when the runs cannot be listed.
    pub fn unique_prefix_len(&self, min: usize) -> usize {
        self.run_ids()
            .map_or(min, |ids| crate::model::unique_prefix_len(ids, min))
    }

    pub fn has_run(&self, run: RunId) -> Result<bool> {
        Ok(self.layout.summary_file(run).exists())
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

    /// The pid of the process that runs `run` now, when that is another process.
    pub fn live_elsewhere(&self, run: RunId) -> Option<u32> {
        owner::live_owner(&self.layout.run_dir(run)).filter(|&pid| pid != std::process::id())
    }

    /// Whether some process (this one included) runs `run` now.
    pub fn is_live(&self, run: RunId) -> bool {
        owner::live_owner(&self.layout.run_dir(run)).is_some()
    }

    /// The run's database for reading. A run another process runs is refused (that process
    /// has it open); one this process writes is shared with its writer.
    pub(crate) fn run_db(&self, run: RunId) -> Result<RunDb> {
        let path = self.layout.db_dir(run);
        if !dbs::is_open_here(&path) {
            if let Some(pid) = self.live_elsewhere(run) {
                return Err(StoreError::Live { run, pid });
            }
            if !path.exists() {
                return Err(StoreError::UnknownRun(run.to_string()));
            }
        }
        self.open_run_db(run, READ_WAIT)
    }

    fn open_run_db(&self, run: RunId, wait: Duration) -> Result<RunDb> {
        let path = self.layout.db_dir(run);
        match dbs::open(&path, wait) {
            Ok(db) => RunDb::open(db),
            Err(dbs::OpenFailure::Locked) => match self.live_elsewhere(run) {
                Some(pid) => Err(StoreError::Live { run, pid }),
                None => Err(StoreError::Busy { run }),
            },
            Err(dbs::OpenFailure::Damaged(reason)) => {
                Err(StoreError::Damaged { run, path, reason })
            }
            Err(dbs::OpenFailure::Other(e)) => Err(e.into()),
        }
    }

    /// Becomes the process that writes `run`, and opens its database for that.
    fn own(&self, run: RunId) -> Result<(owner::OwnerLock, RunDb)> {
        let dir = self.layout.run_dir(run);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let lock = match owner::claim(&dir).map_err(io_err(&dir))? {
            Ok(lock) => lock,
            Err(pid) => return Err(StoreError::Live { run, pid }),
        };
        let db = self.open_run_db(run, READ_WAIT)?;
        Ok((lock, db))
    }

    /// Starts a new run's log. A leftover unindexed log of the same id (a crashed import) is
    /// dropped first.
    pub fn create_run(&self, run: RunId) -> Result<RunWriter> {
        if self.has_run(run)? {
            return Err(StoreError::RunExists(run));
        }
        let dir = self.layout.run_dir(run);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let lock = match owner::claim(&dir).map_err(io_err(&dir))? {
            Ok(lock) => lock,
            Err(_) => return Err(StoreError::RunExists(run)),
        };
        let db_dir = self.layout.db_dir(run);
        if db_dir.exists() {
            std::fs::remove_dir_all(&db_dir).map_err(io_err(&db_dir))?;
        }
        let db = self.open_run_db(run, READ_WAIT)?;
        RunWriter::create(self, run, lock, db)
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
        let (lock, db) = self.own(run)?;
        RunWriter::reopen(self, run, lock, db)
    }

    /// Removes a run and everything stored for it.
    pub fn delete_run(&self, run: RunId) -> Result<()> {
        let summary = self.layout.summary_file(run);
        if summary.exists() {
            std::fs::remove_file(&summary).map_err(io_err(&summary))?;
        }
        let dir = self.layout.run_dir(run);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        Ok(())
    }

    /// A snapshot's size in bytes from its index entry.
    pub(crate) fn snapshot_len(value: &[u8]) -> u64 {
        match <[u8; 8]>::try_from(value) {
            Ok(b) => u64::from_be_bytes(b),
            Err(_) => value.len() as u64,
        }
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Lessons, outcome statistics and rules kept across runs.
    pub fn memory(&self) -> Result<Memory> {
        Ok(Memory::new(self.layout.memory_dir()))
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_layout;
