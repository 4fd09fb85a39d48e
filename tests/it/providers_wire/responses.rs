//! The OpenAI Responses wire end to end over 127.0.0.1: the request's exact shape, streamed
//! text and calls intact at any split, reasoning items carried into the next request as the
//! API requires, and what the server refuses (so those checks are shown to bite).

use crate::support::harness::{short_answer, Harness};
use crate::support::provider_server::Reply;
use crate::support::wire_scripts::{self as ws, Answer, Call};
use crate::support::*;
use conclave::model::{CollectingSink, EventKind};
use conclave::providers::{ChatRequest, Delta, Message, ProviderKind, StopReason, Turn};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::Arc;

async fn call(h: &Harness, req: ChatRequest) -> Outcome {
    drain(
        h.client()
            .stream(req, meta(), Arc::new(CollectingSink::new())),
    )
    .await
}

/// The next request after `turn`: its message, then one result per call.
fn after(turn: &Turn) -> ChatRequest {
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

#[tokio::test]
async fn request_shape() {
    let h = Harness::start(ProviderKind::OpenaiResponses).await;
    h.push_answer(&short_answer("ok"));
    let mut req = request();
    req.messages.push(Message::Assistant {
        text: "Reading it.".into(),
        tool_calls: vec![conclave::providers::ToolCall::new(
            "call_01",
            "read_file",
            json!({"path": "calc.py"}),
        )],
        text_signature: None,
        reasoning: vec![],
    });
    req.messages.push(Message::ToolResult {
        call_id: "call_01".into(),
        tool_name: "read_file".into(),
        content: "no such file".into(),
        is_error: true,
    });
    call(&h, req).await.turn();
    let r = &h.server.requests()[0];
    assert_eq!(r.target, "/v1/responses");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let b = &r.body;
    assert_eq!(b["model"], "gpt-5");
    assert_eq!(b["instructions"], "You are the implementer.");
    assert_eq!((&b["stream"], &b["store"]), (&json!(true), &json!(false)));
    assert_eq!(b["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(b["max_output_tokens"], 1024);
    assert!(b.get("previous_response_id").is_none());
    assert_eq!(
        b["tools"][0],
        json!({"type": "function", "name": "read_file",
        "description": "Read a file of the worktree with line numbers.",
        "parameters": tools()[0].parameters, "strict": false})
    );
    assert_eq!(
        b["input"],
        json!([
            {"role": "user", "content": "Task t1: fix add() in calc.py"},
            {"role": "assistant", "content": "Reading it."},
            {"type": "function_call", "call_id": "call_01", "name": "read_file",
                "arguments": "{\"path\":\"calc.py\"}"},
            {"type": "function_call_output", "call_id": "call_01", "output": "Error: no such file"},
        ])
    );
}

#[tokio::test]
async fn text_and_calls_arrive_intact_at_many_random_splits() {
    let seed: u64 = rand::random();
    eprintln!("fragment seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let h = Harness::start(ProviderKind::OpenaiResponses).await;
    // Every reply is cut at fresh random byte boundaries by the server; the arguments are cut
    // into a random number of deltas too.
    for round in 0..40 {
        let answer = Answer {
            thinking: vec!["Sign ".into(), "error — «a - b».".into()],
            text: ws::fragments("I will fix add() ✓ 🦀 now.", rng.gen_range(1..12)),
            calls: vec![
                Call::new(
                    "call_a",
                    "edit_file",
                    json!({"path": "calc.py", "old": "a - b", "new": "a + b  # «fixed»"}),
                    rng.gen_range(1..30),
                ),
                Call::new(
                    "call_b",
                    "finish",
                    json!({"summary": "Fixed ✓"}),
                    rng.gen_range(1..8),
                ),
            ],
            usage: Some((812, 96, 200)),
            ..Answer::default()
        };
        h.push_answer(&answer);
        let out = call(&h, request()).await;
        let turn = out.turn();
        assert_eq!(turn.text, "I will fix add() ✓ 🦀 now.", "round {round}");
        assert_eq!(turn.thinking, "Sign error — «a - b».", "round {round}");
        let calls: Vec<(&str, &str, Value)> = turn
            .tool_calls
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str(), c.args.clone()))
            .collect();
        assert_eq!(
            calls,
            [
                (
                    "call_a",
                    "edit_file",
                    json!({"path": "calc.py", "old": "a - b", "new": "a + b  # «fixed»"})
                ),
                ("call_b", "finish", json!({"summary": "Fixed ✓"}))
            ],
            "round {round}"
        );
        let c = turn.completion.as_ref().unwrap();
        assert_eq!(c.stop, StopReason::ToolUse);
        assert_eq!(c.reasoning.len(), 1, "round {round}");
    }
}

#[tokio::test]
async fn reasoning_items_go_back_before_their_calls_in_the_next_request() {
    let h = Harness::start(ProviderKind::OpenaiResponses).await;
    let answer = Answer {
        thinking: vec!["The bug is a minus sign.".into()],
        text: vec!["Reading first.".into()],
        calls: vec![Call::new(
            "call_r1",
            "read_file",
            json!({"path": "calc.py"}),
            5,
        )],
        usage: Some((100, 20, 0)),
        signature: Some("gAAAAABoKnown-encrypted-reasoning==".into()),
        ..Answer::default()
    };
    let served = ws::reasoning_item(&answer).unwrap();
    h.push_answer(&answer);
    let first = call(&h, request()).await;
    let turn = first.turn().clone();
    assert!(first
        .deltas
        .contains(&Delta::thinking("The bug is a minus sign.")));
    h.push_answer(&short_answer("ok"));
    let second = call(&h, after(&turn)).await;
    assert!(second.result.is_ok(), "{:?}", second.result.err());
    let input = h.server.requests()[1].body["input"].clone();
    assert_eq!(
        input[1], served,
        "exactly as received, with its encrypted_content"
    );
    assert_eq!(
        input[2],
        json!({"role": "assistant", "content": "Reading first."})
    );
    assert_eq!(input[3]["type"], "function_call");
    assert_eq!(input[3]["call_id"], "call_r1");
    assert!(
        input[3].get("id").is_none(),
        "no stored item ids under store:false"
    );
    assert_eq!(
        input[4],
        json!({"type": "function_call_output", "call_id": "call_r1", "output": "1: def add(a, b):"})
    );
    crate::support::request_rules::assert_valid(
        crate::support::request_rules::Wire::Responses,
        &h.server.requests(),
    );
}

#[tokio::test]
async fn the_server_refuses_what_the_api_refuses() {
    let h = Harness::start(ProviderKind::OpenaiResponses).await;
    h.push_answer(&Answer {
        calls: vec![Call::new("call_t", "read_file", json!({"path": "a"}), 2)],
        usage: Some((1, 1, 0)),
        ..Answer::default()
    });
    let mut turn = call(&h, request()).await.turn().clone();
    // A reasoning item whose encrypted content was altered on the way back.
    let c = turn.completion.as_mut().unwrap();
    c.reasoning[0]["encrypted_content"] = json!("gAAAAB-tampered");
    let out = call(&h, after(&turn)).await;
    let e = out.result.unwrap_err().to_string();
    assert!(
        e.contains("HTTP 400") && e.contains("could not be verified"),
        "{e}"
    );
    // A result that answers no call of the input.
    let mut req = request();
    req.messages.push(Message::ToolResult {
        call_id: "call_nowhere".into(),
        tool_name: "read_file".into(),
        content: "x".into(),
        is_error: false,
    });
    let e = call(&h, req).await.result.unwrap_err().to_string();
    assert!(
        e.contains("No tool call found for function call output with call_id call_nowhere"),
        "{e}"
    );
    assert_eq!(h.server.requests().len(), 3, "a 400 is not retried");
}

#[tokio::test]
async fn a_model_without_reasoning_is_not_asked_for_encrypted_reasoning() {
    let h = Harness::start_model(ProviderKind::OpenaiResponses, "gpt-4o").await;
    h.push_answer(&short_answer("plain"));
    assert_eq!(call(&h, request()).await.turn().text, "plain");
    let sent = &h.server.requests()[0].body;
    assert!(sent.get("include").is_none(), "{sent}");
    // The server refuses it as the API does, so the test above can fail.
    let mut body = sent.clone();
    body["include"] = json!(["reasoning.encrypted_content"]);
    let r = reqwest::Client::new()
        .post(format!("{}/responses", h.server.base_url()))
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("Encrypted content is not supported with this model."),
        "{text}"
    );
}

#[tokio::test]
async fn incomplete_answers_say_why() {
    let h = Harness::start(ProviderKind::OpenaiResponses).await;
    for (reason, stop) in [
        ("max_output_tokens", StopReason::MaxTokens),
        ("content_filter", StopReason::ContentFilter),
    ] {
        let mut ev = h.events(&short_answer("cut short"));
        ev.pop(); // response.completed
        ev.push(ws::responses_incomplete_event(reason));
        h.server.push(Reply::sse(ev.concat()));
        let out = call(&h, request()).await;
        let c = out.turn().completion.clone().unwrap();
        assert_eq!((out.turn().text.as_str(), c.stop), ("cut short", stop));
        assert_eq!(c.usage.output_tokens, Some(16));
    }
}

#[tokio::test]
async fn usage_event_prices_gpt_5() {
    let h = Harness::start(ProviderKind::OpenaiResponses).await;
    h.push_answer(&crate::support::harness::rich_answer());
    let sink = Arc::new(CollectingSink::new());
    drain(h.client().stream(request(), meta(), sink.clone()))
        .await
        .turn();
    let usage = usage_events(&sink.events());
    let [EventKind::Usage {
        model,
        input_tokens,
        output_tokens,
        cached_tokens,
        cost_usd,
        ..
    }] = usage.as_slice()
    else {
        panic!("{usage:?}")
    };
    assert_eq!(model, "gpt-5");
    assert_eq!(
        (*input_tokens, *output_tokens, *cached_tokens),
        (812, 96, 200)
    );
    let want = (612.0 * 1.25 + 200.0 * 0.125 + 96.0 * 10.00) / 1e6;
    assert!((cost_usd - want).abs() < 1e-12, "{cost_usd} vs {want}");
}
