//! Real runs over HTTP to the provider test servers, checked where a person would look: on
//! the user's `main` and in what the agents are told. The strategist plans one task, the
//! implementer changes two far-apart lines of `notes.txt` (two hunks), and a scripted person
//! answers each approval.
//!
//! This file holds that run (`setup`), the scripted person (`drive`) and the checks on
//! `main`; the tests are in the submodules, by what they check: `decisions` (hunks kept or
//! dropped, a reject with a reason), `mcp` (MCP tools under the policy), `provider_failures`
//! (a dead primary, a refused key) and `agents_md` (the repository's instructions).

#[path = "engine_control/agents_md.rs"]
mod agents_md;
#[path = "engine_control/decisions.rs"]
mod decisions;
#[path = "engine_control/mcp.rs"]
mod mcp;
#[path = "engine_control/provider_failures.rs"]
mod provider_failures;

use crate::support::harness::{tool_answer, Harness};
use crate::support::provider_server::Reply;
use crate::support::repo::repo_with;
use conclave::config::{AgentConfig, Config};
use conclave::engine::{self, DriveEnd, RunHandle, RunOptions, Stand};
use conclave::model::{
    ApprovalState, ApprovalWhat, AutonomyLevel, Command, Event, EventKind, Role, RunOutcome,
    RunState, TaskKind, TranscriptPart,
};
use conclave::providers::ProviderKind;
use conclave::store::Store;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

const LIMIT: Duration = Duration::from_secs(120);

fn notes() -> String {
    (0..30).map(|i| format!("line {i}\n")).collect()
}

fn edit(old: &str, new: &str) -> (&'static str, Value) {
    (
        "edit_file",
        json!({"path": "notes.txt", "old": old, "new": new}),
    )
}

struct Setup {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    data: PathBuf,
    config: Config,
    planner: Harness,
    implementer: Harness,
}

/// The repo, the two servers with the plan and the first attempt scripted, and the config.
async fn setup(level: AutonomyLevel) -> Setup {
    let planner = Harness::start(ProviderKind::Openai).await;
    let implementer = Harness::start(ProviderKind::Anthropic).await;
    planner.say(
        "Goal:",
        "One task.",
        vec![(
            "submit_plan",
            json!({"tasks": [{"id": "t1", "title": "Name two lines", "description": "Spell out lines 2 and 25.", "kind": "docs", "deps": [], "priority": 1}]}),
        )],
    );
    // Whatever else the strategist is asked (lessons at the end) gets a short answer.
    for _ in 0..6 {
        planner.server.push(Reply::sse(
            planner
                .events(&tool_answer("Nothing to add.", vec![]))
                .concat(),
        ));
    }
    implementer.say(
        "Your task t1:",
        "Spelling out both lines.",
        vec![
            edit("line 2\n", "line two\n"),
            edit("line 25\n", "line twenty-five\n"),
        ],
    );
    implementer.say(
        "Your task t1:",
        "Done.",
        vec![("finish", json!({"summary": "spelled out 2 and 25"}))],
    );
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    repo_with(&repo, &[("notes.txt", notes().as_bytes())]);
    let data = dir.path().join("data");
    let mut config = Config::default();
    config.providers.clear();
    config.providers.insert("plan".into(), planner.profile());
    config
        .providers
        .insert("impl".into(), implementer.profile());
    let agent = |name: &str, role, provider: &str| AgentConfig {
        name: name.into(),
        role,
        provider: provider.into(),
        fallback: vec![],
        skills: vec![TaskKind::Docs],
        max_tasks: 1,
    };
    config.agents = vec![
        agent("strategist", Role::Strategist, "plan"),
        agent("impl-1", Role::Implementer, "impl"),
    ];
    config.gates.clear();
    config.run.level = level;
    Setup {
        _dir: dir,
        repo,
        data,
        config,
        planner,
        implementer,
    }
}

impl Setup {
    fn opts(&self, stand: Stand, watcher: tokio::sync::mpsc::UnboundedSender<Event>) -> RunOptions {
        RunOptions {
            config: self.config.clone(),
            data_dir: self.data.clone(),
            stand,
            watcher: Some(watcher),
        }
    }

    /// Starts the run with a scripted person (the test) at the desk.
    fn start(&self, store: &Store) -> (RunHandle, UnboundedReceiver<Event>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let h = engine::start(
            store,
            &self.repo,
            "spell out lines",
            self.opts(Stand::Person, tx),
        )
        .expect("start");
        (h, rx)
    }

    /// `main` holds the change of the kept hunk and not the dropped one's.
    fn main_keeps_only(&self, kept: usize) {
        let main = self.on_main();
        let dropped = 1 - kept;
        assert!(
            main.contains(BOTH_LINES[kept]),
            "the kept hunk is missing:\n{main}"
        );
        assert!(
            !main.contains(BOTH_LINES[dropped]) && main.contains(ORIGINAL[dropped]),
            "the dropped hunk reached main:\n{main}"
        );
    }

    /// `notes.txt` as the user's `main` branch has it (the commit, not the checkout).
    fn on_main(&self) -> String {
        let repo = git2::Repository::open(&self.repo).unwrap();
        let tree = repo
            .find_branch("main", git2::BranchType::Local)
            .unwrap()
            .get()
            .peel_to_tree()
            .unwrap();
        let blob = tree
            .get_path(Path::new("notes.txt"))
            .unwrap()
            .to_object(&repo)
            .unwrap()
            .peel_to_blob()
            .unwrap();
        String::from_utf8(blob.content().to_vec()).unwrap()
    }
}

/// What the scripted person does with an approval that waits.
enum Act {
    Send(Command),
    /// Stop the run where it stands (the process goes away), resumable.
    Interrupt,
}

fn approve(a: &ApprovalState) -> Act {
    Act::Send(Command::Approve {
        approval: a.id.clone(),
        keep_hunks: None,
    })
}

/// Approves `a` keeping only the hunks of its diff that change a line matching `keep`.
fn approve_keeping(s: &RunState, a: &ApprovalState, keep: &str) -> Act {
    let d = a
        .diff
        .as_deref()
        .and_then(|d| s.diff(d))
        .expect("the approval names its diff");
    assert_eq!(d.hunks.len(), 2, "two hunks to choose from: {}", d.patch);
    let kept: Vec<String> = d
        .hunks
        .iter()
        .filter(|h| d.patch[h.start as usize..h.end as usize].contains(keep))
        .map(|h| h.id.clone())
        .collect();
    assert_eq!(kept.len(), 1, "{keep} is in one hunk");
    Act::Send(Command::Approve {
        approval: a.id.clone(),
        keep_hunks: Some(kept),
    })
}

/// Answers each approval the engine waits on (also one a resumed run asks again, which is
/// not logged anew), until the run ends or `person` interrupts it.
async fn drive(
    mut h: RunHandle,
    mut rx: UnboundedReceiver<Event>,
    person: impl Fn(&RunState, &ApprovalState) -> Act,
) -> (DriveEnd, Vec<Event>) {
    let mut seen = Vec::new();
    let mut answered = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + LIMIT;
    let end = loop {
        tokio::select! {
            end = &mut h.driver => break end.expect("driver"),
            Some(e) = rx.recv() => seen.push(e),
            // What waits is known to the desk, not always announced by a new event.
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            _ = tokio::time::sleep_until(deadline) => panic!("the run hung: {seen:#?}"),
        }
        let mut waiting = h.desk.waiting_ids();
        waiting.sort();
        let Some(id) = waiting.into_iter().find(|id| !answered.contains(id)) else {
            continue;
        };
        answered.insert(id.clone());
        let state = h.log.state();
        let a = state.approval(&id).expect("asked").clone();
        match person(&state, &a) {
            Act::Send(c) => h.commands.send(c).expect("engine listens"),
            Act::Interrupt => break h.interrupt().await,
        }
    };
    while let Ok(e) = rx.try_recv() {
        seen.push(e);
    }
    (end, seen)
}

fn finished(end: &DriveEnd, events: &[Event]) {
    let names: Vec<String> = events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Usage { .. }))
        .map(|e| format!("{:?}", e.kind).chars().take(200).collect())
        .collect();
    assert_eq!(*end, DriveEnd::Finished(RunOutcome::Finished), "{names:#?}");
}

const BOTH_LINES: [&str; 2] = ["line two\n", "line twenty-five\n"];
const ORIGINAL: [&str; 2] = ["line 2\n", "line 25\n"];
