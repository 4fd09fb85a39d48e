//! Every request a test server recorded, checked against the provider's published rules: the
//! request shape (no unknown field at any level, required fields present, types and enums as
//! documented; `../schemas/`), the conversation rules each API enforces (tool results answer
//! the previous turn's calls, Anthropic role alternation and `max_tokens`, Gemini roles and
//! function-response names), and the JSON Schema keywords each provider accepts in tool
//! parameters.
//!
//! Owns `check` and the `Violation`s it reports. Must not share code with conclave's wires (a
//! client checked against itself proves nothing) and must not stop at the first problem: a
//! test that fails shows all of them. The unit tests, one bad body per rule, live in
//! `tests/providers_wire/request_rules.rs` (so they run once, not in every test binary).

mod conversation;
mod shape;
mod tool_schemas;

use super::provider_server::Recorded;
use conclave::providers::ProviderKind;
use serde_json::Value;
use std::fmt;
use std::sync::OnceLock;

/// Which published rules a request body is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    ChatCompletions,
    Responses,
    Anthropic,
    Gemini,
}

impl Wire {
    pub fn of(kind: ProviderKind) -> Wire {
        match kind {
            ProviderKind::Openai | ProviderKind::OpenaiCompatible => Wire::ChatCompletions,
            ProviderKind::OpenaiResponses => Wire::Responses,
            ProviderKind::Anthropic => Wire::Anthropic,
            ProviderKind::Gemini => Wire::Gemini,
            ProviderKind::Scripted => panic!("the scripted provider sends no requests"),
        }
    }
}

/// One broken rule: which (a stable name), where (a JSON path) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub path: String,
    pub message: String,
}

impl Violation {
    pub fn new(rule: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            rule,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.rule, self.path, self.message)
    }
}

fn shape_of(wire: Wire) -> &'static shape::Shape {
    static CHAT: OnceLock<shape::Shape> = OnceLock::new();
    static RESPONSES: OnceLock<shape::Shape> = OnceLock::new();
    static ANTHROPIC: OnceLock<shape::Shape> = OnceLock::new();
    static GEMINI: OnceLock<shape::Shape> = OnceLock::new();
    match wire {
        Wire::ChatCompletions => CHAT.get_or_init(|| {
            shape::Shape::load(include_str!("../schemas/openai_chat_completions.json"))
        }),
        Wire::Responses => RESPONSES
            .get_or_init(|| shape::Shape::load(include_str!("../schemas/openai_responses.json"))),
        Wire::Anthropic => ANTHROPIC
            .get_or_init(|| shape::Shape::load(include_str!("../schemas/anthropic_messages.json"))),
        Wire::Gemini => GEMINI.get_or_init(|| {
            shape::Shape::load(include_str!("../schemas/gemini_generate_content.json"))
        }),
    }
}

/// Every violation in one request body. Each request carries its whole conversation, so no
/// earlier request is needed to judge it.
pub fn check(wire: Wire, body: &Value) -> Vec<Violation> {
    let mut out = shape_of(wire).check(body);
    conversation::check(wire, body, &mut out);
    tool_schemas::check(wire, body, &mut out);
    out
}

/// Fails with every violation of every request (numbered as the server received them).
pub fn assert_valid(wire: Wire, requests: &[Recorded]) {
    let mut report = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        for v in check(wire, &r.body) {
            report.push(format!("request {i} ({}): {v}", r.target));
        }
    }
    assert!(
        report.is_empty(),
        "{} violation(s) of the {wire:?} rules:\n{}",
        report.len(),
        report.join("\n")
    );
}
