//! `conclave run` and `conclave resume` (and, through `go`, `conclave fork`): a live run,
//! headless (one JSON event per line on stdout, `--on-approval` answering for the person) or
//! in the TUI, served to other processes on the run's socket either way (`serve`), or in the
//! background (`--detach`, detach.rs).

use super::args::{HeadlessArgs, OnApproval, ResumeArgs, RunArgs};
use super::{Context, Failure, Outcome};
use crate::config::Config;
use crate::engine::{self, DriveEnd, RunHandle, RunOptions, Stand};
use crate::model::{Event, RunOutcome};
use crate::service::{Service, Source};
use crate::store::Store;
use std::io::Write;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

fn stand(h: &HeadlessArgs) -> Stand {
    match h.on_approval() {
        OnApproval::Approve => Stand::Approve,
        OnApproval::Reject => Stand::Reject,
        OnApproval::Fail => Stand::Fail,
        // A person answers from `conclave attach`.
        OnApproval::Wait => Stand::Person,
    }
}

/// Serves the run on its socket for as long as the returned service lives. A run that cannot
/// be served still runs: said in the log and, when `say` (headless), on stderr.
pub(super) fn serve(
    ctx: &Context,
    store: &Store,
    handle: &RunHandle,
    say: bool,
) -> Option<Service> {
    let src = Source {
        run: handle.run,
        log: handle.log.clone(),
        commands: handle.commands.clone(),
        store: store.clone(),
    };
    match Service::start(&ctx.paths.data_dir, src) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(run = %handle.run, "the run is not served to other processes: {e}");
            if say {
                let _ = writeln!(
                    std::io::stderr(),
                    "conclave: run {} cannot be attached from another terminal: {e}",
                    handle.run
                );
            }
            None
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))
}

/// Applies the command line's overrides to the config.
fn overrides(mut c: Config, a: &RunArgs) -> Result<Config, Failure> {
    if let Some(l) = a.level {
        c.run.level = crate::model::AutonomyLevel::try_from(l).map_err(Failure::usage)?;
    }
    if let Some(n) = a.max_parallel {
        c.run.max_parallel = n;
    }
    if let Some(p) = &a.profile {
        if !c.providers.contains_key(p) {
            let names: Vec<&str> = c.providers.keys().map(String::as_str).collect();
            return Err(Failure::usage(format!(
                "--profile {p}: no such provider profile (profiles: {})",
                names.join(", ")
            )));
        }
        for agent in &mut c.agents {
            agent.provider = p.clone();
            agent.fallback.clear();
        }
    }
    Ok(c)
}

fn goal(a: &RunArgs) -> Result<String, Failure> {
    let g = match (&a.goal, &a.goal_file) {
        (Some(g), _) => g.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .map_err(|e| Failure::usage(format!("--goal-file {}: {e}", f.display())))?,
        (None, None) => {
            return Err(Failure::usage(
                "a goal is needed: conclave run \"GOAL\" or --goal-file FILE",
            ))
        }
    };
    if g.trim().is_empty() {
        return Err(Failure::usage("the goal is empty"));
    }
    Ok(g.trim().to_string())
}

pub fn run(ctx: &Context, a: &RunArgs) -> Outcome {
    if a.headless.detach {
        return super::detach::spawn(ctx, &a.headless);
    }
    let goal = goal(a)?;
    let config = overrides(ctx.load_config()?.config, a)?;
    if !a.headless.headless {
        super::screen::needs_terminal("the live run screen")?;
    }
    let metrics = super::metrics::listen(&a.metrics)?;
    let store = ctx.open_store()?;
    let repo = ctx.repo_dir();
    let before = crate::model::RunState::default();
    go(ctx, &config, &store, &a.headless, metrics, before, |opts| {
        engine::start(&store, &repo, &goal, opts)
    })
}

pub fn resume(ctx: &Context, a: &ResumeArgs) -> Outcome {
    if a.headless.detach {
        return super::detach::spawn(ctx, &a.headless);
    }
    let config = ctx.load_config()?.config;
    if !a.headless.headless {
        super::screen::needs_terminal("the live run screen")?;
    }
    let metrics = super::metrics::listen(&a.metrics)?;
    let store = ctx.open_store()?;
    let run = store.resolve(&a.run)?;
    let before = store.state_at(run, None)?;
    let retry = a.retry;
    go(ctx, &config, &store, &a.headless, metrics, before, |opts| {
        if retry {
            engine::retry(&store, run, opts)
        } else {
            engine::resume(&store, run, opts)
        }
    })
}

/// Starts a run with `begin` (inside the async runtime) and follows it to its end: headless,
/// `--on-approval` answering for the person, or in the TUI from the state `before` (what the
/// run's log held before the events the engine will send). With `metrics`, the run is
/// exported there while it goes.
pub(super) fn go(
    ctx: &Context,
    config: &Config,
    store: &Store,
    h: &HeadlessArgs,
    metrics: Option<crate::metrics::Listener>,
    before: crate::model::RunState,
    begin: impl FnOnce(RunOptions) -> Result<RunHandle, engine::EngineError>,
) -> Outcome {
    let tui = !h.headless;
    let rt = runtime()?;
    let exporter = {
        let _in_runtime = rt.enter();
        super::metrics::serve(metrics)?
    };
    let (tx, rx) = unbounded_channel();
    // In the TUI a person answers; headless, --on-approval does.
    let opts = RunOptions {
        config: config.clone(),
        data_dir: ctx.paths.data_dir.clone(),
        stand: if tui { Stand::Person } else { stand(h) },
        watcher: Some(tx),
    };
    rt.block_on(async {
        let handle = begin(opts).map_err(|e| Failure::usage(e.to_string()))?;
        if let Some(x) = &exporter {
            x.follow(&handle.log);
        }
        if tui {
            super::screen::live(ctx, config, store, handle, rx, before).await
        } else {
            headless(ctx, store, handle, rx).await
        }
    })
}

/// SIGTERM or SIGINT (Ctrl-C): a headless run stops where it stands, resumable, its socket
/// removed, instead of the process vanishing mid-write.
pub(super) async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

/// Prints every event as one JSON line until the run ends; the exit code says how it ended.
/// Other processes may watch and answer the run meanwhile (`conclave attach`).
pub async fn headless(
    ctx: &Context,
    store: &Store,
    mut handle: RunHandle,
    mut rx: UnboundedReceiver<Event>,
) -> Outcome {
    let service = serve(ctx, store, &handle, true);
    let stdout = std::io::stdout();
    let print = |e: &Event| {
        let mut out = stdout.lock();
        if let Ok(line) = serde_json::to_string(e) {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    };
    let stop = stop_signal();
    tokio::pin!(stop);
    let end = loop {
        tokio::select! {
            Some(e) = rx.recv() => print(&e),
            end = &mut handle.driver => break Some(end),
            _ = &mut stop => break None,
        }
    };
    let (run, log, desk) = (handle.run, handle.log.clone(), handle.desk.clone());
    let end = match end {
        Some(end) => end,
        None => Ok(handle.interrupt().await),
    };
    while let Ok(e) = rx.try_recv() {
        print(&e);
    }
    let _ = log.flush();
    if let Some(s) = service {
        s.shutdown().await;
    }
    match end {
        Ok(DriveEnd::Finished(RunOutcome::Finished)) => Ok(0),
        Ok(DriveEnd::Finished(outcome)) => {
            let why = log.with_state(|s| s.failure.clone());
            let how = match outcome {
                RunOutcome::Cancelled => "was cancelled",
                _ => "failed",
            };
            Err(Failure::failed(match why {
                Some(why) => format!("run {run} {how}: {why}"),
                None => format!("run {run} {how}"),
            }))
        }
        Ok(DriveEnd::Interrupted) => match desk.needs_person() {
            Some(n) => Err(Failure {
                code: 3,
                message: format!(
                    "run {run}: a person is needed for approval {} (--on-approval fail); answer it in the TUI or run `conclave resume {run} --headless --on-approval approve`",
                    n.approval
                ),
            }),
            None => Err(Failure::failed(format!("run {run} was interrupted; `conclave resume {run}` continues it"))),
        },
        Err(e) => Err(Failure::failed(format!("the run's driver failed: {e}"))),
    }
}
