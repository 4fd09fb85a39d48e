//! The sled databases this process has open, shared by path.
//!
//! sled locks a database's files for one open handle, and the OS lock is per open file, so
//! a second open of the same path in this same process fails exactly as one in another
//! process does. Every open therefore goes through here: a path already open in this process
//! hands back the same handle, and the database closes (its lock released) when the last
//! handle goes. Owns opening, the wait for a lock a process that just ended may still hold,
//! and what sled's failures mean. Must not know what is stored in a database.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// Why a database could not be opened.
#[derive(Debug)]
pub(crate) enum OpenFailure {
    /// Another process has it open (it waited `waited` for it to let go).
    Locked,
    /// sled cannot read its files.
    Damaged(String),
    Other(sled::Error),
}

fn open_now() -> &'static Mutex<HashMap<PathBuf, Weak<sled::Db>>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Weak<sled::Db>>>> = OnceLock::new();
    OPEN.get_or_init(Default::default)
}

fn is_locked(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
        || e.to_string().contains("could not acquire lock")
}

/// The configuration every database is opened with.
pub(crate) fn config(path: &Path) -> sled::Config {
    sled::Config::new()
        .path(path)
        .cache_capacity(16 * 1024 * 1024)
        .mode(sled::Mode::HighThroughput)
        .flush_every_ms(Some(200))
}

/// The database at `path` (created if missing), shared with every other user in this process,
/// waiting up to `wait` for another process to let go of it.
pub(crate) fn open(path: &Path, wait: Duration) -> Result<Arc<sled::Db>, OpenFailure> {
    let key = path.to_path_buf();
    // Held while opening, so two threads of this process never race to open one path.
    let mut open = open_now().lock().unwrap_or_else(|p| p.into_inner());
    open.retain(|_, w| w.strong_count() > 0);
    if let Some(db) = open.get(&key).and_then(Weak::upgrade) {
        return Ok(db);
    }
    let deadline = Instant::now() + wait;
    let db = loop {
        // sled panics on some damaged files instead of saying so.
        let opened = match crate::util::contain::contain(|| config(path).open()) {
            Ok(opened) => opened,
            Err(why) => {
                return Err(OpenFailure::Damaged(format!(
                    "sled failed reading it: {why}"
                )))
            }
        };
        match opened {
            Ok(db) => break Arc::new(db),
            Err(e) if is_locked(&e) => {
                if Instant::now() >= deadline {
                    return Err(OpenFailure::Locked);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(sled::Error::Corruption { .. }) => {
                return Err(OpenFailure::Damaged(
                    "sled reports corrupted data in its files".into(),
                ))
            }
            Err(sled::Error::Io(io)) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(OpenFailure::Damaged(format!("a file ends early ({io})")))
            }
            Err(e) => return Err(OpenFailure::Other(e)),
        }
    };
    open.insert(key, Arc::downgrade(&db));
    Ok(db)
}

/// Whether this process has the database at `path` open now.
pub(crate) fn is_open_here(path: &Path) -> bool {
    open_now()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(path)
        .is_some_and(|w| w.strong_count() > 0)
}
