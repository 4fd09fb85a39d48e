//! The nine tools of design §6: their names, JSON Schemas, and dispatch; after them, the
//! session's MCP tools (`mcp_call.rs`).
//!
//! Owns argument parsing (bad arguments become an error result for the model, never a crash),
//! which role gets which tools, and what a tool's call means for the agent's turn (finish,
//! plan, review). Must not start processes except through the `Runner`, and must not let a
//! command run or an MCP tool be called without asking the `CommandGate`.

mod confine;
mod edit;
mod files;
mod mcp_call;

use crate::model::validate_plan;
pub use confine::Confined;
pub use edit::replace_once;
pub use mcp_call::ToolAsk;

use crate::model::{PlannedTask, ReviewComment, Role, Verdict};
use crate::runner::{CommandSpec, Runner};
use serde::Deserialize;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A tool as sent to a provider.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolDef {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: Value,
}

fn def(name: &'static str, description: &'static str, schema: Value) -> ToolDef {
    ToolDef {
        name,
        description,
        schema,
    }
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

pub fn all_tools() -> Vec<ToolDef> {
    let task_kinds = json!(["feature", "bugfix", "test", "refactor", "docs", "perf", "security"]);
    vec![
        def(
            "submit_plan",
            "Submit the task graph for the goal. Each task: id (short, unique), title, description, kind, deps (ids it needs first), priority 1 (high) to 3.",
            obj(
                json!({"tasks": {"type": "array", "items": obj(json!({
                    "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                    "kind": {"type": "string", "enum": task_kinds},
                    "deps": {"type": "array", "items": {"type": "string"}},
                    "priority": {"type": "integer", "minimum": 1, "maximum": 3},
                    "estimate_min": {"type": "integer", "minimum": 1},
                    "risk": {"type": "string", "enum": ["low", "medium", "high"]}
                }), &["id", "title", "description", "kind", "deps", "priority"])}}),
                &["tasks"],
            ),
        ),
        def("list_files", "List files under a directory of the worktree (gitignore respected).", obj(json!({"path": {"type": "string"}}), &[])),
        def(
            "read_file",
            "Read a text file with line numbers; optionally only lines start_line..end_line.",
            obj(json!({"path": {"type": "string"}, "start_line": {"type": "integer", "minimum": 1}, "end_line": {"type": "integer", "minimum": 1}}), &["path"]),
        ),
        def(
            "search",
            "Search files for a regular expression; answers `path:line: text`.",
            obj(json!({"pattern": {"type": "string"}, "path": {"type": "string"}}), &["pattern"]),
        ),
        def("write_file", "Create or overwrite a file with the given content.", obj(json!({"path": {"type": "string"}, "content": {"type": "string"}}), &["path", "content"])),
        def(
            "edit_file",
            "Replace the exact text `old` (which must occur exactly once) with `new` in a file.",
            obj(json!({"path": {"type": "string"}, "old": {"type": "string"}, "new": {"type": "string"}}), &["path", "old", "new"]),
        ),
        def("run_command", "Run a shell command in the worktree; answers exit code and output tail.", obj(json!({"command": {"type": "string"}}), &["command"])),
        def("finish", "End your work on the task with a summary of what you did.", obj(json!({"summary": {"type": "string"}}), &["summary"])),
        def(
            "submit_review",
            "Submit the review: approve, or request_changes with comments tied to path and line.",
            obj(
                json!({
                    "verdict": {"type": "string", "enum": ["approve", "request_changes"]},
                    "summary": {"type": "string"},
                    "comments": {"type": "array", "items": obj(json!({"path": {"type": "string"}, "line": {"type": "integer"}, "body": {"type": "string"}}), &["path", "line", "body"])}
                }),
                &["verdict", "summary", "comments"],
            ),
        ),
    ]
}

/// The tools a role may call.
pub fn tools_for(role: Role) -> Vec<ToolDef> {
    let names: &[&str] = match role {
        Role::Strategist => &["list_files", "read_file", "search", "submit_plan"],
        Role::Implementer => &[
            "list_files",
            "read_file",
            "search",
            "write_file",
            "edit_file",
            "run_command",
            "finish",
        ],
        Role::Reviewer => &[
            "list_files",
            "read_file",
            "search",
            "run_command",
            "submit_review",
        ],
    };
    all_tools()
        .into_iter()
        .filter(|t| names.contains(&t.name))
        .collect()
}

/// What a tool call means for the agent's turn.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolEffect {
    None,
    Finish {
        summary: String,
    },
    Plan {
        tasks: Vec<PlannedTask>,
    },
    Review {
        verdict: Verdict,
        summary: String,
        comments: Vec<ReviewComment>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ToolReply {
    pub ok: bool,
    pub output: String,
    pub effect: ToolEffect,
}

impl ToolReply {
    fn ok(output: String) -> ToolReply {
        ToolReply {
            ok: true,
            output,
            effect: ToolEffect::None,
        }
    }

    fn err(output: String) -> ToolReply {
        ToolReply {
            ok: false,
            output,
            effect: ToolEffect::None,
        }
    }
}

/// What a command may do once the gate let it run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommandGrant {
    /// The command may reach the network (its grade is network and that was allowed).
    pub network: bool,
}

/// Asks whether a command may run (the policy, and a person when the policy says so).
pub trait CommandGate: Send + Sync {
    fn check<'a>(
        &'a self,
        command: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<CommandGrant, String>> + Send + 'a>>;

    /// Asks whether an MCP tool call may be made, graded as its server's entry says. A gate
    /// that does not know how to decide refuses: nothing reaches a server unasked.
    fn check_tool<'a>(
        &'a self,
        ask: &'a ToolAsk<'a>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move { Err(format!("no policy decides calls of {}", ask.name)) })
    }
}

/// Everything a tool call needs, for one agent on one task.
pub struct ToolBox {
    pub confined: Confined,
    pub role: Role,
    pub runner: Arc<dyn Runner>,
    pub gate: Arc<dyn CommandGate>,
    pub command_timeout: Duration,
    pub output_cap: usize,
    /// Variables withheld from commands even when `[sandbox] env` names them.
    pub env_remove: Vec<String>,
    /// Scrubs every tool result before the model sees it (the run's, shared with the store).
    pub redactor: Arc<crate::secrets::Redactor>,
    /// Ids of tasks already in the run (a re-plan may depend on them).
    pub known_tasks: Vec<String>,
    /// The MCP servers started for this session (their tools come after the built-in
    /// ones); dropping the tool box stops them.
    pub mcp: crate::mcp::McpSession,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathArg {
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadArgs {
    path: String,
    #[serde(default)]
    start_line: Option<usize>,
    #[serde(default)]
    end_line: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchArgs {
    pattern: String,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteArgs {
    path: String,
    content: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditArgs {
    path: String,
    old: String,
    new: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandArgs {
    command: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinishArgs {
    summary: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanArgs {
    tasks: Vec<PlannedTask>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewArgs {
    verdict: Verdict,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    comments: Vec<ReviewComment>,
}

fn parse<T: serde::de::DeserializeOwned>(tool: &str, args: &Value) -> Result<T, ToolReply> {
    // Some models send `null` or nothing for a tool without arguments.
    let args = if args.is_null() {
        json!({})
    } else {
        args.clone()
    };
    serde_json::from_value(args)
        .map_err(|e| ToolReply::err(format!("invalid arguments for {tool}: {e}")))
}

fn reply(r: Result<String, String>) -> ToolReply {
    match r {
        Ok(s) => ToolReply::ok(s),
        Err(e) => ToolReply::err(e),
    }
}

impl ToolBox {
    /// The tools offered to the model: the role's, then this session's MCP tools.
    pub fn specs(&self) -> Vec<crate::providers::ToolSpec> {
        let builtin = tools_for(self.role)
            .into_iter()
            .map(|t| crate::providers::ToolSpec {
                name: t.name.into(),
                description: t.description.into(),
                parameters: t.schema,
            });
        let mcp = self.mcp.tools().map(|t| crate::providers::ToolSpec {
            name: t.name.clone(),
            description: t.description.clone(),
            parameters: t.schema.clone(),
        });
        builtin.chain(mcp).collect()
    }

    /// Runs one tool call. Never panics on what the model sent.
    pub async fn call(&self, tool: &str, args: &Value, cancel: CancellationToken) -> ToolReply {
        let mcp = self.mcp.tool(tool).is_some();
        if !mcp && !tools_for(self.role).iter().any(|t| t.name == tool) {
            let names: Vec<String> = self.specs().into_iter().map(|t| t.name).collect();
            return ToolReply::err(format!(
                "unknown tool `{tool}` for {}; available: {}",
                crate::util::words::with_article(self.role.name()),
                names.join(", ")
            ));
        }
        let mut r = if mcp {
            self.mcp_call(tool, args, cancel).await
        } else {
            match self.dispatch(tool, args, cancel).await {
                Ok(r) | Err(r) => r,
            }
        };
        // Whatever a tool read or a command printed (a `ghp_` token in a file, a key in
        // `env` output) reaches the model only redacted.
        if let std::borrow::Cow::Owned(clean) = self.redactor.redact(&r.output) {
            r.output = clean;
        }
        r
    }

    async fn dispatch(
        &self,
        tool: &str,
        args: &Value,
        cancel: CancellationToken,
    ) -> Result<ToolReply, ToolReply> {
        let c = &self.confined;
        Ok(match tool {
            "list_files" => reply(files::list_files(
                c,
                parse::<PathArg>(tool, args)?.path.as_deref(),
            )),
            "read_file" => {
                let a: ReadArgs = parse(tool, args)?;
                reply(files::read_file(c, &a.path, a.start_line, a.end_line))
            }
            "search" => {
                let a: SearchArgs = parse(tool, args)?;
                reply(files::search(c, &a.pattern, a.path.as_deref()))
            }
            "write_file" => {
                let a: WriteArgs = parse(tool, args)?;
                reply(files::write_file(c, &a.path, &a.content))
            }
            "edit_file" => {
                let a: EditArgs = parse(tool, args)?;
                reply(files::edit_file(c, &a.path, &a.old, &a.new))
            }
            "run_command" => {
                let a: CommandArgs = parse(tool, args)?;
                self.run_command(&a.command, cancel).await
            }
            "finish" => {
                let a: FinishArgs = parse(tool, args)?;
                ToolReply {
                    ok: true,
                    output: "finished".into(),
                    effect: ToolEffect::Finish { summary: a.summary },
                }
            }
            "submit_plan" => {
                let a: PlanArgs = parse(tool, args)?;
                match validate_plan(&a.tasks, &self.known_tasks) {
                    Ok(()) => ToolReply {
                        ok: true,
                        output: format!(
                            "plan accepted ({})",
                            crate::util::words::count(a.tasks.len() as u64, "task")
                        ),
                        effect: ToolEffect::Plan { tasks: a.tasks },
                    },
                    Err(why) => ToolReply::err(format!(
                        "plan refused: {why}; fix it and call submit_plan again"
                    )),
                }
            }
            "submit_review" => {
                let a: ReviewArgs = parse(tool, args)?;
                ToolReply {
                    ok: true,
                    output: "review recorded".into(),
                    effect: ToolEffect::Review {
                        verdict: a.verdict,
                        summary: a.summary,
                        comments: a.comments,
                    },
                }
            }
            other => ToolReply::err(format!("unknown tool `{other}`")),
        })
    }

    async fn run_command(&self, command: &str, cancel: CancellationToken) -> ToolReply {
        if command.trim().is_empty() {
            return ToolReply::err("`command` is empty".into());
        }
        let grant = match self.gate.check(command).await {
            Ok(g) => g,
            Err(why) => return ToolReply::err(format!("command not run: {why}")),
        };
        let spec = CommandSpec {
            command: command.to_string(),
            cwd: self.confined.root().to_path_buf(),
            timeout: self.command_timeout,
            output_cap: self.output_cap,
            env_remove: self.env_remove.clone(),
            network: grant.network,
        };
        match self.runner.run(spec, cancel).await {
            Ok(o) => ToolReply {
                ok: o.success(),
                output: format!("{}\n{}", o.status_line(), o.output_with_note()),
                effect: ToolEffect::None,
            },
            Err(e) => ToolReply::err(format!("could not start the command: {e}")),
        }
    }
}

#[cfg(test)]
mod tests;
