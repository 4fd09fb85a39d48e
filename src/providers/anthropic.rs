//! The Anthropic Messages wire.
//!
//! Owns encoding a `ChatRequest` as `POST {base}/v1/messages` (alternating roles, tool results
//! as `tool_result` blocks first in a user message) and reading its named events: text and
//! thinking deltas, `input_json_delta` fragments assembled per content block, usage from
//! `message_start` and `message_delta`, `message_stop` as the terminator, and an `error`
//! event inside a 200 stream. Must not retry or know about other wires.

use super::error::ProviderError;
use super::http::{insert, json_headers, secret_header, snippet, Prepared, Wire, WireParser};
use super::openai::parse_args;
use super::settings::{ApiKey, ProviderSettings};
use super::sse::SseEvent;
use super::types::{ChatRequest, Completion, Delta, Message, StopReason, TokenUsage, ToolCall};
use reqwest::header::HeaderValue;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};

pub(crate) const API_VERSION: &str = "2023-06-01";

pub(crate) struct AnthropicWire;

impl Wire for AnthropicWire {
    fn prepare(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        key: Option<&ApiKey>,
    ) -> Result<Prepared, ProviderError> {
        let url = format!("{}/v1/messages", settings.effective_base_url()?);
        let mut headers = json_headers();
        if let Some(k) = key {
            insert(&mut headers, "x-api-key", secret_header(k, "")?);
        }
        insert(
            &mut headers,
            "anthropic-version",
            HeaderValue::from_static(API_VERSION),
        );
        let body = super::http::encode(settings, &request_body(settings, req))?;
        Ok(Prepared { url, headers, body })
    }

    fn parser(&self, settings: &ProviderSettings, _seed: u64) -> Box<dyn WireParser> {
        Box::new(AnthropicParser {
            model: settings.model.clone(),
            tools: HashMap::new(),
            usage: WireUsage::default(),
            stop: None,
            done: false,
        })
    }
}

/// The JSON body of a streaming Messages request (providers.md "Anthropic Messages").
pub(crate) fn request_body(settings: &ProviderSettings, req: &ChatRequest) -> Value {
    // Consecutive messages of one role merge: the API wants strict alternation, and all the
    // results of one assistant turn's tool calls belong in a single user message.
    let mut turns: Vec<(&str, Vec<Value>)> = Vec::new();
    for m in &req.messages {
        let (role, blocks) = match m {
            Message::User { text } => ("user", vec![json!({"type": "text", "text": text})]),
            Message::Assistant {
                text, tool_calls, ..
            } => {
                let mut blocks = Vec::new();
                if !text.is_empty() {
                    blocks.push(json!({"type": "text", "text": text}));
                }
                for c in tool_calls {
                    blocks.push(json!({"type": "tool_use", "id": c.id, "name": c.name,
                                       "input": c.args}));
                }
                ("assistant", blocks)
            }
            Message::ToolResult {
                call_id,
                content,
                is_error,
                ..
            } => (
                "user",
                vec![json!({"type": "tool_result", "tool_use_id": call_id,
                            "content": content, "is_error": is_error})],
            ),
        };
        if blocks.is_empty() {
            continue; // the API rejects empty content
        }
        match turns.last_mut() {
            Some((r, b)) if *r == role => b.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    let messages: Vec<Value> = turns
        .into_iter()
        .map(|(role, mut blocks)| {
            // Tool results must come before any text in their user message.
            blocks.sort_by_key(|b| b["type"] != "tool_result");
            let content = match blocks.as_slice() {
                [one] if one["type"] == "text" => one["text"].clone(),
                _ => Value::Array(blocks),
            };
            json!({"role": role, "content": content})
        })
        .collect();
    let mut body = json!({
        "model": settings.model,
        "max_tokens": if req.max_tokens > 0 { req.max_tokens } else { 4096 },
        "stream": true,
        "messages": messages,
    });
    if !req.system.is_empty() {
        body["system"] = json!(req.system);
    }
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| {
                json!({"name": t.name, "description": t.description,
                            "input_schema": t.parameters})
            })
            .collect();
    }
    body
}

#[derive(Default)]
struct WireUsage {
    input: Option<u64>,
    output: Option<u64>,
    cache_creation: Option<u64>,
    cache_read: Option<u64>,
}

impl WireUsage {
    fn update(&mut self, u: &Value) {
        let get = |k: &str| u[k].as_u64();
        self.input = get("input_tokens").or(self.input);
        // Cumulative in message_delta, so the latest value is the total.
        self.output = get("output_tokens").or(self.output);
        self.cache_creation = get("cache_creation_input_tokens").or(self.cache_creation);
        self.cache_read = get("cache_read_input_tokens").or(self.cache_read);
    }

    /// Anthropic counts cache reads and writes apart from `input_tokens`; conclave's input
    /// is every prompt token, with the cache reads as its cached part.
    fn normalised(&self) -> TokenUsage {
        let input = self.input.map(|i| {
            i.saturating_add(self.cache_creation.unwrap_or(0))
                .saturating_add(self.cache_read.unwrap_or(0))
        });
        TokenUsage {
            input_tokens: input,
            output_tokens: self.output,
            cached_tokens: input.map(|_| self.cache_read.unwrap_or(0)),
        }
    }
}

struct PendingTool {
    id: String,
    name: String,
    /// A non-empty `input` given at block start, used only if no fragment follows.
    start_input: Option<String>,
    json: String,
}

struct AnthropicParser {
    model: String,
    /// Tool-use blocks by content-block index, until their `content_block_stop`.
    tools: HashMap<u64, PendingTool>,
    usage: WireUsage,
    stop: Option<StopReason>,
    done: bool,
}

impl AnthropicParser {
    fn on_json(&mut self, v: Value, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        let index = v["index"].as_u64().unwrap_or(0);
        match v["type"].as_str().unwrap_or("") {
            "message_start" => {
                let m = &v["message"];
                if let Some(model) = m["model"].as_str().filter(|s| !s.is_empty()) {
                    self.model = model.to_string();
                }
                self.usage.update(&m["usage"]);
            }
            "content_block_start" => {
                let b = &v["content_block"];
                match b["type"].as_str().unwrap_or("") {
                    "text" => push_text(out, b["text"].as_str(), false),
                    "thinking" => push_text(out, b["thinking"].as_str(), true),
                    "tool_use" | "server_tool_use" => {
                        let id = b["id"].as_str().unwrap_or_default().to_string();
                        let name = b["name"].as_str().unwrap_or_default().to_string();
                        // Input normally streams as fragments; a non-empty start input is
                        // the whole input (kept in case no fragment follows).
                        let start_input = match &b["input"] {
                            Value::Object(o) if !o.is_empty() => Some(b["input"].to_string()),
                            _ => None,
                        };
                        let json = String::new();
                        self.tools.insert(
                            index,
                            PendingTool {
                                id,
                                name,
                                start_input,
                                json,
                            },
                        );
                    }
                    _ => {} // redacted_thinking and future block types carry no text for us
                }
            }
            "content_block_delta" => {
                let d = &v["delta"];
                match d["type"].as_str().unwrap_or("") {
                    "text_delta" => push_text(out, d["text"].as_str(), false),
                    "thinking_delta" => push_text(out, d["thinking"].as_str(), true),
                    "input_json_delta" => {
                        if let Some(t) = self.tools.get_mut(&index) {
                            t.json.push_str(d["partial_json"].as_str().unwrap_or(""));
                        }
                    }
                    _ => {} // signature_delta, citations_delta
                }
            }
            "content_block_stop" => {
                if let Some(t) = self.tools.remove(&index) {
                    let raw = match (t.json.trim().is_empty(), &t.start_input) {
                        (true, Some(start)) => start.as_str(),
                        _ => t.json.as_str(),
                    };
                    let args = parse_args(&t.name, raw)?;
                    out.push_back(Delta::ToolCall {
                        call: ToolCall {
                            id: t.id,
                            name: t.name,
                            args,
                            signature: None,
                        },
                    });
                }
            }
            "message_delta" => {
                if let Some(r) = v["delta"]["stop_reason"].as_str() {
                    self.stop = Some(match r {
                        "end_turn" | "stop_sequence" => StopReason::EndTurn,
                        "tool_use" => StopReason::ToolUse,
                        "max_tokens" => StopReason::MaxTokens,
                        "refusal" => StopReason::ContentFilter,
                        other => StopReason::Other(other.to_string()),
                    });
                }
                self.usage.update(&v["usage"]);
            }
            "message_stop" => {
                self.done = true;
                out.push_back(Delta::Done {
                    completion: Completion {
                        stop: self.stop.clone().unwrap_or(StopReason::EndTurn),
                        usage: self.usage.normalised(),
                        provider: String::new(),
                        model: self.model.clone(),
                        ms: 0,
                        text_signature: None,
                        reasoning: Vec::new(),
                    },
                });
            }
            "error" => {
                let e = &v["error"];
                return Err(ProviderError::InStream {
                    kind: e["type"].as_str().unwrap_or("error").to_string(),
                    message: e["message"].as_str().unwrap_or("(no message)").to_string(),
                });
            }
            _ => {} // ping and event types added later
        }
        Ok(())
    }
}

fn push_text(out: &mut VecDeque<Delta>, text: Option<&str>, thinking: bool) {
    match text {
        Some(t) if !t.is_empty() && thinking => out.push_back(Delta::thinking(t)),
        Some(t) if !t.is_empty() => out.push_back(Delta::text(t)),
        _ => {}
    }
}

impl WireParser for AnthropicParser {
    fn on_event(&mut self, ev: SseEvent, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        let v: Value = serde_json::from_str(&ev.data).map_err(|e| {
            ProviderError::Malformed(format!("{e} in event {}", snippet(&ev.data, 200)))
        })?;
        if !v.is_object() {
            return Err(ProviderError::Malformed(format!(
                "event is not an object: {}",
                snippet(&ev.data, 200)
            )));
        }
        self.on_json(v, out)
    }

    fn is_done(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::settings::ProviderKind;
    use crate::providers::sse::SseDecoder;

    fn settings() -> ProviderSettings {
        ProviderSettings::new("claude", ProviderKind::Anthropic, "claude-sonnet-4-5")
    }

    fn feed(p: &mut Box<dyn WireParser>, s: &str) -> Result<Vec<Delta>, ProviderError> {
        let mut out = VecDeque::new();
        for ev in SseDecoder::decode_all(s.as_bytes()).unwrap() {
            p.on_event(ev, &mut out)?;
        }
        Ok(out.into())
    }

    #[test]
    fn tool_input_fragments_and_usage() {
        let mut p = AnthropicWire.parser(&settings(), 0);
        let out = feed(&mut p, concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-x\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1,\"cache_creation_input_tokens\":2,\"cache_read_input_tokens\":3}}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"finish\",\"input\":{}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"summary\\\": \\\"do\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"ne\\\"}\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":42}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        )).unwrap();
        assert_eq!(out[0], Delta::thinking("hmm"));
        assert_eq!(
            out[1],
            Delta::ToolCall {
                call: ToolCall {
                    id: "toolu_1".into(),
                    name: "finish".into(),
                    args: json!({"summary": "done"}),
                    signature: None,
                }
            }
        );
        let Delta::Done { completion } = &out[2] else {
            panic!()
        };
        assert_eq!(completion.usage, TokenUsage::known(15, 42, 3));
        assert_eq!(completion.stop, StopReason::ToolUse);
        assert_eq!(completion.model, "claude-x");
        assert!(p.is_done());
    }

    #[test]
    fn error_event_inside_a_stream() {
        let mut p = AnthropicWire.parser(&settings(), 0);
        let err = feed(&mut p, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n").unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(
            err.to_string(),
            "error event in stream (overloaded_error): Overloaded"
        );
    }

    #[test]
    fn results_merge_into_one_user_message_before_text() {
        let req = ChatRequest {
            system: String::new(),
            messages: vec![
                Message::User {
                    text: "task".into(),
                },
                Message::Assistant {
                    text: "Reading.".into(),
                    tool_calls: vec![
                        ToolCall {
                            id: "t1".into(),
                            name: "a".into(),
                            args: json!({}),
                            signature: None,
                        },
                        ToolCall {
                            id: "t2".into(),
                            name: "b".into(),
                            args: json!({"x": 1}),
                            signature: None,
                        },
                    ],
                    text_signature: None,
                    reasoning: Vec::new(),
                },
                Message::ToolResult {
                    call_id: "t1".into(),
                    tool_name: "a".into(),
                    content: "ok".into(),
                    is_error: false,
                },
                Message::ToolResult {
                    call_id: "t2".into(),
                    tool_name: "b".into(),
                    content: "no".into(),
                    is_error: true,
                },
                Message::User {
                    text: "go on".into(),
                },
            ],
            tools: vec![],
            max_tokens: 0,
        };
        let b = request_body(&settings(), &req);
        assert!(b.get("system").is_none());
        assert_eq!(b["max_tokens"], json!(4096));
        let m = b["messages"].as_array().unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0], json!({"role": "user", "content": "task"}));
        assert_eq!(m[1]["content"][1]["input"], json!({}));
        let blocks = m[2]["content"].as_array().unwrap();
        assert_eq!(blocks[0]["tool_use_id"], "t1");
        assert_eq!(blocks[1]["is_error"], true);
        assert_eq!(blocks[2], json!({"type": "text", "text": "go on"}));
    }
}
