//! Who runs a run: the owner lock in the run's directory.
//!
//! The process that writes a run's log holds an exclusive `flock` on `owner` for as long as
//! it lives (the kernel drops it when the process dies, however it dies), and writes its pid
//! there for messages. Any process can ask, without waiting and without the lock, whether a
//! run is live and where. Owns that file only.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

const OWNER_FILE: &str = "owner";

/// Held by the one process that writes a run; released when dropped or when it dies.
#[derive(Debug)]
pub(crate) struct OwnerLock {
    _file: File,
}

fn flock(file: &File, op: libc::c_int) -> bool {
    // SAFETY: flock on an fd this File owns; no memory is shared with the kernel.
    unsafe { libc::flock(file.as_raw_fd(), op | libc::LOCK_NB) == 0 }
}

fn open_file(run_dir: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(run_dir.join(OWNER_FILE))
}

/// Becomes the run's owner, or says which process already is (its pid, 0 if unknown).
pub(crate) fn claim(run_dir: &Path) -> std::io::Result<Result<OwnerLock, u32>> {
    let mut file = open_file(run_dir)?;
    if !flock(&file, libc::LOCK_EX) {
        return Ok(Err(pid_in(&mut file)));
    }
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "{}", std::process::id())?;
    Ok(Ok(OwnerLock { _file: file }))
}

fn pid_in(file: &mut File) -> u32 {
    let mut s = String::new();
    let _ = file.rewind();
    let _ = file.read_to_string(&mut s);
    s.trim().parse().unwrap_or(0)
}

/// The pid of the process running this run now, if one is (this process included).
pub(crate) fn live_owner(run_dir: &Path) -> Option<u32> {
    let path = run_dir.join(OWNER_FILE);
    let mut file = File::open(&path).ok()?;
    if flock(&file, libc::LOCK_SH) {
        // Nobody holds it: released at once when `file` closes.
        return None;
    }
    Some(pid_in(&mut file))
}
