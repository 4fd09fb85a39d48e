//! The offline provider and cassettes: replaying turns per agent, a clear error when a
//! cassette runs out, and the round trip run events -> cassette -> replay.

use crate::support::harness::fast_policy;
use crate::support::*;
use conclave::model::{CollectingSink, EventSink};
use conclave::model::{Event, EventKind, RunId, TranscriptPart};
use conclave::providers::{
    cassette_from_events, read_cassette, write_cassette, CassetteTurn, Delta, PriceTable,
    ProviderKind, ProviderSettings, ResilientClient, StopReason, TokenUsage, ToolCall,
};
use serde_json::json;
use std::sync::{Arc, Mutex};

const CASSETTE: &str = r#"{"conclave_cassette":1}
{"agent":"impl-1","turn":1,"text":"Done: add() now adds.","usage":{"input_tokens":900,"output_tokens":12},"model":"gpt-4o"}
{"agent":"strategist","turn":0,"text":"Plan: one task.","tool_calls":[{"id":"p1","name":"submit_plan","args":{"tasks":[{"id":"t1","title":"Fix add","kind":"bugfix","deps":[],"priority":1}]}}],"usage":{"input_tokens":300,"output_tokens":40,"cached_tokens":100},"stop":"tool_use"}
{"agent":"impl-1","turn":0,"thinking":"The bug is a minus sign; I should read the file first.","text":"I will read calc.py — then fix add() ✓","tool_calls":[{"id":"c1","name":"read_file","args":{"path":"calc.py"}},{"id":"c2","name":"edit_file","args":{"path":"calc.py","old":"a - b","new":"a + b"}}],"usage":{"input_tokens":812,"output_tokens":96,"cached_tokens":0},"model":"gpt-4o"}
"#;

fn scripted(path: &std::path::Path) -> ResilientClient {
    let mut s = ProviderSettings::new("demo", ProviderKind::Scripted, "scripted-model");
    s.cassette = Some(path.to_path_buf());
    ResilientClient::from_settings(vec![s], fast_policy(), Arc::new(PriceTable::builtin())).unwrap()
}

fn cassette_file(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), text).unwrap();
    f
}

#[tokio::test]
async fn turns_are_served_per_agent_in_order_and_streamed_in_pieces() {
    let file = cassette_file(CASSETTE);
    let client = scripted(file.path());
    let sink = Arc::new(CollectingSink::new());
    let out = drain(client.stream(request(), meta(), sink.clone())).await;
    let turn = out.turn();
    assert_eq!(turn.text, "I will read calc.py — then fix add() ✓");
    assert!(turn.thinking.starts_with("The bug is a minus sign"));
    assert_eq!(turn.tool_calls.len(), 2);
    assert_eq!(
        turn.tool_calls[1].args,
        json!({"path": "calc.py", "old": "a - b", "new": "a + b"})
    );
    let c = turn.completion.as_ref().unwrap();
    assert_eq!(
        (c.stop.clone(), c.usage),
        (StopReason::ToolUse, TokenUsage::known(812, 96, 0))
    );
    let text_pieces = out
        .deltas
        .iter()
        .filter(|d| matches!(d, Delta::Text { .. }))
        .count();
    assert!(text_pieces >= 2, "text streams in small deltas");
    let EventKind::Usage {
        cost_usd,
        provider,
        model,
        ..
    } = &usage_events(&sink.events())[0]
    else {
        panic!()
    };
    assert_eq!((provider.as_str(), model.as_str()), ("demo", "gpt-4o"));
    assert!((cost_usd - (812.0 * 2.5 + 96.0 * 10.0) / 1e6).abs() < 1e-12);

    // The strategist's turns are its own; impl-1 continues with its turn 1.
    let plan =
        drain(client.stream(request(), CallMeta::new("strategist", None), sink.clone())).await;
    assert_eq!(plan.turn().tool_calls[0].name, "submit_plan");
    assert_eq!(
        plan.turn().completion.as_ref().unwrap().model,
        "scripted-model"
    );
    let second = drain(client.stream(request(), meta(), sink.clone())).await;
    assert_eq!(second.turn().text, "Done: add() now adds.");
    assert_eq!(
        second.turn().completion.as_ref().unwrap().stop,
        StopReason::EndTurn
    );
}

use conclave::providers::CallMeta;

#[tokio::test]
async fn an_exhausted_cassette_is_a_clear_error() {
    let file = cassette_file(CASSETTE);
    let client = scripted(file.path());
    let sink = Arc::new(CollectingSink::new());
    for _ in 0..2 {
        drain(client.stream(request(), meta(), sink.clone()))
            .await
            .turn();
    }
    let out = drain(client.stream(request(), meta(), sink.clone())).await;
    let e = out.result.unwrap_err().to_string();
    assert!(
        e.contains("impl-1")
            && e.contains("served 2")
            && e.contains(&file.path().display().to_string()),
        "{e}"
    );
    assert_eq!(provider_errors(&sink.events()).len(), 1, "not retried");
    let unknown = drain(client.stream(request(), CallMeta::new("reviewer", None), sink)).await;
    assert!(unknown
        .result
        .unwrap_err()
        .to_string()
        .contains("`reviewer`"));
}

#[tokio::test]
async fn broken_cassettes_are_named_with_their_line() {
    let file = cassette_file("{\"agent\":\"a\",\"turn\":0}\n{\"agent\":\"a\"}\n");
    let mut s = ProviderSettings::new("demo", ProviderKind::Scripted, "m");
    s.cassette = Some(file.path().to_path_buf());
    let e = conclave::providers::connect(s.clone())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2") && e.contains("turn"), "{e}");
    s.cassette = Some("/nonexistent/cassette.jsonl".into());
    let e = conclave::providers::connect(s.clone())
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/cassette.jsonl"), "{e}");
    s.cassette = None;
    assert!(conclave::providers::connect(s)
        .unwrap_err()
        .to_string()
        .contains("cassette"));
}

/// What the engine would log for one streamed call: coalesced transcript parts, tool calls,
/// and the Usage event the resilient layer emits.
struct Log {
    run: RunId,
    events: Mutex<Vec<Event>>,
}

impl Log {
    fn push(&self, kind: EventKind) {
        let mut ev = self.events.lock().unwrap();
        let seq = ev.len() as u64;
        ev.push(Event {
            run: self.run,
            seq,
            at_ms: 1_700_000_000_000 + seq,
            kind,
        });
    }
}

impl Log {
    fn usage_count(&self) -> usize {
        let ev = self.events.lock().unwrap();
        ev.iter()
            .filter(|e| matches!(e.kind, EventKind::Usage { .. }))
            .count()
    }
}

impl EventSink for Log {
    fn emit(&self, kind: EventKind) {
        self.push(kind)
    }
}

async fn run_agent(client: &ResilientClient, log: &Arc<Log>, agent: &str, task: Option<&str>) {
    use futures::StreamExt;
    let m = CallMeta::new(agent, task.map(str::to_string));
    let mut stream = client.stream(request(), m, log.clone());
    // Events are logged as deltas arrive, as the engine does; Usage follows Done.
    let mut usage_at_done = None;
    while let Some(d) = stream.next().await {
        let task = task.map(str::to_string);
        match d.unwrap() {
            Delta::Text { text } => log.push(EventKind::Transcript {
                agent: agent.into(),
                task,
                part: TranscriptPart::Text,
                text,
            }),
            Delta::Thinking { text } => log.push(EventKind::Transcript {
                agent: agent.into(),
                task,
                part: TranscriptPart::Thinking,
                text,
            }),
            Delta::ToolCall {
                call:
                    ToolCall {
                        id,
                        name,
                        args,
                        signature,
                    },
            } => {
                log.push(EventKind::ToolCall {
                    call: id.clone(),
                    agent: agent.into(),
                    task,
                    tool: name,
                    args,
                    signature,
                });
                log.push(EventKind::ToolResult {
                    call: id,
                    ok: true,
                    output: "ok".into(),
                    ms: 1,
                });
            }
            Delta::Done { .. } => usage_at_done = Some(log.usage_count()),
            Delta::Restart { .. } => panic!("no restarts offline"),
        }
    }
    let at_done = usage_at_done.expect("the call completed");
    assert_eq!(
        log.usage_count(),
        at_done + 1,
        "Usage is emitted after the caller has Done"
    );
}

#[tokio::test]
async fn run_events_become_a_cassette_that_replays_the_same_turns() {
    let file = cassette_file(CASSETTE);
    let client = scripted(file.path());
    let log = Arc::new(Log {
        run: RunId::new_at(1_700_000_000_000),
        events: Mutex::new(Vec::new()),
    });
    run_agent(&client, &log, "impl-1", Some("t1")).await;
    run_agent(&client, &log, "strategist", None).await;
    run_agent(&client, &log, "impl-1", Some("t1")).await;
    // A call that never completed leaves no turn behind.
    log.push(EventKind::Transcript {
        agent: "impl-1".into(),
        task: None,
        part: TranscriptPart::Text,
        text: "cut off".into(),
    });
    let events = log.events.lock().unwrap().clone();

    let rebuilt = cassette_from_events(&events);
    let original = conclave::providers::parse_cassette(CASSETTE, "x").unwrap();
    let key = |t: &CassetteTurn| (t.agent.clone(), t.turn);
    let mut want = original.clone();
    want.sort_by_key(key);
    let mut got = rebuilt.clone();
    got.sort_by_key(key);
    assert_eq!(got.len(), 3);
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(
            (&g.agent, g.turn, &g.text, &g.thinking, &g.tool_calls),
            (&w.agent, w.turn, &w.text, &w.thinking, &w.tool_calls)
        );
        assert_eq!(g.stop_reason(), w.stop_reason());
        assert_eq!(g.usage.input_tokens, w.usage.input_tokens);
        assert_eq!(g.usage.output_tokens, w.usage.output_tokens);
    }
    assert_eq!(got[0].task.as_deref(), Some("t1"));

    // Through a file and back, then replayed: the same turns stream again.
    let out_file = tempfile::NamedTempFile::new().unwrap();
    write_cassette(out_file.path(), &rebuilt).unwrap();
    assert_eq!(read_cassette(out_file.path()).unwrap(), rebuilt);
    let replay = scripted(out_file.path());
    let again = drain(replay.stream(request(), meta(), Arc::new(CollectingSink::new()))).await;
    assert_eq!(again.turn().text, "I will read calc.py — then fix add() ✓");
    assert_eq!(again.turn().tool_calls.len(), 2);
}

/// `demo --speed` paces the recording: the same turn, the same pieces, each after its pause
/// (a lower bound only: a loaded machine makes it slower, never faster).
#[tokio::test]
async fn a_paced_cassette_streams_the_same_pieces_each_after_its_pause() {
    let file = cassette_file(CASSETTE);
    let fast =
        drain(scripted(file.path()).stream(request(), meta(), Arc::new(CollectingSink::new())))
            .await;
    let mut s = ProviderSettings::new("demo", ProviderKind::Scripted, "scripted-model");
    s.cassette = Some(file.path().to_path_buf());
    s.pace = std::time::Duration::from_millis(5);
    let paced_client =
        ResilientClient::from_settings(vec![s], fast_policy(), Arc::new(PriceTable::builtin()))
            .unwrap();
    let started = std::time::Instant::now();
    let paced =
        drain(paced_client.stream(request(), meta(), Arc::new(CollectingSink::new()))).await;
    let took = started.elapsed();
    assert_eq!(paced.turn().text, fast.turn().text);
    assert_eq!(paced.deltas.len(), fast.deltas.len());
    let least = std::time::Duration::from_millis(5 * (10 + paced.deltas.len() as u64 - 1));
    assert!(took >= least, "{took:?} < {least:?}: not paced");
}
