//! The agent loop end to end: a multi-turn implementer session that reads, edits and
//! finishes, against the scripted provider and against each HTTP provider's test server,
//! with every step recorded in a real store.

mod support;

use support::AllowAll;

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
use support::harness::{fast_policy, Harness, ALL};
use support::repo::task_t1;
use support::wire_scripts::{Answer, Call};
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
    }
}
