//! Which runs are live: the sockets under `<data_dir>/sockets/`, each a run some process
//! serves. Found without the store (a live run's owner holds it), so `attach` works while
//! the store is locked.
//!
//! Owns the listing and the clean-up of stale sockets: a socket nobody listens on (its
//! process was killed) refuses the connection and is removed. Must not open the store.

use super::{socket_path, sockets_dir, ServiceError};
use crate::model::{match_prefix, PrefixMatch, RunId};
use std::path::Path;

/// The runs a live process serves, oldest first. Stale sockets are removed on the way.
pub fn live_runs(data_dir: &Path) -> Vec<RunId> {
    let Ok(entries) = std::fs::read_dir(sockets_dir(data_dir)) else {
        return Vec::new();
    };
    let mut runs: Vec<RunId> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".sock")?.parse::<RunId>().ok()
        })
        .filter(|run| is_live(data_dir, *run))
        .collect();
    runs.sort();
    runs
}

/// Whether a process answers on the run's socket; a socket that refuses is a dead
/// process's and is removed.
pub fn is_live(data_dir: &Path, run: RunId) -> bool {
    let path = socket_path(data_dir, run);
    match std::os::unix::net::UnixStream::connect(&path) {
        Ok(_) => true,
        Err(e) => {
            if e.kind() == std::io::ErrorKind::ConnectionRefused {
                let _ = std::fs::remove_file(&path);
            }
            false
        }
    }
}

/// The live run `prefix` names (a full id or a unique prefix, as for every command).
pub fn resolve_live(data_dir: &Path, prefix: &str) -> Result<RunId, ServiceError> {
    match match_prefix(prefix, live_runs(data_dir)) {
        PrefixMatch::One(run) => Ok(run),
        PrefixMatch::None => Err(ServiceError::UnknownLive(prefix.trim().to_string())),
        PrefixMatch::Many(runs) => Err(ServiceError::AmbiguousLive {
            prefix: prefix.trim().to_string(),
            runs: runs.iter().map(|r| r.to_string()).collect(),
        }),
    }
}
