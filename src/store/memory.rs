//! The memory tree: what later runs learn from (lessons, per-agent outcome statistics).
//!
//! Owns a small typed key/value API over the `memory` tree; later issues decide what goes in.
//! Keys are namespaced (`lesson/<ulid>`, `stats/<agent>/<kind>`). Writes are flushed before
//! they return, because a lesson counts as persisted only once it is on disk.

use super::Result;
use serde::{de::DeserializeOwned, Serialize};

#[derive(Clone)]
pub struct Memory {
    tree: sled::Tree,
}

impl Memory {
    pub(super) fn new(tree: sled::Tree) -> Memory {
        Memory { tree }
    }

    pub fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let json =
            serde_json::to_vec(value).map_err(|e| super::StoreError::Import(e.to_string()))?;
        self.tree.insert(key.as_bytes(), json)?;
        self.tree.flush()?;
        Ok(())
    }

    /// The value under `key`; an entry that no longer decodes reads as absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        Ok(self
            .tree
            .get(key.as_bytes())?
            .and_then(|v| serde_json::from_slice(&v).ok()))
    }

    /// Every (key, value) whose key starts with `prefix`, in key order.
    pub fn scan<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<(String, T)>> {
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix(prefix.as_bytes()) {
            let (k, v) = kv?;
            if let (Ok(k), Ok(v)) = (String::from_utf8(k.to_vec()), serde_json::from_slice(&v)) {
                out.push((k, v));
            }
        }
        Ok(out)
    }

    pub fn remove(&self, key: &str) -> Result<()> {
        self.tree.remove(key.as_bytes())?;
        self.tree.flush()?;
        Ok(())
    }
}
