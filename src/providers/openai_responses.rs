//! The OpenAI Responses API wire (`kind = "openai-responses"`), which OpenAI's newest models
//! and Codex use.
//!
//! Owns encoding a `ChatRequest` as `POST {base}/responses` (`instructions`, `input` items,
//! function tools) and reading its typed SSE events (see `openai_responses_parse`). Must not
//! retry or know about other wires.
//!
//! Conversation state: full input replay with `store: false`, never `previous_response_id`.
//! conclave rebuilds every conversation from its own log (resume, fork, replay, a fallback to
//! another vendor in the middle of a session), organisations under zero data retention cannot
//! use stored responses at all, and a chain kept on the server cannot be forked or edited.
//! So each request carries the whole history, and the model's reasoning travels with it:
//! reasoning models are asked for `include: ["reasoning.encrypted_content"]`, the parser keeps
//! each `reasoning` output item exactly as it came (`Completion::reasoning`), and the next
//! request puts those items back, unchanged, in front of the same turn's `function_call`
//! items, as the API requires. Items go back without the server's item ids for messages and
//! calls (`fc_…`, `msg_…`): with `store: false` the server keeps nothing those ids could point
//! to, and a call without its id does not demand its reasoning item, so a history from
//! before a resume (which keeps no reasoning) is still accepted.
//!
//! Models without reasoning (gpt-4o, gpt-4.1, gpt-5-chat) refuse the `include` with a 400
//! ("Encrypted content is not supported with this model"), so it is sent only to reasoning
//! models (`reasons`). Reasoning summaries are not requested: the API refuses
//! `reasoning.summary` for organisations that have not been verified, so `Delta::Thinking`
//! comes only from servers that send summaries or reasoning text unasked.

use super::error::ProviderError;
use super::http::{insert, json_headers, secret_header, Prepared, Wire, WireParser};
use super::openai_responses_parse::ResponsesParser;
use super::settings::{ApiKey, ProviderSettings};
use super::types::{ChatRequest, Message};
use serde_json::{json, Value};

pub(crate) struct ResponsesWire;

impl Wire for ResponsesWire {
    fn prepare(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        key: Option<&ApiKey>,
    ) -> Result<Prepared, ProviderError> {
        let url = format!("{}/responses", settings.effective_base_url()?);
        let mut headers = json_headers();
        if let Some(k) = key {
            insert(&mut headers, "authorization", secret_header(k, "Bearer ")?);
        }
        let body = super::http::encode(settings, &request_body(settings, req))?;
        Ok(Prepared { url, headers, body })
    }

    fn parser(&self, settings: &ProviderSettings, seed: u64) -> Box<dyn WireParser> {
        Box::new(ResponsesParser::new(settings.model.clone(), seed))
    }
}

/// Whether `model` reasons (o-series, gpt-5 except its chat variant, codex models), and so
/// accepts `include: ["reasoning.encrypted_content"]`. A model name behind a router prefix
/// (`openai/gpt-5`) counts by its last segment.
pub(crate) fn reasons(model: &str) -> bool {
    let m = model.rsplit('/').next().unwrap_or(model);
    let o_series = m
        .strip_prefix('o')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    let gpt5 = m.starts_with("gpt-5") && !m.contains("-chat");
    o_series || gpt5 || m.contains("codex")
}

/// The JSON body of a streaming `POST /responses` (module comment: full replay, no storage).
pub(crate) fn request_body(settings: &ProviderSettings, req: &ChatRequest) -> Value {
    let mut input = Vec::with_capacity(req.messages.len());
    // A model that does not reason refuses reasoning items (a fallback from gpt-5 to gpt-4o).
    let replay_reasoning = reasons(&settings.model);
    for m in &req.messages {
        match m {
            Message::User { text } => input.push(json!({"role": "user", "content": text})),
            Message::Assistant {
                text,
                tool_calls,
                reasoning,
                ..
            } => {
                // Reasoning first, exactly as received: it belongs in front of the calls it
                // led to. Items of another shape (another wire's) are never sent.
                input.extend(
                    reasoning
                        .iter()
                        .filter(|r| replay_reasoning && r["type"] == "reasoning")
                        .cloned(),
                );
                if !text.is_empty() {
                    input.push(json!({"role": "assistant", "content": text}));
                }
                for c in tool_calls {
                    input.push(json!({"type": "function_call", "call_id": c.id,
                        "name": c.name, "arguments": c.args.to_string()}));
                }
            }
            // The wire has no error flag for tool output; the model reads it from the text.
            Message::ToolResult {
                call_id,
                content,
                is_error,
                ..
            } => input.push(json!({
                "type": "function_call_output",
                "call_id": call_id,
                "output": if *is_error { format!("Error: {content}") } else { content.clone() },
            })),
        }
    }
    let mut body = json!({
        "model": settings.model,
        "input": input,
        "stream": true,
        "store": false,
    });
    if !req.system.is_empty() {
        body["instructions"] = json!(req.system);
    }
    if reasons(&settings.model) {
        body["include"] = json!(["reasoning.encrypted_content"]);
    }
    if req.max_tokens > 0 {
        body["max_output_tokens"] = json!(req.max_tokens);
    }
    if !req.tools.is_empty() {
        // strict: false, since conclave's schemas use optional fields, which strict mode
        // forbids (it wants every property required and additionalProperties false).
        body["tools"] = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "name": t.name, "description": t.description,
                    "parameters": t.parameters, "strict": false})
            })
            .collect();
        body["tool_choice"] = json!("auto");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::settings::ProviderKind;
    use crate::providers::types::{ToolCall, ToolSpec};

    fn settings(model: &str) -> ProviderSettings {
        ProviderSettings::new("resp", ProviderKind::OpenaiResponses, model)
    }

    fn history() -> ChatRequest {
        ChatRequest {
            system: "sys".into(),
            messages: vec![
                Message::User { text: "go".into() },
                Message::Assistant {
                    text: "Reading.".into(),
                    tool_calls: vec![ToolCall::new("call_1", "read_file", json!({"path": "a"}))],
                    text_signature: None,
                    reasoning: vec![
                        json!({"type": "reasoning", "id": "rs_1", "summary": [],
                            "encrypted_content": "gAAA"}),
                        json!({"thoughtSignature": "not ours"}),
                    ],
                },
                Message::ToolResult {
                    call_id: "call_1".into(),
                    tool_name: "read_file".into(),
                    content: "gone".into(),
                    is_error: true,
                },
            ],
            tools: vec![ToolSpec {
                name: "read_file".into(),
                description: "d".into(),
                parameters: json!({"type": "object"}),
            }],
            max_tokens: 100,
        }
    }

    #[test]
    fn history_becomes_input_items_with_reasoning_before_the_calls() {
        let b = request_body(&settings("gpt-5"), &history());
        assert_eq!(b["instructions"], "sys");
        assert_eq!(
            (b["store"].clone(), b["stream"].clone()),
            (json!(false), json!(true))
        );
        assert_eq!(b["include"], json!(["reasoning.encrypted_content"]));
        assert_eq!(b["max_output_tokens"], 100);
        assert!(b.get("previous_response_id").is_none());
        assert_eq!(
            b["input"],
            json!([
                {"role": "user", "content": "go"},
                {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAA"},
                {"role": "assistant", "content": "Reading."},
                {"type": "function_call", "call_id": "call_1", "name": "read_file",
                    "arguments": "{\"path\":\"a\"}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "Error: gone"},
            ])
        );
        assert_eq!(
            b["tools"],
            json!([{"type": "function", "name": "read_file", "description": "d",
                "parameters": {"type": "object"}, "strict": false}])
        );
    }

    #[test]
    fn only_reasoning_models_ask_for_encrypted_reasoning() {
        for m in [
            "gpt-5",
            "gpt-5-codex",
            "o3",
            "o4-mini",
            "openai/gpt-5.1",
            "codex-mini",
        ] {
            assert!(reasons(m), "{m}");
        }
        for m in ["gpt-4o", "gpt-4.1", "gpt-5-chat-latest", "omni", "qwen"] {
            assert!(!reasons(m), "{m}");
        }
        let b = request_body(&settings("gpt-4o"), &history());
        assert!(b.get("include").is_none(), "{b}");
        assert!(
            !b.to_string().contains("rs_1"),
            "no reasoning items either: {b}"
        );
    }
}
