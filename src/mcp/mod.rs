//! The MCP client (design §7): the `[[mcp]]` servers a session's role is offered, started for
//! that session in its worktree, their tools offered to the model as `mcp__<server>__<tool>`.
//!
//! Owns which servers a session gets, the tools it offers (the entry's `tools` allow-list,
//! names every wire accepts), the notes a person reads when a server fails to start or a
//! tool is left out, and turning a call into text. Must not decide whether a call may be
//! made: the ToolBox asks the gate (the policy, by the entry's `grade`) before `call`.
//! Servers die with the session: dropping the `McpSession` kills them.

mod connect;
pub mod shape;

use crate::config::{McpServerConfig, ToolGrade};
use crate::model::Role;
use connect::Server;
use serde_json::Value;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// A server's tool as offered to the model.
#[derive(Clone, Debug, PartialEq)]
pub struct McpTool {
    /// `mcp__<server>__<tool>`.
    pub name: String,
    pub server: String,
    /// The tool's own name, as the server knows it.
    pub tool: String,
    pub description: String,
    pub schema: Value,
    pub grade: ToolGrade,
}

/// What a call gave back, as the model reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct McpOutput {
    pub ok: bool,
    pub text: String,
}

/// The servers of one agent session and their tools.
#[derive(Default)]
pub struct McpSession {
    servers: Vec<Server>,
    /// Each tool with the index of its server.
    tools: Vec<(McpTool, usize)>,
}

impl std::fmt::Debug for McpSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.tools.iter().map(|(t, _)| t.name.as_str()).collect();
        write!(f, "McpSession({names:?})")
    }
}

impl McpSession {
    /// Starts every server offered to `role`, in `cwd`, side by side. A server that fails
    /// is left out; each problem is a note for the agent's transcript. `withhold`: variables
    /// no server gets (provider keys).
    pub async fn start(
        servers: &[McpServerConfig],
        role: Role,
        cwd: &Path,
        withhold: &[String],
    ) -> (McpSession, Vec<String>) {
        let offered: Vec<&McpServerConfig> =
            servers.iter().filter(|s| s.offered_to(role)).collect();
        let started =
            futures::future::join_all(offered.iter().map(|c| Server::start(c, cwd, withhold)))
                .await;
        let mut session = McpSession::default();
        let mut notes = Vec::new();
        for (cfg, r) in offered.into_iter().zip(started) {
            match r {
                Ok((server, tools)) => {
                    session.add(cfg, server, tools, &mut notes);
                }
                Err(e) => notes.push(format!(
                    "MCP server `{}` (`{}`) {e}; its tools are not offered in this session",
                    cfg.name,
                    command_line(cfg)
                )),
            }
        }
        (session, notes)
    }

    fn add(
        &mut self,
        cfg: &McpServerConfig,
        server: Server,
        tools: Vec<rmcp::model::Tool>,
        notes: &mut Vec<String>,
    ) {
        let idx = self.servers.len();
        let has = |name: &str| tools.iter().any(|t| t.name == name);
        for wanted in cfg.tools.iter().flatten().filter(|w| !has(w)) {
            let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
            notes.push(format!(
                "MCP server `{}` has no tool `{wanted}` (its tools: {}); check `tools` in its [[mcp]] entry",
                cfg.name,
                if names.is_empty() { "none".into() } else { names.join(", ") }
            ));
        }
        for t in tools {
            if cfg
                .tools
                .as_ref()
                .is_some_and(|w| !w.iter().any(|w| *w == t.name))
            {
                continue;
            }
            let Some(name) = shape::exposed_name(&cfg.name, &t.name) else {
                notes.push(format!(
                    "MCP server `{}`: tool `{}` is left out: its name does not fit in the 64 \
                     characters providers accept as mcp__{}__<tool>",
                    cfg.name, t.name, cfg.name
                ));
                continue;
            };
            if self.tools.iter().any(|(o, _)| o.name == name) {
                notes.push(format!(
                    "MCP server `{}`: tool `{}` is left out: another of its tools is also offered as `{name}`",
                    cfg.name, t.name
                ));
                continue;
            }
            self.tools.push((
                McpTool {
                    name,
                    server: cfg.name.clone(),
                    description: shape::description(&cfg.name, &t.name, t.description.as_deref()),
                    tool: t.name.to_string(),
                    schema: shape::parameters(&t.input_schema),
                    grade: cfg.grade,
                },
                idx,
            ));
        }
        self.servers.push(server);
    }

    /// The tools offered, in the servers' order.
    pub fn tools(&self) -> impl Iterator<Item = &McpTool> {
        self.tools.iter().map(|(t, _)| t)
    }

    pub fn tool(&self, name: &str) -> Option<&McpTool> {
        self.tools().find(|t| t.name == name)
    }

    /// Calls the tool offered as `name`. Err is for the model: the call did not happen or
    /// got no answer.
    pub async fn call(
        &self,
        name: &str,
        args: &Value,
        cancel: &CancellationToken,
    ) -> Result<McpOutput, String> {
        let Some((tool, idx)) = self.tools.iter().find(|(t, _)| t.name == name) else {
            return Err(format!("no MCP tool `{name}` in this session"));
        };
        let args = match args {
            Value::Object(m) => m.clone(),
            Value::Null => serde_json::Map::new(),
            other => {
                return Err(format!(
                    "arguments for {name} must be a JSON object, not {other}"
                ))
            }
        };
        let result = self.servers[*idx].call(&tool.tool, args, cancel).await?;
        let (ok, text) = shape::result_text(&serde_json::to_value(&result).unwrap_or_default());
        Ok(McpOutput { ok, text })
    }
}

/// The entry's command line as a person wrote it.
pub fn command_line(cfg: &McpServerConfig) -> String {
    std::iter::once(cfg.command.as_str())
        .chain(cfg.args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
