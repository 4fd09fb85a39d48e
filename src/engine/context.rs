//! What every part of a running engine shares: the log, the desk, config, the repo, the
//! agents' clients, the runner, and the run's cancel and pause signals.

use super::approvals::{Desk, Request};
use super::command_policy::assess_in;
use super::policy::Facts;
use super::run_log::RunLog;
use crate::agents::tools::{CommandGate, CommandGrant, Confined, ToolAsk, ToolBox};
use crate::agents::{AgentEnd, AgentRun};
use crate::config::{AgentConfig, Config};
use crate::git::RunRepo;
use crate::model::EventSink;
use crate::model::{ApprovalWhat, EventKind, Role};
use crate::providers::ResilientClient;
use crate::runner::Runner;
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub struct Ctx {
    pub log: Arc<RunLog>,
    pub desk: Arc<Desk>,
    pub config: Config,
    pub repo: RunRepo,
    pub clients: HashMap<String, ResilientClient>,
    pub runner: Arc<dyn Runner>,
    pub env_remove: Vec<String>,
    pub cancel: CancellationToken,
    pub paused: watch::Receiver<bool>,
    pub lessons: Vec<String>,
    /// Where lessons and outcome statistics are kept across runs.
    pub memory: Option<crate::store::Memory>,
    /// One cancel token per running task (children of `cancel`), so a person can stop one
    /// task without stopping the run.
    pub task_tokens: std::sync::Mutex<HashMap<String, CancellationToken>>,
    /// Held while a task is routed and assigned, so two tasks starting together see each
    /// other's assignment.
    pub assigning: tokio::sync::Mutex<()>,
}

impl Ctx {
    /// The token that stops work on `task` (the run's own when the task has none).
    pub fn token_for(&self, task: Option<&str>) -> CancellationToken {
        let tokens = self.task_tokens.lock().unwrap_or_else(|p| p.into_inner());
        task.and_then(|t| tokens.get(t).cloned())
            .unwrap_or_else(|| self.cancel.clone())
    }

    /// A fresh token for a task starting now.
    pub fn start_task_token(&self, task: &str) -> CancellationToken {
        let token = self.cancel.child_token();
        self.task_tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(task.to_string(), token.clone());
        token
    }

    pub fn goal(&self) -> String {
        self.log.with_state(|s| {
            s.goals
                .iter()
                .map(|g| g.text.clone())
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    pub fn agent(&self, name: &str) -> Option<&AgentConfig> {
        self.config.agent(name)
    }

    /// What keeps `agent` from working, in words, while its last call failed.
    pub fn problem_of(&self, agent: &str) -> Option<String> {
        self.log.with_state(|s| {
            s.agents
                .iter()
                .find(|a| a.name == agent)
                .and_then(|a| a.problem.clone())
        })
    }

    pub fn first_with_role(&self, role: Role) -> Option<&AgentConfig> {
        self.config.agents.iter().find(|a| a.role == role)
    }

    pub fn gate_commands(&self) -> Vec<String> {
        self.config
            .gates
            .iter()
            .map(|g| g.command.clone())
            .collect()
    }

    /// Waits while the run is paused; false when the run is being cancelled.
    pub async fn wait_unpaused(&self) -> bool {
        let mut rx = self.paused.clone();
        loop {
            if self.cancel.is_cancelled() {
                return false;
            }
            if !*rx.borrow() {
                return true;
            }
            tokio::select! {
                r = rx.changed() => if r.is_err() { return true },
                _ = self.cancel.cancelled() => return false,
            }
        }
    }

    /// Facts every decision starts from.
    pub fn facts(&self) -> Facts {
        Facts {
            gate_commands: self.gate_commands(),
            minor_diff_lines: self.config.run.minor_diff_lines,
            max_retries: self.config.run.max_retries,
            ..Facts::default()
        }
    }

    /// Logs where the task's branch is now, if it moved since the log last said (a fork
    /// restores branches from these records).
    pub fn record_commit(&self, task: &str, tip: git2::Oid) {
        let tip = tip.to_string();
        let known = self
            .log
            .with_state(|s| s.task(task).and_then(|t| t.commit.clone()));
        if known.as_deref() != Some(tip.as_str()) {
            self.log.emit(EventKind::TaskCommitted {
                task: task.to_string(),
                commit: tip,
            });
        }
    }

    /// Runs one agent session in `dir` and returns how it ended.
    pub async fn session(
        self: &Arc<Self>,
        agent: &str,
        task: Option<&str>,
        attempt: u32,
        dir: &Path,
        system: &str,
        first: String,
    ) -> AgentEnd {
        let (Some(cfg), Some(client)) = (self.agent(agent), self.clients.get(agent)) else {
            return AgentEnd::Failed {
                error: format!("no agent named {agent} is configured"),
            };
        };
        let confined = match Confined::new(dir) {
            Ok(c) => c,
            Err(e) => {
                return AgentEnd::Failed {
                    error: format!("worktree {}: {e}", dir.display()),
                }
            }
        };
        // The repo's AGENTS.md and prompt overrides, as the worktree has them; the person sees
        // in the transcript's first turn what shaped the prompt.
        let composed = crate::agents::instructions::compose(cfg.role, system, dir);
        let system = self.log.redactor().redact(&composed.system).into_owned();
        if let Some(note) = composed.note {
            self.log.emit(EventKind::Transcript {
                agent: agent.to_string(),
                task: task.map(String::from),
                part: crate::model::TranscriptPart::System,
                text: self.log.redactor().redact(&note).into_owned(),
            });
        }
        let gate = Arc::new(PolicyGate {
            worktree: dir.display().to_string(),
            ctx: self.clone(),
            task: task.unwrap_or("run").to_string(),
            attempt,
            n: AtomicU32::new(0),
        });
        let mcp = self.start_mcp(agent, task, cfg.role, dir).await;
        let run = AgentRun {
            agent: agent.to_string(),
            role: cfg.role,
            task: task.map(String::from),
            client: client.clone(),
            tools: ToolBox {
                confined,
                role: cfg.role,
                runner: self.runner.clone(),
                gate,
                command_timeout: Duration::from_secs(self.config.run.command_timeout_s),
                output_cap: 16 * 1024,
                env_remove: self.env_remove.clone(),
                redactor: self.log.redactor(),
                known_tasks: self
                    .log
                    .with_state(|s| s.tasks.iter().map(|t| t.id.clone()).collect()),
                mcp,
            },
            sink: self.log.clone() as Arc<dyn EventSink>,
            max_turns: self.config.run.max_turns,
            token_budget: 2_000_000,
            max_tokens: self.config.max_tokens(cfg),
            context_tokens: self.config.context_tokens(cfg),
        };
        run.run(&system, first, self.token_for(task)).await
    }
}

impl Ctx {
    /// The `[[mcp]]` servers offered to `role`, started for one session in `dir`; what
    /// failed, and which tools are offered, is said in the agent's transcript.
    async fn start_mcp(
        &self,
        agent: &str,
        task: Option<&str>,
        role: Role,
        dir: &Path,
    ) -> crate::mcp::McpSession {
        if !self.config.mcp.iter().any(|s| s.offered_to(role)) {
            return Default::default();
        }
        let withhold = self.config.provider_key_vars();
        let start = crate::mcp::McpSession::start(&self.config.mcp, role, dir, &withhold);
        let stop = self.token_for(task);
        // A task cancelled while its servers start does not wait for them.
        let (mcp, mut notes) = tokio::select! {
            started = start => started,
            _ = stop.cancelled() => return Default::default(),
        };
        let names: Vec<&str> = mcp.tools().map(|t| t.name.as_str()).collect();
        if !names.is_empty() {
            notes.push(format!("MCP tools offered: {}", names.join(", ")));
        }
        for text in notes {
            self.log.emit(EventKind::Transcript {
                agent: agent.to_string(),
                task: task.map(String::from),
                part: crate::model::TranscriptPart::System,
                text: format!("{text}\n"),
            });
        }
        mcp
    }
}

/// Commands an agent wants to run go through the desk like every other decision.
struct PolicyGate {
    /// Where its commands run: paths inside it are the task's own.
    worktree: String,
    ctx: Arc<Ctx>,
    task: String,
    attempt: u32,
    n: AtomicU32,
}

impl PolicyGate {
    /// The next approval id of this session (`PREFIX-task-attempt-n`); a new one when a
    /// resumed session asks something else under the same number.
    fn next_id(&self, prefix: &str, subject: &str) -> String {
        let k = self.n.fetch_add(1, Ordering::SeqCst) + 1;
        let id = format!("{prefix}-{}-{}-{k}", self.task, self.attempt);
        if self
            .ctx
            .log
            .with_state(|s| s.approval(&id).is_some_and(|a| a.subject != subject))
        {
            return format!("{id}-{}", ulid::Ulid::new());
        }
        id
    }

    /// Asks the desk; Ok when approved, else why not (for the model).
    async fn ask(&self, req: Request) -> Result<(), String> {
        match self.ctx.desk.ask(req).await {
            Some(v) if v.approved => Ok(()),
            Some(v) => Err(if v.reason.is_empty() {
                "rejected".into()
            } else {
                format!("rejected: {}", v.reason)
            }),
            None => Err("the run is stopping".into()),
        }
    }
}

impl CommandGate for PolicyGate {
    fn check_tool<'a>(
        &'a self,
        ask: &'a ToolAsk<'a>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let subject =
                super::command_policy::tool_subject_for(ask.name, ask.server, ask.args, &self.task);
            let id = self.next_id("mcp", &subject);
            let mut facts = self.ctx.facts();
            facts.command = Some(ask.name.to_string());
            facts.tool = Some(super::policy::ToolFacts {
                name: ask.name.to_string(),
                server: ask.server.to_string(),
                grade: ask.grade,
            });
            facts.task_risk = self
                .ctx
                .log
                .with_state(|s| s.task(&self.task).and_then(|t| t.risk));
            self.ask(Request {
                id,
                what: ApprovalWhat::Command,
                task: Some(self.task.clone()),
                subject,
                diff: None,
                facts,
            })
            .await
        })
    }

    fn check<'a>(
        &'a self,
        command: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<CommandGrant, String>> + Send + 'a>> {
        Box::pin(async move {
            let subject = super::command_policy::subject_for(command, &self.task);
            let id = self.next_id("cmd", &subject);
            let mut facts = self.ctx.facts();
            facts.command = Some(command.to_string());
            facts.task_risk = self
                .ctx
                .log
                .with_state(|s| s.task(&self.task).and_then(|t| t.risk));
            facts.worktree = Some(self.worktree.clone());
            let network =
                assess_in(command, &facts.gate_commands, facts.worktree.as_deref()).needs_network();
            let req = Request {
                id,
                what: ApprovalWhat::Command,
                task: Some(self.task.clone()),
                subject,
                diff: None,
                facts,
            };
            // The network only for a command that needs it and was allowed.
            self.ask(req).await.map(|()| CommandGrant { network })
        })
    }
}
