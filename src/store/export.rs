//! Export and import of a run as JSONL: a header line, then one event per line (design §2).
//!
//! Owns the file format and its validation. An import checks the whole file before it writes
//! anything, and a run becomes visible only when all of it is on disk, so a bad or truncated
//! file leaves the store exactly as it was.

use super::{Result, Store, StoreError};
use crate::model::{Event, RunId};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

pub const EXPORT_FORMAT: &str = "conclave-events";
pub const EXPORT_VERSION: u32 = 1;

/// Events written per batch on import.
const IMPORT_BATCH: usize = 1024;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportHeader {
    pub format: String,
    pub version: u32,
    pub run: RunId,
    pub events: u64,
    pub exported_at_ms: u64,
    pub conclave: String,
}

fn output_failed(e: std::io::Error) -> StoreError {
    StoreError::Io {
        path: "export output".into(),
        source: e,
    }
}

/// The header line of an export of `events` events of `run`.
fn write_header(run: RunId, events: u64, now_ms: u64, out: &mut dyn Write) -> Result<()> {
    let header = ExportHeader {
        format: EXPORT_FORMAT.into(),
        version: EXPORT_VERSION,
        run,
        events,
        exported_at_ms: now_ms,
        conclave: env!("CARGO_PKG_VERSION").into(),
    };
    let line = serde_json::to_string(&header).map_err(|e| StoreError::Import(e.to_string()))?;
    writeln!(out, "{line}").map_err(output_failed)
}

/// Writes events someone else read (a live run's, from the process running it) as an export:
/// the same header and one event per line; returns how many were written.
pub fn export_events(
    run: RunId,
    events: &[Event],
    now_ms: u64,
    out: &mut dyn Write,
) -> Result<u64> {
    write_header(run, events.len() as u64, now_ms, out)?;
    for e in events {
        let line = serde_json::to_string(e).map_err(|e| StoreError::Import(e.to_string()))?;
        writeln!(out, "{line}").map_err(output_failed)?;
    }
    out.flush().map_err(output_failed)?;
    Ok(events.len() as u64)
}

/// Writes the run to `out`; returns how many events were written.
pub fn export_run(store: &Store, run: RunId, now_ms: u64, out: &mut dyn Write) -> Result<u64> {
    let db = store.run_db(run)?;
    let count = db.event_count()?;
    write_header(run, count, now_ms, out)?;
    let io = output_failed;
    let mut written = 0;
    for kv in db.log.range(super::seq_key(0)..super::seq_key(count)) {
        let (_, v) = kv?;
        // The log holds exactly the redacted JSON: copy it, do not re-encode.
        out.write_all(&v).map_err(io)?;
        out.write_all(b"\n").map_err(io)?;
        written += 1;
    }
    out.flush().map_err(io)?;
    Ok(written)
}

fn bad(path: &Path, line: u64, what: impl std::fmt::Display) -> StoreError {
    StoreError::Import(format!("{}:{line}: {what}", path.display()))
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>> {
    std::fs::File::open(path)
        .map(BufReader::new)
        .map_err(|e| StoreError::Io {
            path: path.to_path_buf(),
            source: e,
        })
}

/// Reads the file's lines, checking each; calls `each` with every valid event in order.
fn walk(path: &Path, mut each: impl FnMut(Event) -> Result<()>) -> Result<ExportHeader> {
    let mut lines = open(path)?.split(b'\n');
    let first = match lines.next() {
        Some(Ok(l)) => l,
        Some(Err(e)) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source: e,
            })
        }
        None => {
            return Err(bad(
                path,
                1,
                "empty file; expected a conclave export header",
            ))
        }
    };
    let header: ExportHeader = serde_json::from_slice(&first)
        .map_err(|e| bad(path, 1, format!("not a conclave export header ({e})")))?;
    if header.format != EXPORT_FORMAT {
        return Err(bad(
            path,
            1,
            format!("format is `{}`, expected `{EXPORT_FORMAT}`", header.format),
        ));
    }
    if header.version > EXPORT_VERSION {
        return Err(bad(
            path,
            1,
            format!(
                "export format version {} is newer than this conclave supports ({EXPORT_VERSION}); upgrade conclave",
                header.version
            ),
        ));
    }
    let mut seq = 0u64;
    for (i, l) in lines.enumerate() {
        let n = i as u64 + 2;
        let l = l.map_err(|e| StoreError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        if l.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = std::str::from_utf8(&l).map_err(|_| bad(path, n, "not UTF-8 text"))?;
        let e: Event = serde_json::from_str(text)
            .map_err(|e| bad(path, n, format!("not a valid event ({e})")))?;
        if e.run != header.run {
            return Err(bad(
                path,
                n,
                format!("event of run {}, but the header says {}", e.run, header.run),
            ));
        }
        if e.seq != seq {
            return Err(bad(
                path,
                n,
                format!(
                    "event seq {} where {seq} was expected (a gap or reorder)",
                    e.seq
                ),
            ));
        }
        seq += 1;
        each(e)?;
    }
    if seq != header.events {
        return Err(bad(
            path,
            seq + 2,
            format!(
                "truncated: the header promises {}, the file has {seq}",
                crate::util::words::count(header.events, "event")
            ),
        ));
    }
    Ok(header)
}

/// Imports a run exported by `export_run`. Validates the whole file first; on any problem the
/// store is left as it was.
pub fn import_file(store: &Store, path: &Path) -> Result<RunId> {
    let header = walk(path, |_| Ok(()))?;
    if store.has_run(header.run)? {
        return Err(StoreError::Import(format!(
            "{}: run {} is already in this store; delete it first or import into another --data-dir",
            path.display(),
            header.run
        )));
    }
    let run = header.run;
    let mut w = store.create_unlisted_run(run)?;
    let mut pending = Vec::with_capacity(IMPORT_BATCH);
    let result = walk(path, |e| {
        pending.push(e);
        if pending.len() == IMPORT_BATCH {
            w.append_events(std::mem::take(&mut pending))?;
        }
        Ok(())
    })
    .and_then(|_| w.append_events(pending))
    .and_then(|_| w.publish());
    if let Err(e) = result {
        drop(w);
        let _ = store.delete_run(run);
        return Err(e);
    }
    Ok(run)
}
