//! Where everything of the store lives under the data dir (format 2):
//!
//! - `format`: the store's format version, one number;
//! - `runs/<RUN>/db/`: the run's own sled database (trees `log`, `snap`, `snapbody/<seq>`);
//! - `runs/<RUN>/summary.json`: its row in the index, replaced whole (write, then rename) so a
//!   reader never sees half of one; a run exists once this file does;
//! - `runs/<RUN>/owner`: the lock its writing process holds (`owner.rs`);
//! - `memory/`: the sled database of what later runs learn (lessons, rules);
//! - `damaged/`: what `doctor --repair` moved aside;
//! - `store/`: a format-1 store (every run in one database), migrated on first open and then
//!   renamed `store.v1-migrated`.
//!
//! A database per run is what lets many processes share a store: sled lets one process at a
//! time open a database, so one database for all runs meant one process for all runs.
//! Owns path names and whole-file replacement only.

use crate::model::RunId;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub(crate) struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn format_file(&self) -> PathBuf {
        self.root.join("format")
    }

    pub fn migrate_lock(&self) -> PathBuf {
        self.root.join("format.lock")
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    pub fn run_dir(&self, run: RunId) -> PathBuf {
        self.runs_dir().join(run.to_string())
    }

    pub fn db_dir(&self, run: RunId) -> PathBuf {
        self.run_dir(run).join("db")
    }

    pub fn summary_file(&self, run: RunId) -> PathBuf {
        self.run_dir(run).join("summary.json")
    }

    pub fn memory_dir(&self) -> PathBuf {
        self.root.join("memory")
    }

    pub fn damaged_dir(&self) -> PathBuf {
        self.root.join("damaged")
    }

    pub fn v1_dir(&self) -> PathBuf {
        self.root.join("store")
    }

    pub fn v1_migrated_dir(&self) -> PathBuf {
        self.root.join("store.v1-migrated")
    }
}

/// Replaces `path` with `bytes` whole: written beside it, then renamed over it.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
