//! Bringing an older store up to the current format on first open.
//!
//! Format 1 kept every run in one sled database (`store/`, trees `runs`, `log/<run>`,
//! `snap/<run>`, `snapbody/<run>/<seq>`, `memory`), so one process at a time could use the
//! whole store. Format 2 gives each run its own database (`layout.rs`). Migration copies each
//! run into a staging directory and renames it into place once it is whole, so a migration
//! killed halfway is taken up again where it stopped and never leaves half a run listed; the
//! old database is kept, renamed `store.v1-migrated`, until the person deletes it. Owns the
//! `format` file and the copy; must not change what an event says.

use super::layout::{replace_file, Layout};
use super::{dbs, io_err, Result, StoreError, STORE_FORMAT_VERSION};
use crate::model::RunId;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

/// The format the store at `layout` is in, if it says.
fn format_of(layout: &Layout) -> Result<Option<u64>> {
    let path = layout.format_file();
    match std::fs::read_to_string(&path) {
        Ok(s) => s.trim().parse().map(Some).map_err(|_| StoreError::Open {
            path: path.clone(),
            reason: format!(
                "it should hold the store's format version (a number) but holds {:?}",
                s.trim()
            ),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(&path)(e)),
    }
}

fn refuse_future(layout: &Layout, found: u64) -> Result<()> {
    if found > STORE_FORMAT_VERSION {
        return Err(StoreError::FutureVersion {
            path: layout.root().to_path_buf(),
            found,
            supported: STORE_FORMAT_VERSION,
        });
    }
    Ok(())
}

/// Makes the store at `layout` current, migrating it if it is older.
pub(crate) fn ensure_current(layout: &Layout) -> Result<()> {
    if let Some(found) = format_of(layout)? {
        refuse_future(layout, found)?;
        if found == STORE_FORMAT_VERSION {
            return Ok(());
        }
    }
    // One process migrates; the others wait for it here, then find the format current.
    let lock_path = layout.migrate_lock();
    let lock = File::create(&lock_path).map_err(io_err(&lock_path))?;
    // SAFETY: flock on an fd `lock` owns; it is released when `lock` closes.
    unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) };
    if let Some(found) = format_of(layout)? {
        refuse_future(layout, found)?;
        if found == STORE_FORMAT_VERSION {
            return Ok(());
        }
    }
    if layout.v1_dir().join("conf").exists() {
        let copied = from_v1(layout)?;
        tracing::info!(runs = copied, "store migrated from format 1 to 2");
    }
    let path = layout.format_file();
    replace_file(&path, format!("{STORE_FORMAT_VERSION}\n").as_bytes()).map_err(io_err(&path))?;
    drop(lock);
    Ok(())
}

fn open_v1(path: &Path) -> Result<std::sync::Arc<sled::Db>> {
    match dbs::open(path, Duration::from_secs(2)) {
        Ok(db) => Ok(db),
        Err(e) => Err(StoreError::Open {
            path: path.to_path_buf(),
            reason: match e {
                dbs::OpenFailure::Locked => "it is in the format of an earlier conclave, which still has it open; close that conclave, then run this one again to convert it".into(),
                dbs::OpenFailure::Damaged(why) => format!(
                    "it is in an earlier format and cannot be read to convert it ({why}); move it aside (`mv {0} {0}.damaged`) and conclave starts with an empty store",
                    path.display()
                ),
                dbs::OpenFailure::Other(e) => e.to_string(),
            },
        }),
    }
}

/// Copies every run and the memory of a format-1 store; returns how many runs it copied.
fn from_v1(layout: &Layout) -> Result<usize> {
    let old = open_v1(&layout.v1_dir())?;
    if let Some(v) = old.open_tree("meta")?.get("format_version")? {
        refuse_future(layout, super::key_seq(&v).max(1))?;
    }
    let mut copied = 0;
    for kv in old.open_tree("runs")?.iter() {
        let (k, summary) = kv?;
        let Ok(bytes) = <[u8; 16]>::try_from(k.as_ref()) else {
            continue;
        };
        let run = RunId(ulid::Ulid::from_bytes(bytes));
        if layout.summary_file(run).exists() {
            continue; // copied by a migration that stopped later on
        }
        copy_run(&old, layout, run, &summary)?;
        copied += 1;
    }
    let memory = old.open_tree("memory")?;
    if !memory.is_empty() {
        let new = dbs::open(&layout.memory_dir(), Duration::from_secs(10)).map_err(|_| {
            StoreError::Open {
                path: layout.memory_dir(),
                reason: "cannot open it to copy the old store's memory into it".into(),
            }
        })?;
        let tree = new.open_tree("memory")?;
        for kv in memory.iter() {
            let (k, v) = kv?;
            tree.insert(k, v)?;
        }
        tree.flush()?;
    }
    drop(memory);
    drop(old);
    let mut kept = layout.v1_migrated_dir();
    if kept.exists() {
        kept = layout
            .root()
            .join(format!("store.v1-migrated-{}", crate::util::now_ms()));
    }
    std::fs::rename(layout.v1_dir(), &kept).map_err(io_err(&layout.v1_dir()))?;
    Ok(copied)
}

fn copy_run(old: &sled::Db, layout: &Layout, run: RunId, summary: &[u8]) -> Result<()> {
    let staging = layout.runs_dir().join(format!(".migrating-{run}"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(io_err(&staging))?;
    {
        let new = dbs::config(&staging.join("db")).open()?;
        copy_tree(
            &old.open_tree(format!("log/{run}"))?,
            &new.open_tree("log")?,
        )?;
        let snaps = old.open_tree(format!("snap/{run}"))?;
        copy_tree(&snaps, &new.open_tree("snap")?)?;
        for k in snaps.iter().keys() {
            let seq = super::key_seq(&k?);
            let name = format!("snapbody/{seq:020}");
            copy_tree(
                &old.open_tree(format!("snapbody/{run}/{seq:020}"))?,
                &new.open_tree(&name)?,
            )?;
        }
        new.flush()?;
    }
    let file = staging.join("summary.json");
    std::fs::write(&file, summary).map_err(io_err(&file))?;
    let dest = layout.run_dir(run);
    if dest.exists() {
        // An unindexed leftover (a crashed import) of the same id.
        std::fs::remove_dir_all(&dest).map_err(io_err(&dest))?;
    }
    std::fs::rename(&staging, &dest).map_err(io_err(&staging))?;
    Ok(())
}

fn copy_tree(from: &sled::Tree, to: &sled::Tree) -> Result<()> {
    let mut batch = sled::Batch::default();
    let mut n = 0;
    for kv in from.iter() {
        let (k, v) = kv?;
        batch.insert(k, v);
        n += 1;
        if n % 4096 == 0 {
            to.apply_batch(std::mem::take(&mut batch))?;
        }
    }
    to.apply_batch(batch)?;
    Ok(())
}
