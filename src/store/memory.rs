//! The memory: what later runs learn from (lessons, per-agent outcome statistics, rules).
//!
//! Owns a small typed key/value API over its own sled database (`memory/` in the data dir).
//! Every run of every process reads and writes it, and sled lets one process at a time have
//! a database open, so each call opens it, does its work and lets go: a call waits for another
//! process's call, never for its run. Keys are namespaced (`lesson/<ulid>`,
//! `stats/<agent>/<kind>`). Writes are flushed before they return, because a lesson counts as
//! persisted only once it is on disk.

use super::{dbs, Result, StoreError};
use serde::{de::DeserializeOwned, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Long enough for any other process's single call to finish.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct Memory {
    path: PathBuf,
}

impl Memory {
    pub(super) fn new(path: PathBuf) -> Memory {
        Memory { path }
    }

    /// Runs `f` on the memory tree, the database open only meanwhile.
    fn with<R>(&self, f: impl FnOnce(&sled::Tree) -> sled::Result<R>) -> Result<R> {
        let db = dbs::open(&self.path, WAIT).map_err(|e| StoreError::Open {
            path: self.path.clone(),
            reason: match e {
                dbs::OpenFailure::Locked => {
                    "another conclave process kept it open for over 10 s; try again".into()
                }
                dbs::OpenFailure::Damaged(why) => format!(
                    "{why}; move it aside (`mv {0} {0}.damaged`): conclave then starts with no lessons or rules, and every run is kept",
                    self.path.display()
                ),
                dbs::OpenFailure::Other(e) => e.to_string(),
            },
        })?;
        let tree = db.open_tree("memory")?;
        Ok(f(&tree)?)
    }

    pub fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let json =
            serde_json::to_vec(value).map_err(|e| super::StoreError::Import(e.to_string()))?;
        self.with(|t| {
            t.insert(key.as_bytes(), json)?;
            t.flush()?;
            Ok(())
        })
    }

    /// The value under `key`; an entry that no longer decodes reads as absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        Ok(self
            .with(|t| t.get(key.as_bytes()))?
            .and_then(|v| serde_json::from_slice(&v).ok()))
    }

    /// Every (key, value) whose key starts with `prefix`, in key order.
    pub fn scan<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<(String, T)>> {
        let raw = self.with(|t| {
            t.scan_prefix(prefix.as_bytes())
                .collect::<sled::Result<Vec<_>>>()
        })?;
        Ok(raw
            .into_iter()
            .filter_map(|(k, v)| {
                Some((
                    String::from_utf8(k.to_vec()).ok()?,
                    serde_json::from_slice(&v).ok()?,
                ))
            })
            .collect())
    }

    pub fn remove(&self, key: &str) -> Result<()> {
        self.with(|t| {
            t.remove(key.as_bytes())?;
            t.flush()?;
            Ok(())
        })
    }
}
