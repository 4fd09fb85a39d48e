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

mod support;

use conclave::engine::rules;
use conclave::model::{ApprovalWhat, DecidedBy, Decision, Event, EventKind, RuleEffect};
use conclave::providers::ProviderKind;
use conclave::store::Store;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use support::harness::Harness;
use support::provider_server::Reply;
use support::repo::repo_with;
use support::runs::{conclave, text};
use support::wire_scripts::{Answer, Call};
use support::{KEY, KEY_ENV};

const ORIGINAL: &str = "the user's file, outside every worktree\n";

/// A data dir and a repo outside `/tmp` (absolute paths under `/tmp` count as scratch).
struct World {
    _dir: tempfile::TempDir,
    data: PathBuf,
    repo: PathBuf,
    config: PathBuf,
    /// `../../outside` as a task's worktree (`DATA/worktrees/RUN/TASK`) sees it.
    outside: PathBuf,
    /// A file named by absolute path, outside the worktree and `/tmp`.
    absolute: PathBuf,
}

fn world(h: &Harness) -> World {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
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

fn reply(h: &Harness, when: &str, text: &str, calls: Vec<(&str, Value)>) {
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
fn implementer_tries(h: &Harness, commands: &[String]) {
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

fn plan(h: &Harness) {
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
async fn binary(w: &World, args: Vec<String>) -> (Option<i32>, Vec<Event>, String) {
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

fn refs(repo: &Path) -> Vec<String> {
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
fn foreign_refs(repo: &Path, before: &[String]) -> Vec<String> {
    refs(repo)
        .into_iter()
        .filter(|r| !before.contains(r) && !r.starts_with("refs/heads/conclave/"))
        .collect()
}

/// How each command approval ended: (command subject, decision, by, reason).
fn command_decisions(events: &[Event]) -> Vec<(String, Decision, DecidedBy, String)> {
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

fn decided<'a>(
    all: &'a [(String, Decision, DecidedBy, String)],
    command: &str,
) -> &'a (String, Decision, DecidedBy, String) {
    all.iter()
        .find(|(s, ..)| s.starts_with(&format!("`{command}`")))
        .unwrap_or_else(|| panic!("no decision for `{command}` in {all:#?}"))
}

fn plan_decided_seq(data: &Path, run: &str) -> u64 {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bypasses_are_refused_or_asked_at_level_4_and_level_2() {
    let h = Harness::start(ProviderKind::Openai).await;
    let w = world(&h);
    let before = refs(&w.repo);
    let abs = w.absolute.display().to_string();

    // Level 4, a stand-in that rejects: what level 4 used to let through.
    let l4: Vec<String> = vec![
        "echo pwned > ../../outside".into(),
        "cp notes.txt ../../outside".into(),
        format!("touch {abs}"),
        "git update-ref refs/heads/agent-made HEAD".into(),
        "git -C . push origin HEAD".into(),
        "cd \"$HOME\" && touch stolen".into(),
    ];
    plan(&h);
    implementer_tries(&h, &l4);
    let (code, events, err) = binary(
        &w,
        [
            "run",
            "write notes",
            "--level",
            "4",
            "--headless",
            "--on-approval",
            "reject",
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    assert!(!events.is_empty(), "exit {code:?}: {err}");
    let run = events[0].run.to_string();
    let all = command_decisions(&events);
    for c in &l4 {
        let (_, decision, by, reason) = decided(&all, c);
        assert_eq!(
            (decision, by),
            (&Decision::Rejected, &DecidedBy::Person),
            "{c}: {reason}"
        );
    }
    assert_eq!(std::fs::read_to_string(&w.outside).unwrap(), ORIGINAL);
    assert!(!w.absolute.exists());
    assert!(!w.data.join("home/stolen").exists());
    assert_eq!(foreign_refs(&w.repo, &before), Vec::<String>::new());
    // The agent was told, and the outside file's content never reached the model.
    let asked: String = h
        .server
        .requests()
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(asked.contains("rejected"), "the agent never heard");

    // Level 2 (a fork of that run right after its plan was approved), the stand-in rejects,
    // and the person's sticky rules are in force: `touch` always, `wc` never.
    let store = Store::open(&w.data).unwrap();
    let memory = store.memory().unwrap();
    let key = rules::repo_key(&w.repo);
    let allow = rules::save(&memory, &key, vec!["touch".into()], RuleEffect::Allow, 1).unwrap();
    let never = rules::save(&memory, &key, vec!["wc".into()], RuleEffect::Deny, 2).unwrap();
    drop(memory);
    drop(store);
    let l2: Vec<String> = vec![
        "cat ../../outside".into(),
        "echo $(touch X)".into(),
        "find . -fprint F".into(),
        "sort -o F2 a.txt".into(),
        "ls\nrm -rf src".into(),
        "git -C . push".into(),
        "cd \"$HOME\"".into(),
        "touch made-by-rule.txt".into(),
        "wc -l a.txt".into(),
    ];
    let sent_before = h.server.requests().len();
    implementer_tries(&h, &l2);
    let at = plan_decided_seq(&w.data, &run);
    let (code, events, err) = binary(
        &w,
        vec![
            "fork".into(),
            run.clone(),
            "--at".into(),
            at.to_string(),
            "--level".into(),
            "2".into(),
            "--headless".into(),
            "--on-approval".into(),
            "reject".into(),
        ],
    )
    .await;
    assert!(!events.is_empty(), "exit {code:?}: {err}");
    let fork = events.last().unwrap().run;
    let all = command_decisions(
        &events
            .iter()
            .filter(|e| e.run == fork && e.seq > at)
            .cloned()
            .collect::<Vec<_>>(),
    );
    for c in &l2[..7] {
        let (_, decision, by, reason) = decided(&all, c);
        assert_eq!(
            (decision, by),
            (&Decision::Rejected, &DecidedBy::Person),
            "{c}: {reason}"
        );
    }
    let (_, d, by, reason) = decided(&all, "touch made-by-rule.txt");
    assert_eq!((d, by), (&Decision::Approved, &DecidedBy::Policy));
    assert_eq!(reason, &allow.describe());
    let (_, d, by, reason) = decided(&all, "wc -l a.txt");
    assert_eq!((d, by), (&Decision::Rejected, &DecidedBy::Policy));
    assert_eq!(reason, &never.describe());
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::RulesInForce { rules } if rules.len() == 2)));
    // Outcomes: the diff the task proposes (its worktree as committed) holds the note and
    // the rule's file, nothing the rejected commands would have made, and `src` untouched;
    // the file outside is unchanged and its content never reached the model.
    let diffs: Vec<(String, conclave::model::FileChange)> = events
        .iter()
        .filter(|e| e.run == fork && e.seq > at)
        .filter_map(|e| match &e.kind {
            EventKind::DiffProposed { files, .. } => Some(files.clone()),
            _ => None,
        })
        .flatten()
        .map(|f| (f.path, f.change))
        .collect();
    let paths: Vec<&str> = diffs.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&"notes.txt"), "{diffs:?}");
    assert!(
        paths.contains(&"made-by-rule.txt"),
        "the rule's command did not run: {diffs:?}"
    );
    for made in ["X", "F", "F2"] {
        assert!(!paths.contains(&made), "{made} was made: {diffs:?}");
    }
    assert!(!paths.iter().any(|p| p.starts_with("src/")), "{diffs:?}");
    assert_eq!(std::fs::read_to_string(&w.outside).unwrap(), ORIGINAL);
    let asked: String = h.server.requests()[sent_before..]
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(!asked.contains("outside every worktree"));
    assert_eq!(foreign_refs(&w.repo, &before), Vec::<String>::new());

    // Level 4 with a stand-in that approves: the deny-listed rows are still refused.
    let denied: Vec<String> = vec![
        "echo pwned > ../../outside".into(),
        "git update-ref refs/heads/agent-made HEAD".into(),
        "git -C . push origin HEAD".into(),
        "cat ../../outside".into(),
    ];
    let sent_before = h.server.requests().len();
    implementer_tries(&h, &denied);
    let (code, events, err) = binary(
        &w,
        vec![
            "fork".into(),
            run.clone(),
            "--at".into(),
            at.to_string(),
            "--headless".into(),
            "--on-approval".into(),
            "approve".into(),
        ],
    )
    .await;
    assert!(!events.is_empty(), "exit {code:?}: {err}");
    let fork = events.last().unwrap().run;
    let all = command_decisions(
        &events
            .iter()
            .filter(|e| e.run == fork && e.seq > at)
            .cloned()
            .collect::<Vec<_>>(),
    );
    for c in &denied {
        let (_, decision, by, reason) = decided(&all, c);
        assert_eq!(
            (decision, by),
            (&Decision::Rejected, &DecidedBy::Person),
            "{c}: {reason}"
        );
        assert!(reason.contains("deny-listed"), "{c}: {reason}");
    }
    assert_eq!(std::fs::read_to_string(&w.outside).unwrap(), ORIGINAL);
    assert_eq!(foreign_refs(&w.repo, &before), Vec::<String>::new());
    let asked: String = h.server.requests()[sent_before..]
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(!asked.contains("outside every worktree"));
}

#[test]
fn rules_are_listed_and_removed_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    repo_with(&repo, &[("a.txt", b"a\n")]);
    let other = dir.path().join("other");
    let run = |args: &[&str], cwd: &Path| {
        let out = conclave(dir.path())
            .current_dir(cwd)
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, out, _) = run(&["rules"], &repo);
    assert_eq!(code, Some(0));
    assert!(out.contains("No rules for this repository"), "{out}");
    {
        let store = Store::open(dir.path()).unwrap();
        let m = store.memory().unwrap();
        let key = rules::repo_key(&repo);
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        rules::save(&m, &key, words(&["cargo", "test"]), RuleEffect::Allow, 1).unwrap();
        rules::save(&m, &key, words(&["git", "push"]), RuleEffect::Deny, 2).unwrap();
        rules::save(
            &m,
            "/elsewhere",
            words(&["make", "check"]),
            RuleEffect::Allow,
            3,
        )
        .unwrap();
    }
    let (code, out, _) = run(&["rules", "list"], &repo.join("."));
    assert_eq!(code, Some(0));
    assert!(
        out.contains("r1") && out.contains("allow") && out.contains("cargo test"),
        "{out}"
    );
    assert!(
        out.contains("r2") && out.contains("never") && out.contains("git push"),
        "{out}"
    );
    assert!(!out.contains("make check"), "{out}");
    let (_, out, _) = run(&["rules", "--json"], &repo);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["prefix"], json!(["cargo", "test"]));
    assert_eq!(v[1]["effect"], "deny");
    // Outside a repository only --all lists.
    std::fs::create_dir_all(&other).unwrap();
    let (code, _, err) = run(&["rules"], &other);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not inside a git repository"), "{err}");
    let (code, out, _) = run(&["rules", "list", "--all"], &other);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("make check") && out.contains("/elsewhere"),
        "{out}"
    );
    // Removing: a bad id is a clear error, a good one is gone.
    let (code, _, err) = run(&["rules", "rm", "r9"], &repo);
    assert_eq!(code, Some(2));
    assert!(err.contains("no rule has the id `r9`"), "{err}");
    let (code, out, _) = run(&["rules", "rm", "r2"], &repo);
    assert_eq!(code, Some(0));
    assert!(out.contains("never `git push`"), "{out}");
    let (_, out, _) = run(&["rules", "--json"], &repo);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
}

/// The person's "always" and "never" on waiting commands, through the live engine: each is
/// answered and becomes a rule in the store, the next command under it is the policy's to
/// decide (named in the reason), and a removed rule is gone from the store and the state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_and_never_become_rules_the_engine_applies() {
    use conclave::config::{AgentConfig, Config, ProviderProfile};
    use conclave::engine::{self, RunOptions, Stand};
    use conclave::model::{AutonomyLevel, Command, Role};
    let h = Harness::start(ProviderKind::Openai).await;
    let w = world(&h);
    plan(&h);
    implementer_tries(
        &h,
        &[
            "git fetch nowhere".into(),
            "git fetch nowhere --quiet".into(),
            "git ls-remote nowhere".into(),
            "git ls-remote elsewhere".into(),
        ],
    );
    let mut config = Config::default();
    config.providers.clear();
    config.providers.insert(
        "gpt".into(),
        ProviderProfile {
            kind: h.kind,
            model: h.settings.model.clone(),
            api_key_env: Some(KEY_ENV.into()),
            base_url: Some(h.server.base_url()),
            cassette: None,
            max_tokens: None,
            idle_timeout_s: Some(5),
        },
    );
    let agent = |name: &str, role| AgentConfig {
        name: name.into(),
        role,
        provider: "gpt".into(),
        fallback: vec![],
        skills: vec![],
        max_tasks: 1,
    };
    config.agents = vec![
        agent("strategist", Role::Strategist),
        agent("impl", Role::Implementer),
        agent("reviewer", Role::Reviewer),
    ];
    config.gates.clear();
    config.run.level = AutonomyLevel::Strategic;
    let store = Store::open(&w.data).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = RunOptions {
        config,
        data_dir: w.data.clone(),
        stand: Stand::Person,
        watcher: Some(tx),
    };
    let run = engine::start(&store, &w.repo, "write notes", opts).unwrap();
    let asked = |cmd: &'static str| move |k: &EventKind| matches!(k, EventKind::ApprovalRequested { what: ApprovalWhat::Command, subject, .. } if subject.starts_with(&format!("`{cmd}`")));
    let id_of = |e: &Event| match &e.kind {
        EventKind::ApprovalRequested { approval, .. } => approval.clone(),
        _ => unreachable!(),
    };
    // Network at level 3 asks; "always" answers it and saves `git fetch`.
    let e = support::engine::wait_for(&mut rx, asked("git fetch nowhere")).await;
    run.commands
        .send(Command::Remember {
            approval: id_of(&e),
            effect: RuleEffect::Allow,
        })
        .unwrap();
    let e = support::engine::wait_for(&mut rx, asked("git ls-remote nowhere")).await;
    run.commands
        .send(Command::Remember {
            approval: id_of(&e),
            effect: RuleEffect::Deny,
        })
        .unwrap();
    // The last command is refused by the rule; then the first rule is revoked.
    support::engine::wait_for(&mut rx, |k| {
        matches!(k, EventKind::ApprovalDecided { reason, .. } if reason.starts_with("rule r2:"))
    })
    .await;
    run.commands.send(Command::RemoveRule("r1".into())).unwrap();
    support::engine::wait_for(
        &mut rx,
        |k| matches!(k, EventKind::RuleRemoved { id } if id == "r1"),
    )
    .await;
    run.commands.send(Command::CancelRun).unwrap();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(60), run.driver)
        .await
        .expect("the run stops");
    let events = store.all_events(run.run).unwrap();
    let all = command_decisions(&events);
    let (_, d, by, reason) = decided(&all, "git fetch nowhere");
    assert_eq!((d, by), (&Decision::Approved, &DecidedBy::Person));
    assert!(
        reason.contains("rule r1: always allow `git fetch` in this repo"),
        "{reason}"
    );
    let (_, d, by, reason) = decided(&all, "git fetch nowhere --quiet");
    assert_eq!((d, by), (&Decision::Approved, &DecidedBy::Policy));
    assert_eq!(reason, "rule r1: always allow `git fetch` in this repo");
    let (_, d, by, _) = decided(&all, "git ls-remote nowhere");
    assert_eq!((d, by), (&Decision::Rejected, &DecidedBy::Person));
    let (_, d, by, reason) = decided(&all, "git ls-remote elsewhere");
    assert_eq!((d, by), (&Decision::Rejected, &DecidedBy::Policy));
    assert_eq!(reason, "rule r2: never `git ls-remote` in this repo");
    let saved: Vec<&conclave::model::CommandRule> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RuleSaved { rule, .. } => Some(rule),
            _ => None,
        })
        .collect();
    assert_eq!(saved.len(), 2);
    let memory = store.memory().unwrap();
    let kept = rules::for_repo(&memory, &rules::repo_key(&w.repo)).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].prefix, vec!["git".to_string(), "ls-remote".into()]);
    let state = conclave::model::fold(&events);
    assert_eq!(state.rules, kept);
}
