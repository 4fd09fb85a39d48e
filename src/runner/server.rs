//! Long-lived helper processes a session talks to over stdio (MCP servers, `crate::mcp`):
//! the command they start as, with the same allow-listed environment a command gets.
//!
//! Owns the server's environment (PATH, LANG and the like, HOME and TMPDIR at a scratch dir
//! of its own, the toolchain homes, and only the variables its entry names), its cwd, its
//! process group, and that it dies with its owner: killed when the handle is dropped, and on
//! Linux when conclave itself dies. Must not speak the protocol (`crate::mcp` does) nor
//! decide whether a call may be made (the policy does).
//!
//! Servers are not under landlock: they are programs the person named in their own config
//! (a repository cannot name one), often needing their own caches and the network; every
//! call they serve is graded and approved first.

use super::Sandbox;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;

/// What to start.
#[derive(Clone, Debug)]
pub struct ServerSpec {
    pub program: String,
    pub args: Vec<String>,
    /// The session's worktree.
    pub cwd: PathBuf,
    /// Variables passed through from conclave's environment, when set.
    pub pass_env: Vec<String>,
    /// Variables never passed (provider keys), whatever `pass_env` says.
    pub withhold: Vec<String>,
}

/// A command ready to spawn, and the scratch dir that is its HOME (removed when dropped:
/// keep it as long as the process runs).
pub struct ServerCommand {
    pub command: tokio::process::Command,
    pub scratch: tempfile::TempDir,
}

/// The environment a server starts with: a command's base, then the named variables.
pub fn server_environment(spec: &ServerSpec, scratch: &std::path::Path) -> Vec<(String, OsString)> {
    let base = Sandbox {
        env: Vec::new(),
        ..Sandbox::off()
    };
    let mut env = base.environment(scratch);
    for name in &spec.pass_env {
        if spec.withhold.contains(name)
            || env.iter().any(|(n, _)| n == name)
            || matches!(name.as_str(), "HOME" | "TMPDIR" | "TMP" | "TEMP")
        {
            continue;
        }
        if let Some(v) = std::env::var_os(name) {
            env.push((name.clone(), v));
        }
    }
    env
}

/// The command for `spec`: cwd, environment built from nothing, stdio piped, its own
/// process group, killed on drop.
pub fn server_command(spec: &ServerSpec) -> std::io::Result<ServerCommand> {
    let scratch = tempfile::Builder::new().prefix("conclave-mcp-").tempdir()?;
    std::fs::create_dir_all(scratch.path().join("tmp"))?;
    let env = server_environment(spec, scratch.path());
    let mut cmd = tokio::process::Command::new(&spec.program);
    cmd.args(&spec.args)
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            // Dies with conclave, also when conclave is killed and cannot clean up.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(ServerCommand {
        command: cmd,
        scratch,
    })
}

/// Kills a server's whole process group (what it started too).
pub fn kill_server_group(pid: Option<u32>) {
    if let Some(pid) = pid {
        // SAFETY: killpg only sends a signal; a stale pgid at worst hits nothing (ESRCH).
        unsafe {
            libc::killpg(pid as libc::pid_t, libc::SIGKILL);
        }
    }
}
