//! Each HTTP wire end to end over real sockets: text and tool calls arrive intact whatever
//! the chunk boundaries, usage and cost are right, and requests have the exact shape of
//! providers.md (headers, keys, bodies, multi-turn tool results). The Responses wire's own
//! tests are in `providers_wire/responses.rs`.

#[path = "providers_wire/request_rules.rs"]
mod request_rules;
#[path = "providers_wire/responses.rs"]
mod responses;

use crate::support::harness::{rich_answer, Harness, ALL};
use crate::support::request_rules::Wire;
use crate::support::wire_scripts::Answer;
use crate::support::*;
use conclave::model::CollectingSink;
use conclave::model::EventKind;
use conclave::providers::{
    Delta, Message, PriceTable, ProviderKind, StopReason, TokenUsage, ToolCall,
};
use serde_json::{json, Value};
use std::sync::Arc;

#[tokio::test]
async fn text_and_tool_calls_arrive_intact_on_every_wire() {
    for kind in ALL {
        let h = Harness::start(kind).await;
        let answer = rich_answer();
        // Several calls per stream and several streams, so random piece sizes vary.
        for _ in 0..3 {
            h.push_answer(&answer);
            let sink = Arc::new(CollectingSink::new());
            let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
            let turn = out.turn();
            assert_eq!(turn.text, answer.text.concat(), "{kind}");
            let calls: Vec<(&str, Value)> = turn
                .tool_calls
                .iter()
                .map(|c| (c.name.as_str(), c.args.clone()))
                .collect();
            let want: Vec<(&str, Value)> = answer
                .calls
                .iter()
                .map(|c| (c.name.as_str(), serde_json::from_str(&c.args).unwrap()))
                .collect();
            assert_eq!(calls, want, "{kind}");
            let ids: Vec<&str> = turn.tool_calls.iter().map(|c| c.id.as_str()).collect();
            if kind == ProviderKind::Gemini {
                // Gemini sends no ids: they are made up, distinct, and stable per request.
                assert!(ids.iter().all(|i| !i.is_empty()), "{ids:?}");
                assert_eq!(
                    ids.len(),
                    ids.iter().collect::<std::collections::HashSet<_>>().len()
                );
            } else {
                assert_eq!(ids, ["call_a1", "call_b2", "call_c3"], "{kind}");
            }
            let c = turn.completion.as_ref().expect("completion");
            assert_eq!(c.stop, StopReason::ToolUse, "{kind}");
            assert_eq!(c.usage, TokenUsage::known(812, 96, 200), "{kind}");
            assert_eq!(c.provider, h.settings.name);
            assert_eq!(out.restarts(), 0);
            assert!(
                out.deltas
                    .iter()
                    .filter(|d| matches!(d, Delta::Text { .. }))
                    .count()
                    >= 3,
                "text streams in pieces"
            );
        }
        crate::support::request_rules::assert_valid(Wire::of(kind), &h.server.requests());
    }
}

#[tokio::test]
async fn gemini_ids_are_stable_for_the_same_request() {
    let h = Harness::start(ProviderKind::Gemini).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        h.push_answer(&rich_answer());
        let out = drain(
            h.client()
                .stream(request(), meta(), Arc::new(CollectingSink::new())),
        )
        .await;
        ids.push(
            out.turn()
                .tool_calls
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(ids[0], ids[1]);
}

#[tokio::test]
async fn usage_event_has_tokens_and_cost_from_the_price_table() {
    let prices = PriceTable::builtin();
    for kind in ALL {
        let h = Harness::start(kind).await;
        h.push_answer(&rich_answer());
        let sink = Arc::new(CollectingSink::new());
        drain(h.client().stream(request(), meta(), sink.clone()))
            .await
            .turn();
        let usage = usage_events(&sink.events());
        assert_eq!(
            usage.len(),
            1,
            "{kind}: exactly one Usage per completed call"
        );
        let EventKind::Usage {
            agent,
            task,
            provider,
            model,
            input_tokens,
            output_tokens,
            cached_tokens,
            cost_usd,
            ..
        } = &usage[0]
        else {
            unreachable!()
        };
        assert_eq!((agent.as_str(), task.as_deref()), ("impl-1", Some("t1")));
        assert_eq!(provider, &h.settings.name);
        assert_eq!(
            (*input_tokens, *output_tokens, *cached_tokens),
            (812, 96, 200),
            "{kind}"
        );
        let want = match prices.price(model) {
            Some(p) => {
                (612.0 * p.input + 200.0 * p.cached_input.unwrap_or(p.input) + 96.0 * p.output)
                    / 1e6
            }
            None => 0.0, // a local model has no price
        };
        assert!(
            (cost_usd - want).abs() < 1e-12,
            "{kind}: {cost_usd} vs {want}"
        );
        if kind == ProviderKind::Openai {
            let want = (612.0 * 2.50 + 200.0 * 1.25 + 96.0 * 10.00) / 1e6;
            assert!((cost_usd - want).abs() < 1e-12);
        }
    }
}

#[tokio::test]
async fn missing_usage_is_unknown_not_zero() {
    let h = Harness::start(ProviderKind::OpenaiCompatible).await;
    h.push_answer(&Answer {
        text: vec!["hi".into()],
        usage: None,
        ..Answer::default()
    });
    let out = drain(
        h.client()
            .stream(request(), meta(), Arc::new(CollectingSink::new())),
    )
    .await;
    let c = out.turn().completion.clone().unwrap();
    assert!(c.usage.is_unknown(), "{:?}", c.usage);
    assert_eq!(c.stop, StopReason::EndTurn);
}

#[tokio::test]
async fn thinking_arrives_apart_from_text() {
    for kind in [
        ProviderKind::OpenaiCompatible,
        ProviderKind::OpenaiResponses,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
    ] {
        let h = Harness::start(kind).await;
        h.push_answer(&Answer {
            thinking: vec!["The bug is ".into(), "a minus sign.".into()],
            text: vec!["Fixed.".into()],
            usage: Some((5, 5, 0)),
            ..Answer::default()
        });
        let out = drain(
            h.client()
                .stream(request(), meta(), Arc::new(CollectingSink::new())),
        )
        .await;
        assert_eq!(out.turn().thinking, "The bug is a minus sign.", "{kind}");
        assert_eq!(out.turn().text, "Fixed.", "{kind}");
    }
}

/// A second turn: the assistant's calls and their results go back to the model.
fn multi_turn() -> conclave::providers::ChatRequest {
    let mut req = request();
    req.messages.push(Message::Assistant {
        text: "Reading it.".into(),
        tool_calls: vec![
            ToolCall::new("toolu_01", "read_file", json!({"path": "calc.py"})),
            ToolCall::new("toolu_02", "read_file", json!({"path": "nope.py"})),
        ],
        text_signature: None,
        reasoning: vec![],
    });
    req.messages.push(Message::ToolResult {
        call_id: "toolu_01".into(),
        tool_name: "read_file".into(),
        content: "1: def add(a, b):".into(),
        is_error: false,
    });
    req.messages.push(Message::ToolResult {
        call_id: "toolu_02".into(),
        tool_name: "read_file".into(),
        content: "no such file".into(),
        is_error: true,
    });
    req
}

async fn one_request(kind: ProviderKind) -> crate::support::provider_server::Recorded {
    let h = Harness::start(kind).await;
    h.push_answer(&crate::support::harness::short_answer("ok"));
    drain(
        h.client()
            .stream(multi_turn(), meta(), Arc::new(CollectingSink::new())),
    )
    .await
    .turn();
    let reqs = h.server.requests();
    assert_eq!(reqs.len(), 1);
    crate::support::request_rules::assert_valid(Wire::of(kind), &reqs);
    reqs[0].clone()
}

#[tokio::test]
async fn openai_request_shape() {
    let r = one_request(ProviderKind::Openai).await;
    assert_eq!(r.target, "/v1/chat/completions");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let b = &r.body;
    assert_eq!(b["model"], "gpt-4o");
    assert_eq!(b["stream"], true);
    assert_eq!(b["stream_options"], json!({"include_usage": true}));
    assert_eq!(b["tool_choice"], "auto");
    assert_eq!(
        b["tools"][0],
        json!({"type": "function", "function": {"name": "read_file",
        "description": "Read a file of the worktree with line numbers.",
        "parameters": tools()[0].parameters}})
    );
    let m = b["messages"].as_array().unwrap();
    assert_eq!(
        m[0],
        json!({"role": "system", "content": "You are the implementer."})
    );
    assert_eq!(
        m[1],
        json!({"role": "user", "content": "Task t1: fix add() in calc.py"})
    );
    assert_eq!(m[2]["role"], "assistant");
    assert_eq!(m[2]["content"], "Reading it.");
    assert_eq!(
        m[2]["tool_calls"][0],
        json!({"id": "toolu_01", "type": "function",
        "function": {"name": "read_file", "arguments": "{\"path\":\"calc.py\"}"}})
    );
    assert_eq!(
        m[3],
        json!({"role": "tool", "tool_call_id": "toolu_01", "content": "1: def add(a, b):"})
    );
    assert_eq!(m[4]["tool_call_id"], "toolu_02");
    assert!(m[4]["content"].as_str().unwrap().contains("no such file"));
}

#[tokio::test]
async fn compatible_sends_no_authorization_without_a_key() {
    let r = one_request(ProviderKind::OpenaiCompatible).await;
    assert_eq!(r.target, "/v1/chat/completions");
    assert!(r.header("authorization").is_none(), "{:?}", r.headers);
    assert_eq!(r.body["model"], "qwen2.5-coder:7b");
    assert_eq!(r.body["max_tokens"], 1024);
}

#[tokio::test]
async fn compatible_sends_a_key_when_one_is_set() {
    let mut h = Harness::start(ProviderKind::OpenaiCompatible).await;
    h.settings.api_key_env = Some(KEY_ENV.into());
    h.push_answer(&crate::support::harness::short_answer("ok"));
    drain(
        h.client()
            .stream(request(), meta(), Arc::new(CollectingSink::new())),
    )
    .await
    .turn();
    let r = &h.server.requests()[0];
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn anthropic_request_shape() {
    let r = one_request(ProviderKind::Anthropic).await;
    assert_eq!(r.target, "/v1/messages");
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert!(r.header("authorization").is_none());
    let b = &r.body;
    assert_eq!(b["model"], "claude-sonnet-4-5");
    assert_eq!(b["max_tokens"], 1024);
    assert_eq!(b["stream"], true);
    assert_eq!(b["system"], "You are the implementer.");
    assert_eq!(
        b["tools"][1],
        json!({"name": "edit_file",
        "description": "Replace exactly one occurrence of old with new.",
        "input_schema": tools()[1].parameters})
    );
    let m = b["messages"].as_array().unwrap();
    assert_eq!(
        m.len(),
        3,
        "user, assistant, one user message with both results"
    );
    assert_eq!(
        m[0],
        json!({"role": "user", "content": "Task t1: fix add() in calc.py"})
    );
    assert_eq!(
        m[1],
        json!({"role": "assistant", "content": [
        {"type": "text", "text": "Reading it."},
        {"type": "tool_use", "id": "toolu_01", "name": "read_file", "input": {"path": "calc.py"}},
        {"type": "tool_use", "id": "toolu_02", "name": "read_file", "input": {"path": "nope.py"}}]})
    );
    assert_eq!(
        m[2],
        json!({"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_01", "content": "1: def add(a, b):", "is_error": false},
        {"type": "tool_result", "tool_use_id": "toolu_02", "content": "no such file", "is_error": true}]})
    );
}

#[tokio::test]
async fn gemini_request_shape() {
    let r = one_request(ProviderKind::Gemini).await;
    assert_eq!(
        r.target,
        "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    );
    assert!(
        !r.target.contains("key="),
        "the key must never be in the URL"
    );
    assert_eq!(r.header("x-goog-api-key"), Some(KEY));
    assert!(r.header("authorization").is_none());
    let b = &r.body;
    assert_eq!(
        b["systemInstruction"],
        json!({"parts": [{"text": "You are the implementer."}]})
    );
    assert_eq!(b["generationConfig"], json!({"maxOutputTokens": 1024}));
    // Parameters in Gemini's documented Schema form: its type names, no JSON-Schema-only
    // fields such as additionalProperties (the test server refuses those, as the API does).
    assert_eq!(
        b["tools"][0]["functionDeclarations"][0],
        json!({"name": "read_file",
        "description": "Read a file of the worktree with line numbers.", "parameters": {
            "type": "OBJECT", "required": ["path"], "properties": {"path": {"type": "STRING"},
            "start_line": {"type": "INTEGER"}, "end_line": {"type": "INTEGER"}}}})
    );
    let c = b["contents"].as_array().unwrap();
    assert_eq!(
        c[0],
        json!({"role": "user", "parts": [{"text": "Task t1: fix add() in calc.py"}]})
    );
    // Ids the API never gave are not sent back; real ones (here toolu_*) are echoed.
    assert_eq!(c[1]["role"], "model");
    assert_eq!(c[1]["parts"][0], json!({"text": "Reading it."}));
    assert_eq!(c[1]["parts"][1]["functionCall"]["name"], "read_file");
    assert_eq!(
        c[1]["parts"][1]["functionCall"]["args"],
        json!({"path": "calc.py"})
    );
    assert_eq!(c[2]["role"], "user");
    assert_eq!(c[2]["parts"][0]["functionResponse"]["name"], "read_file");
    assert_eq!(
        c[2]["parts"][0]["functionResponse"]["response"],
        json!({"content": "1: def add(a, b):"})
    );
    assert_eq!(
        c[2]["parts"][1]["functionResponse"]["response"],
        json!({"error": "no such file"})
    );
}

#[tokio::test]
async fn profile_without_base_url_or_key_fails_clearly() {
    init_keys();
    let s =
        conclave::providers::ProviderSettings::new("local", ProviderKind::OpenaiCompatible, "m");
    let e = conclave::providers::connect(s).unwrap_err().to_string();
    assert!(e.contains("local") && e.contains("base_url"), "{e}");

    let mut h = Harness::start(ProviderKind::Anthropic).await;
    h.settings.api_key_env = Some(UNSET_ENV.into());
    let sink = Arc::new(CollectingSink::new());
    let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
    let e = out.result.unwrap_err().to_string();
    assert!(e.contains(UNSET_ENV), "{e}");
    assert!(
        h.server.requests().is_empty(),
        "nothing is sent without a key"
    );
    assert_eq!(
        provider_errors(&sink.events()).len(),
        1,
        "reported once, not retried"
    );
}

#[test]
fn the_test_server_cuts_at_every_awkward_boundary() {
    use rand::SeedableRng;
    let body = "data: {\"t\":\"é→🦀\"}\r\n\r\n".as_bytes();
    let rng = std::sync::Mutex::new(rand::rngs::StdRng::seed_from_u64(1));
    let cuts = crate::support::provider_server::split_points(body, &rng);
    for (i, w) in body.windows(2).enumerate() {
        if w[0] == b'\r' {
            assert!(cuts.contains(&(i + 1)), "a cut between \\r and \\n at {i}");
        }
    }
    let text = std::str::from_utf8(body).unwrap();
    let inside_chars = cuts
        .iter()
        .filter(|&&c| c < body.len() && !text.is_char_boundary(c))
        .count();
    assert!(
        inside_chars >= 3,
        "cuts inside each multi-byte character: {cuts:?}"
    );
}

/// The history a second Gemini request sends after `turn`: the model's turn as it came, then
/// each call's result.
fn after(turn: &conclave::providers::Turn) -> conclave::providers::ChatRequest {
    let mut req = request();
    req.messages.push(turn.to_message());
    for c in &turn.tool_calls {
        req.messages.push(Message::ToolResult {
            call_id: c.id.clone(),
            tool_name: c.name.clone(),
            content: "1: def add(a, b):".into(),
            is_error: false,
        });
    }
    req
}

const GEMINI_3: &str = "gemini-3-pro-preview";

#[tokio::test]
async fn gemini_3_thought_signatures_go_back_on_the_calls_they_came_on() {
    let h = Harness::start_model(ProviderKind::Gemini, GEMINI_3).await;
    h.push_answer(&rich_answer());
    let sink = Arc::new(CollectingSink::new());
    let first = drain(h.client().stream(request(), meta(), sink)).await;
    let turn = first.turn().clone();
    // Parallel calls: the first of the step is signed, the others are not.
    let sigs: Vec<Option<&str>> = turn
        .tool_calls
        .iter()
        .map(|c| c.signature.as_deref())
        .collect();
    assert!(sigs[0].is_some_and(|s| !s.is_empty()), "{sigs:?}");
    assert_eq!(&sigs[1..], &[None, None]);
    h.push_answer(&crate::support::harness::short_answer("ok"));
    let second = drain(
        h.client()
            .stream(after(&turn), meta(), Arc::new(CollectingSink::new())),
    )
    .await;
    assert!(second.result.is_ok(), "{:?}", second.result.err());
    let sent = &h.server.requests()[1].body["contents"][1]["parts"];
    assert_eq!(sent[0], json!({"text": turn.text}));
    assert_eq!(sent[1]["thoughtSignature"], json!(sigs[0].unwrap()));
    assert_eq!(sent[1]["functionCall"]["name"], "read_file");
    assert!(sent[2].get("thoughtSignature").is_none());
}

#[tokio::test]
async fn gemini_3_refuses_a_history_that_dropped_a_signature() {
    let h = Harness::start_model(ProviderKind::Gemini, GEMINI_3).await;
    h.push_answer(&rich_answer());
    let first = drain(
        h.client()
            .stream(request(), meta(), Arc::new(CollectingSink::new())),
    )
    .await;
    let mut turn = first.turn().clone();
    for c in &mut turn.tool_calls {
        c.signature = None;
    }
    h.push_answer(&crate::support::harness::short_answer("never sent"));
    let sink = Arc::new(CollectingSink::new());
    let second = drain(h.client().stream(after(&turn), meta(), sink.clone())).await;
    let err = second.result.expect_err("the API refuses it").to_string();
    assert!(
        err.contains("missing a thought_signature") && err.contains("default_api:read_file"),
        "{err}"
    );
    // A 400 is not retried.
    assert_eq!(h.server.requests().len(), 2);
}

#[tokio::test]
async fn a_signature_on_text_goes_back_on_the_text() {
    let h = Harness::start_model(ProviderKind::Gemini, GEMINI_3).await;
    h.push_answer(&Answer {
        text: vec!["All ".into(), "done.".into()],
        usage: Some((5, 5, 0)),
        ..Answer::default()
    });
    let first = drain(
        h.client()
            .stream(request(), meta(), Arc::new(CollectingSink::new())),
    )
    .await;
    let turn = first.turn().clone();
    let sig = turn
        .completion
        .as_ref()
        .and_then(|c| c.text_signature.clone())
        .expect("the text was signed");
    h.push_answer(&crate::support::harness::short_answer("ok"));
    drain(
        h.client()
            .stream(after(&turn), meta(), Arc::new(CollectingSink::new())),
    )
    .await
    .turn();
    assert_eq!(
        h.server.requests()[1].body["contents"][1]["parts"],
        json!([{"text": "All done.", "thoughtSignature": sig}])
    );
}

#[tokio::test]
async fn the_gemini_test_server_refuses_json_schema_only_fields_as_the_api_does() {
    let h = Harness::start(ProviderKind::Gemini).await;
    let body = json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [{"functionDeclarations": [{"name": "plan", "description": "d", "parameters":
            {"type": "OBJECT", "properties": {"tasks": {"type": "ARRAY", "items":
                {"type": "OBJECT", "additionalProperties": false}}}}}]}]});
    let r = reqwest::Client::new()
        .post(format!(
            "{}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
            h.server.base_url()
        ))
        .header("x-goog-api-key", KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains(r#"Unknown name \"additionalProperties\" at 'tools[0].function_declarations[0].parameters.properties[\"tasks\"].value.items'"#),
        "{text}"
    );
}
