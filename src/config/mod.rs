//! Configuration (design §12): built-in defaults, the user's `config.toml` (or `--config`),
//! and the target repo's `.conclave.toml`, merged in that order.
//!
//! Owns the config's shape, where the files live, merging and validation. Every problem names
//! the file, line and key and says what to do; callers exit 2 on a `ConfigError`. Must not read
//! secrets: it holds only the *names* of the variables that hold keys.

mod load;
mod mcp;
mod validate;

pub use load::{load, ConfigSources, Loaded};
pub use mcp::{McpServerConfig, ToolGrade};

use crate::model::{AutonomyLevel, Role, TaskKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The built-in defaults, shipped with the binary.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Names of environment variables whose values must never be written anywhere.
    pub secret_env: Vec<String>,
    pub ui: UiConfig,
    pub run: RunConfig,
    pub providers: BTreeMap<String, ProviderProfile>,
    pub agents: Vec<AgentConfig>,
    pub gates: Vec<GateConfig>,
    pub pricing: BTreeMap<String, Price>,
    pub sandbox: SandboxConfig,
    /// `[[mcp]]` servers, from the user's files only.
    pub mcp: Vec<McpServerConfig>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    pub theme: String,
    pub keymap: String,
    /// Ring the terminal bell when an approval starts waiting for a person.
    pub bell: bool,
    /// Set the terminal's title to how many approvals wait (`conclave · 2 waiting`).
    pub title: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: "default".into(),
            keymap: "default".into(),
            bell: true,
            title: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    pub level: AutonomyLevel,
    pub max_parallel: u32,
    pub max_retries: u32,
    pub minor_diff_lines: u32,
    pub max_turns: u32,
    pub command_timeout_s: u64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            level: AutonomyLevel::SemiAutonomous,
            max_parallel: 3,
            max_retries: 2,
            minor_diff_lines: 50,
            max_turns: 40,
            command_timeout_s: 300,
        }
    }
}

pub use crate::providers::ProviderKind;

/// `[sandbox]`: how commands (agents' and gates') are confined; see `runner::sandbox`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    pub mode: SandboxMode,
    /// Extra paths commands may read and execute (besides the system directories, `PATH`,
    /// the task's worktree and its repository's git dir). `~` is the user's home.
    pub read: Vec<String>,
    /// Extra paths commands may write (besides the task's worktree, its own git dir and a
    /// scratch dir).
    pub write: Vec<String>,
    /// Names of extra environment variables passed through (secrets never are).
    pub env: Vec<String>,
    /// True grants every command the network, as if the policy had.
    pub network: bool,
}

/// Toolchain homes a build usually needs to read; absent ones are skipped.
pub const DEFAULT_SANDBOX_READ: &[&str] = &[
    "~/.cargo",
    "~/.rustup",
    "~/.local/bin",
    "~/.local/lib",
    "~/.pyenv",
    "~/.nvm",
    "~/go",
];

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            mode: SandboxMode::Enforce,
            read: DEFAULT_SANDBOX_READ.iter().map(|s| s.to_string()).collect(),
            write: Vec::new(),
            env: Vec::new(),
            network: false,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SandboxMode {
    /// Every command runs confined; where the OS cannot confine, commands are refused.
    #[default]
    Enforce,
    /// Commands run unconfined (the environment is still an allow-list).
    Off,
}

impl SandboxConfig {
    /// A configured path with `~` expanded; None when it is neither absolute nor `~`-based
    /// (validation reports those) or when `~` has no home to stand for.
    pub fn expand(path: &str) -> Option<PathBuf> {
        let home = || {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
        };
        if path == "~" {
            home()
        } else if let Some(rest) = path.strip_prefix("~/") {
            home().map(|h| h.join(rest))
        } else if path.starts_with('/') {
            Some(PathBuf::from(path))
        } else {
            None
        }
    }
}

/// A provider profile: which wire, which model, where, and the *name* of the key variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderProfile {
    pub kind: ProviderKind,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub api_key_env: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    /// For `scripted`: the cassette file to replay.
    #[serde(default)]
    pub cassette: Option<PathBuf>,
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// Seconds a stream may stay silent before it counts as stalled.
    #[serde(default)]
    pub idle_timeout_s: Option<u64>,
    /// The model's context window in tokens; an agent's history is compacted to stay under
    /// it (default: known from the model's name, 32768 for openai-compatible servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_tokens: Option<u64>,
    /// For `scripted`: milliseconds between streamed pieces (and ten times that before a
    /// turn's first), so a recording plays like a model typing. `demo --speed` sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pace_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub name: String,
    pub role: Role,
    pub provider: String,
    #[serde(default)]
    pub fallback: Vec<String>,
    #[serde(default)]
    pub skills: Vec<TaskKind>,
    #[serde(default = "one")]
    pub max_tasks: u32,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    pub name: String,
    pub command: String,
    #[serde(default = "gate_timeout")]
    pub timeout_s: u64,
}

fn gate_timeout() -> u64 {
    600
}

/// USD per million tokens, per model (overrides the shipped `prices.toml`).
pub use crate::providers::ModelPrice as Price;

/// Where conclave keeps its data and looks for the user's files.
#[derive(Clone, Debug)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub config_dir: Option<PathBuf>,
}

impl Paths {
    /// `--data-dir` / `CONCLAVE_DATA_DIR` when given, else the platform's data dir.
    pub fn resolve(data_dir: Option<PathBuf>) -> Paths {
        let dirs = directories::ProjectDirs::from("dev", "conclave", "conclave");
        let data_dir = data_dir
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".conclave"));
        Paths {
            data_dir,
            config_dir: dirs.map(|d| d.config_dir().to_path_buf()),
        }
    }

    pub fn user_config_file(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join("config.toml"))
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    pub fn worktrees_dir(&self) -> PathBuf {
        self.data_dir.join("worktrees")
    }
}

/// A problem with a config file: where, which key, what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {key}: {message}", .file, .line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

impl ProviderProfile {
    /// The profile as the providers take it.
    pub fn settings(&self, name: &str) -> crate::providers::ProviderSettings {
        let mut s = crate::providers::ProviderSettings::new(name, self.kind, self.model.clone());
        s.base_url = self.base_url.clone();
        s.api_key_env = self.api_key_env.clone();
        s.cassette = self.cassette.clone();
        s.pace = std::time::Duration::from_millis(self.pace_ms.unwrap_or(0));
        if let Some(t) = self.idle_timeout_s {
            s.idle_timeout = std::time::Duration::from_secs(t.max(1));
        }
        s
    }
}

impl Config {
    /// The built-in price table with this config's `[pricing]` entries over it.
    pub fn price_table(&self) -> crate::providers::PriceTable {
        let overrides = self.pricing.iter().map(|(m, p)| (m.clone(), *p)).collect();
        crate::providers::PriceTable::builtin().with_overrides(&overrides)
    }

    /// An agent's profiles as the providers take them, primary first.
    pub fn chain(&self, agent: &AgentConfig) -> Vec<crate::providers::ProviderSettings> {
        std::iter::once(&agent.provider)
            .chain(agent.fallback.iter())
            .filter_map(|n| self.providers.get(n).map(|p| p.settings(n)))
            .collect()
    }

    /// Names of every variable whose value must be scrubbed: key variables and `secret_env`.
    pub fn secret_vars(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .providers
            .values()
            .filter_map(|p| p.api_key_env.clone())
            .chain(self.secret_env.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The smallest context window of an agent's profiles (a fallback may hold less).
    pub fn context_tokens(&self, agent: &AgentConfig) -> u64 {
        std::iter::once(&agent.provider)
            .chain(agent.fallback.iter())
            .filter_map(|n| self.providers.get(n))
            .map(|p| {
                p.context_tokens
                    .unwrap_or_else(|| crate::providers::default_context_tokens(p.kind, &p.model))
            })
            .min()
            .unwrap_or(u64::MAX)
    }

    /// The answer's token limit for an agent: its primary profile's `max_tokens`, else 8192.
    pub fn max_tokens(&self, agent: &AgentConfig) -> u32 {
        self.providers
            .get(&agent.provider)
            .and_then(|p| p.max_tokens)
            .unwrap_or(8192)
    }

    pub fn agent(&self, name: &str) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests;
