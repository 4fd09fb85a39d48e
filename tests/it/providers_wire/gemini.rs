//! Gemini's own rules over the wire: a Gemini 3 model's thought signatures go back on the
//! parts they came on (and a history that dropped one is refused, as the API does), and the
//! test server refuses JSON-Schema-only fields as the API does.

use crate::support::harness::{rich_answer, Harness};
use crate::support::wire_scripts::Answer;
use crate::support::*;
use conclave::model::CollectingSink;
use conclave::providers::{Message, ProviderKind};
use serde_json::json;
use std::sync::Arc;

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
