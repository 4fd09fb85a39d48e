//! The request checker (`crate::support::request_rules`) on real bodies: what conclave sends on each
//! wire passes, and each rule catches a body that breaks it (so none of them can pass by
//! accident).

use crate::support::harness::{short_answer, Harness, ALL};
use crate::support::request_rules::{check, Wire};
use crate::support::{drain, meta};
use conclave::model::CollectingSink;
use conclave::providers::ProviderKind;
use serde_json::{json, Value};
use std::sync::Arc;

/// The body conclave sends for the two-call history of `multi_turn`, as a server recorded it.
async fn sent(kind: ProviderKind) -> Value {
    let h = Harness::start(kind).await;
    h.push_answer(&short_answer("ok"));
    drain(
        h.client()
            .stream(super::multi_turn(), meta(), Arc::new(CollectingSink::new())),
    )
    .await
    .turn();
    h.server.requests()[0].body.clone()
}

/// The rules `body` breaks on `wire`.
fn broken(wire: Wire, body: &Value) -> Vec<&'static str> {
    check(wire, body).iter().map(|v| v.rule).collect()
}

fn assert_catches(wire: Wire, body: &Value, rule: &str) {
    let found = check(wire, body);
    assert!(
        found.iter().any(|v| v.rule == rule),
        "{wire:?}: expected a `{rule}` violation, found {found:#?}\nin {body:#}"
    );
}

#[tokio::test]
async fn what_conclave_sends_passes_on_every_wire() {
    for kind in ALL {
        let body = sent(kind).await;
        let found = check(Wire::of(kind), &body);
        assert!(found.is_empty(), "{kind}: {found:#?}\n{body:#}");
    }
}

#[tokio::test]
async fn unknown_fields_are_caught_at_any_depth() {
    let mut b = sent(ProviderKind::Openai).await;
    b["messages"][2]["tool_calls"][0]["function"]["strict"] = json!(true);
    assert_catches(Wire::ChatCompletions, &b, "unknown-field");
    let mut b = sent(ProviderKind::OpenaiResponses).await;
    b["input"][3]["signature"] = json!("x");
    assert_catches(Wire::Responses, &b, "unknown-field");
    let mut b = sent(ProviderKind::OpenaiResponses).await;
    b["previous_turns"] = json!([]);
    assert_catches(Wire::Responses, &b, "unknown-field");
    let mut b = sent(ProviderKind::Anthropic).await;
    b["messages"][2]["content"][0]["status"] = json!("ok");
    assert_catches(Wire::Anthropic, &b, "unknown-field");
    let mut b = sent(ProviderKind::Gemini).await;
    b["contents"][1]["parts"][1]["functionCall"]["signature"] = json!("x");
    assert_catches(Wire::Gemini, &b, "unknown-field");
}

#[tokio::test]
async fn required_fields_types_and_enums_are_checked() {
    let mut b = sent(ProviderKind::OpenaiResponses).await;
    b["input"][2].as_object_mut().unwrap().remove("arguments");
    assert_catches(Wire::Responses, &b, "shape");
    let mut b = sent(ProviderKind::OpenaiResponses).await;
    b["tools"][0].as_object_mut().unwrap().remove("strict");
    assert_catches(Wire::Responses, &b, "shape");
    let mut b = sent(ProviderKind::Openai).await;
    b["messages"][1]["role"] = json!("human");
    assert_catches(Wire::ChatCompletions, &b, "shape");
    let mut b = sent(ProviderKind::Anthropic).await;
    b["stream"] = json!("yes");
    assert_catches(Wire::Anthropic, &b, "shape");
}

#[tokio::test]
async fn results_must_answer_the_previous_turns_calls() {
    // A result for a call nobody made.
    let mut b = sent(ProviderKind::Openai).await;
    b["messages"][3]["tool_call_id"] = json!("call_never");
    assert_catches(Wire::ChatCompletions, &b, "tool-result-answers-call");
    let mut b = sent(ProviderKind::OpenaiResponses).await;
    b["input"][4]["call_id"] = json!("call_never");
    assert_catches(Wire::Responses, &b, "tool-result-answers-call");
    let mut b = sent(ProviderKind::Anthropic).await;
    b["messages"][2]["content"][0]["tool_use_id"] = json!("toolu_never");
    assert_catches(Wire::Anthropic, &b, "tool-result-answers-call");
    // A call left without its result.
    let mut b = sent(ProviderKind::Openai).await;
    b["messages"].as_array_mut().unwrap().remove(4);
    assert_catches(Wire::ChatCompletions, &b, "tool-call-answered");
    let mut b = sent(ProviderKind::OpenaiResponses).await;
    b["input"].as_array_mut().unwrap().remove(5);
    assert_catches(Wire::Responses, &b, "tool-call-answered");
    let mut b = sent(ProviderKind::Anthropic).await;
    b["messages"][2]["content"]
        .as_array_mut()
        .unwrap()
        .remove(1);
    assert_catches(Wire::Anthropic, &b, "tool-call-answered");
    let mut b = sent(ProviderKind::Gemini).await;
    b["contents"].as_array_mut().unwrap().remove(2);
    assert_catches(Wire::Gemini, &b, "tool-call-answered");
}

#[tokio::test]
async fn anthropic_alternation_max_tokens_and_result_order() {
    let good = sent(ProviderKind::Anthropic).await;
    let mut b = good.clone();
    b["messages"]
        .as_array_mut()
        .unwrap()
        .insert(1, json!({"role": "user", "content": "again"}));
    assert_catches(Wire::Anthropic, &b, "anthropic-alternation");
    let mut b = good.clone();
    b["messages"].as_array_mut().unwrap().remove(0);
    assert_catches(Wire::Anthropic, &b, "anthropic-alternation");
    let mut b = good.clone();
    b.as_object_mut().unwrap().remove("max_tokens");
    assert_catches(Wire::Anthropic, &b, "anthropic-max-tokens");
    let mut b = good;
    b["messages"][2]["content"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"type": "text", "text": "Here:"}));
    assert_catches(Wire::Anthropic, &b, "anthropic-tool-result-first");
}

#[tokio::test]
async fn gemini_roles_and_function_response_names() {
    let good = sent(ProviderKind::Gemini).await;
    let mut b = good.clone();
    b["contents"][1]["role"] = json!("assistant");
    assert_catches(Wire::Gemini, &b, "gemini-roles");
    let mut b = good;
    b["contents"][2]["parts"][1]["functionResponse"]["name"] = json!("edit_file");
    assert_catches(Wire::Gemini, &b, "gemini-function-response-names");
}

#[tokio::test]
async fn tool_schemas_use_only_the_keywords_each_provider_accepts() {
    let mut b = sent(ProviderKind::Openai).await;
    b["tools"][0]["function"]["parameters"]["properties"]["path"]["nullable"] = json!(true);
    assert_catches(Wire::ChatCompletions, &b, "tool-schema-keyword");
    let mut b = sent(ProviderKind::OpenaiResponses).await;
    b["tools"][1]["parameters"]["properties"]["old"]["type"] = json!("str");
    assert_catches(Wire::Responses, &b, "tool-schema-keyword");
    let mut b = sent(ProviderKind::Anthropic).await;
    b["tools"][2]["input_schema"]["properties"]["summary"]["optional"] = json!(true);
    assert_catches(Wire::Anthropic, &b, "tool-schema-keyword");
    // JSON Schema's own keywords are fine for OpenAI and Anthropic...
    let b = sent(ProviderKind::Anthropic).await;
    assert!(b.to_string().contains("additionalProperties"));
    assert!(broken(Wire::Anthropic, &b).is_empty());
    // ...but not in Gemini's Schema subset, nor are lower-case type names.
    let mut b = sent(ProviderKind::Gemini).await;
    b["tools"][0]["functionDeclarations"][0]["parameters"]["additionalProperties"] = json!(false);
    assert_catches(Wire::Gemini, &b, "tool-schema-keyword");
    let mut b = sent(ProviderKind::Gemini).await;
    b["tools"][0]["functionDeclarations"][0]["parameters"]["properties"]["path"]["type"] =
        json!("string");
    assert_catches(Wire::Gemini, &b, "tool-schema-keyword");
}
