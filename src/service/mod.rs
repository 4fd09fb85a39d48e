//! The run service: the process that runs a run also serves it to other processes on a Unix
//! socket, `<data_dir>/sockets/<RUN>.sock` (the directory 0700, the socket 0600), so a run
//! can be watched and answered from another terminal (`conclave attach`) and read while it
//! is live (`fetch_events`).
//!
//! The protocol is JSON lines (`protocol.rs`, documented in the README under "Watching a run
//! from another terminal"): a client says what it wants, then gets the run's state and its
//! events as they happen (and may send the same `Command`s the local screen sends), or every
//! event so far and the end.
//!
//! Owns the socket files, the wire format and both ends of the connection. Must not decide
//! anything about the run: commands go to the engine's command channel as they are, events
//! come from the `RunLog` as they are; nothing a client sends may stop or panic the run.

mod client;
mod live_runs;
pub mod protocol;
mod server;

pub use client::{fetch_events, watch, Watching};
pub use live_runs::{is_live, live_runs, resolve_live};
pub use server::{Service, Source};

use crate::model::RunId;
use std::path::{Path, PathBuf};

/// Where the sockets of live runs are.
pub fn sockets_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("sockets")
}

/// The socket of one run.
pub fn socket_path(data_dir: &Path, run: RunId) -> PathBuf {
    sockets_dir(data_dir).join(format!("{run}.sock"))
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// No process serves the run (it ended, or never ran here).
    #[error("run {0} is not live: no conclave process is running it")]
    NotLive(RunId),
    /// Another process already serves the run.
    #[error("run {run} is already served by another process ({path})")]
    Taken { run: RunId, path: PathBuf },
    #[error("no live run matches `{0}`; `conclave runs` lists every run, and only a live run (one a conclave process is running) can be attached")]
    UnknownLive(String),
    #[error("`{prefix}` matches several live runs: {}; give more of the id", .runs.join(", "))]
    AmbiguousLive { prefix: String, runs: Vec<String> },
    /// The other side said something this end does not understand.
    #[error("run {run}: the service sent what this conclave cannot read: {reason}")]
    Protocol { run: RunId, reason: String },
}

impl ServiceError {
    fn io(what: impl Into<String>, source: std::io::Error) -> ServiceError {
        ServiceError::Io {
            what: what.into(),
            source,
        }
    }
}
