//! A whole run over real HTTP to the provider test servers: the strategist speaks OpenAI Chat
//! Completions, impl-1 Anthropic, impl-2 the OpenAI Responses API (a reasoning model, whose
//! reasoning items must come back), the reviewer Gemini. Three tasks (t3 needs t1 and t2), two at
//! once, a failing gate retried, a review asking for changes, a merge conflict resolved by an
//! agent, the land on the user's branch, and the repo's own gate green at the end.

use crate::support::harness::Harness;
use conclave::config::AgentConfig;
use conclave::engine::{self, DriveEnd, RunOptions, Stand};
use conclave::model::{AutonomyLevel, EventKind, Role, RunOutcome, TaskKind, Verdict};
use conclave::providers::ProviderKind;
use conclave::store::Store;
use serde_json::json;
use std::time::Duration;

const MEAN: &str = "        self.assertEqual(calc.mean([1, 2, 3]), 2)\n";
const GATE: &str = "python3 -m unittest -q";

fn resolution(h: &Harness, task: &str) {
    let when = format!("resolve merge conflicts of task {task}");
    let resolved = "import unittest\n\nimport calc\n\n\nclass CalcTest(unittest.TestCase):\n    def test_mean(self):\n        self.assertEqual(calc.mean([1, 2, 3]), 2)\n\n    def test_add(self):\n        self.assertEqual(calc.add(2, 3), 5)\n\n    def test_median(self):\n        self.assertEqual(calc.median([3, 1, 2]), 2)\n        self.assertEqual(calc.median([4, 1, 3, 2]), 2.5)\n";
    h.say(
        &when,
        "Keeping both tests.",
        vec![(
            "write_file",
            json!({"path": "test_calc.py", "content": resolved}),
        )],
    );
    h.say(
        &when,
        "Resolved.",
        vec![("finish", json!({"summary": "kept both tests"}))],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goal_lands_through_four_wires() {
    let openai = Harness::start(ProviderKind::Openai).await;
    let impl1 = Harness::start(ProviderKind::Anthropic).await;
    // gpt-5 answers every step with an encrypted reasoning item; its server refuses one that
    // comes back altered, and any result that answers no call of the input.
    let impl2 = Harness::start(ProviderKind::OpenaiResponses).await;
    // A Gemini 3 reviewer: every step it takes is signed, and its server refuses a history
    // that comes back without the signature.
    let gemini = Harness::start_model(ProviderKind::Gemini, "gemini-3-pro-preview").await;
    // The strategist plans; later it distils lessons.
    let task = |id: &str, title: &str, kind: &str, deps: &[&str]| json!({"id": id, "title": title, "description": title, "kind": kind, "deps": deps, "priority": 1});
    openai.say(
        "Goal:",
        "Three tasks; t3 needs both others.",
        vec![(
            "submit_plan",
            json!({"tasks": [task("t1", "Fix add()", "bugfix", &[]), task("t2", "Add median()", "feature", &[]), task("t3", "Reject empty lists in mean()", "bugfix", &["t1", "t2"])]}),
        )],
    );
    openai.say("Task t1:", "Fix bugs with a test.", vec![]);
    openai.say("Task t2:", "Test even and odd sizes.", vec![]);
    // impl-1: t1 (sent back by the review), the conflict if it merges second, then t3.
    resolution(&impl1, "t1");
    impl1.say(
        "Your task t1:",
        "Fixing the sign.",
        vec![(
            "edit_file",
            json!({"path": "calc.py", "old": "    return a - b\n", "new": "    return a + b\n"}),
        )],
    );
    impl1.say(
        "Your task t1:",
        "Done.",
        vec![("finish", json!({"summary": "fixed add"}))],
    );
    impl1.say(
        "Your task t1:",
        "Adding the test.",
        vec![(
            "edit_file",
            json!({"path": "test_calc.py", "old": MEAN, "new": format!("{MEAN}\n    def test_add(self):\n        self.assertEqual(calc.add(2, 3), 5)\n")}),
        )],
    );
    impl1.say(
        "Your task t1:",
        "Done.",
        vec![("finish", json!({"summary": "fixed add, tested"}))],
    );
    impl1.say(
        "Your task t3:",
        "Following the TODO.",
        vec![(
            "edit_file",
            json!({"path": "calc.py", "old": "    # TODO: an empty list raises ZeroDivisionError; raise ValueError instead\n", "new": "    if not values:\n        raise ValueError(\"empty\")\n"}),
        )],
    );
    impl1.say(
        "Your task t3:",
        "Done.",
        vec![("finish", json!({"summary": "mean rejects []"}))],
    );
    // impl-2: t2, whose first median fails the gate.
    resolution(&impl2, "t2");
    impl2.say(
        "Your task t2:",
        "Adding median.",
        vec![
            (
                "edit_file",
                json!({"path": "calc.py", "old": "    return sum(values) / len(values)\n", "new": "    return sum(values) / len(values)\n\n\ndef median(values):\n    ordered = sorted(values)\n    return ordered[len(ordered) // 2]\n"}),
            ),
            (
                "edit_file",
                json!({"path": "test_calc.py", "old": MEAN, "new": format!("{MEAN}\n    def test_median(self):\n        self.assertEqual(calc.median([3, 1, 2]), 2)\n        self.assertEqual(calc.median([4, 1, 3, 2]), 2.5)\n")}),
            ),
        ],
    );
    impl2.say(
        "Your task t2:",
        "Done.",
        vec![("finish", json!({"summary": "median"}))],
    );
    impl2.say(
        "Your task t2:",
        "Even counts average the middle pair.",
        vec![(
            "edit_file",
            json!({"path": "calc.py", "old": "    return ordered[len(ordered) // 2]\n", "new": "    mid = len(ordered) // 2\n    if len(ordered) % 2 == 0:\n        return (ordered[mid - 1] + ordered[mid]) / 2\n    return ordered[mid]\n"}),
        )],
    );
    impl2.say(
        "Your task t2:",
        "Done.",
        vec![("finish", json!({"summary": "median fixed"}))],
    );
    // The reviewer: t1 needs a test first.
    let review = |v: &str| {
        vec![(
            "submit_review",
            json!({"verdict": v, "summary": v, "comments": [{"path": "test_calc.py", "line": 8, "body": "test add()"}]}),
        )]
    };
    gemini.say(
        "Your task t1:",
        "No test for add().",
        review("request_changes"),
    );
    gemini.say("Your task t1:", "Good now.", review("approve"));
    gemini.say(
        "Your task t2:",
        "Reading the result first.",
        vec![("read_file", json!({"path": "calc.py"}))],
    );
    gemini.say("Your task t2:", "Good.", review("approve"));
    gemini.say("Your task t3:", "Good.", review("approve"));

    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("calc");
    conclave::demo::sample::create(&repo).unwrap();
    let mut config = conclave::config::load(&conclave::config::ConfigSources {
        user_file: None,
        user_file_required: false,
        repo: Some(repo.clone()),
    })
    .unwrap()
    .config;
    config.providers.clear();
    for (name, h) in [
        ("plan", &openai),
        ("impl-a", &impl1),
        ("impl-b", &impl2),
        ("review", &gemini),
    ] {
        config.providers.insert(name.into(), h.profile());
    }
    let agent = |name: &str, role, provider: &str, skills: Vec<TaskKind>| AgentConfig {
        name: name.into(),
        role,
        provider: provider.into(),
        fallback: vec![],
        skills,
        max_tasks: 1,
    };
    config.agents = vec![
        agent("strategist", Role::Strategist, "plan", vec![]),
        agent(
            "impl-1",
            Role::Implementer,
            "impl-a",
            vec![TaskKind::Bugfix, TaskKind::Feature],
        ),
        agent(
            "impl-2",
            Role::Implementer,
            "impl-b",
            vec![TaskKind::Bugfix, TaskKind::Feature],
        ),
        agent("reviewer", Role::Reviewer, "review", vec![]),
    ];
    config.run.level = AutonomyLevel::SemiAutonomous;
    let data = dir.path().join("data");
    let store = Store::open(&data).unwrap();
    let opts = RunOptions {
        config,
        data_dir: data.clone(),
        stand: Stand::Approve,
        watcher: None,
    };
    let h = engine::start(&store, &repo, "fix and extend calc", opts).unwrap();
    let end = tokio::time::timeout(Duration::from_secs(120), h.driver)
        .await
        .expect("the run hung")
        .unwrap();
    let events = store.all_events(h.run).unwrap();
    let names: Vec<String> = events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Transcript { .. }))
        .map(|e| format!("{:?}", e.kind).chars().take(160).collect())
        .collect();
    assert_eq!(end, DriveEnd::Finished(RunOutcome::Finished), "{names:#?}");

    let providers: std::collections::BTreeSet<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Usage { provider, .. } => Some(provider.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        providers.into_iter().collect::<Vec<_>>(),
        ["impl-a", "impl-b", "plan", "review"]
    );
    let seq = |pred: &dyn Fn(&EventKind) -> bool| {
        events
            .iter()
            .find(|e| pred(&e.kind))
            .map(|e| e.seq)
            .unwrap()
    };
    let running = |t: &'static str| move |k: &EventKind| matches!(k, EventKind::TaskStatus { task, status: conclave::model::TaskStatus::Running } if task == t);
    let done = |t: &'static str| move |k: &EventKind| matches!(k, EventKind::TaskStatus { task, status: conclave::model::TaskStatus::Done } if task == t);
    assert!(
        seq(&running("t2")) < seq(&done("t1")) && seq(&running("t1")) < seq(&done("t2")),
        "t1 and t2 ran at once"
    );
    assert!(
        seq(&running("t3")) > seq(&done("t1")).max(seq(&done("t2"))),
        "t3 waited for both"
    );
    assert!(events.iter().any(
        |e| matches!(&e.kind, EventKind::GateResult { task, passed: false, .. } if task == "t2")
    ));
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::Review { task, verdict: Verdict::RequestChanges, .. } if task == "t1")));
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::MergeResult { ok: false, conflicts, .. } if conflicts == &["test_calc.py".to_string()])));
    assert!(events
        .iter()
        .any(|e| matches!(&e.kind, EventKind::Landed { branch, .. } if branch == "main")));
    // The reviewer's second step went out with the first step's signature on its call, and
    // a cassette made from the log keeps it.
    let reviews: Vec<_> = gemini
        .server
        .requests()
        .into_iter()
        .filter(|r| r.raw_body.contains("Reading the result first."))
        .collect();
    assert_eq!(reviews.len(), 1, "one request carried the read back");
    assert!(reviews[0].raw_body.contains("thoughtSignature"));
    let turns = conclave::providers::cassette_from_events(&events);
    let signed = turns
        .iter()
        .filter(|t| t.agent == "reviewer")
        .flat_map(|t| &t.tool_calls)
        .filter(|c| c.signature.is_some())
        .count();
    assert!(signed >= 4, "every reviewer step is signed: {signed}");
    // impl-2's later steps carried each earlier step's reasoning item back, in front of its
    // calls, and never asked the server for stored state.
    let responses = impl2.server.requests();
    assert!(responses.len() >= 4, "{}", responses.len());
    for r in &responses {
        assert_eq!(r.target, "/v1/responses");
        assert_eq!(r.body["store"], false);
        assert!(r.body.get("previous_response_id").is_none());
    }
    let carried = responses
        .iter()
        .filter(|r| {
            let input = r.body["input"].as_array().cloned().unwrap_or_default();
            input.windows(2).any(|w| {
                w[0]["type"] == "reasoning"
                    && w[0]["encrypted_content"].is_string()
                    && matches!(w[1]["type"].as_str(), Some("function_call") | None)
            })
        })
        .count();
    assert!(carried >= 2, "reasoning went back in {carried} requests");
    // Every request of the run, on all four wires, keeps each provider's published rules.
    use crate::support::request_rules::{assert_valid, Wire};
    assert_valid(Wire::ChatCompletions, &openai.server.requests());
    assert_valid(Wire::Anthropic, &impl1.server.requests());
    assert_valid(Wire::Responses, &responses);
    assert_valid(Wire::Gemini, &gemini.server.requests());
    let gate = std::process::Command::new("sh")
        .args(["-c", GATE])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(
        gate.status.success(),
        "{}",
        String::from_utf8_lossy(&gate.stderr)
    );
}
