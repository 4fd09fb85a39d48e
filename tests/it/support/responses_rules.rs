//! What the real OpenAI Responses API refuses, for the test server to refuse the same way,
//! with the messages the API gives (as reported from real 400s in public issue threads):
//! encrypted reasoning asked of a model that does not reason, a reasoning item that cannot
//! be replayed (no `encrypted_content` under `store: false`, or content the server never
//! handed out), an item referring to a stored id under `store: false`, a
//! `function_call_output` that answers no `function_call` of the input, and a
//! `function_call` left without its output.
//!
//! Owns those checks and the reasoning items served so far. Must not share code with
//! conclave's own Responses wire: a client checked against itself proves nothing.

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// The reasoning items the server handed out, by id.
#[derive(Default)]
pub struct Served(HashMap<String, Value>);

impl Served {
    /// Notes every reasoning item in a served SSE body.
    pub fn remember(&mut self, sse: &str) {
        for line in sse.lines() {
            let Some(data) = line.strip_prefix("data: ") else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(data) else {
                continue;
            };
            let item = &v["item"];
            if v["type"] == "response.output_item.done" && item["type"] == "reasoning" {
                if let Some(id) = item["id"].as_str() {
                    self.0.insert(id.to_string(), item.clone());
                }
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&Value> {
        self.0.get(id)
    }
}

/// The models the test suite uses that do not reason (the real list is longer).
fn does_not_reason(model: &str) -> bool {
    model.starts_with("gpt-4") || model.contains("-chat")
}

/// The API's 400 for `body`, if it would give one.
pub fn refusal(body: &Value, served: &Served) -> Option<String> {
    let model = body["model"].as_str().unwrap_or_default();
    let wants_encrypted = body["include"]
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i == "reasoning.encrypted_content"));
    if wants_encrypted && does_not_reason(model) {
        return Some(invalid(
            "Encrypted content is not supported with this model.",
            "include",
            None,
        ));
    }
    let stored = body["store"] != false;
    let mut calls = HashSet::new();
    let mut answered = HashSet::new();
    for item in body["input"].as_array().into_iter().flatten() {
        let id = item["id"].as_str().unwrap_or_default();
        match item["type"].as_str() {
            Some("reasoning") => {
                let content = item["encrypted_content"].as_str();
                if content.is_none() && !stored {
                    return Some(not_persisted(id));
                }
                let known = served.get(id).and_then(|s| s["encrypted_content"].as_str());
                if content.is_some() && known != content {
                    return Some(invalid(
                        &format!("The encrypted content for item {id} could not be verified."),
                        "",
                        Some("invalid_encrypted_content"),
                    ));
                }
            }
            Some("function_call") => {
                if !id.is_empty() && !stored {
                    return Some(not_persisted(id));
                }
                calls.insert(item["call_id"].as_str().unwrap_or_default().to_string());
            }
            Some("function_call_output") => {
                let call_id = item["call_id"].as_str().unwrap_or_default();
                answered.insert(call_id.to_string());
                if !calls.contains(call_id) {
                    return Some(invalid(
                        &format!(
                            "No tool call found for function call output with call_id {call_id}."
                        ),
                        "input",
                        None,
                    ));
                }
            }
            _ if !id.is_empty() && !stored => return Some(not_persisted(id)),
            _ => {}
        }
    }
    let mut open: Vec<&String> = calls.difference(&answered).collect();
    open.sort();
    open.first().map(|call_id| {
        invalid(
            &format!("No tool output found for function call {call_id}."),
            "input",
            None,
        )
    })
}

fn not_persisted(id: &str) -> String {
    invalid(
        &format!(
            "Item with id '{id}' not found. Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input."
        ),
        "input",
        None,
    )
}

fn invalid(message: &str, param: &str, code: Option<&str>) -> String {
    json!({"error": {"message": message, "type": "invalid_request_error", "param": param,
        "code": code}})
    .to_string()
}
