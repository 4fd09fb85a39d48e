//! Running the TUI for a live run or a replay: bridges the engine's events (or the stored
//! log) into the UI's feed and the UI's commands back to the engine.

use super::{Context, Failure, Outcome};
use crate::config::Config;
use crate::engine::RunHandle;
use crate::model::{Command, Event, RunState};
use crate::tui::{self, AppOptions, EventFeed, FeedMsg};
use std::io::IsTerminal;
use tokio::sync::mpsc;

pub fn needs_terminal(what: &str) -> Result<(), Failure> {
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "{what} needs a terminal; add --headless to run without one"
        )))
    }
}

fn options(ctx: &Context, config: &Config) -> AppOptions {
    AppOptions::load(
        &config.ui.theme,
        &config.ui.keymap,
        ctx.paths.config_dir.as_deref(),
    )
}

/// The live screen of a run the engine drives. Quitting leaves the run resumable.
pub async fn live(
    ctx: &Context,
    config: &Config,
    handle: RunHandle,
    mut events: mpsc::UnboundedReceiver<Event>,
    initial: RunState,
) -> Outcome {
    let (tx, rx) = mpsc::channel::<FeedMsg>(1024);
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            let mut batch = vec![e];
            while let Ok(more) = events.try_recv() {
                batch.push(more);
            }
            if tx.send(FeedMsg::Events(batch)).await.is_err() {
                return;
            }
        }
    });
    let result = tui::run(
        EventFeed::new(rx, initial),
        handle.commands.clone(),
        options(ctx, config),
    )
    .await;
    let _ = handle.log.flush();
    result.map_err(|e| Failure::failed(format!("terminal: {e}")))?;
    let state = handle.log.state();
    if !state.status.is_over() {
        eprintln!(
            "run {} is not finished; `conclave resume {}` continues it",
            handle.run,
            handle.run.short()
        );
    }
    Ok(0)
}

/// Replays stored events into the screen at `speed`× their recorded pace (waits capped at
/// two seconds, so idle stretches do not stall the replay).
pub async fn replay(ctx: &Context, config: &Config, events: Vec<Event>, speed: f64) -> Outcome {
    let (tx, rx) = mpsc::channel::<FeedMsg>(1024);
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<Command>();
    tokio::spawn(async move {
        let mut paused = false;
        let mut last: Option<u64> = None;
        for e in events {
            while let Ok(c) = cmd_rx.try_recv() {
                match c {
                    Command::Pause => paused = true,
                    Command::Resume => paused = false,
                    _ => {}
                }
            }
            while paused {
                match cmd_rx.recv().await {
                    Some(Command::Resume) => paused = false,
                    None => return,
                    _ => {}
                }
            }
            if let Some(prev) = last {
                let wait = (e.at_ms.saturating_sub(prev) as f64 / speed).min(2000.0);
                if wait >= 1.0 {
                    tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
                }
            }
            last = Some(e.at_ms);
            if tx.send(FeedMsg::Event(Box::new(e))).await.is_err() {
                return;
            }
        }
    });
    tui::run(
        EventFeed::new(rx, RunState::default()),
        cmd_tx,
        options(ctx, config),
    )
    .await
    .map_err(|e| Failure::failed(format!("terminal: {e}")))?;
    Ok(0)
}

/// `conclave` alone: the home screen, then what the person chose, then home again.
pub fn home(ctx: &Context) -> Outcome {
    needs_terminal("the home screen")?;
    let config = ctx.load_config()?.config;
    let opts = options(ctx, &config);
    let cwd = ctx.repo_dir();
    let root = git2::Repository::discover(&cwd)
        .ok()
        .and_then(|r| r.workdir().map(|w| w.to_path_buf()));
    let canon = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let label = match &root {
        Some(r) => r.display().to_string(),
        None => format!("{} (not a git repository: all runs)", cwd.display()),
    };
    let store = ctx.open_store()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(e.to_string()))?;
    loop {
        let mut runs = store.summaries()?;
        if let Some(r) = &root {
            let want = canon(r);
            runs.retain(|s| canon(std::path::Path::new(&s.repo)) == want);
        }
        let choice = rt
            .block_on(tui::home::home(runs, label.clone(), &opts))
            .map_err(|e| Failure::failed(format!("terminal: {e}")))?;
        match choice {
            tui::home::HomeChoice::Quit => return Ok(0),
            tui::home::HomeChoice::Replay(id) => {
                let events = store.all_events(id)?;
                rt.block_on(replay(ctx, &config, events, 10.0))?;
            }
            tui::home::HomeChoice::Resume(id) => {
                let (tx, rx) = mpsc::unbounded_channel();
                let before = store.state_at(id, None)?;
                let opts = crate::engine::RunOptions {
                    config: config.clone(),
                    data_dir: ctx.paths.data_dir.clone(),
                    stand: crate::engine::Stand::Person,
                    watcher: Some(tx),
                };
                rt.block_on(async {
                    let handle = crate::engine::resume(&store, id, opts)
                        .map_err(|e| Failure::usage(e.to_string()))?;
                    live(ctx, &config, handle, rx, before).await
                })?;
            }
            tui::home::HomeChoice::NewRun(goal) => {
                let (tx, rx) = mpsc::unbounded_channel();
                let opts = crate::engine::RunOptions {
                    config: config.clone(),
                    data_dir: ctx.paths.data_dir.clone(),
                    stand: crate::engine::Stand::Person,
                    watcher: Some(tx),
                };
                rt.block_on(async {
                    let handle = crate::engine::start(&store, &cwd, &goal, opts)
                        .map_err(|e| Failure::usage(e.to_string()))?;
                    live(ctx, &config, handle, rx, RunState::default()).await
                })?;
            }
        }
    }
}
