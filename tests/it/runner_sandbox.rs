//! The sandbox on real processes: commands run through the `LocalRunner` in a real task
//! worktree of a real repository (made with git2, the engine's own `RunRepo`), and the tests
//! check what a user would: the file outside is unchanged, the user's repo has no new ref,
//! the listener got no connection, the model's request has no token.
//!
//! Where this kernel cannot confine commands, each test prints why and returns; a test never
//! passes on an unconfined run (each asserts that something was refused).
//!
//! This file holds the helpers and the tests of single commands (paths, git refs, network,
//! environment, processes, capabilities); `redaction` checks that a token never reaches the
//! model, `end_to_end` a whole run at level 4 and the binary's `[sandbox]` checks.

#[path = "runner_sandbox/end_to_end.rs"]
mod end_to_end;
#[path = "runner_sandbox/redaction.rs"]
mod redaction;

use crate::support::repo::task_t1;
use conclave::git::{RunRepo, TaskWorktree};
use conclave::runner::{CommandOutcome, CommandSpec, LocalRunner, Runner, Sandbox};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

struct Repo {
    tmp: tempfile::TempDir,
    root: PathBuf,
    rr: RunRepo,
    wt: TaskWorktree,
}

fn repo() -> Repo {
    let tmp = tempfile::tempdir().unwrap();
    let (rr, wt) = task_t1(tmp.path(), "01SANDBOX", &[("app.py", b"print('hi')\n")]);
    let root = tmp.path().join("repo");
    Repo { tmp, root, rr, wt }
}

/// The shipped policy when this system can enforce it; None (and why, printed) otherwise.
fn enforcing() -> Option<Sandbox> {
    let sb = Sandbox::default();
    match sb.check() {
        Ok(()) => Some(sb),
        Err(e) => {
            eprintln!("SKIPPED: the sandbox cannot be enforced here: {e}");
            None
        }
    }
}

fn spec(command: &str, cwd: &Path) -> CommandSpec {
    CommandSpec {
        command: command.into(),
        cwd: cwd.to_path_buf(),
        timeout: Duration::from_secs(60),
        output_cap: 64 * 1024,
        env_remove: vec![],
        network: false,
    }
}

async fn run(sb: &Sandbox, s: CommandSpec) -> CommandOutcome {
    LocalRunner::new(sb.clone())
        .run(s, CancellationToken::new())
        .await
        .expect("the command starts")
}

#[tokio::test]
async fn a_command_writes_inside_its_worktree_and_nowhere_else() {
    let Some(sb) = enforcing() else { return };
    let r = repo();
    let outside = r.tmp.path().join("outside.txt");
    std::fs::write(&outside, "original\n").unwrap();
    let wt = &r.wt.path;

    let o = run(
        &sb,
        spec("echo made > inside.txt && mkdir -p d && echo x > d/y", wt),
    )
    .await;
    assert!(o.success(), "{}", o.output_tail);
    assert_eq!(
        std::fs::read_to_string(wt.join("inside.txt")).unwrap(),
        "made\n"
    );

    for cmd in [
        format!("echo evil > {}", outside.display()),
        format!("rm -f {}", outside.display()),
        format!("echo evil >> {}/app.py", r.root.display()),
        format!("touch {}/new-file", r.tmp.path().display()),
        "cd ../../.. && echo evil > escaped.txt".to_string(),
        // As root, a device node would read the disk past every path rule.
        "mknod disk b 8 0".to_string(),
    ] {
        let o = run(&sb, spec(&cmd, wt)).await;
        assert!(!o.success(), "`{cmd}` was allowed: {}", o.output_tail);
    }
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "original\n");
    assert_eq!(
        std::fs::read_to_string(r.root.join("app.py")).unwrap(),
        "print('hi')\n"
    );
    assert!(!r.tmp.path().join("new-file").exists());
    assert!(!r.tmp.path().join("data/escaped.txt").exists());
}

#[tokio::test]
async fn git_works_in_the_worktree_but_cannot_touch_the_users_refs() {
    let Some(sb) = enforcing() else { return };
    let r = repo();
    let wt = &r.wt.path;
    std::fs::write(wt.join("app.py"), "print('changed')\n").unwrap();
    let o = run(&sb, spec("git status --porcelain", wt)).await;
    assert!(o.success(), "{}", o.output_tail);
    assert!(o.output_tail.contains("app.py"), "{}", o.output_tail);

    for cmd in [
        "git update-ref refs/heads/evil HEAD",
        "git branch evil",
        "git tag evil",
    ] {
        let o = run(&sb, spec(cmd, wt)).await;
        assert!(!o.success(), "`{cmd}` was allowed: {}", o.output_tail);
    }
    let user = git2::Repository::open(&r.root).unwrap();
    for name in ["refs/heads/evil", "refs/tags/evil"] {
        assert!(user.find_reference(name).is_err(), "{name} exists");
    }

    // Moving the worktree's HEAD to the user's branch is put back: the engine's next commit
    // there would land on `main`.
    let o = run(&sb, spec("git symbolic-ref HEAD refs/heads/main", wt)).await;
    assert!(
        o.output_tail.contains("it was put back"),
        "{}",
        o.output_tail
    );
    let head = git2::Repository::open(wt).unwrap();
    assert_eq!(
        head.head().unwrap().name(),
        Some(format!("refs/heads/{}", r.wt.branch).as_str())
    );
    drop(r.rr);
}

#[tokio::test]
async fn without_a_grant_there_is_no_network() {
    let Some(sb) = enforcing() else { return };
    let r = repo();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connect = format!(
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 10); print('connected')\""
    );
    let o = run(&sb, spec(&connect, &r.wt.path)).await;
    assert!(!o.success(), "connected without a grant: {}", o.output_tail);
    assert!(!o.output_tail.contains("connected\n"), "{}", o.output_tail);

    let mut granted = spec(&connect, &r.wt.path);
    granted.network = true;
    let o = run(&sb, granted).await;
    assert!(o.success(), "no connection with a grant: {}", o.output_tail);
    assert!(o.output_tail.contains("connected"), "{}", o.output_tail);

    // `[sandbox] network = true` grants it to every command.
    let mut everyone = sb.clone();
    everyone.network = true;
    let o = run(&everyone, spec(&connect, &r.wt.path)).await;
    assert!(o.success(), "{}", o.output_tail);
}

#[tokio::test]
async fn secrets_stay_out_of_the_environment_and_home_is_a_scratch_dir() {
    let Some(mut sb) = enforcing() else { return };
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "aws-marker-value-0123456789");
    std::env::set_var("DB_PASSWORD", "db-marker-value-0123456789");
    std::env::set_var("CONCLAVE_SANDBOX_TEST_EXTRA", "extra-marker");
    // Named in the config or not, a secret never passes; a plain name does.
    sb.env = vec!["DB_PASSWORD".into(), "CONCLAVE_SANDBOX_TEST_EXTRA".into()];
    let r = repo();
    let o = run(
        &sb,
        spec(
            "env; echo \"home=$HOME\"; touch \"$HOME/x\" && echo home-writable",
            &r.wt.path,
        ),
    )
    .await;
    assert!(o.success(), "{}", o.output_tail);
    let out = &o.output_tail;
    assert!(!out.contains("aws-marker-value"), "{out}");
    assert!(!out.contains("db-marker-value"), "{out}");
    assert!(
        out.contains("CONCLAVE_SANDBOX_TEST_EXTRA=extra-marker"),
        "{out}"
    );
    assert!(out.contains("home-writable"), "{out}");
    let home = out
        .lines()
        .find_map(|l| l.strip_prefix("home="))
        .expect("HOME printed");
    let real_home = std::env::var("HOME").unwrap_or_default();
    assert_ne!(home, real_home);
    assert!(home.contains("conclave-cmd-"), "{home}");
    assert!(
        !Path::new(home).exists(),
        "the scratch dir outlived its command"
    );
}

#[tokio::test]
async fn configured_paths_are_writable_and_off_means_unconfined() {
    let Some(mut sb) = enforcing() else { return };
    let r = repo();
    let extra = r.tmp.path().join("cache");
    std::fs::create_dir(&extra).unwrap();
    let cmd = format!("echo c > {}/f", extra.display());
    let o = run(&sb, spec(&cmd, &r.wt.path)).await;
    assert!(!o.success(), "{}", o.output_tail);
    sb.write.push(extra.clone());
    let o = run(&sb, spec(&cmd, &r.wt.path)).await;
    assert!(o.success(), "{}", o.output_tail);
    // mode = "off" runs the command unconfined (the environment is still an allow-list).
    let outside = r.tmp.path().join("outside.txt");
    let o = run(
        &Sandbox::off(),
        spec(&format!("echo x > {}", outside.display()), &r.wt.path),
    )
    .await;
    assert!(o.success() && outside.exists(), "{}", o.output_tail);
}

/// Whether `tool` runs here; when not, the test that needs it says so and is skipped.
fn installed(tool: &str) -> bool {
    let there = std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok();
    if !there {
        eprintln!("SKIPPED: no {tool} on PATH");
    }
    there
}

/// A toolchain that finds its install through HOME (rustup's `cargo`) still runs with HOME
/// at the scratch dir: it is told where its home is.
#[tokio::test]
async fn a_toolchain_found_through_home_still_runs() {
    let Some(sb) = enforcing() else { return };
    if !installed("cargo") {
        return;
    }
    let r = repo();
    let o = run(&sb, spec("cargo --version", &r.wt.path)).await;
    assert!(o.success(), "{}", o.output_tail);
    assert!(o.output_tail.contains("cargo "), "{}", o.output_tail);
}

/// A process that leaves the command's process group (`setsid`) and keeps the output pipe
/// open neither outlives the command nor keeps it from ending.
#[tokio::test]
async fn nothing_a_command_started_outlives_it() {
    let Some(sb) = enforcing() else { return };
    if !installed("setsid") {
        return;
    }
    let r = repo();
    let o = tokio::time::timeout(
        Duration::from_secs(120),
        run(
            &sb,
            spec(
                "setsid sh -c 'echo $$ > daemon.pid; exec sleep 600' & while [ ! -s daemon.pid ]; do sleep 0.05; done; echo started",
                &r.wt.path,
            ),
        ),
    )
    .await
    .expect("the command ended although its daemon holds the pipe");
    assert!(o.success(), "{}", o.output_tail);
    let pid: i32 = std::fs::read_to_string(r.wt.path.join("daemon.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Killed: gone, or a zombie waiting for its new parent to reap it.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let alive = state
            .rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
            && !state.is_empty();
        if !alive {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "pid {pid} is still alive: {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A command has no capability, also when conclave runs as root: landlock limits paths, not
/// what a capability (loading a module, rebooting) can do.
#[tokio::test]
async fn a_command_has_no_capabilities() {
    let Some(sb) = enforcing() else { return };
    let r = repo();
    let o = run(
        &sb,
        spec("grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status", &r.wt.path),
    )
    .await;
    assert!(o.success(), "{}", o.output_tail);
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    for line in o.output_tail.lines() {
        let (name, value) = line.split_once(':').unwrap();
        if name == "CapBnd" && !root {
            continue;
        }
        assert!(
            value.trim().chars().all(|c| c == '0'),
            "{name} is not empty: {}",
            o.output_tail
        );
    }
}
