//! Requests have the exact shape of providers.md on each wire: the path, the headers and
//! where the key goes, the body, and the multi-turn history of `multi_turn` (calls and their
//! results); a profile without a base URL or a key fails before anything is sent.

use super::multi_turn;
use crate::support::harness::Harness;
use crate::support::request_rules::Wire;
use crate::support::*;
use conclave::model::CollectingSink;
use conclave::providers::ProviderKind;
use serde_json::json;
use std::sync::Arc;

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
