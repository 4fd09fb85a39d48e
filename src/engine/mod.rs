//! The engine: turns goals into landed commits by driving agents, gates, merges and the
//! policy, and records every step as an event (design §3).
//!
//! Owns decisions and their order. Must not draw anything or write the store except through
//! its `RunLog` (and, for a fork, the copy of the parent's log it starts from). `start`,
//! `resume` and `fork` return a `RunHandle`: the log to watch, a sender for the person's
//! commands, and the task that drives the run.

pub mod adaptation;
pub mod approvals;
pub mod command_policy;
mod commands;
pub mod context;
pub mod detection;
mod fork;
pub mod gates;
mod kept_hunks;
pub mod learning;
pub mod lessons;
mod merging;
pub mod orchestrator;
pub mod policy;
mod preflight;
pub mod router;
pub mod rules;
pub mod run_log;
mod sent_back;
mod sessions;
mod task_flow;
mod task_steps;

pub use approvals::Stand;
pub use fork::{fork, ForkChanges, ForkError};
pub use orchestrator::DriveEnd;

use crate::config::Config;
use crate::git::{GitError, RunRepo};
use crate::model::{AgentSpec, Command, EventKind, GoalSource, RunId};
use crate::providers::{
    ProviderError, ProviderKind, ResilientClient, RetryPolicy, ScriptedProvider,
};
use crate::runner::{scrubbed_env, LocalRunner, Sandbox};
use crate::store::{RunWriter, Store, StoreError};
use context::Ctx;
use run_log::RunLog;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("agent {agent}: {source}")]
    Provider {
        agent: String,
        source: ProviderError,
    },
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Fork(#[from] ForkError),
}

pub struct RunOptions {
    pub config: Config,
    pub data_dir: PathBuf,
    pub stand: Stand,
    /// Gets the run's events in order (headless printing, the TUI): for `start` and `fork`
    /// every event from the first (a fork's copied ones included), for `resume` those from
    /// the resume on.
    pub watcher: Option<UnboundedSender<crate::model::Event>>,
}

pub struct RunHandle {
    pub run: RunId,
    pub log: Arc<RunLog>,
    pub commands: UnboundedSender<Command>,
    pub desk: Arc<approvals::Desk>,
    pub driver: tokio::task::JoinHandle<DriveEnd>,
    /// Stops the whole run (agents, gates, commands) without recording it as cancelled.
    stop: CancellationToken,
}

impl RunHandle {
    /// Stops the run where it stands, resumable, as if the process had ended: what runs is
    /// cancelled, nothing is recorded as cancelled, the log is flushed. For a screen that
    /// closes while the process lives on (the home screen shows itself again).
    pub async fn interrupt(self) -> DriveEnd {
        self.stop.cancel();
        let end = self.driver.await.unwrap_or(DriveEnd::Interrupted);
        let _ = self.log.flush();
        end
    }
}

/// Each agent's client: its profile chain behind retries and fallback. A scripted profile
/// skips the turns this agent already took (a resumed run goes on in the cassette).
fn clients(
    config: &Config,
    taken: &sessions::Taken,
) -> Result<HashMap<String, ResilientClient>, EngineError> {
    let prices = Arc::new(config.price_table());
    // One breaker per profile for the whole run: once a profile fails, no agent pays for it
    // again until a probe finds it back.
    let breakers = Arc::new(crate::providers::Breakers::default());
    let mut out = HashMap::new();
    for a in &config.agents {
        let mut chain: Vec<Arc<dyn crate::providers::Provider>> = Vec::new();
        for s in config.chain(a) {
            let p: Arc<dyn crate::providers::Provider> = if s.kind == ProviderKind::Scripted {
                let sp = ScriptedProvider::open(s).map_err(|e| EngineError::Provider {
                    agent: a.name.clone(),
                    source: e,
                })?;
                for ((agent, task), n) in taken.iter().filter(|((agent, _), _)| *agent == a.name) {
                    match task {
                        Some(t) => sp.skip_task(agent, t, *n),
                        None => sp.skip(agent, *n),
                    }
                }
                Arc::new(sp)
            } else {
                crate::providers::connect(s).map_err(|e| EngineError::Provider {
                    agent: a.name.clone(),
                    source: e,
                })?
            };
            chain.push(p);
        }
        let client = ResilientClient::new(chain, RetryPolicy::default(), prices.clone())
            .map_err(|e| EngineError::Provider {
                agent: a.name.clone(),
                source: e,
            })?
            .with_breakers(breakers.clone());
        out.insert(a.name.clone(), client);
    }
    Ok(out)
}

/// Refuses a run whose agents would fail their first call for want of a key.
fn keys_set(config: &Config) -> Result<(), EngineError> {
    match preflight::missing_keys(config) {
        Some(msg) => Err(EngineError::Setup(msg)),
        None => Ok(()),
    }
}

fn launch(
    store: &Store,
    log: Arc<RunLog>,
    repo: RunRepo,
    opts: RunOptions,
) -> Result<RunHandle, EngineError> {
    let sandbox = sandbox_for(&opts.config)?;
    if let Some(warning) = sandbox.weaker_than_asked() {
        // Said loudly, once per run: what confines agents' and gates' commands less than the
        // user may think.
        crate::model::EventSink::emit(
            log.as_ref(),
            EventKind::Transcript {
                agent: "engine".into(),
                task: None,
                part: crate::model::TranscriptPart::System,
                text: format!("{warning}\n"),
            },
        );
    }
    let lessons = lessons(store);
    // The turns this run's agents took are read back from the store: all of them written.
    log.flush()?;
    let clients = clients(
        &opts.config,
        &sessions::taken(store.events(log.run(), 0, None)?)?,
    )?;
    let cancel = CancellationToken::new();
    let desk = Arc::new(approvals::Desk::new(
        log.clone(),
        opts.stand,
        cancel.clone(),
    ));
    let (pause_tx, pause_rx) = tokio::sync::watch::channel(
        log.with_state(|s| s.status == crate::model::RunStatus::Paused),
    );
    let ctx = Arc::new(Ctx {
        log: log.clone(),
        desk: desk.clone(),
        env_remove: scrubbed_env(&opts.config.secret_vars()),
        config: opts.config,
        repo,
        clients,
        runner: Arc::new(LocalRunner::new(sandbox)),
        cancel: cancel.clone(),
        paused: pause_rx,
        lessons,
        memory: store.memory().ok(),
        task_tokens: std::sync::Mutex::new(HashMap::new()),
        assigning: tokio::sync::Mutex::new(()),
    });
    rules_in_force(&ctx);
    let (tx, rx) = unbounded_channel();
    tokio::spawn(commands::serve(ctx.clone(), rx, pause_tx));
    let run = log.run();
    let closing = log.clone();
    let driver = tokio::spawn(async move {
        let end = orchestrator::drive(ctx).await;
        // The run is over here (or stopped): its database is let go now, not when the last
        // task holding the log ends, so this same process can resume it at once.
        let _ = tokio::task::spawn_blocking(move || closing.close()).await;
        end
    });
    Ok(RunHandle {
        run,
        log,
        commands: tx,
        desk,
        driver,
        stop: cancel,
    })
}

/// The run's sandbox policy, refused here (exit 2) when this system cannot enforce it: a
/// run whose every command would be refused is better not started.
fn sandbox_for(config: &Config) -> Result<Sandbox, EngineError> {
    let sb = Sandbox::from_config(&config.sandbox, &scrubbed_env(&config.secret_vars()));
    sb.check().map_err(|e| EngineError::Setup(e.to_string()))?;
    Ok(sb)
}

/// Records the repo's sticky rules as the run starts or goes on live, when they differ from
/// what the log already says (a `conclave rules rm` in between, or a first rule).
fn rules_in_force(ctx: &Ctx) {
    let Some(memory) = &ctx.memory else { return };
    let repo = rules::repo_key(&ctx.repo.root);
    let now = rules::for_repo(memory, &repo).unwrap_or_default();
    if ctx.log.with_state(|s| s.rules != now) {
        crate::model::EventSink::emit(&*ctx.log, EventKind::RulesInForce { rules: now });
    }
}

/// Lessons kept in the store's memory, newest last.
fn lessons(store: &Store) -> Vec<String> {
    store
        .memory()
        .and_then(|m| m.scan::<serde_json::Value>("lesson/"))
        .map(|v| {
            v.into_iter()
                .filter_map(|(_, l)| l.get("text").and_then(|t| t.as_str()).map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Starts a new run on `repo` towards `goal`.
pub fn start(
    store: &Store,
    repo: &Path,
    goal: &str,
    mut opts: RunOptions,
) -> Result<RunHandle, EngineError> {
    if opts.config.agents.is_empty() {
        return Err(EngineError::Setup("no agents are configured".into()));
    }
    sandbox_for(&opts.config)?;
    let run = RunId::new_at(crate::util::now_ms());
    // Only inspected: nothing is written before the keys are known to be there.
    let rr = RunRepo::inspect(repo, &run.to_string(), &opts.data_dir)?;
    keys_set(&opts.config)?;
    let adaptations = learning::tune(store, &mut opts.config);
    let writer = store.create_run(run)?;
    let log = Arc::new(RunLog::new(writer));
    if let Some(w) = opts.watcher.take() {
        log.watch(w);
    }
    let agents = opts
        .config
        .agents
        .iter()
        .map(|a| AgentSpec {
            name: a.name.clone(),
            role: a.role,
            provider: a.provider.clone(),
            model: opts
                .config
                .providers
                .get(&a.provider)
                .map(|p| p.model.clone())
                .unwrap_or_default(),
        })
        .collect();
    log.append(EventKind::RunStarted {
        repo: rr.root.display().to_string(),
        base_commit: rr.base_commit.to_string(),
        branch: rr.user_branch.clone(),
        goal: goal.to_string(),
        level: opts.config.run.level,
        agents,
        parent: None,
        config: serde_json::to_value(&opts.config).ok(),
    })?;
    // RunStarted is on disk (a durable kind): only now does the run touch the repo.
    if let Err(e) = rr.ensure_integration_branch() {
        log.append(EventKind::RunFinished {
            status: crate::model::RunOutcome::Failed,
            reason: Some(format!("cannot make the run's integration branch: {e}")),
        })?;
        return Err(e.into());
    }
    for a in adaptations {
        log.append(a)?;
    }
    launch(store, log, rr, opts)
}

/// Continues an interrupted run from its last event. A run that already ended is left as
/// it is: nothing is appended after its `RunFinished`.
pub fn resume(store: &Store, run: RunId, opts: RunOptions) -> Result<RunHandle, EngineError> {
    continue_live(store, store.open_writer(run)?, opts)
}

/// Sends a failed run back to work (`conclave resume --retry`): its failed tasks start over,
/// with `opts.config` (the person fixed what made it fail) recorded for it from here on.
pub fn retry(store: &Store, run: RunId, opts: RunOptions) -> Result<RunHandle, EngineError> {
    let mut writer = store.open_writer(run)?;
    let (status, failed) = {
        let s = writer.state();
        let failed: Vec<String> = s
            .tasks
            .iter()
            .filter(|t| t.status == crate::model::TaskStatus::Failed)
            .map(|t| t.id.clone())
            .collect();
        (s.status, failed)
    };
    match status {
        crate::model::RunStatus::Failed => {}
        s if s.is_over() => {
            return Err(EngineError::Setup(format!(
                "run {run} {}; only a failed run can be retried (`conclave fork {run}` starts a new one from any of its events)",
                s.name()
            )))
        }
        _ => {
            return Err(EngineError::Setup(format!(
                "run {run} has not failed; `conclave resume {}` continues it",
                run.short()
            )))
        }
    }
    writer.append(
        crate::util::now_ms(),
        EventKind::RunRetried {
            tasks: failed,
            config: serde_json::to_value(&opts.config).ok(),
        },
    )?;
    continue_live(store, writer, opts)
}

/// Goes on live from the end of the log `writer` holds (resume, fork): with the agents and
/// profiles the log's `RunStarted` recorded, at the level the log ends at, in the repo and
/// branches it names; a `RunResumed` marks where the live part begins.
fn continue_live(
    store: &Store,
    writer: RunWriter,
    mut opts: RunOptions,
) -> Result<RunHandle, EngineError> {
    let run = writer.run();
    let log = Arc::new(RunLog::new(writer));
    if let Some(w) = opts.watcher.take() {
        log.watch(w);
    }
    let (root, base, branch, level) = log.with_state(|s| {
        (
            s.repo.clone(),
            s.base_commit.clone(),
            s.branch.clone(),
            s.level,
        )
    });
    if root.is_empty() {
        return Err(EngineError::Setup(format!(
            "run {run} never started; nothing to resume"
        )));
    }
    // A fork's copy never holds the parent's RunFinished, so only a resume can meet one.
    let ended = log.with_state(|s| s.status);
    if ended.is_over() {
        return Err(EngineError::Setup(format!(
            "run {run} already {}; there is nothing to resume (`conclave fork {run} --at SEQ` goes on from any of its events)",
            ended.name()
        )));
    }
    if let Some(c) = recorded_config(store, run)? {
        opts.config = with_local_mcp(c, &opts.config);
    }
    if let Some(l) = level {
        opts.config.run.level = l;
    }
    // Refused before anything is appended: a run that cannot be confined is not resumed.
    sandbox_for(&opts.config)?;
    keys_set(&opts.config)?;
    let rr = RunRepo::reopen(
        Path::new(&root),
        &run.to_string(),
        &base,
        &branch,
        &opts.data_dir,
    )?;
    log.append(EventKind::RunResumed {})?;
    launch(store, log, rr, opts)
}

/// A run's recorded configuration with its `[[mcp]]` servers taken from the person's
/// configuration now: they are programs to start on this machine, and a log (an imported
/// run) must not be able to name them.
fn with_local_mcp(mut recorded: Config, live: &Config) -> Config {
    recorded.mcp = live.mcp.clone();
    recorded
}

/// The configuration the run was last given (its latest `RunRetried`, else its
/// `RunStarted`), if that one still loads.
fn recorded_config(store: &Store, run: RunId) -> Result<Option<Config>, EngineError> {
    let retried = store
        .event_heads(run, 0, None, true)?
        .find(|h| h.as_ref().is_ok_and(|h| h.kind == "RunRetried"))
        .transpose()?
        .map_or(0, |h| h.seq);
    let first = store
        .events(run, retried, Some(retried + 1))?
        .next()
        .transpose()?;
    Ok(first.and_then(|e| match e.kind {
        EventKind::RunStarted {
            config: Some(c), ..
        }
        | EventKind::RunRetried {
            config: Some(c), ..
        } => serde_json::from_value::<Config>(c).ok(),
        _ => None,
    }))
}

/// What a goal added mid-run looks like in the log.
pub fn goal_event(text: &str) -> EventKind {
    EventKind::GoalAdded {
        text: text.to_string(),
        source: GoalSource::Person,
    }
}
