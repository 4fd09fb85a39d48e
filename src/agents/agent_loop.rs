//! The agent loop: ask the model, stream its answer into Transcript events, run the tools it
//! calls, give it the results, and repeat until it ends its turn on the task (`finish`,
//! `submit_plan`, `submit_review`), or a turn limit, a token budget, a provider failure or a
//! cancel stops it.
//!
//! Owns the conversation and its events (Transcript, ToolCall, ToolResult; the provider layer
//! adds Usage and ProviderError). Must not know which provider answers, and must not decide
//! policy (commands ask the `CommandGate` inside the tool box).

use super::coalesce::Coalescer;
use super::tools::{ToolBox, ToolEffect};
use crate::model::EventSink;
use crate::model::{EventKind, PlannedTask, ReviewComment, Role, TranscriptPart, Verdict};
use crate::providers::{CallMeta, ChatRequest, Delta, Message, ResilientClient, ToolSpec, Turn};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// Bytes of a tool's output kept in its ToolResult event (the model gets all of it).
pub const EVENT_OUTPUT_CAP: usize = 16 * 1024;

pub struct AgentRun {
    pub agent: String,
    pub role: Role,
    pub task: Option<String>,
    pub client: ResilientClient,
    pub tools: ToolBox,
    pub sink: Arc<dyn EventSink>,
    pub max_turns: u32,
    /// Input + output tokens the session may spend.
    pub token_budget: u64,
    pub max_tokens: u32,
    /// The model's context window: the history is compacted to stay under it.
    pub context_tokens: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AgentEnd {
    Finished {
        summary: String,
    },
    Planned {
        tasks: Vec<PlannedTask>,
    },
    Reviewed {
        verdict: Verdict,
        summary: String,
        comments: Vec<ReviewComment>,
    },
    TurnLimit,
    TokenBudget,
    Failed {
        error: String,
    },
    /// Every profile failed with what no retry fixes (a refused or missing key, an unknown
    /// model): trying the task again cannot help until the person changes something.
    Unreachable {
        error: String,
    },
    Cancelled,
}

impl std::fmt::Display for AgentEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentEnd::Finished { summary } => write!(f, "finished: {summary}"),
            AgentEnd::Planned { tasks } => write!(f, "planned {} tasks", tasks.len()),
            AgentEnd::Reviewed { verdict, .. } => f.write_str(match verdict {
                Verdict::Approve => "it approved",
                Verdict::RequestChanges => "it asked for changes",
            }),
            AgentEnd::TurnLimit => f.write_str("it reached its turn limit"),
            AgentEnd::TokenBudget => f.write_str("it spent its token budget"),
            AgentEnd::Failed { error } => write!(f, "it failed: {error}"),
            AgentEnd::Unreachable { error } => write!(f, "its model cannot be reached: {error}"),
            AgentEnd::Cancelled => f.write_str("it was cancelled"),
        }
    }
}

fn cap(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[… {} more bytes not kept in the log …]",
        &s[..end],
        s.len() - end
    )
}

impl AgentRun {
    fn emit(&self, k: EventKind) {
        self.sink.emit(k);
    }

    fn system_note(&self, text: String) {
        self.emit(EventKind::Transcript {
            agent: self.agent.clone(),
            task: self.task.clone(),
            part: TranscriptPart::System,
            text,
        });
    }

    fn what_ends_a_turn(&self) -> &'static str {
        match self.role {
            Role::Strategist => "submit_plan",
            Role::Implementer => "finish",
            Role::Reviewer => "submit_review",
        }
    }

    /// Runs the session from its first message to its end.
    pub async fn run(&self, system: &str, first: String, cancel: CancellationToken) -> AgentEnd {
        let specs: Vec<ToolSpec> = self.tools.specs();
        // The brief carries repo material (a diff for review, gate feedback, the repo map):
        // scrubbed like every tool result before the model sees it.
        let first = self.tools.redactor.redact(&first).into_owned();
        let mut messages = vec![Message::User { text: first }];
        let mut compactor =
            super::compact::Compactor::new(self.context_tokens, self.max_tokens as u64);
        let mut spent = 0u64;
        let mut nudged = false;
        for _ in 0..self.max_turns {
            if cancel.is_cancelled() {
                return AgentEnd::Cancelled;
            }
            if let Some(fit) = compactor.fit(system, &mut messages, &specs) {
                self.emit(EventKind::Compacted {
                    agent: self.agent.clone(),
                    task: self.task.clone(),
                    tokens_before: fit.tokens_before,
                    tokens_after: fit.tokens_after,
                    removed: fit.removed,
                });
            }
            let req = ChatRequest {
                system: system.to_string(),
                messages: messages.clone(),
                tools: specs.clone(),
                max_tokens: self.max_tokens,
            };
            let turn = match self.stream_turn(req, &cancel).await {
                Ok(t) => t,
                Err(end) => return end,
            };
            if let Some(c) = &turn.completion {
                spent += c.usage.input_tokens.unwrap_or(0) + c.usage.output_tokens.unwrap_or(0);
            }
            messages.push(turn.to_message());
            if turn.tool_calls.is_empty() {
                if nudged {
                    self.system_note(format!(
                        "the model stopped twice without calling {}",
                        self.what_ends_a_turn()
                    ));
                    return AgentEnd::Failed {
                        error: format!("stopped without calling {}", self.what_ends_a_turn()),
                    };
                }
                nudged = true;
                messages.push(Message::User {
                    text: format!(
                        "Continue with the tools. When you are done, call `{}`.",
                        self.what_ends_a_turn()
                    ),
                });
                continue;
            }
            let mut end = None;
            for call in &turn.tool_calls {
                let id = format!("{}-{}", self.agent, ulid::Ulid::new());
                self.emit(EventKind::ToolCall {
                    call: id.clone(),
                    agent: self.agent.clone(),
                    task: self.task.clone(),
                    tool: call.name.clone(),
                    args: call.args.clone(),
                    signature: call.signature.clone(),
                });
                let started = Instant::now();
                let reply = if end.is_some() {
                    super::tools::ToolReply {
                        ok: false,
                        output: "not run: the turn already ended".into(),
                        effect: ToolEffect::None,
                    }
                } else {
                    self.tools
                        .call(&call.name, &call.args, cancel.clone())
                        .await
                };
                self.emit(EventKind::ToolResult {
                    call: id,
                    ok: reply.ok,
                    output: cap(&reply.output, EVENT_OUTPUT_CAP),
                    ms: started.elapsed().as_millis() as u64,
                });
                messages.push(Message::ToolResult {
                    call_id: call.id.clone(),
                    tool_name: call.name.clone(),
                    content: reply.output.clone(),
                    is_error: !reply.ok,
                });
                end = end.or(match reply.effect {
                    ToolEffect::None => None,
                    ToolEffect::Finish { summary } => Some(AgentEnd::Finished { summary }),
                    ToolEffect::Plan { tasks } => Some(AgentEnd::Planned { tasks }),
                    ToolEffect::Review {
                        verdict,
                        summary,
                        comments,
                    } => Some(AgentEnd::Reviewed {
                        verdict,
                        summary,
                        comments,
                    }),
                });
            }
            if let Some(end) = end {
                return end;
            }
            if spent >= self.token_budget {
                self.system_note(format!("token budget of {} spent", self.token_budget));
                return AgentEnd::TokenBudget;
            }
        }
        self.system_note(format!("turn limit of {} reached", self.max_turns));
        AgentEnd::TurnLimit
    }

    /// One model call, streamed into Transcript events; the assembled turn.
    async fn stream_turn(
        &self,
        req: ChatRequest,
        cancel: &CancellationToken,
    ) -> Result<Turn, AgentEnd> {
        let mut stream = self.client.stream(
            req,
            CallMeta::new(&self.agent, self.task.clone()),
            self.sink.clone(),
        );
        let mut co = Coalescer::new(&self.agent, self.task.clone());
        let mut turn = Turn::default();
        loop {
            let deadline = co.deadline();
            let item = tokio::select! {
                item = stream.next() => item,
                _ = cancel.cancelled() => return Err(AgentEnd::Cancelled),
                _ = async { tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now).into()).await }, if deadline.is_some() => {
                    if let Some(e) = co.flush() { self.emit(e) }
                    continue;
                }
            };
            let Some(item) = item else { break };
            let delta = match item {
                Ok(d) => d,
                Err(e) => {
                    if let Some(ev) = co.flush() {
                        self.emit(ev);
                    }
                    // The resilient layer already tried every profile; what it could not
                    // fix by retrying, a new attempt of the task cannot fix either.
                    return Err(if e.is_retryable() {
                        AgentEnd::Failed {
                            error: e.to_string(),
                        }
                    } else {
                        AgentEnd::Unreachable {
                            error: e.to_string(),
                        }
                    });
                }
            };
            let now = Instant::now();
            let due = match &delta {
                Delta::Text { text } => co.push(TranscriptPart::Text, text, now),
                Delta::Thinking { text } => co.push(TranscriptPart::Thinking, text, now),
                Delta::Restart {
                    provider, reason, ..
                } => {
                    let mut v: Vec<EventKind> = co.flush().into_iter().collect();
                    v.push(EventKind::Transcript {
                        agent: self.agent.clone(),
                        task: self.task.clone(),
                        part: TranscriptPart::System,
                        text: format!("[the answer above was cut ({reason}); starting over with {provider}; it does not count]\n"),
                    });
                    v
                }
                Delta::ToolCall { .. } | Delta::Done { .. } => co.flush().into_iter().collect(),
            };
            for e in due {
                self.emit(e);
            }
            turn.apply(&delta);
        }
        if let Some(e) = co.flush() {
            self.emit(e);
        }
        if turn.completion.is_none() {
            return Err(AgentEnd::Failed {
                error: "the answer ended without completing".into(),
            });
        }
        Ok(turn)
    }
}
