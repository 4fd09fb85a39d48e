//! `LocalRunner`: `sh -c` in its own process group on this machine, inside the run's
//! sandbox (`sandbox.rs`: landlock, network namespace, allow-listed environment).
//!
//! The group matters: a command that starts children (a test runner, `sleep &`) is killed
//! whole on timeout or cancel, and nothing it started outlives it holding our pipes.

use super::sandbox::Sandbox;
use super::{CommandOutcome, CommandSpec, RunFuture, Runner};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

/// Runs commands here. `LocalRunner::default()` enforces the shipped sandbox policy.
#[derive(Clone, Debug, Default)]
pub struct LocalRunner {
    sandbox: Arc<Sandbox>,
}

impl LocalRunner {
    pub fn new(sandbox: Sandbox) -> LocalRunner {
        LocalRunner {
            sandbox: Arc::new(sandbox),
        }
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }
}

fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid {
        // SAFETY: killpg only sends a signal; a stale pgid at worst hits nothing (ESRCH).
        unsafe {
            libc::killpg(pid as libc::pid_t, libc::SIGKILL);
        }
    }
}

/// Keeps the last `cap` bytes written to it.
struct Tail {
    buf: Vec<u8>,
    cap: usize,
    dropped: u64,
}

impl Tail {
    fn push(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        if self.buf.len() > self.cap {
            let cut = self.buf.len() - self.cap;
            self.buf.drain(..cut);
            self.dropped += cut as u64;
        }
    }
}

impl Runner for LocalRunner {
    fn run(&self, spec: CommandSpec, cancel: CancellationToken) -> RunFuture {
        let sandbox = self.sandbox.clone();
        Box::pin(async move {
            let started = Instant::now();
            let prepared = sandbox
                .prepare(&spec)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let mut cmd = tokio::process::Command::new("sh");
            // One stream, in the order the command wrote it.
            cmd.arg("-c")
                .arg(format!("exec 2>&1\n{}", spec.command))
                .current_dir(&spec.cwd)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .process_group(0)
                .kill_on_drop(true)
                // Built from nothing: only the allow-listed variables (sandbox.rs).
                .env_clear()
                .envs(prepared.env.iter().map(|(k, v)| (k, v)));
            if let Some(c) = &prepared.confine {
                // SAFETY: the closure only makes async-signal-safe syscalls on data built
                // here in the parent (sandbox_linux.rs `ChildPlan::apply`).
                unsafe {
                    cmd.pre_exec(c.child_setup());
                }
            }
            let mut child = cmd.spawn().map_err(|e| {
                if prepared.confine.is_some() {
                    std::io::Error::other(format!(
                        "the sandbox could not be applied to the command ({e}); set \
                         `mode = \"off\"` under [sandbox] to run commands unconfined"
                    ))
                } else {
                    e
                }
            })?;
            let pid = child.id();
            let mut out = child.stdout.take();
            let mut tail = Tail {
                buf: Vec::new(),
                cap: spec.output_cap.max(1),
                dropped: 0,
            };
            let mut chunk = vec![0u8; 16 * 1024];
            let deadline = tokio::time::sleep(spec.timeout);
            tokio::pin!(deadline);
            let (mut timed_out, mut cancelled, mut status) = (false, false, None);
            loop {
                tokio::select! {
                    n = async { match out.as_mut() { Some(o) => o.read(&mut chunk).await, None => std::future::pending().await } } => {
                        match n {
                            Ok(0) | Err(_) => out = None,
                            Ok(n) => tail.push(&chunk[..n]),
                        }
                    }
                    s = child.wait(), if status.is_none() => {
                        status = Some(s?);
                        // Whatever it left running in the background goes with it, also
                        // what left the group (else a `setsid` daemon holding the pipe
                        // would keep this loop reading until it ends).
                        kill_group(pid);
                        prepared.sweep();
                    }
                    _ = &mut deadline, if status.is_none() => {
                        timed_out = true;
                        kill_group(pid);
                        prepared.sweep();
                        status = Some(child.wait().await?);
                    }
                    _ = cancel.cancelled(), if status.is_none() => {
                        cancelled = true;
                        kill_group(pid);
                        prepared.sweep();
                        status = Some(child.wait().await?);
                    }
                }
                if status.is_some() && out.is_none() {
                    break;
                }
            }
            let status = status.and_then(|s| s.code());
            // Nothing it started outlives it, not even in a session of its own; then its
            // worktree's git metadata is checked.
            prepared.sweep();
            for note in prepared.restore_admin() {
                tail.push(format!("\n{note}\n").as_bytes());
            }
            drop(prepared);
            Ok(CommandOutcome {
                exit_code: if timed_out || cancelled { None } else { status },
                timed_out,
                cancelled,
                output_tail: String::from_utf8_lossy(&tail.buf).into_owned(),
                dropped: tail.dropped,
                ms: started.elapsed().as_millis() as u64,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn spec(cmd: &str, dir: &std::path::Path) -> CommandSpec {
        CommandSpec {
            command: cmd.into(),
            cwd: dir.to_path_buf(),
            timeout: Duration::from_secs(20),
            output_cap: 1000,
            env_remove: vec![],
            network: false,
        }
    }

    fn run(s: CommandSpec) -> CommandOutcome {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(LocalRunner::default().run(s, CancellationToken::new()))
            .unwrap()
    }

    #[test]
    fn output_is_interleaved_capped_and_the_exit_code_kept() {
        let dir = tempfile::tempdir().unwrap();
        let o = run(spec("echo out; echo err >&2; pwd; exit 3", dir.path()));
        assert_eq!(o.exit_code, Some(3));
        assert!(o.output_tail.starts_with("out\nerr\n"), "{}", o.output_tail);
        assert!(o.output_tail.contains(
            &dir.path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string()
        ));
        let o = run(spec("yes abcdefghi | head -c 5000", dir.path()));
        assert_eq!(o.output_tail.len(), 1000);
        assert_eq!(o.dropped, 4000);
        assert!(o.output_with_note().starts_with("[… 4000 earlier bytes"));
    }

    #[test]
    fn a_command_past_its_timeout_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("child-still-alive");
        let mut s = spec(
            &format!("(sleep 2; touch {}) & sleep 30", marker.display()),
            dir.path(),
        );
        s.timeout = Duration::from_millis(300);
        let o = run(s);
        assert!(o.timed_out);
        assert_eq!(o.exit_code, None);
        assert!(o.ms < 10_000);
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "a child survived the kill");
    }

    #[test]
    fn the_environment_is_an_allow_list() {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("CONCLAVE_TEST_PLAIN_VAR", "marker-value-42");
        std::env::set_var("CONCLAVE_TEST_NAMED_VAR", "marker-value-43");
        let mut s = spec("env", dir.path());
        s.output_cap = 1 << 20;
        let mut sandbox = Sandbox::off();
        sandbox.env = vec!["CONCLAVE_TEST_NAMED_VAR".into()];
        let rt = tokio::runtime::Runtime::new().unwrap();
        let o = rt
            .block_on(LocalRunner::new(sandbox.clone()).run(s.clone(), CancellationToken::new()))
            .unwrap();
        assert!(
            !o.output_tail.contains("marker-value-42"),
            "{}",
            o.output_tail
        );
        assert!(o
            .output_tail
            .contains("CONCLAVE_TEST_NAMED_VAR=marker-value-43"));
        assert!(o.output_tail.contains("PATH="));
        // A name the run withholds stays out even when the config names it.
        s.env_remove = vec!["CONCLAVE_TEST_NAMED_VAR".into()];
        let o = rt
            .block_on(LocalRunner::new(sandbox).run(s, CancellationToken::new()))
            .unwrap();
        assert!(!o.output_tail.contains("marker-value-43"));
    }
}
