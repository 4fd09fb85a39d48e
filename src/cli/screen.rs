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
