//! A handwritten run: four agents add rate limiting to an HTTP client. `live_run` stops
//! mid-way (one task running, a diff and a command waiting); `finished_run` goes on to the end.

use super::builder::LogBuilder;
use super::patches;
use crate::model::*;
use serde_json::json;

fn file(path: &str, change: FileChange, added: u32, removed: u32) -> DiffFile {
    DiffFile {
        path: path.into(),
        change,
        added,
        removed,
        binary: false,
    }
}

fn agent(name: &str, role: Role, provider: &str, model: &str) -> AgentSpec {
    AgentSpec {
        name: name.into(),
        role,
        provider: provider.into(),
        model: model.into(),
    }
}

fn task(id: &str, title: &str, kind: TaskKind, deps: &[&str]) -> PlannedTask {
    PlannedTask {
        id: id.into(),
        title: title.into(),
        description: format!("{title}."),
        kind,
        deps: deps.iter().map(|d| d.to_string()).collect(),
        priority: 2,
        estimate_min: Some(15),
        risk: None,
    }
}

use TaskStatus::*;
use TranscriptPart::{Text, Thinking};

/// One task through gates, review and an automatic merge.
fn finish_task(
    b: &mut LogBuilder,
    t: &str,
    diff_id: &str,
    approval: &str,
    patch: String,
    files: Vec<DiffFile>,
) {
    b.status(t, Gates)
        .gate(t, "test", true, "test result: ok. 42 passed; 0 failed");
    b.status(t, Review)
        .review(t, Verdict::Approve, "Small and tested.");
    b.diff(t, diff_id, patch, files);
    b.ask(
        approval,
        ApprovalWhat::Diff,
        Some(t),
        "diff",
        "L2: a minor diff with passing gates and an approving review",
        Some(diff_id),
    );
    b.decide(
        approval,
        Decision::Approved,
        "",
        DecidedBy::Policy,
        Some(AutonomyLevel::SemiAutonomous),
    );
    b.status(t, Merging);
    b.push(EventKind::MergeResult {
        task: t.into(),
        ok: true,
        conflicts: vec![],
        commit: Some("4f2c9e1".into()),
    });
    b.status(t, Done);
}

/// Mid-run at L2: t1 and t4 done (t4 after a failed gate), t2 running with a tool call in
/// flight, t5 waiting for its diff to be approved, a command waiting, t3 pending.
pub fn live_run() -> Vec<Event> {
    let mut b = LogBuilder::new();
    b.push(EventKind::RunStarted {
        repo: "/home/ana/shop".into(),
        base_commit: "9c1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e".into(),
        branch: "main".into(),
        goal: "add rate limiting to the HTTP client".into(),
        level: AutonomyLevel::SemiAutonomous,
        agents: vec![
            agent("strategist", Role::Strategist, "openai", "gpt-4o"),
            agent(
                "impl-1",
                Role::Implementer,
                "anthropic",
                "claude-sonnet-4-5",
            ),
            agent("impl-2", Role::Implementer, "local", "qwen2.5-coder:7b"),
            agent("reviewer", Role::Reviewer, "gemini", "gemini-2.5-pro"),
        ],
        parent: None,
        config: None,
    });
    b.say(
        "strategist",
        None,
        Thinking,
        "The client has one request path; limits belong next to the config.\n",
    );
    b.say("strategist", None, Text, "I'll split this into five tasks: config, the limiter, its tests, docs, and retrying on 429 so callers see fewer errors.\n");
    b.call("c1", "strategist", "", "submit_plan", json!({"tasks": 5}));
    b.result("c1", true, "accepted", 3);
    b.push(EventKind::PlanProposed {
        agent: "strategist".into(),
        tasks: vec![
            task("t1", "parse rate limit config", TaskKind::Feature, &[]),
            task("t2", "add token bucket limiter", TaskKind::Feature, &["t1"]),
            task("t3", "tests for the limiter", TaskKind::Test, &["t2"]),
            task("t4", "document rate limits", TaskKind::Docs, &["t1"]),
            task(
                "t5",
                "retry with backoff on 429",
                TaskKind::Feature,
                &["t1"],
            ),
        ],
    });
    b.usage("strategist", None, 3_200, 640, 0.0144, 1_900);
    b.ask(
        "a1",
        ApprovalWhat::Plan,
        None,
        "plan of 5 tasks",
        "L2: a person approves the plan",
        None,
    );
    b.wait(4_000)
        .decide("a1", Decision::Approved, "", DecidedBy::Person, None);
    b.push(EventKind::TaskAssigned {
        task: "t1".into(),
        agent: "impl-1".into(),
        why: AssignReason::Router,
    });
    b.status("t1", Running);
    b.say(
        "impl-1",
        Some("t1"),
        Text,
        "Reading the config struct first.\n",
    );
    b.call(
        "c2",
        "impl-1",
        "t1",
        "read_file",
        json!({"path": "src/config.rs"}),
    );
    b.result(
        "c2",
        true,
        "1 use serde::Deserialize;\n2\n3 #[derive(Deserialize)]\n4 pub struct HttpConfig {\n",
        4,
    );
    b.call("c3", "impl-1", "t1", "edit_file", json!({"path": "src/config.rs", "old": "timeout_ms: u64,", "new": "timeout_ms: u64,\n    pub rate_limit: u32,"}));
    b.result("c3", true, "ok", 2);
    b.usage("impl-1", Some("t1"), 5_100, 820, 0.0276, 2_300);
    b.say("impl-1", Some("t1"), Text, "Added `rate_limit` with a serde default of 0 (no limit), so existing config files keep working.\n");
    finish_task(
        &mut b,
        "t1",
        "d1",
        "a2",
        patches::config_patch(),
        vec![file("src/config.rs", FileChange::Modified, 3, 0)],
    );
    for (t, a) in [("t4", "impl-2"), ("t5", "impl-2"), ("t2", "impl-1")] {
        b.push(EventKind::TaskAssigned {
            task: t.into(),
            agent: a.into(),
            why: AssignReason::Router,
        });
    }
    // t4: the docs gate fails once, the retry passes.
    b.status("t4", Running);
    b.say(
        "impl-2",
        Some("t4"),
        Text,
        "Documenting `rate_limit` in the README.\n",
    );
    b.usage("impl-2", Some("t4"), 2_000, 300, 0.0, 4_100);
    b.status("t4", Gates)
        .gate("t4", "docs", false, "README.md:14: broken link `#limits`");
    b.push(EventKind::Lesson {
        text: "the docs gate checks links: run it before finishing".into(),
        source: "gate".into(),
        persisted: true,
    });
    b.status("t4", Running);
    b.say("impl-2", Some("t4"), Text, "Fixed the anchor.\n");
    b.push(EventKind::ProviderError {
        agent: "impl-2".into(),
        provider: "local".into(),
        error: "429 Too Many Requests".into(),
        attempt: 1,
        retry_in_ms: Some(2_000),
        fallback: None,
        advice: None,
    });
    b.wait(2_000)
        .usage("impl-2", Some("t4"), 2_400, 120, 0.0, 3_000);
    finish_task(
        &mut b,
        "t4",
        "d2",
        "a3",
        patches::docs_patch(),
        vec![file("README.md", FileChange::Modified, 3, 0)],
    );
    // t5: done by impl-2, its diff adds a file: L2 asks a person.
    b.status("t5", Running);
    b.say("impl-2", Some("t5"), Text, "Wrapping `get` in a retry loop with exponential backoff; after five tries it returns `Error::RateLimited`.\n");
    b.call(
        "c4",
        "impl-2",
        "t5",
        "write_file",
        json!({"path": "src/retry.rs", "content": "…"}),
    );
    b.result("c4", true, "ok", 3);
    b.call(
        "c5",
        "impl-2",
        "t5",
        "run_command",
        json!({"command": "cargo test"}),
    );
    b.result("c5", false, "error[E0433]: failed to resolve: use of undeclared type `Backoff`\n  --> src/http.rs:25:27\n", 8_200);
    b.say(
        "impl-2",
        Some("t5"),
        Text,
        "Missing import; adding `use crate::retry::Backoff;`.\n",
    );
    b.usage("impl-2", Some("t5"), 6_800, 1_400, 0.0, 5_200);
    b.status("t5", Gates)
        .gate("t5", "test", true, "test result: ok. 44 passed; 0 failed");
    b.status("t5", Review)
        .review("t5", Verdict::Approve, "Backoff doubles and is bounded.");
    b.usage("reviewer", Some("t5"), 4_000, 350, 0.0085, 1_500);
    b.diff(
        "t5",
        "d3",
        patches::retry_patch(),
        vec![
            file("src/http.rs", FileChange::Modified, 13, 2),
            file("src/retry.rs", FileChange::Added, 21, 0),
        ],
    );
    b.status("t5", AwaitingApproval);
    b.ask(
        "a4",
        ApprovalWhat::Diff,
        Some("t5"),
        "retry with backoff: +34 −2 in 2 files",
        "L2 asks a person for diffs that add files (src/retry.rs)",
        Some("d3"),
    );
    // t2: impl-1 streams, with a read in flight and a command waiting.
    b.status("t2", Running);
    b.say(
        "impl-1",
        Some("t2"),
        Thinking,
        "A token bucket per host; refill lazily on each take so no timer task is needed.\n",
    );
    b.say("impl-1", Some("t2"), Text, "I'll add a `Limiter` with `try_take(host)`. Each bucket holds up to `rate_limit` tokens and refills continuously from the elapsed time since its last take, which keeps bursts bounded without a background task.\n");
    b.usage("impl-1", Some("t2"), 7_400, 960, 0.0366, 2_800);
    b.call(
        "c6",
        "impl-1",
        "t2",
        "run_command",
        json!({"command": "cargo add governor"}),
    );
    b.ask(
        "a5",
        ApprovalWhat::Command,
        Some("t2"),
        "cargo add governor",
        "not on the allow-list: adds a dependency from the network",
        None,
    );
    b.say(
        "impl-1",
        Some("t2"),
        Text,
        "While that waits, reading how the client is built:\n",
    );
    b.call(
        "c7",
        "impl-1",
        "t2",
        "read_file",
        json!({"path": "src/http.rs"}),
    );
    b.usage("impl-1", Some("t2"), 8_100, 410, 0.0305, 1_700);
    b.events()
}

/// The live run carried to the end: the waiting diff approved by a person (all hunks), the
/// command rejected with a reason, the remaining tasks done, the run finished.
pub fn finished_run() -> Vec<Event> {
    let mut b = LogBuilder::from_events(live_run());
    b.wait(30_000)
        .decide("a4", Decision::Approved, "", DecidedBy::Person, None);
    b.status("t5", Merging);
    b.push(EventKind::MergeResult {
        task: "t5".into(),
        ok: true,
        conflicts: vec![],
        commit: Some("7d1e0a2".into()),
    });
    b.status("t5", Done);
    b.decide(
        "a5",
        Decision::Rejected,
        "no new dependencies: write the bucket by hand",
        DecidedBy::Person,
        None,
    );
    b.result(
        "c6",
        false,
        "rejected by a person: no new dependencies: write the bucket by hand",
        0,
    );
    b.result(
        "c7",
        true,
        "1 use std::time::Duration;\n2\n3 pub struct Client {\n",
        5,
    );
    b.say(
        "impl-1",
        Some("t2"),
        Text,
        "Understood: writing the bucket by hand in src/limiter.rs.\n",
    );
    b.usage("impl-1", Some("t2"), 9_000, 1_200, 0.045, 3_400);
    finish_task(
        &mut b,
        "t2",
        "d4",
        "a6",
        patches::limiter_patch(),
        vec![file("src/limiter.rs", FileChange::Added, 6, 0)],
    );
    b.push(EventKind::TaskAssigned {
        task: "t3".into(),
        agent: "impl-2".into(),
        why: AssignReason::Router,
    });
    b.status("t3", Running);
    b.say(
        "impl-2",
        Some("t3"),
        Text,
        "One test: a burst past the limit has to wait for tokens.\n",
    );
    b.usage("impl-2", Some("t3"), 3_000, 500, 0.0, 4_000);
    finish_task(
        &mut b,
        "t3",
        "d5",
        "a7",
        patches::tests_patch(),
        vec![file("tests/limiter.rs", FileChange::Added, 4, 0)],
    );
    b.say(
        "strategist",
        None,
        Text,
        "All five tasks are merged into conclave/01JD7; landing waits for you.\n",
    );
    b.push(EventKind::RunFinished {
        status: RunOutcome::Finished,
        reason: None,
    });
    b.events()
}

/// The live run's beginning, while its plan (`a1`) waits for a person.
pub fn plan_waiting() -> Vec<Event> {
    let mut events = live_run();
    let asked = events
        .iter()
        .position(|e| {
            matches!(&e.kind, EventKind::ApprovalRequested { approval, .. } if approval == "a1")
        })
        .expect("the live run asks about its plan");
    events.truncate(asked + 1);
    events
}

/// A log with a person's level change appended (no event when already at `level`).
pub fn with_level(events: Vec<Event>, level: AutonomyLevel) -> Vec<Event> {
    let from = crate::model::fold(&events).level_or_default();
    if from == level {
        return events;
    }
    let mut b = LogBuilder::from_events(events);
    b.push(EventKind::LevelChanged {
        from,
        to: level,
        by: DecidedBy::Person,
    });
    b.events()
}
