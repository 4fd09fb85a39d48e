//! Provider failures explained where a person looks, through the real binary.
//!
//! - No key: `run` refuses before it starts (exit 2), naming every unset variable, the
//!   profile and the agents, and leaves nothing in the store; in a terminal the person reads
//!   the same on screen.
//! - A refused key: the run fails fast; headless stderr says which profile refused which
//!   variable's key (never the key), and the live screen says it in the status bar and the
//!   transcript while the run is still on screen.

use crate::support::harness::{tool_answer, Harness};
use crate::support::provider_server::Reply;
use crate::support::repo::repo_with;
use crate::support::runs::{conclave, text};
use crate::support::tmux::{must, Tmux};
use conclave::providers::ProviderKind;
use serde_json::json;
use std::path::{Path, PathBuf};

const WRONG_ENV: &str = "CONCLAVE_TEST_REFUSED_KEY";
const WRONG: &str = "sk-refused-1234567890";

/// Every role on `h`'s profile, whose key variable is `env`.
fn config(h: &Harness, dir: &Path, env: &str) -> PathBuf {
    crate::support::runs::one_profile_config(dir, &h.server.base_url(), env, "")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_run_without_its_keys_is_refused_before_it_starts_naming_the_variables() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let repo = dir.path().join("repo");
    repo_with(&repo, &[("README.md", b"hello\n")]);
    // The built-in defaults: three vendors' profiles.
    let out = conclave(&data)
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .arg("--repo")
        .arg(&repo)
        .args(["run", "--headless", "write docs"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for var in ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"] {
        assert!(err.contains(&format!("{var} is not set")), "{err}");
    }
    assert!(
        err.contains("profile `gpt` (openai), used by strategist"),
        "{err}"
    );
    assert!(text(&out.stdout).is_empty(), "no run started");
    let runs = conclave(&data).args(["runs", "--json"]).output().unwrap();
    assert_eq!(text(&runs.stdout).trim(), "[]", "nothing in the store");
    let branches = git2::Repository::open(&repo)
        .unwrap()
        .branches(None)
        .unwrap()
        .count();
    assert_eq!(branches, 1, "nothing in the repo");
}

#[test]
fn a_refused_key_fails_the_run_and_stderr_says_which_profile_and_variable() {
    let rt = runtime();
    let h = rt.block_on(Harness::start(ProviderKind::Openai));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let repo = dir.path().join("repo");
    repo_with(&repo, &[("README.md", b"hello\n")]);
    let cfg = config(&h, dir.path(), WRONG_ENV);
    let out = conclave(&data)
        .env(WRONG_ENV, WRONG)
        .arg("--config")
        .arg(&cfg)
        .arg("--repo")
        .arg(&repo)
        .args(["run", "--headless", "--level", "4", "write docs"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("strategist could not plan: `gpt` refused the key in CONCLAVE_TEST_REFUSED_KEY (HTTP 401"),
        "{err}"
    );
    assert!(!err.contains(WRONG) && !text(&out.stdout).contains(WRONG));
    // Neither retried nor planned again: one request.
    assert_eq!(h.server.requests().len(), 1);
    // `runs show` says the same, later.
    let first: serde_json::Value =
        serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    let run = first["run"].as_str().unwrap();
    let shown = conclave(&data)
        .args(["runs", "show", &run[..10]])
        .output()
        .unwrap();
    let said = text(&shown.stdout);
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown.stderr));
    assert!(
        said.contains("status  failed: strategist could not plan: `gpt` refused the key"),
        "{said}"
    );
    assert!(
        said.contains("✗ `gpt` refused the key in CONCLAVE_TEST_REFUSED_KEY"),
        "{said}"
    );
    assert!(
        said.contains("circuit breakers") && said.contains("gpt"),
        "{said}"
    );
    assert!(!said.contains(WRONG), "{said}");
}

/// The bash line that runs the binary in tmux and keeps the pane after it exits.
fn script(data: &Path, cfg: Option<&Path>, repo: &Path, env: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_conclave");
    let cfg = cfg.map_or(String::new(), |c| format!("--config {}", c.display()));
    format!(
        "env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u GEMINI_API_KEY {env} \
         CONCLAVE_DATA_DIR={} XDG_CONFIG_HOME={} {bin} {cfg} --repo {} run 'write docs'; \
         echo EXITED $?; sleep 60",
        data.display(),
        data.join("no-config").display(),
        repo.display()
    )
}

#[test]
fn in_a_terminal_a_missing_key_is_named_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    repo_with(&repo, &[("README.md", b"hello\n")]);
    let t = Tmux::start(
        "nokey",
        &script(&dir.path().join("data"), None, &repo, ""),
        120,
        30,
    );
    let s = must(t.wait_for("EXITED 2", 30), "the refusal");
    assert!(s.contains("OPENAI_API_KEY is not set"), "{s}");
}

#[test]
fn in_a_terminal_a_refused_key_shows_in_the_status_bar_and_the_transcript() {
    let rt = runtime();
    let h = rt.block_on(Harness::start(ProviderKind::Openai));
    // Never reached: the key is refused before any answer.
    h.server.push(Reply::sse(
        h.events(&tool_answer(
            "x",
            vec![("submit_plan", json!({"tasks": []}))],
        ))
        .concat(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    repo_with(&repo, &[("README.md", b"hello\n")]);
    let cfg = config(&h, dir.path(), WRONG_ENV);
    let t = Tmux::start(
        "badkey",
        &script(
            &dir.path().join("data"),
            Some(&cfg),
            &repo,
            &format!("{WRONG_ENV}={WRONG}"),
        ),
        160,
        40,
    );
    let s = must(
        t.wait_for("refused the key in CONCLAVE_TEST_REFUSED_KEY", 30),
        "the cause on screen",
    );
    // The status bar (last line) and the strategist's transcript both say it.
    let last = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(last.contains("failed: strategist could not plan"), "{s}");
    assert!(s.contains("✗ `gpt` refused the key"), "{s}");
    assert!(!s.contains("has said nothing yet"), "{s}");
    assert!(!s.contains(WRONG), "{s}");
    if std::env::var("PEEK").is_ok() {
        eprintln!("{s}");
    }
    t.keys(&["q"]);
}
