//! Commands an agent runs, black-box through the real binary against a provider test server:
//! an implementer issues each bypass of issue 13 at level 4 (`conclave run --headless`) and
//! at level 2, and the test checks what a user would: the file outside the worktree is
//! unchanged, no file appeared where it must not, `src` is still there, no ref appeared in
//! the user's repo, and the decisions say a person (the stand-in) refused. Also sticky rules
//! applied by the engine, and `conclave rules` listing and removing them.
//!
//! Level 2 asks a person about the plan itself, so `--on-approval reject` would stop the run
//! before any command: the level-2 runs are `conclave fork` of the level-4 run right after
//! its plan was approved, at `--level 2`, going on live through the same binary.

mod bypasses;
mod rules_cli;
mod rules_engine;

use crate::support::harness::Harness;
use crate::support::provider_server::Reply;
use crate::support::repo::repo_with;
use crate::support::runs::{conclave, text};
use crate::support::wire_scripts::{Answer, Call};
use crate::support::{KEY, KEY_ENV};
use conclave::model::{ApprovalWhat, DecidedBy, Decision, Event, EventKind};
use conclave::store::Store;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const ORIGINAL: &str = "the user's file, outside every worktree\n";

/// A data dir and a repo in a temp dir of their own.
pub struct World {
    _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub repo: PathBuf,
    pub config: PathBuf,
    /// `../../outside` as a task's worktree (`DATA/worktrees/RUN/TASK`) sees it.
    pub outside: PathBuf,
    /// A file named by absolute path, outside the worktree.
    pub absolute: PathBuf,
}

pub fn world(h: &Harness) -> World {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(data.join("worktrees")).unwrap();
    std::fs::create_dir_all(data.join("home")).unwrap();
    repo_with(
        &repo,
        &[
            ("src/lib.rs", b"pub fn one() -> u32 {\n    1\n}\n"),
            ("a.txt", b"b\na\n"),
        ],
    );
    let outside = data.join("worktrees/outside");
    std::fs::write(&outside, ORIGINAL).unwrap();
    let config = dir.path().join("config.toml");
    let mut cfg = format!(
        "[providers.gpt]\nkind = \"openai\"\nbase_url = \"{}\"\napi_key_env = \"{KEY_ENV}\"\n\n",
        h.server.base_url()
    );
    for (name, role) in [
        ("strategist", "strategist"),
        ("impl", "implementer"),
        ("reviewer", "reviewer"),
    ] {
        cfg.push_str(&format!(
            "[[agents]]\nname = \"{name}\"\nrole = \"{role}\"\nprovider = \"gpt\"\nfallback = []\n\n"
        ));
    }
    std::fs::write(&config, cfg).unwrap();
    World {
        absolute: dir.path().join("absolute-outside.txt"),
        _dir: dir,
        data,
        repo,
        config,
        outside,
    }
}

pub fn reply(h: &Harness, when: &str, text: &str, calls: Vec<(&str, Value)>) {
    let a = Answer {
        text: vec![text.to_string()],
        calls: calls
            .into_iter()
            .enumerate()
            .map(|(i, (n, args))| Call::new(&format!("call_{n}_{i}"), n, args, 2))
            .collect(),
        usage: Some((500, 40, 0)),
        ..Answer::default()
    };
    h.server.push_when(when, Reply::sse(h.events(&a).concat()));
}

/// The implementer's turns: a legitimate file, then each command, one per turn, then finish.
/// The reviewer approves. Requests are told apart by the tools each role is offered.
pub fn implementer_tries(h: &Harness, commands: &[String]) {
    reply(
        h,
        "\"write_file\"",
        "A note first.",
        vec![(
            "write_file",
            json!({"path": "notes.txt", "content": "notes\n"}),
        )],
    );
    for c in commands {
        reply(
            h,
            "\"write_file\"",
            "Trying a command.",
            vec![("run_command", json!({ "command": c }))],
        );
    }
    reply(
        h,
        "\"write_file\"",
        "Done.",
        vec![("finish", json!({"summary": "wrote notes"}))],
    );
    reply(
        h,
        "\"submit_review\"",
        "Fine.",
        vec![(
            "submit_review",
            json!({"verdict": "approve", "summary": "ok", "comments": []}),
        )],
    );
}

pub fn plan(h: &Harness) {
    reply(
        h,
        "\"submit_plan\"",
        "One task.",
        vec![(
            "submit_plan",
            json!({"tasks": [{"id": "t1", "title": "Write notes", "description": "Write notes.txt", "kind": "docs", "deps": [], "priority": 1}]}),
        )],
    );
}

/// Runs the binary to its end (off the test's runtime: the server answers meanwhile).
pub async fn binary(w: &World, args: Vec<String>) -> (Option<i32>, Vec<Event>, String) {
    let mut cmd = conclave(&w.data);
    cmd.env(KEY_ENV, KEY)
        .arg("--config")
        .arg(&w.config)
        .arg("--repo")
        .arg(&w.repo)
        .args(&args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let events = text(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Event>(l).ok())
        .collect();
    (out.status.code(), events, text(&out.stderr))
}

pub fn refs(repo: &Path) -> Vec<String> {
    let r = git2::Repository::open(repo).unwrap();
    let mut v: Vec<String> = r
        .references()
        .unwrap()
        .filter_map(|x| x.ok()?.name().map(String::from))
        .collect();
    v.sort();
    v
}

/// Refs a run may make: its own under `conclave/`.
pub fn foreign_refs(repo: &Path, before: &[String]) -> Vec<String> {
    refs(repo)
        .into_iter()
        .filter(|r| !before.contains(r) && !r.starts_with("refs/heads/conclave/"))
        .collect()
}

/// How each command approval ended: (command subject, decision, by, reason).
pub fn command_decisions(events: &[Event]) -> Vec<(String, Decision, DecidedBy, String)> {
    let mut out = Vec::new();
    for e in events {
        if let EventKind::ApprovalDecided {
            approval,
            decision,
            by,
            reason,
            ..
        } = &e.kind
        {
            let subject = events.iter().find_map(|r| match &r.kind {
                EventKind::ApprovalRequested {
                    approval: a,
                    what: ApprovalWhat::Command,
                    subject,
                    ..
                } if a == approval => Some(subject.clone()),
                _ => None,
            });
            if let Some(s) = subject {
                out.push((s, *decision, *by, reason.clone()));
            }
        }
    }
    out
}

pub fn decided<'a>(
    all: &'a [(String, Decision, DecidedBy, String)],
    command: &str,
) -> &'a (String, Decision, DecidedBy, String) {
    all.iter()
        .find(|(s, ..)| s.starts_with(&format!("`{command}`")))
        .unwrap_or_else(|| panic!("no decision for `{command}` in {all:#?}"))
}

pub fn plan_decided_seq(data: &Path, run: &str) -> u64 {
    let store = Store::open(data).unwrap();
    let id = store.resolve(run).unwrap();
    store
        .events(id, 0, None)
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| matches!(&e.kind, EventKind::ApprovalDecided { approval, .. } if approval.starts_with("plan-")))
        .map(|e| e.seq)
        .expect("the plan was decided")
}
