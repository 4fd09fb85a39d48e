//! The OpenAI Chat Completions wire, also spoken by OpenAI-compatible servers (Ollama,
//! llama.cpp, vLLM, LM Studio).
//!
//! Owns encoding a `ChatRequest` as `POST {base}/chat/completions` and reading its stream:
//! text, tool calls assembled from `arguments` fragments keyed by `index`, usage from the
//! final chunk, `[DONE]`. Must not retry or know about other wires.

use super::error::ProviderError;
use super::http::{
    insert, json_headers, secret_header, snippet, synth_call_id, Prepared, Wire, WireParser,
};
use super::settings::{ApiKey, ProviderKind, ProviderSettings};
use super::sse::SseEvent;
use super::types::{ChatRequest, Completion, Delta, Message, StopReason, TokenUsage, ToolCall};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};

/// Chat Completions, for both the openai and the openai-compatible kinds.
pub(crate) struct OpenAiWire;

impl Wire for OpenAiWire {
    fn prepare(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        key: Option<&ApiKey>,
    ) -> Result<Prepared, ProviderError> {
        let url = format!("{}/chat/completions", settings.effective_base_url()?);
        let mut headers = json_headers();
        // Compatible servers without a key get no Authorization header at all.
        if let Some(k) = key {
            insert(&mut headers, "authorization", secret_header(k, "Bearer ")?);
        }
        let body = super::http::encode(settings, &request_body(settings, req))?;
        Ok(Prepared { url, headers, body })
    }

    fn parser(&self, settings: &ProviderSettings, seed: u64) -> Box<dyn WireParser> {
        Box::new(OpenAiParser {
            seed,
            model: settings.model.clone(),
            calls: BTreeMap::new(),
            next_index: 0,
            stop: None,
            usage: TokenUsage::default(),
            emitted_calls: false,
            done: false,
        })
    }
}

/// The JSON body of a streaming chat completion (providers.md "OpenAI Chat Completions").
pub(crate) fn request_body(settings: &ProviderSettings, req: &ChatRequest) -> Value {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if !req.system.is_empty() {
        messages.push(json!({"role": "system", "content": req.system}));
    }
    for m in &req.messages {
        messages.push(match m {
            Message::User { text } => json!({"role": "user", "content": text}),
            Message::Assistant {
                text, tool_calls, ..
            } => {
                let mut msg = json!({
                    "role": "assistant",
                    "content": if text.is_empty() { Value::Null } else { json!(text) },
                });
                if !tool_calls.is_empty() {
                    msg["tool_calls"] = tool_calls
                        .iter()
                        .map(|c| {
                            json!({"id": c.id, "type": "function", "function": {
                                "name": c.name, "arguments": c.args.to_string()}})
                        })
                        .collect();
                }
                msg
            }
            // The wire has no error flag for tool results; the model reads it from the text.
            Message::ToolResult {
                call_id,
                content,
                is_error,
                ..
            } => json!({
                "role": "tool",
                "tool_call_id": call_id,
                "content": if *is_error { format!("Error: {content}") } else { content.clone() },
            }),
        });
    }
    let mut body = json!({"model": settings.model, "stream": true, "messages": messages});
    if settings.stream_usage {
        body["stream_options"] = json!({"include_usage": true});
    }
    if req.max_tokens > 0 {
        // OpenAI's newer models only take max_completion_tokens; local servers know max_tokens.
        let field = match settings.kind {
            ProviderKind::Openai => "max_completion_tokens",
            _ => "max_tokens",
        };
        body[field] = json!(req.max_tokens);
    }
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function": {
                    "name": t.name, "description": t.description, "parameters": t.parameters}})
            })
            .collect();
        body["tool_choice"] = json!("auto");
    }
    body
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    index: u32,
    #[serde(default)]
    delta: Option<ChoiceDelta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct ChoiceDelta {
    #[serde(default)]
    content: Option<String>,
    /// DeepSeek, vLLM and llama.cpp stream reasoning here; Ollama uses `reasoning`.
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    tool_calls: Vec<CallDelta>,
}

#[derive(Deserialize)]
struct CallDelta {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FnDelta>,
}

#[derive(Deserialize)]
struct FnDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Default)]
struct PartialCall {
    id: String,
    name: String,
    args: String,
}

struct OpenAiParser {
    seed: u64,
    model: String,
    calls: BTreeMap<u32, PartialCall>,
    /// Index for a call delta that carries none (older Ollama builds).
    next_index: u32,
    stop: Option<StopReason>,
    usage: TokenUsage,
    emitted_calls: bool,
    done: bool,
}

impl OpenAiParser {
    fn on_chunk(&mut self, chunk: Chunk, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        if let Some(err) = chunk.error {
            return Err(ProviderError::InStream {
                kind: ["type", "code"]
                    .iter()
                    .find_map(|k| err[*k].as_str())
                    .unwrap_or("error")
                    .to_string(),
                message: err["message"]
                    .as_str()
                    .unwrap_or("(no message)")
                    .to_string(),
            });
        }
        if let Some(m) = chunk.model.filter(|m| !m.is_empty()) {
            self.model = m;
        }
        if let Some(u) = chunk.usage {
            self.usage = TokenUsage {
                input_tokens: u.prompt_tokens,
                output_tokens: u.completion_tokens,
                cached_tokens: u.prompt_tokens_details.and_then(|d| d.cached_tokens),
            };
        }
        // conclave asks for one choice; anything else a server adds is ignored.
        for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
            let delta = choice.delta.unwrap_or_default();
            for thought in [delta.reasoning_content, delta.reasoning]
                .into_iter()
                .flatten()
            {
                if !thought.is_empty() {
                    out.push_back(Delta::thinking(thought));
                }
            }
            if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                out.push_back(Delta::text(text));
            }
            for c in delta.tool_calls {
                self.on_call_delta(c);
            }
            if let Some(reason) = choice.finish_reason {
                self.stop = Some(match reason.as_str() {
                    "stop" => StopReason::EndTurn,
                    "tool_calls" | "function_call" => StopReason::ToolUse,
                    "length" => StopReason::MaxTokens,
                    "content_filter" => StopReason::ContentFilter,
                    other => StopReason::Other(other.to_string()),
                });
                self.emit_calls(out)?;
            }
        }
        Ok(())
    }

    fn on_call_delta(&mut self, c: CallDelta) {
        let index = match c.index {
            Some(i) => i,
            // No index: a delta with a new id starts a call, one without continues the last.
            None => match (&c.id, self.calls.keys().next_back()) {
                (Some(id), Some(&last)) if self.calls[&last].id == *id => last,
                (None, Some(&last)) => last,
                _ => self.next_index,
            },
        };
        self.next_index = self.next_index.max(index.saturating_add(1));
        let call = self.calls.entry(index).or_default();
        if let Some(id) = c.id.filter(|i| !i.is_empty()) {
            call.id = id;
        }
        if let Some(f) = c.function {
            // The name comes whole in the first delta; a server that repeats it in later
            // deltas must not double it, one that splits it must not lose a piece.
            if let Some(name) = f.name.filter(|n| !n.is_empty() && *n != call.name) {
                call.name.push_str(&name);
            }
            if let Some(args) = f.arguments {
                call.args.push_str(&args);
            }
        }
    }

    /// Hands over the assembled calls once, in index order.
    fn emit_calls(&mut self, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        if self.emitted_calls {
            return Ok(());
        }
        self.emitted_calls = true;
        for (n, (_, c)) in std::mem::take(&mut self.calls).into_iter().enumerate() {
            let args = parse_args(&c.name, &c.args)?;
            let id = if c.id.is_empty() {
                synth_call_id(self.seed, n)
            } else {
                c.id
            };
            out.push_back(Delta::ToolCall {
                call: ToolCall {
                    id,
                    name: c.name,
                    args,
                    signature: None,
                },
            });
            // Servers that say "stop" after a tool call still mean "run it".
            self.stop = Some(StopReason::ToolUse);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        self.emit_calls(out)?;
        self.done = true;
        out.push_back(Delta::Done {
            completion: Completion {
                stop: self.stop.clone().unwrap_or(StopReason::EndTurn),
                usage: self.usage,
                provider: String::new(),
                model: self.model.clone(),
                ms: 0,
                text_signature: None,
                reasoning: Vec::new(),
            },
        });
        Ok(())
    }
}

/// A call's arguments: a JSON object string; empty means no arguments.
pub(crate) fn parse_args(name: &str, raw: &str) -> Result<Value, ProviderError> {
    if raw.trim().is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(raw).map_err(|e| {
        ProviderError::Malformed(format!(
            "arguments of tool call `{name}` are not JSON ({e}): {}",
            snippet(raw, 200)
        ))
    })
}

impl WireParser for OpenAiParser {
    fn on_event(&mut self, ev: SseEvent, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        let data = ev.data.trim();
        if data == "[DONE]" {
            return self.finish(out);
        }
        if data.is_empty() {
            return Ok(());
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
            ProviderError::Malformed(format!("{e} in chunk {}", snippet(data, 200)))
        })?;
        self.on_chunk(chunk, out)
    }

    fn is_done(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::sse::SseDecoder;
    use crate::providers::types::ToolSpec;

    fn run(stream: &str) -> Result<Vec<Delta>, ProviderError> {
        let s = ProviderSettings::new("gpt", ProviderKind::Openai, "gpt-4o");
        let mut p = OpenAiWire.parser(&s, 7);
        let mut out = VecDeque::new();
        for ev in SseDecoder::decode_all(stream.as_bytes()).unwrap() {
            p.on_event(ev, &mut out)?;
        }
        assert!(p.is_done());
        Ok(out.into())
    }

    #[test]
    fn fragments_assemble_into_calls_in_index_order() {
        let out = run(concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\"\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"prompt_tokens_details\":{\"cached_tokens\":1}}}\n\n",
            "data: [DONE]\n\n"
        ))
        .unwrap();
        assert_eq!(out[0], Delta::text("hi"));
        let Delta::ToolCall { call } = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!((call.id.as_str(), &call.args), ("a", &json!({"x": 1})));
        let Delta::ToolCall { call } = &out[2] else {
            panic!("{out:?}")
        };
        assert_eq!((call.id.as_str(), &call.args), ("b", &json!({})));
        let Delta::Done { completion } = &out[3] else {
            panic!("{out:?}")
        };
        assert_eq!(completion.stop, StopReason::ToolUse);
        assert_eq!(completion.usage, TokenUsage::known(5, 2, 1));
    }

    #[test]
    fn missing_usage_stays_unknown_and_bad_json_is_malformed() {
        let out = run("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n").unwrap();
        let Delta::Done { completion } = &out[0] else {
            panic!()
        };
        assert!(completion.usage.is_unknown());
        let s = ProviderSettings::new("gpt", ProviderKind::Openai, "gpt-4o");
        let mut p = OpenAiWire.parser(&s, 7);
        let ev = SseEvent {
            data: "{\"choices\":[".into(),
            ..Default::default()
        };
        let err = p.on_event(ev, &mut VecDeque::new()).unwrap_err();
        assert!(matches!(err, ProviderError::Malformed(_)));
    }

    #[test]
    fn body_has_the_reference_shape() {
        let s = ProviderSettings::new("gpt", ProviderKind::Openai, "gpt-4o");
        let req = ChatRequest {
            system: "sys".into(),
            messages: vec![
                Message::User { text: "go".into() },
                Message::Assistant {
                    text: String::new(),
                    tool_calls: vec![ToolCall {
                        id: "call_1".into(),
                        name: "read_file".into(),
                        args: json!({"path": "a"}),
                        signature: None,
                    }],
                    text_signature: None,
                    reasoning: Vec::new(),
                },
                Message::ToolResult {
                    call_id: "call_1".into(),
                    tool_name: "read_file".into(),
                    content: "1: x".into(),
                    is_error: false,
                },
            ],
            tools: vec![ToolSpec {
                name: "read_file".into(),
                description: "d".into(),
                parameters: json!({"type": "object"}),
            }],
            max_tokens: 100,
        };
        let b = request_body(&s, &req);
        assert_eq!(b["stream_options"], json!({"include_usage": true}));
        assert_eq!(
            b["messages"][0],
            json!({"role": "system", "content": "sys"})
        );
        assert_eq!(b["messages"][2]["content"], Value::Null);
        assert_eq!(
            b["messages"][2]["tool_calls"][0]["function"]["arguments"],
            json!("{\"path\":\"a\"}")
        );
        assert_eq!(
            b["messages"][3],
            json!({"role": "tool", "tool_call_id": "call_1", "content": "1: x"})
        );
        assert_eq!(
            b["tools"][0]["function"]["parameters"],
            json!({"type": "object"})
        );
        assert_eq!(b["max_completion_tokens"], json!(100));
    }
}
