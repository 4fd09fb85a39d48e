//! Decisions do what the screen said, checked where a person would look: on the user's
//! `main` and in what the agent is told next. A real run over HTTP to the provider test
//! servers: the strategist plans one task, the implementer changes two far-apart lines of
//! `notes.txt` (two hunks), and a scripted person answers each approval.
//!
//! - a diff approved with a hunk dropped lands exactly the kept hunk (level 1);
//! - a merge approved with a hunk dropped does too (level 2, where the diff goes by itself);
//! - the same holds after the run is interrupted and resumed, and in a fork made at the
//!   decision, before the engine had acted on it;
//! - a diff rejected with a reason goes back to the implementer, whose next request carries
//!   the reason, and the task still finishes and lands.

#[path = "engine_control/mcp.rs"]
mod mcp;

use crate::support::harness::{tool_answer, Harness};
use crate::support::provider_server::Reply;
use crate::support::repo::repo_with;
use conclave::config::{AgentConfig, Config};
use conclave::engine::{self, DriveEnd, ForkChanges, RunHandle, RunOptions, Stand};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diff_approved_with_a_hunk_dropped_lands_only_the_kept_hunk() {
    let s = setup(AutonomyLevel::Assisted).await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |st, a| match a.what {
        ApprovalWhat::Diff => approve_keeping(st, a, "+line two"),
        _ => approve(a),
    })
    .await;
    finished(&end, &events);
    s.main_keeps_only(0);
    // The decision names the kept hunk by id, not in prose.
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::ApprovalDecided { approval, keep_hunks: Some(k), .. } if approval == "diff-t1-1" && k.len() == 1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_approved_with_a_hunk_dropped_lands_only_the_kept_hunk() {
    let s = setup(AutonomyLevel::SemiAutonomous).await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |st, a| match a.what {
        ApprovalWhat::Diff => panic!("level 2 decides a minor green diff itself"),
        ApprovalWhat::Merge => approve_keeping(st, a, "+line twenty-five"),
        _ => approve(a),
    })
    .await;
    finished(&end, &events);
    s.main_keeps_only(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_hunks_stay_dropped_after_a_resume() {
    let s = setup(AutonomyLevel::Assisted).await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let run = h.run;
    // The person keeps one hunk, then the process goes away while the merge waits.
    let (end, _) = drive(h, rx, |st, a| match a.what {
        ApprovalWhat::Diff => approve_keeping(st, a, "+line two"),
        ApprovalWhat::Merge => Act::Interrupt,
        _ => approve(a),
    })
    .await;
    assert_eq!(end, DriveEnd::Interrupted);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let h = engine::resume(&store, run, s.opts(Stand::Person, tx)).unwrap();
    let (end, events) = drive(h, rx, |_, a| {
        assert_ne!(
            a.what,
            ApprovalWhat::Diff,
            "an answered diff was asked again"
        );
        approve(a)
    })
    .await;
    finished(&end, &events);
    s.main_keeps_only(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_at_the_decision_lands_only_the_kept_hunk() {
    let s = setup(AutonomyLevel::Assisted).await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let parent = h.run;
    let (end, events) = drive(h, rx, |st, a| match a.what {
        ApprovalWhat::Diff => approve_keeping(st, a, "+line twenty-five"),
        ApprovalWhat::Merge => Act::Interrupt,
        _ => approve(a),
    })
    .await;
    assert_eq!(end, DriveEnd::Interrupted);
    // Fork right at the decision: the fork's branch is where it stood before the engine
    // acted on it, so the fork has to carry the decision out itself.
    let at = store
        .all_events(parent)
        .unwrap()
        .iter()
        .find(|e| matches!(&e.kind, EventKind::ApprovalDecided { approval, .. } if approval == "diff-t1-1"))
        .map(|e| e.seq)
        .expect("the diff was decided");
    assert!(events.iter().any(|e| e.seq == at));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let h = engine::fork(
        &store,
        parent,
        at,
        ForkChanges::default(),
        s.opts(Stand::Person, tx),
    )
    .unwrap();
    let (end, events) = drive(h, rx, |_, a| {
        assert_ne!(
            a.what,
            ApprovalWhat::Diff,
            "the copied decision was asked again"
        );
        approve(a)
    })
    .await;
    finished(&end, &events);
    s.main_keeps_only(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reject_with_a_reason_goes_back_to_the_agent_and_the_task_still_lands() {
    let s = setup(AutonomyLevel::Assisted).await;
    const REASON: &str = "write TWO in capitals, and leave line 25 alone";
    s.implementer.say(
        "A person rejected your change",
        "Redoing it as asked.",
        vec![
            edit("line two\n", "line TWO\n"),
            edit("line twenty-five\n", "line 25\n"),
        ],
    );
    s.implementer.say(
        "A person rejected your change",
        "Done.",
        vec![("finish", json!({"summary": "TWO in capitals"}))],
    );
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| match a.id.as_str() {
        "diff-t1-1" => Act::Send(Command::Reject {
            approval: a.id.clone(),
            reason: REASON.into(),
        }),
        id if id.starts_with("retry-") => panic!("the person's reject was asked about again: {id}"),
        _ => approve(a),
    })
    .await;
    finished(&end, &events);
    // The implementer's first request of attempt 2 carries the reason.
    let bodies: Vec<String> = s
        .implementer
        .server
        .requests()
        .iter()
        .map(|r| r.raw_body.clone())
        .collect();
    // Attempt 1 took two requests (the edits, the finish); the very next one is attempt 2's.
    assert_eq!(
        bodies.iter().position(|b| b.contains(REASON)),
        Some(2),
        "the reason must reach the implementer's next request"
    );
    // The transcript says what happened, and the run still landed the second attempt.
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::Transcript { part: TranscriptPart::System, text, .. } if text.contains("sent back to impl-1 as feedback, attempt 2 of 3"))));
    let main = s.on_main();
    assert!(
        main.contains("line TWO\n") && main.contains("line 25\n"),
        "{main}"
    );
    let _ = &s.planner;
}

/// A primary that answers every call with 503: the first call spends its retries on it, the
/// breaker opens, and every later call of every agent goes straight to the fallback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_primary_costs_a_few_failed_requests_and_the_run_finishes_on_the_fallback() {
    let mut s = setup(AutonomyLevel::Full).await;
    let dead = Harness::start(ProviderKind::Gemini).await;
    for _ in 0..60 {
        dead.server.push(Reply::status(
            503,
            dead.error_body(503, "UNAVAILABLE", "The model is overloaded."),
        ));
    }
    s.config.providers.insert("dead".into(), dead.profile());
    for a in &mut s.config.agents {
        a.fallback = vec![a.provider.clone()];
        a.provider = "dead".into();
    }
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| approve(a)).await;
    finished(&end, &events);
    let main = s.on_main();
    assert!(BOTH_LINES.iter().all(|l| main.contains(l)), "{main}");
    // Three attempts of the first call (two retries), then nothing but perhaps one probe.
    let sent = dead.server.requests().len();
    assert!(
        (3..=4).contains(&sent),
        "the dead primary got {sent} requests"
    );
    let opened: Vec<&Event> = events
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Circuit { provider, state, .. }
                if provider == "dead" && *state == conclave::model::CircuitState::Open)
        })
        .collect();
    assert_eq!(opened.len(), 1, "the breaker opened once");
    let EventKind::Circuit { reason, .. } = &opened[0].kind else {
        unreachable!()
    };
    assert!(reason.contains("overloaded"), "{reason}");
}

/// An implementer whose only key is refused: the task fails at once, without spending its
/// retries on the same refusal, and the run says why in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_fails_the_task_at_once_and_the_run_says_why() {
    let mut s = setup(AutonomyLevel::Full).await;
    std::env::set_var("CONCLAVE_TEST_WRONG_KEY", "sk-wrong-0000");
    s.config.providers.get_mut("impl").unwrap().api_key_env =
        Some("CONCLAVE_TEST_WRONG_KEY".into());
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| approve(a)).await;
    assert_eq!(end, DriveEnd::Finished(RunOutcome::Failed));
    assert_eq!(
        s.implementer.server.requests().len(),
        1,
        "a 401 is neither retried nor tried again by a new attempt"
    );
    let reason = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RunFinished { reason, .. } => reason.clone(),
            _ => None,
        })
        .expect("a failed run says why");
    assert!(
        reason.contains("t1") && reason.contains("refused the key in CONCLAVE_TEST_WRONG_KEY"),
        "{reason}"
    );
    assert!(
        !reason.contains("sk-wrong"),
        "the key never shows: {reason}"
    );
    let state = conclave::model::fold(&events);
    let said: String = state.transcripts[state.agent_index("impl-1").unwrap()]
        .iter()
        .filter(|t| t.part == TranscriptPart::System)
        .map(|t| t.text.as_str())
        .collect();
    assert!(said.contains("✗ `impl` refused the key"), "{said}");
    assert!(said.contains("Not retried"), "{said}");
}

/// The repository's AGENTS.md goes into every role's system prompt (the bytes on the wire),
/// and the person sees it in the transcript's first turn; a repo prompt replaces a role's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_repos_agents_md_reaches_every_request_and_the_transcript() {
    let s = setup(AutonomyLevel::Full).await;
    let rules = "Run `make check` before you finish.\nNever touch vendor/.";
    std::fs::write(s.repo.join("AGENTS.md"), rules).unwrap();
    std::fs::create_dir_all(s.repo.join(".conclave/prompts")).unwrap();
    std::fs::write(
        s.repo.join(".conclave/prompts/strategist.md"),
        "You plan in one task at most. (repo prompt)",
    )
    .unwrap();
    let r = git2::Repository::open(&s.repo).unwrap();
    crate::support::repo::commit_all(&r, "agent instructions");
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| approve(a)).await;
    finished(&end, &events);
    // OpenAI puts the system prompt in a system message, Anthropic in `system`.
    let plan = &s.planner.server.requests()[0].body;
    let system = plan["messages"][0]["content"].as_str().unwrap_or_default();
    assert!(
        system.starts_with("You plan in one task at most. (repo prompt)"),
        "{system}"
    );
    assert!(
        system.contains("# Project instructions (AGENTS.md)") && system.contains(rules),
        "{system}"
    );
    for req in s.implementer.server.requests() {
        let system = req.body["system"].to_string();
        assert!(
            system.contains("Run `make check` before you finish."),
            "{system}"
        );
        assert!(
            !system.contains("(repo prompt)"),
            "the override is the strategist's only"
        );
    }
    let state = conclave::model::fold(&events);
    for agent in ["strategist", "impl-1"] {
        let first = state.transcripts[state.agent_index(agent).unwrap()]
            .iter()
            .find(|t| t.part == TranscriptPart::System)
            .map(|t| t.text.clone())
            .unwrap_or_default();
        assert!(
            first.contains("project instructions from AGENTS.md"),
            "{agent}: {first}"
        );
        assert!(first.contains("Never touch vendor/."), "{agent}: {first}");
    }
}
