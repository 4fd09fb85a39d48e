//! Running the TUI for a live run or a replay: bridges the engine's events (or the stored
//! log) into the UI's feed and the UI's commands back to the engine.

use super::{Context, Failure, Outcome};
use crate::config::Config;
use crate::engine::RunHandle;
use crate::model::replay::{ReplayControl, Speed};
use crate::model::{Event, RunId, RunState, SHORT_LEN, TIGHT_LEN};
use crate::replay::{ForkRequest, Player};
use crate::store::Store;
use crate::tui::{self, AppOptions, Ending, EventFeed, FeedMsg, Outbox};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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

pub(super) fn options(ctx: &Context, config: &Config) -> AppOptions {
    let loaded = AppOptions::load(
        &config.ui.theme,
        &config.ui.keymap,
        ctx.paths.config_dir.as_deref(),
    );
    AppOptions {
        attention: tui::attention::AttentionConfig {
            bell: config.ui.bell,
            title: config.ui.title,
        },
        ..loaded
    }
}

/// Set once a live screen's terminal went away while its run went on (`live`): the process
/// has no terminal to come back to, so the home screen must not show itself again.
static HUNG_UP: AtomicBool = AtomicBool::new(false);

pub fn hung_up() -> bool {
    HUNG_UP.load(Ordering::SeqCst)
}

/// The live screen of a run the engine drives, the run served on its socket meanwhile.
/// Quitting leaves the run resumable. Closing the terminal (SIGHUP) leaves it going: the
/// process runs on without a screen until the run ends, its approvals waiting for a person
/// who attaches (`conclave attach`).
pub async fn live(
    ctx: &Context,
    config: &Config,
    store: &Store,
    mut handle: RunHandle,
    events: mpsc::UnboundedReceiver<Event>,
    initial: RunState,
) -> Outcome {
    let service = super::live::serve(ctx, store, &handle, false);
    let hangup = Arc::new(AtomicBool::new(false));
    let heard = hangup.clone();
    let stop = async move {
        if tui::terminal_signal().await == Ending::Hangup {
            heard.store(true, Ordering::SeqCst);
        }
    };
    let opts = AppOptions {
        run_id_len: store.unique_prefix_len(TIGHT_LEN),
        ..options(ctx, config)
    };
    let result = tui::run_until(
        EventFeed::of_log(events, initial),
        Outbox::live(handle.commands.clone()),
        opts,
        stop,
    )
    .await;
    let _ = handle.log.flush();
    if hangup.load(Ordering::SeqCst) {
        HUNG_UP.store(true, Ordering::SeqCst);
        tracing::info!(run = %handle.run, "the terminal closed; the run goes on without a screen");
        // The terminal is gone (the standard streams now lead to /dev/null): nothing to say.
        let stopped = tokio::select! {
            _ = &mut handle.driver => false,
            _ = super::live::stop_signal() => true,
        };
        if stopped {
            handle.interrupt().await;
        }
        if let Some(s) = service {
            s.shutdown().await;
        }
        return Ok(0);
    }
    result.map_err(|e| Failure::failed(format!("terminal: {e}")))?;
    let log = handle.log.clone();
    // Nobody watches any more: the engine stops too (the home screen may come back in this
    // same process, and a deleted run must not be written again).
    handle.interrupt().await;
    if let Some(s) = service {
        s.shutdown().await;
    }
    eprintln!("{}", after_quit(&log.state()));
    Ok(0)
}

/// What the terminal says once the screen is gone: the run, how it ended, what it cost and
/// the command to see it again (or to go on with it).
pub fn after_quit(s: &RunState) -> String {
    let Some(run) = s.run else {
        return "no run was started".into();
    };
    let short = run.short();
    let done = s.count(crate::model::TaskStatus::Done);
    let tasks = s.tasks.len();
    let cost = tui::text::dollars(s.usage.cost_usd);
    let repo = if s.repo.is_empty() {
        String::new()
    } else {
        format!("\nrepository: {}", s.repo)
    };
    if !s.status.is_over() {
        return format!(
            "run {run} is not finished ({done} of {tasks} tasks done, {cost}); \
             `conclave resume {short}` continues it{repo}"
        );
    }
    let outcome = match (&s.landed, &s.failure) {
        (Some(l), _) => format!(
            "{}: landed on {} at {}",
            s.status.name(),
            l.branch,
            l.commit.get(..10).unwrap_or(&l.commit)
        ),
        (None, Some(why)) => format!("{}: {why}", s.status.name()),
        (None, None) => s.status.name().to_string(),
    };
    format!(
        "run {run} {outcome} ({done} of {tasks} tasks done, {cost}); \
         `conclave replay {short}` watches it again{repo}"
    )
}

/// Replays a stored run on the screen, playing from the start at `speed`× its recorded pace
/// (the person pauses, steps, seeks and changes speed from there). Returns the fork the
/// person asked for, if any.
pub async fn replay(
    ctx: &Context,
    config: &Config,
    store: &Store,
    run: RunId,
    speed: f64,
) -> Result<Option<ForkRequest>, Failure> {
    let (tx, rx) = mpsc::channel::<FeedMsg>(1024);
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel::<ReplayControl>();
    let player = Player::new(store.clone(), run, Speed::nearest(speed), true, tx)
        .map_err(|e| Failure::failed(e.to_string()))?;
    let initial = player.status().clone();
    let playing = tokio::spawn(player.run(ctl_rx));
    let mut feed = EventFeed::new(rx, RunState::default());
    feed.set_replay(initial);
    let opts = AppOptions {
        run_id_len: store.unique_prefix_len(TIGHT_LEN),
        ..options(ctx, config)
    };
    let shown = tui::run_with(feed, tui::Outbox::replay(ctl_tx), opts).await;
    let fork = playing
        .await
        .map_err(|e| Failure::failed(format!("replay: {e}")))?
        .map_err(|e| Failure::failed(format!("replay: {e}")))?;
    shown.map_err(|e| Failure::failed(format!("terminal: {e}")))?;
    Ok(fork)
}

/// Options of a run a person supervises on the screen, every event going to `watcher`.
fn person(
    ctx: &Context,
    config: &Config,
    watcher: mpsc::UnboundedSender<Event>,
) -> crate::engine::RunOptions {
    crate::engine::RunOptions {
        config: config.clone(),
        data_dir: ctx.paths.data_dir.clone(),
        stand: crate::engine::Stand::Person,
        watcher: Some(watcher),
    }
}

/// A fork the person asked for in a replay: the new run goes on live on this screen.
pub async fn start_fork(
    ctx: &Context,
    config: &Config,
    store: &Store,
    parent: RunId,
    fork: ForkRequest,
) -> Outcome {
    let (tx, rx) = mpsc::unbounded_channel();
    let opts = person(ctx, config, tx);
    let changes = crate::engine::ForkChanges {
        level: Some(fork.level),
        ..Default::default()
    };
    let handle = crate::engine::fork(store, parent, fork.at_seq, changes, opts)
        .map_err(|e| Failure::usage(e.to_string()))?;
    // The watcher gets the copied log too, from its first event.
    live(ctx, config, store, handle, rx, RunState::default()).await
}

/// `conclave` alone: the home screen, then what the person chose, then home again.
pub fn home(ctx: &Context, all: bool) -> Outcome {
    needs_terminal("the home screen")?;
    let config = ctx.load_config()?.config;
    let opts = options(ctx, &config);
    let cwd = ctx.repo_dir();
    let root = git2::Repository::discover(&cwd)
        .ok()
        .and_then(|r| r.workdir().map(|w| w.to_path_buf()));
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
    let (mut show_all, mut note, mut selected) = (all, String::new(), None);
    loop {
        if hung_up() {
            // A run went on after its terminal closed and has ended: nothing to show home on.
            return Ok(0);
        }
        let input = tui::home::HomeInput {
            runs: store.summaries()?,
            repo: root.clone(),
            label: label.clone(),
            show_all,
            note: std::mem::take(&mut note),
            selected,
        };
        let (choice, all_now) = rt
            .block_on(tui::home::home(input, &opts))
            .map_err(|e| Failure::failed(format!("terminal: {e}")))?;
        show_all = all_now;
        match choice {
            tui::home::HomeChoice::Quit => return Ok(0),
            tui::home::HomeChoice::Replay(id) => {
                selected = Some(id);
                let done = rt.block_on(async {
                    match replay(ctx, &config, &store, id, 10.0).await? {
                        Some(fork) => start_fork(ctx, &config, &store, id, fork).await.map(Some),
                        None => Ok(None),
                    }
                });
                match done {
                    // The fork is the newest run: home selects it.
                    Ok(Some(_)) => selected = None,
                    Ok(None) => {}
                    Err(e) => note = e.message,
                }
            }
            tui::home::HomeChoice::Resume(id) => {
                selected = Some(id);
                let (tx, rx) = mpsc::unbounded_channel();
                let done = rt.block_on(async {
                    let before = store.state_at(id, None)?;
                    let handle = crate::engine::resume(&store, id, person(ctx, &config, tx))
                        .map_err(|e| Failure::usage(e.to_string()))?;
                    live(ctx, &config, &store, handle, rx, before).await
                });
                if let Err(e) = done {
                    note = e.message;
                }
            }
            tui::home::HomeChoice::NewRun(goal) => {
                let (tx, rx) = mpsc::unbounded_channel();
                let done = rt.block_on(async {
                    let opts = person(ctx, &config, tx);
                    let handle = crate::engine::start(&store, &cwd, &goal, opts)
                        .map_err(|e| Failure::usage(e.to_string()))?;
                    live(ctx, &config, &store, handle, rx, RunState::default()).await
                });
                selected = None;
                if let Err(e) = done {
                    note = e.message;
                }
            }
            tui::home::HomeChoice::Delete(id) => {
                selected = None;
                note = match delete_run(ctx, &store, id) {
                    Ok(()) => format!("run {} deleted", id.short()),
                    Err(e) => format!(
                        "run {} not deleted: {}",
                        id.prefix(store.unique_prefix_len(SHORT_LEN)),
                        e.message
                    ),
                };
            }
            tui::home::HomeChoice::Export { run, path } => {
                selected = Some(run);
                let path = if path.is_absolute() {
                    path
                } else {
                    cwd.join(path)
                };
                note = match super::history::export_to(&store, run, &path, None) {
                    Ok(n) => format!(
                        "{} of {} written to {}",
                        crate::util::words::count(n, "event"),
                        run.prefix(store.unique_prefix_len(SHORT_LEN)),
                        path.display()
                    ),
                    Err(e) => format!("export failed: {}", e.message),
                };
            }
        }
    }
}

/// Removes a run from the store and its leftover worktrees from disk; its branches stay in the
/// repository (they may hold work the person wants).
pub fn delete_run(ctx: &Context, store: &Store, run: RunId) -> Result<(), Failure> {
    let s = store.state_at(run, Some(1))?;
    if !s.repo.is_empty() {
        let worktrees = ctx.paths.data_dir.join("worktrees").join(run.to_string());
        if worktrees.exists() {
            if let Ok(rr) = crate::git::RunRepo::reopen(
                std::path::Path::new(&s.repo),
                &run.to_string(),
                &s.base_commit,
                &s.branch,
                &ctx.paths.data_dir,
            ) {
                let _ = rr.cleanup();
            }
            let _ = std::fs::remove_dir_all(&worktrees);
        }
    }
    store.delete_run(run)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::after_quit;
    use crate::testkit::{finished_run, live_run, state_of};

    #[test]
    fn after_quitting_the_terminal_names_the_run_its_end_its_cost_and_the_next_command() {
        let done = state_of(&finished_run());
        let short = done.run.unwrap().short();
        insta::assert_snapshot!(after_quit(&done)
            .replace(&done.run.unwrap().to_string(), "RUN")
            .replace(&short, "SHORT"));
        let live = state_of(&live_run());
        let said = after_quit(&live);
        assert!(said.contains("is not finished"), "{said}");
        assert!(
            said.contains(&format!("conclave resume {}", live.run.unwrap().short())),
            "{said}"
        );
    }
}
