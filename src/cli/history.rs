//! `replay`, `export` and `import`: reading runs back and moving them between stores.

use super::args::{ExportArgs, ImportArgs, ReplayArgs};
use super::{now_ms, Context, Failure, Outcome};
use crate::model::{Event, RunId};
use crate::store::{export_events, export_run, import_file, Store};
use std::io::Write;

/// A run another process runs now: its events, asked of that process over its socket (its
/// database is that process's while it runs). `None` when the store has it all.
pub(super) fn live_events(
    ctx: &Context,
    store: &Store,
    run: RunId,
) -> Result<Option<Vec<Event>>, Failure> {
    if store.live_elsewhere(run).is_none() {
        return Ok(None);
    }
    match crate::service::fetch_events(&ctx.paths.data_dir, run) {
        Ok(events) => Ok(Some(events)),
        // It ended between the two questions: the store has it all now.
        Err(crate::service::ServiceError::NotLive(_)) => Ok(None),
        Err(e) => Err(Failure::failed(format!(
            "run {run} is live in another process, which did not answer: {e}"
        ))),
    }
}

pub fn replay(ctx: &Context, a: &ReplayArgs) -> Outcome {
    if !(a.speed > 0.0 && a.speed.is_finite()) {
        return Err(Failure::usage(format!(
            "--speed {} must be a positive number (0.25 to 100)",
            a.speed
        )));
    }
    let store = ctx.open_store()?;
    let run = store.resolve(&a.run)?;
    if !a.headless {
        if let Some(pid) = store.live_elsewhere(run) {
            return Err(Failure::usage(format!(
                "run {run} is live in process {pid}; `conclave attach {}` watches it as it goes, and it can be replayed once it has ended",
                run.short()
            )));
        }
        super::screen::needs_terminal("the replay screen")?;
        let config = ctx.load_config()?.config;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Failure::failed(e.to_string()))?;
        let speed = a.speed.clamp(0.25, 100.0);
        return rt.block_on(async {
            match super::screen::replay(ctx, &config, &store, run, speed).await? {
                Some(fork) => super::screen::start_fork(ctx, &config, &store, run, fork).await,
                None => Ok(0),
            }
        });
    }
    // Canonical (sorted keys), so the bytes equal the live run's and an import's elsewhere.
    let state = match live_events(ctx, &store, run)? {
        Some(events) => {
            let mut s = crate::model::fold(&events);
            s.rebuild_index();
            s
        }
        None => store.state_at(run, None)?,
    };
    let json = crate::model::canonical_json(&state).map_err(|e| Failure::failed(e.to_string()))?;
    println!("{json}");
    Ok(0)
}

pub fn export(ctx: &Context, a: &ExportArgs) -> Outcome {
    let store = ctx.open_store()?;
    let run = store.resolve(&a.run)?;
    let live = live_events(ctx, &store, run)?;
    if a.cassette {
        let events = match live {
            Some(events) => events,
            None => store.all_events(run)?,
        };
        let turns = crate::providers::cassette_from_events(&events);
        let text = crate::providers::cassette_to_jsonl(&turns);
        return write_out(
            a.output.as_deref(),
            text.as_bytes(),
            &format!(
                "cassette of run {run} ({})",
                crate::util::words::count(turns.len() as u64, "turn")
            ),
        );
    }
    let Some(path) = &a.output else {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        match &live {
            Some(events) => export_events(run, events, now_ms(), &mut out)?,
            None => export_run(&store, run, now_ms(), &mut out)?,
        };
        return Ok(0);
    };
    let n = export_to(&store, run, path, live.as_deref())?;
    let n = crate::util::words::count(n, "event");
    eprintln!("exported run {run} ({n}) to {}", path.display());
    Ok(0)
}

/// Writes a run's JSONL to `path` beside it then renames, so a failed export never leaves
/// half a file. Returns the number of events written.
pub fn export_to(
    store: &crate::store::Store,
    run: crate::model::RunId,
    path: &std::path::Path,
    live: Option<&[Event]>,
) -> Result<u64, Failure> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let io = |e: std::io::Error| Failure::usage(format!("{}: {e}", path.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let n = {
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        let n = match live {
            Some(events) => export_events(run, events, now_ms(), &mut out)?,
            None => export_run(store, run, now_ms(), &mut out)?,
        };
        out.flush().map_err(io)?;
        n
    };
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(n)
}

pub fn import(ctx: &Context, a: &ImportArgs) -> Outcome {
    let store = ctx.open_store()?;
    let run = import_file(&store, &a.file)?;
    let n = store.event_count(run)?;
    println!(
        "imported run {run} ({})",
        crate::util::words::count(n, "event")
    );
    Ok(0)
}

/// Writes `bytes` to `path` atomically (temp file + rename), or to stdout.
fn write_out(path: Option<&std::path::Path>, bytes: &[u8], what: &str) -> Outcome {
    let Some(path) = path else {
        std::io::stdout()
            .write_all(bytes)
            .map_err(|e| Failure::failed(e.to_string()))?;
        return Ok(0);
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let io = |e: std::io::Error| Failure::usage(format!("{}: {e}", path.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    eprintln!("wrote {what} to {}", path.display());
    Ok(0)
}
