//! `--detach` (run, resume, fork): the same command again as a background process of its own
//! session, headless and waiting for a person (`--on-approval wait` unless the command line
//! says otherwise), its output in `<data_dir>/logs/<RUN>.out`. This process waits until the
//! run has begun and is served on its socket, prints the run's id and returns.
//!
//! Owns starting and watching the child until then. Must not open the store (the child does)
//! nor decide anything about the run.

use super::args::HeadlessArgs;
use super::{Context, Failure, Outcome};
use crate::model::{Event, RunId};
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// How long the child may take to begin the run and serve it.
const START_LIMIT: Duration = Duration::from_secs(120);

/// The child's arguments: ours without `--detach`, headless, waiting for a person unless
/// `--on-approval` was given. Added flags go before a `--` (after it they would be the goal).
fn child_args(h: &HeadlessArgs, ours: Vec<OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = ours.into_iter().filter(|a| a != "--detach").collect();
    let mut extra: Vec<OsString> = Vec::new();
    if !h.headless {
        extra.push("--headless".into());
    }
    if h.on_approval.is_none() {
        extra.push("--on-approval".into());
        extra.push("wait".into());
    }
    let at = args.iter().position(|a| a == "--").unwrap_or(args.len());
    args.splice(at..at, extra);
    args
}

pub fn spawn(ctx: &Context, h: &HeadlessArgs) -> Outcome {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::failed(format!("cannot find the conclave binary to run: {e}")))?;
    let logs = ctx.paths.log_dir();
    std::fs::create_dir_all(&logs)
        .map_err(|e| Failure::failed(format!("{}: {e}", logs.display())))?;
    let out_path = logs.join(format!(
        "detached-{}-{}.out",
        crate::util::now_ms(),
        std::process::id()
    ));
    let out = std::fs::File::create(&out_path)
        .map_err(|e| Failure::failed(format!("{}: {e}", out_path.display())))?;
    let err = out
        .try_clone()
        .map_err(|e| Failure::failed(format!("{}: {e}", out_path.display())))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(child_args(h, std::env::args_os().skip(1).collect()))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    // SAFETY: setsid is async-signal-safe and touches nothing of the parent's memory. A
    // session of its own: the terminal closing (SIGHUP) and Ctrl-C there never reach it.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .map_err(|e| Failure::failed(format!("cannot start the background run: {e}")))?;
    wait_started(ctx, child, out_path)
}

/// Waits until the child's first event names the run and the run's socket answers; then
/// names the output file after the run and says how to watch it.
fn wait_started(ctx: &Context, mut child: Child, out_path: PathBuf) -> Outcome {
    let end = Instant::now() + START_LIMIT;
    let mut run: Option<RunId> = None;
    loop {
        if run.is_none() {
            run = first_run(&out_path);
        }
        if let Some(r) = run {
            if crate::service::is_live(&ctx.paths.data_dir, r) {
                break;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            // It failed before it could begin (or ended before it was served): what it
            // said, and its exit code.
            let said = output_text(&out_path);
            for l in said.lines().filter(|l| !l.starts_with('{')) {
                eprintln!("{l}");
            }
            if let (Some(r), Some(0)) = (run, status.code()) {
                eprintln!(
                    "run {r} already ended; its output is in {}",
                    out_path.display()
                );
            }
            return Ok(status.code().map_or(1, |c| c.clamp(0, 255) as u8));
        }
        if Instant::now() > end {
            return Err(Failure::failed(format!(
                "the background run did not begin within {} s (pid {}); its output is in {}",
                START_LIMIT.as_secs(),
                child.id(),
                out_path.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = run.unwrap_or_else(|| RunId::new_at(0));
    let named = out_path.with_file_name(format!("{run}.out"));
    let shown = match std::fs::rename(&out_path, &named) {
        Ok(()) => named,
        Err(_) => out_path,
    };
    println!("{run}");
    eprintln!(
        "run {run} goes on in the background (pid {}, output in {}); `conclave attach {}` to watch it",
        child.id(),
        shown.display(),
        run.short()
    );
    Ok(0)
}

/// The run of the first event the child printed, if it printed one yet.
fn first_run(path: &Path) -> Option<RunId> {
    let text = output_text(path);
    text.lines()
        .filter(|l| l.starts_with('{'))
        .find_map(|l| serde_json::from_str::<Event>(l).ok())
        .map(|e| e.run)
}

/// What the child wrote so far (the first 1 MB is plenty to find its first event or its
/// error).
fn output_text(path: &Path) -> String {
    let mut buf = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(1 << 20).read_to_end(&mut buf);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::OnApproval;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_child_is_headless_and_waits_unless_told_otherwise() {
        let h = HeadlessArgs {
            headless: false,
            on_approval: None,
            detach: true,
        };
        assert_eq!(
            child_args(&h, os(&["run", "--detach", "--level", "1", "fix it"])),
            os(&[
                "run",
                "--level",
                "1",
                "fix it",
                "--headless",
                "--on-approval",
                "wait"
            ])
        );
        assert_eq!(
            child_args(&h, os(&["run", "--detach", "--", "-odd goal"])),
            os(&[
                "run",
                "--headless",
                "--on-approval",
                "wait",
                "--",
                "-odd goal"
            ])
        );
        let h = HeadlessArgs {
            headless: true,
            on_approval: Some(OnApproval::Approve),
            detach: true,
        };
        assert_eq!(
            child_args(
                &h,
                os(&[
                    "resume",
                    "01J",
                    "--headless",
                    "--detach",
                    "--on-approval",
                    "approve"
                ])
            ),
            os(&["resume", "01J", "--headless", "--on-approval", "approve"])
        );
    }
}
