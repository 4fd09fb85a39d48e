//! The agent loop end to end: a multi-turn implementer session that reads, edits and
//! finishes, against the scripted provider and against each HTTP provider's test server,
//! with every step recorded in a real store.

use crate::support::AllowAll;

use crate::support::harness::{fast_policy, Harness, ALL};
use crate::support::repo::task_t1;
use crate::support::wire_scripts::{Answer, Call};
use conclave::agents::tools::{Confined, ToolBox};
use conclave::agents::{AgentEnd, AgentRun};
use conclave::engine::run_log::RunLog;
use conclave::model::{EventKind, Role, RunId, TranscriptPart};
use conclave::providers::{
    CassetteTurn, PriceTable, ProviderSettings, ResilientClient, ScriptedProvider, TokenUsage,
    ToolCall,
};
use conclave::runner::LocalRunner;
use conclave::store::Store;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

struct Setup {
    _tmp: tempfile::TempDir,
    log: Arc<RunLog>,
    run: RunId,
    worktree: std::path::PathBuf,
    store: Store,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let (_, wt) = task_t1(
        tmp.path(),
        "01TEST",
        &[("calc.py", b"def add(a, b):\n    return a - b\n")],
    );
    let store_dir = tmp.path().join("data");
    let store = Store::open(&store_dir).unwrap();
    let run = RunId::new_at(1);
    let w = store.create_run(run).unwrap();
    Setup {
        log: Arc::new(RunLog::new(w)),
        run,
        worktree: wt.path,
        _tmp: tmp,
        store,
    }
}

fn agent(s: &Setup, client: ResilientClient) -> AgentRun {
    AgentRun {
        agent: "impl-1".into(),
        role: Role::Implementer,
        task: Some("t1".into()),
        client,
        tools: ToolBox {
            confined: Confined::new(&s.worktree).unwrap(),
            role: Role::Implementer,
            runner: Arc::new(LocalRunner::default()),
            gate: Arc::new(AllowAll),
            command_timeout: Duration::from_secs(10),
            output_cap: 4096,
            env_remove: vec![],
            redactor: Arc::new(conclave::secrets::Redactor::default()),
            known_tasks: vec![],
            mcp: Default::default(),
        },
        sink: s.log.clone(),
        max_turns: 10,
        token_budget: 1_000_000,
        max_tokens: 1024,
        context_tokens: u64::MAX,
    }
}

/// The session's events say, in order, what happened.
fn check_events(s: &Setup, end: AgentEnd) {
    assert_eq!(
        end,
        AgentEnd::Finished {
            summary: "fixed add".into()
        }
    );
    assert!(std::fs::read_to_string(s.worktree.join("calc.py"))
        .unwrap()
        .contains("a + b"));
    s.log.flush().unwrap();
    let events = s.store.all_events(s.run).unwrap();
    let count = |name: &str| events.iter().filter(|e| e.kind.name() == name).count();
    assert_eq!(
        (count("ToolCall"), count("ToolResult"), count("Usage")),
        (4, 4, 3)
    );
    // Each turn's text is logged before the turn's usage; results follow their calls.
    let order: Vec<&str> = events
        .iter()
        .map(|e| e.kind.name())
        .filter(|n| *n != "Transcript")
        .collect();
    assert_eq!(order[..3], ["Usage", "ToolCall", "ToolResult"]);
    assert!(events
        .iter()
        .all(|e| !matches!(&e.kind, EventKind::Transcript { text, .. } if text.is_empty())));
    let state = s.log.state();
    let t = &state.transcripts[state.agent_index("impl-1").unwrap()];
    let calls: Vec<(&str, bool)> = t
        .iter()
        .filter_map(|e| e.call.as_ref())
        .map(|c| (c.tool.as_str(), c.result.as_ref().is_some_and(|r| r.ok)))
        .collect();
    assert_eq!(
        calls,
        [
            ("read_file", true),
            ("edit_file", true),
            ("run_command", true),
            ("finish", true)
        ]
    );
    assert!(t
        .iter()
        .any(|e| e.part == TranscriptPart::Text && e.text.contains("I will read")));
    assert_eq!(state.agents[0].usage.requests, 3);
    assert_eq!(state.anomaly_count, 0, "{:?}", state.anomalies);
}

fn turns() -> Vec<(String, Vec<(&'static str, serde_json::Value)>)> {
    vec![
        (
            "I will read calc.py first.".into(),
            vec![("read_file", json!({"path": "calc.py"}))],
        ),
        (
            "The sign is wrong; fixing it and checking.".into(),
            vec![
                (
                    "edit_file",
                    json!({"path": "calc.py", "old": "a - b", "new": "a + b"}),
                ),
                ("run_command", json!({"command": "grep -c 'a + b' calc.py"})),
            ],
        ),
        (
            "Done.".into(),
            vec![("finish", json!({"summary": "fixed add"}))],
        ),
    ]
}

#[tokio::test]
async fn scripted_implementer_reads_edits_and_finishes() {
    let s = setup();
    let cassette: Vec<CassetteTurn> = turns()
        .into_iter()
        .enumerate()
        .map(|(i, (text, calls))| CassetteTurn {
            agent: "impl-1".into(),
            turn: i as u32,
            text,
            thinking: String::new(),
            tool_calls: calls
                .into_iter()
                .enumerate()
                .map(|(j, (name, args))| ToolCall::new(format!("c{i}{j}"), name, args))
                .collect(),
            usage: TokenUsage::known(100, 20, 0),
            stop: None,
            model: None,
            task: Some("t1".into()),
        })
        .collect();
    let settings = ProviderSettings::new(
        "script",
        conclave::providers::ProviderKind::Scripted,
        "cassette",
    );
    let provider = Arc::new(ScriptedProvider::from_turns(settings, "test", cassette));
    let client = ResilientClient::new(
        vec![provider],
        fast_policy(),
        Arc::new(PriceTable::builtin()),
    )
    .unwrap();
    let end = agent(&s, client)
        .run("system", "Fix add".into(), CancellationToken::new())
        .await;
    check_events(&s, end);
}

#[tokio::test]
async fn http_implementer_reads_edits_and_finishes_on_every_wire() {
    for kind in ALL {
        let s = setup();
        let h = Harness::start(kind).await;
        for (i, (text, calls)) in turns().into_iter().enumerate() {
            h.push_answer(&Answer {
                text: vec![text[..4].to_string(), text[4..].to_string()],
                calls: calls
                    .into_iter()
                    .enumerate()
                    .map(|(j, (name, args))| Call::new(&format!("call_{i}{j}"), name, args, 3))
                    .collect(),
                usage: Some((100, 20, 0)),
                ..Answer::default()
            });
        }
        let end = tokio::time::timeout(
            Duration::from_secs(30),
            agent(&s, h.client()).run("system", "Fix add".into(), CancellationToken::new()),
        )
        .await
        .unwrap_or_else(|_| panic!("{kind}: the session hung"));
        check_events(&s, end);
        // The second request carried the first tool's result back.
        let reqs = h.server.requests();
        assert_eq!(reqs.len(), 3, "{kind}");
        assert!(
            reqs[1].body.to_string().contains("def add(a, b)"),
            "{kind}: {}",
            reqs[1].body
        );
        crate::support::request_rules::assert_valid(
            crate::support::request_rules::Wire::of(kind),
            &reqs,
        );
    }
}

/// A long task re-reading an 18 KB file: the history is compacted before each request would
/// pass the profile's window, every request stays under it, the newest output is whole, and
/// what was removed is in the log. Checked on every wire, whose rules the shortened history
/// must still obey (tool results answering the calls of the turn before).
#[tokio::test]
async fn a_long_session_is_compacted_to_stay_under_its_context_window() {
    const WINDOW: u64 = 32_000;
    const READS: usize = 8;
    let line = "let value = compute(alpha, beta, gamma); // keep this line as it is\n";
    let big = line.repeat(18 * 1024 / line.len());
    for kind in ALL {
        let s = setup();
        std::fs::write(s.worktree.join("big.rs"), &big).unwrap();
        let h = Harness::start(kind).await;
        for i in 0..READS {
            h.push_answer(&Answer {
                text: vec![format!("Reading it again ({i}).")],
                calls: vec![Call::new(
                    &format!("call_r{i}"),
                    "read_file",
                    json!({"path": "big.rs"}),
                    3,
                )],
                usage: Some((100, 20, 0)),
                ..Answer::default()
            });
        }
        h.push_answer(&Answer {
            text: vec!["Done.".into()],
            calls: vec![Call::new(
                "call_end",
                "finish",
                json!({"summary": "read it"}),
                2,
            )],
            usage: Some((100, 20, 0)),
            ..Answer::default()
        });
        let mut a = agent(&s, h.client());
        a.max_turns = 20;
        a.context_tokens = WINDOW;
        let end = tokio::time::timeout(
            Duration::from_secs(60),
            a.run("system", "Study big.rs".into(), CancellationToken::new()),
        )
        .await
        .unwrap_or_else(|_| panic!("{kind}: the session hung"));
        assert!(matches!(end, AgentEnd::Finished { .. }), "{kind}: {end:?}");
        let reqs = h.server.requests();
        assert_eq!(reqs.len(), READS + 1, "{kind}");
        // A tokenizer gives about one token per 4 bytes of such text; uncompacted, the last
        // request would be ~150 KB, well over the window.
        for (i, r) in reqs.iter().enumerate() {
            let bytes = r.body.to_string().len() as u64;
            assert!(bytes / 4 <= WINDOW, "{kind}: request {i} is {bytes} bytes");
        }
        let last = reqs.last().unwrap().body.to_string();
        assert!(
            last.contains("[output removed to fit the context window: read_file big.rs gave"),
            "{kind}"
        );
        assert!(
            last.contains("keep this line as it is"),
            "{kind}: the newest read is whole"
        );
        crate::support::request_rules::assert_valid(
            crate::support::request_rules::Wire::of(kind),
            &reqs,
        );
        s.log.flush().unwrap();
        let compacted: Vec<_> = s
            .store
            .events(s.run, 0, None)
            .unwrap()
            .filter_map(|e| match e.unwrap().kind {
                EventKind::Compacted {
                    tokens_before,
                    tokens_after,
                    removed,
                    ..
                } => Some((tokens_before, tokens_after, removed)),
                _ => None,
            })
            .collect();
        assert!(!compacted.is_empty(), "{kind}: a Compacted event is logged");
        for (before, after, removed) in &compacted {
            assert!(
                after < before && *before > WINDOW * 8 / 10,
                "{kind}: {before} → {after}"
            );
            assert!(
                removed.iter().all(|r| r.contains("read_file big.rs")),
                "{kind}: {removed:?}"
            );
        }
    }
}
