//! `[[mcp]]`: MCP servers (Model Context Protocol, stdio) whose tools agents are offered.
//!
//! Owns the entry's shape, its defaults and the checks that need more than serde (names,
//! uniqueness, variable names). Must not start anything: `crate::mcp` does, per session.
//! Only the user's own files may name servers: a repository's `.conclave.toml` could start
//! any program with them (`load.rs` refuses `[[mcp]]` there, as it refuses `[sandbox]`).

use crate::model::Role;
use serde::{Deserialize, Serialize};

/// How the policy grades every call of a server's tools, like a command's grade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ToolGrade {
    ReadOnly,
    WritesWorktree,
    /// What conclave cannot see into: a person is asked below level 4.
    #[default]
    Network,
    Destructive,
}

impl ToolGrade {
    pub fn name(self) -> &'static str {
        match self {
            ToolGrade::ReadOnly => "read-only",
            ToolGrade::WritesWorktree => "writes-worktree",
            ToolGrade::Network => "network",
            ToolGrade::Destructive => "destructive",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpServerConfig {
    /// `[a-z0-9_-]+`, unique: tools are offered as `mcp__<name>__<tool>`.
    pub name: String,
    /// The program, found on PATH like a command's.
    pub command: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Names of variables passed through from conclave's environment (besides PATH, LANG
    /// and the like; HOME is a scratch dir). Nothing else of the environment reaches it.
    #[serde(default)]
    pub env: Vec<String>,
    /// Which roles are offered its tools.
    #[serde(default = "implementer_only")]
    pub roles: Vec<Role>,
    /// Only these of its tools (by the server's names); all when absent.
    #[serde(default)]
    pub tools: Option<Vec<String>>,
    #[serde(default)]
    pub grade: ToolGrade,
    /// Seconds the server has to start, and to answer each call.
    #[serde(default = "sixty")]
    pub timeout_s: u64,
}

fn implementer_only() -> Vec<Role> {
    vec![Role::Implementer]
}

fn sixty() -> u64 {
    60
}

impl McpServerConfig {
    /// Whether agents of `role` are offered this server's tools.
    pub fn offered_to(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl super::Config {
    /// The variables provider profiles read their keys from (and the default key
    /// variables): no MCP server is given them.
    pub fn provider_key_vars(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .providers
            .values()
            .filter_map(|p| p.api_key_env.clone())
            .chain(
                crate::secrets::DEFAULT_SECRET_VARS
                    .iter()
                    .map(|s| s.to_string()),
            )
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn variable_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Problems with the `[[mcp]]` entries, as (key, what is wrong and what to do).
/// `provider_keys`: the variables provider profiles read their keys from, which no server gets.
pub(super) fn check(
    servers: &[McpServerConfig],
    provider_keys: &[String],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, s) in servers.iter().enumerate() {
        let key = |f: &str| format!("mcp[{i}].{f}");
        if !valid_name(&s.name) {
            out.push((
                key("name"),
                format!(
                    "`{}` is not a server name: use lowercase letters, digits, _ and - (its tools \
                     are offered as mcp__<name>__<tool>)",
                    s.name
                ),
            ));
        } else if !seen.insert(s.name.as_str()) {
            out.push((
                key("name"),
                format!(
                    "two [[mcp]] servers are named `{}`; names must be unique",
                    s.name
                ),
            ));
        }
        if s.command.trim().is_empty() {
            out.push((
                key("command"),
                format!("server `{}` needs a command (the program to start)", s.name),
            ));
        }
        for (j, v) in s.env.iter().enumerate() {
            let k = format!("mcp[{i}].env[{j}]");
            if !variable_name(v) {
                out.push((
                    k,
                    format!("`{v}` is not a variable name (letters, digits and _)"),
                ));
            } else if matches!(v.as_str(), "HOME" | "TMPDIR" | "TMP" | "TEMP") {
                out.push((
                    k,
                    format!("`{v}` is always the server's scratch dir; remove it"),
                ));
            } else if provider_keys.contains(v) {
                out.push((
                    k,
                    format!("`{v}` holds a provider's key, which no MCP server gets; remove it"),
                ));
            }
        }
        if s.roles.is_empty() {
            out.push((
                key("roles"),
                "no role would be offered its tools; name at least one (e.g. [\"implementer\"]) \
                 or remove the server"
                    .into(),
            ));
        }
        for (j, t) in s.tools.iter().flatten().enumerate() {
            if t.trim().is_empty() {
                out.push((
                    format!("mcp[{i}].tools[{j}]"),
                    "a tool name is empty".into(),
                ));
            }
        }
        if s.timeout_s == 0 {
            out.push((key("timeout_s"), "must be at least 1 second".into()));
        }
    }
    out
}
