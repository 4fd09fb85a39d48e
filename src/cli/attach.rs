//! `conclave attach RUN`: the live screen of a run another process runs, fed from the run's
//! socket instead of an engine in this process: same panes, same keys, the same commands
//! (they go over the socket to the owner's engine).
//!
//! Owns finding the live run (by its socket, never through the store, which the owner holds)
//! and what is said when the screen ends: the run goes on after a quit; the owner's death
//! (its process ended with the run unfinished) ends the screen with exit 1.

use super::args::AttachArgs;
use super::{Context, Failure, Outcome};
use crate::model::{EventKind, RunId, SHORT_LEN, TIGHT_LEN};
use crate::service;
use crate::tui::{self, AppOptions, EventFeed, FeedMsg, Outbox};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

pub fn run(ctx: &Context, a: &AttachArgs) -> Outcome {
    let data = &ctx.paths.data_dir;
    let run = service::resolve_live(data, &a.run).map_err(|e| Failure::usage(e.to_string()))?;
    if !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal()) {
        return Err(Failure::usage(format!(
            "conclave attach needs a terminal (run {run} goes on without one)"
        )));
    }
    let config = ctx.load_config()?.config;
    // The runs' index is anyone's to read, whoever owns this run: how much of an id tells
    // them apart.
    let store = crate::store::Store::open(data).ok();
    let id_len = |min| store.as_ref().map_or(min, |s| s.unique_prefix_len(min));
    let opts = AppOptions {
        attached: true,
        run_id_len: id_len(TIGHT_LEN),
        ..super::screen::options(ctx, &config)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    let short = run.prefix(id_len(SHORT_LEN));
    let ended = rt.block_on(screen(data, run, opts))?;
    match ended {
        Ended::Quit { over: false } => {
            eprintln!("run {short} goes on; `conclave attach {short}` to come back");
            Ok(0)
        }
        Ended::Quit { over: true } => Ok(0),
        Ended::OwnerGone => Err(Failure::failed(format!(
            "the process running run {short} ended; `conclave resume {short}` continues it"
        ))),
    }
}

enum Ended {
    /// The person quit (or the terminal went away); `over` when the run had ended.
    Quit { over: bool },
    /// The connection closed before the run ended: its process is gone.
    OwnerGone,
}

async fn screen(data: &std::path::Path, run: RunId, opts: AppOptions) -> Result<Ended, Failure> {
    let w = service::watch(data, run).await.map_err(|e| match e {
        service::ServiceError::NotLive(_) => Failure::usage(format!(
            "run {run} is no longer live; `conclave resume {}` continues it",
            run.short()
        )),
        e => Failure::failed(e.to_string()),
    })?;
    let (feed_tx, feed_rx) = mpsc::channel::<FeedMsg>(1024);
    let (gone_tx, gone_rx) = oneshot::channel::<()>();
    let over = Arc::new(AtomicBool::new(w.state.status.is_over()));
    let seen_over = over.clone();
    let mut events = w.events;
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            let mut batch = vec![e];
            while let Ok(more) = events.try_recv() {
                batch.push(more);
            }
            if batch
                .iter()
                .any(|e| matches!(e.kind, EventKind::RunFinished { .. }))
            {
                seen_over.store(true, Ordering::SeqCst);
            }
            if feed_tx.send(FeedMsg::Events(batch)).await.is_err() {
                return;
            }
        }
        // The owner's process closed the connection. After the run's end that is expected
        // (the screen stays, showing how it ended); before it, the screen has nothing left
        // to show or send commands to.
        if !seen_over.load(Ordering::SeqCst) {
            let _ = gone_tx.send(());
        }
    });
    let gone = Arc::new(AtomicBool::new(false));
    let noted = gone.clone();
    let stop = async move {
        tokio::select! {
            _ = tui::terminal_signal() => {}
            r = gone_rx => match r {
                Ok(()) => noted.store(true, Ordering::SeqCst),
                // The run ended: only the person or a signal ends the screen now.
                Err(_) => { tui::terminal_signal().await; }
            },
        }
    };
    tui::run_until(
        EventFeed::new(feed_rx, w.state),
        Outbox::live(w.commands),
        opts,
        stop,
    )
    .await
    .map_err(|e| Failure::failed(format!("terminal: {e}")))?;
    Ok(if gone.load(Ordering::SeqCst) {
        Ended::OwnerGone
    } else {
        Ended::Quit {
            over: over.load(Ordering::SeqCst),
        }
    })
}
