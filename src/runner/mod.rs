//! The `Runner` seam (design §14): the only place conclave starts a process. Agents' commands
//! and quality gates go through it; today a local process group, later perhaps a Kubernetes Job.
//!
//! Owns process start, the sandbox a command runs in (`sandbox.rs`: landlock, network, an
//! allow-listed environment), output capture with a cap, timeouts and killing the whole
//! process group. Must not decide whether a command may run: the policy does.

mod local;
pub mod sandbox;
pub mod server;

pub use local::LocalRunner;
pub use sandbox::{Sandbox, SandboxError};

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug)]
pub struct CommandSpec {
    /// A shell command line (`sh -c`).
    pub command: String,
    /// The task's worktree: the command runs there and may write there (and in the
    /// worktree's own git dir); see `sandbox.rs`.
    pub cwd: PathBuf,
    pub timeout: Duration,
    /// Bytes of output kept (the tail).
    pub output_cap: usize,
    /// Variables that never reach the command even when `[sandbox] env` names them
    /// (provider keys, `secret_env`, names shaped like secrets). The environment itself is an
    /// allow-list built by the sandbox.
    pub env_remove: Vec<String>,
    /// Whether the command may reach the network (the policy granted it); without a grant
    /// the sandbox gives it none.
    pub network: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CommandOutcome {
    /// None when killed (timeout, cancel) or ended by a signal.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub cancelled: bool,
    /// The last `output_cap` bytes of stdout and stderr interleaved.
    pub output_tail: String,
    /// Bytes of output dropped from the front.
    pub dropped: u64,
    pub ms: u64,
}

impl CommandOutcome {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// One line for a person or a model: how it ended.
    pub fn status_line(&self) -> String {
        match (self.exit_code, self.timed_out, self.cancelled) {
            (_, true, _) => format!("timed out after {} ms and was killed", self.ms),
            (_, _, true) => "cancelled".into(),
            (Some(c), _, _) => format!("exit code {c} in {} ms", self.ms),
            (None, _, _) => "ended by a signal".into(),
        }
    }

    /// The output with a note when its start was cut.
    pub fn output_with_note(&self) -> String {
        if self.dropped == 0 {
            self.output_tail.clone()
        } else {
            format!(
                "[… {} earlier bytes of output not shown …]\n{}",
                self.dropped, self.output_tail
            )
        }
    }
}

pub type RunFuture = Pin<Box<dyn Future<Output = std::io::Result<CommandOutcome>> + Send>>;

pub trait Runner: Send + Sync {
    fn run(&self, spec: CommandSpec, cancel: CancellationToken) -> RunFuture;
}

/// Names of variables a command must not see and whose values are redacted: the given ones,
/// the default key variables and anything named like a secret.
pub fn scrubbed_env(secret_vars: &[String]) -> Vec<String> {
    let mut out: Vec<String> = secret_vars.to_vec();
    out.extend(
        crate::secrets::DEFAULT_SECRET_VARS
            .iter()
            .map(|s| s.to_string()),
    );
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        if crate::secrets::looks_secret(&k) {
            out.push(k);
        }
    }
    out.sort();
    out.dedup();
    out
}
