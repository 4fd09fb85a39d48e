//! `LocalRunner`: `sh -c` in its own process group on this machine.
//!
//! The group matters: a command that starts children (a test runner, `sleep &`) is killed
//! whole on timeout or cancel, and nothing it started outlives it holding our pipes.

use super::{CommandOutcome, CommandSpec, RunFuture, Runner};
use std::process::Stdio;
use std::time::Instant;
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, Default)]
pub struct LocalRunner;

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
        Box::pin(async move {
            let started = Instant::now();
            let mut cmd = tokio::process::Command::new("sh");
            // One stream, in the order the command wrote it.
            cmd.arg("-c")
                .arg(format!("exec 2>&1\n{}", spec.command))
                .current_dir(&spec.cwd)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .process_group(0)
                .kill_on_drop(true);
            for k in &spec.env_remove {
                cmd.env_remove(k);
            }
            let mut child = cmd.spawn()?;
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
                        // Whatever it left running in the background goes with it.
                        kill_group(pid);
                    }
                    _ = &mut deadline, if status.is_none() => {
                        timed_out = true;
                        kill_group(pid);
                        status = Some(child.wait().await?);
                    }
                    _ = cancel.cancelled(), if status.is_none() => {
                        cancelled = true;
                        kill_group(pid);
                        status = Some(child.wait().await?);
                    }
                }
                if status.is_some() && out.is_none() {
                    break;
                }
            }
            let status = status.and_then(|s| s.code());
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
        rt.block_on(LocalRunner.run(s, CancellationToken::new()))
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
    fn removed_variables_are_not_seen() {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("CONCLAVE_TEST_SECRET_VAR", "marker-value-42");
        let mut s = spec("env", dir.path());
        s.output_cap = 1 << 20;
        s.env_remove = vec!["CONCLAVE_TEST_SECRET_VAR".into()];
        let o = run(s);
        assert!(!o.output_tail.contains("marker-value-42"));
        assert!(o.output_tail.contains("PATH="));
    }
}
