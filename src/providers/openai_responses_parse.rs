//! Reading a Responses API stream: typed SSE events, each `data` a JSON object whose `type`
//! names it (`response.output_text.delta`, `response.completed`, ...).
//!
//! Owns `ResponsesParser`: text and reasoning deltas as they come, function calls whole from
//! `response.output_item.done` (arguments assembled from `response.function_call_arguments.*`
//! when the item lacks them), reasoning items kept as received for the next request, usage
//! and the stop reason from `response.completed` / `response.incomplete` (the terminators),
//! and `response.failed` / `error` as in-stream errors. Unknown event types are ignored: the
//! API adds new ones. Must not encode requests or retry.

use super::error::ProviderError;
use super::http::{snippet, synth_call_id, WireParser};
use super::openai::parse_args;
use super::sse::SseEvent;
use super::types::{Completion, Delta, StopReason, TokenUsage, ToolCall};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};

/// A function call whose item is still streaming, by item id.
#[derive(Default)]
struct PartialCall {
    call_id: String,
    name: String,
    arguments: String,
}

pub(crate) struct ResponsesParser {
    seed: u64,
    model: String,
    pending: HashMap<String, PartialCall>,
    /// Item and call ids handed over, so a call repeated in `response.completed` is not
    /// sent twice.
    seen_calls: HashSet<String>,
    calls: usize,
    /// Reasoning items as received (only those with `encrypted_content`: with `store: false`
    /// nothing else of them can be replayed).
    reasoning: Vec<Value>,
    reasoning_ids: HashSet<String>,
    streamed_text: bool,
    refused: bool,
    done: bool,
}

impl ResponsesParser {
    pub(crate) fn new(model: String, seed: u64) -> Self {
        ResponsesParser {
            seed,
            model,
            pending: HashMap::new(),
            seen_calls: HashSet::new(),
            calls: 0,
            reasoning: Vec::new(),
            reasoning_ids: HashSet::new(),
            streamed_text: false,
            refused: false,
            done: false,
        }
    }

    fn note_model(&mut self, response: &Value) {
        if let Some(m) = response["model"].as_str().filter(|m| !m.is_empty()) {
            self.model = m.to_string();
        }
    }

    fn on_json(&mut self, v: &Value, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        let text = |v: &Value| {
            v["delta"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        match v["type"].as_str().unwrap_or_default() {
            "response.created" | "response.in_progress" | "response.queued" => {
                self.note_model(&v["response"])
            }
            "response.output_item.added" => {
                let item = &v["item"];
                if item["type"] == "function_call" {
                    let id = item["id"].as_str().unwrap_or_default().to_string();
                    self.pending.insert(
                        id,
                        PartialCall {
                            call_id: item["call_id"].as_str().unwrap_or_default().into(),
                            name: item["name"].as_str().unwrap_or_default().into(),
                            arguments: item["arguments"].as_str().unwrap_or_default().into(),
                        },
                    );
                }
            }
            "response.output_text.delta" => {
                if let Some(t) = text(v) {
                    self.streamed_text = true;
                    out.push_back(Delta::Text { text: t });
                }
            }
            "response.refusal.delta" => {
                if let Some(t) = text(v) {
                    self.streamed_text = true;
                    self.refused = true;
                    out.push_back(Delta::Text { text: t });
                }
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                if let Some(t) = text(v) {
                    out.push_back(Delta::Thinking { text: t });
                }
            }
            "response.function_call_arguments.delta" => {
                if let (Some(id), Some(d)) = (v["item_id"].as_str(), v["delta"].as_str()) {
                    self.pending
                        .entry(id.to_string())
                        .or_default()
                        .arguments
                        .push_str(d);
                }
            }
            "response.function_call_arguments.done" => {
                if let (Some(id), Some(args)) = (v["item_id"].as_str(), v["arguments"].as_str()) {
                    let call = self.pending.entry(id.to_string()).or_default();
                    call.arguments = args.to_string();
                    if let Some(name) = v["name"].as_str().filter(|n| !n.is_empty()) {
                        call.name = name.to_string();
                    }
                }
            }
            "response.output_item.done" => self.on_item_done(&v["item"], out)?,
            "response.completed" => self.finish(&v["response"], None, out)?,
            "response.incomplete" => {
                let reason = v["response"]["incomplete_details"]["reason"].as_str();
                let stop = match reason {
                    Some("max_output_tokens" | "max_tokens") => StopReason::MaxTokens,
                    Some("content_filter") => StopReason::ContentFilter,
                    Some(other) => StopReason::Other(other.to_string()),
                    None => StopReason::Other("incomplete".into()),
                };
                self.finish(&v["response"], Some(stop), out)?;
            }
            "response.failed" => {
                let e = &v["response"]["error"];
                return Err(ProviderError::InStream {
                    kind: e["code"].as_str().unwrap_or("response_failed").to_string(),
                    message: e["message"]
                        .as_str()
                        .unwrap_or("the response failed (no message)")
                        .to_string(),
                });
            }
            // The documented event has `code` and `message` at the top; some servers nest
            // them in `error` as the HTTP error bodies do.
            "error" => {
                let e = &v["error"];
                let kind = [&v["code"], &e["code"], &e["type"]]
                    .into_iter()
                    .find_map(|c| c.as_str())
                    .unwrap_or("error");
                let message = [&v["message"], &e["message"]]
                    .into_iter()
                    .find_map(|m| m.as_str())
                    .unwrap_or("(no message)");
                return Err(ProviderError::InStream {
                    kind: kind.to_string(),
                    message: message.to_string(),
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn on_item_done(
        &mut self,
        item: &Value,
        out: &mut VecDeque<Delta>,
    ) -> Result<(), ProviderError> {
        match item["type"].as_str() {
            Some("function_call") => {
                let item_id = item["id"].as_str().filter(|i| !i.is_empty());
                if let Some(i) = item_id {
                    if !self.seen_calls.insert(format!("item {i}")) {
                        return Ok(());
                    }
                }
                let partial = item_id
                    .and_then(|id| self.pending.remove(id))
                    .unwrap_or_default();
                let pick = |v: &Value, fallback: String| {
                    v.as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .unwrap_or(fallback)
                };
                let name = pick(&item["name"], partial.name);
                if name.is_empty() {
                    return Err(ProviderError::Malformed(format!(
                        "a function_call item without a name: {}",
                        snippet(&item.to_string(), 200)
                    )));
                }
                let mut id = pick(&item["call_id"], partial.call_id);
                if id.is_empty() {
                    id = synth_call_id(self.seed, self.calls);
                }
                if !self.seen_calls.insert(format!("call {id}")) {
                    return Ok(());
                }
                self.calls += 1;
                let args = match &item["arguments"] {
                    Value::String(raw) => parse_args(&name, raw)?,
                    // A compatible server that sends the object itself.
                    Value::Object(_) => item["arguments"].clone(),
                    _ => parse_args(&name, &partial.arguments)?,
                };
                out.push_back(Delta::ToolCall {
                    call: ToolCall {
                        id,
                        name,
                        args,
                        signature: None,
                    },
                });
            }
            Some("reasoning") => {
                let id = item["id"].as_str().unwrap_or_default().to_string();
                let replayable = item["encrypted_content"]
                    .as_str()
                    .is_some_and(|c| !c.is_empty());
                if replayable && (id.is_empty() || self.reasoning_ids.insert(id)) {
                    self.reasoning.push(item.clone());
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The terminator: whatever the final response lists that the stream did not deliver
    /// (a server that sends only the final object), then `Done`.
    fn finish(
        &mut self,
        response: &Value,
        stop: Option<StopReason>,
        out: &mut VecDeque<Delta>,
    ) -> Result<(), ProviderError> {
        self.note_model(response);
        for item in response["output"].as_array().into_iter().flatten() {
            match item["type"].as_str() {
                Some("function_call" | "reasoning") => self.on_item_done(item, out)?,
                Some("message") if !self.streamed_text => {
                    for part in item["content"].as_array().into_iter().flatten() {
                        if let Some(t) = part["text"].as_str().filter(|t| !t.is_empty()) {
                            out.push_back(Delta::Text { text: t.into() });
                        }
                    }
                }
                _ => {}
            }
        }
        let u = &response["usage"];
        let usage = TokenUsage {
            input_tokens: u["input_tokens"].as_u64(),
            output_tokens: u["output_tokens"].as_u64(),
            cached_tokens: u["input_tokens_details"]["cached_tokens"].as_u64(),
        };
        let stop = stop.unwrap_or(if self.calls > 0 {
            StopReason::ToolUse
        } else if self.refused {
            StopReason::ContentFilter
        } else {
            StopReason::EndTurn
        });
        self.done = true;
        out.push_back(Delta::Done {
            completion: Completion {
                stop,
                usage,
                provider: String::new(),
                model: self.model.clone(),
                ms: 0,
                text_signature: None,
                reasoning: std::mem::take(&mut self.reasoning),
            },
        });
        Ok(())
    }
}

impl WireParser for ResponsesParser {
    fn on_event(&mut self, ev: SseEvent, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        let data = ev.data.trim();
        if data.is_empty() {
            return Ok(());
        }
        let v: Value = serde_json::from_str(data).map_err(|e| {
            ProviderError::Malformed(format!("{e} in event {}", snippet(data, 200)))
        })?;
        if !v.is_object() {
            return Err(ProviderError::Malformed(format!(
                "event is not an object: {}",
                snippet(data, 200)
            )));
        }
        self.on_json(&v, out)
    }

    fn is_done(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::sse::SseDecoder;
    use serde_json::json;

    fn ev(v: Value) -> String {
        format!("event: {}\ndata: {v}\n\n", v["type"].as_str().unwrap())
    }

    fn run(events: &[Value]) -> Result<(Vec<Delta>, bool), ProviderError> {
        let mut p = ResponsesParser::new("gpt-5".into(), 3);
        let body: String = events.iter().cloned().map(ev).collect();
        let mut out = VecDeque::new();
        for e in SseDecoder::decode_all(body.as_bytes()).unwrap() {
            p.on_event(e, &mut out)?;
        }
        Ok((out.into(), p.is_done()))
    }

    fn reasoning() -> Value {
        json!({"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text",
            "text": "think"}], "encrypted_content": "gAAAAB"})
    }

    fn completed(output: Value) -> Value {
        json!({"type": "response.completed", "sequence_number": 9, "response": {
            "id": "resp_1", "status": "completed", "model": "gpt-5-2025-08-07", "output": output,
            "usage": {"input_tokens": 50, "input_tokens_details": {"cached_tokens": 20},
                "output_tokens": 7, "output_tokens_details": {"reasoning_tokens": 3},
                "total_tokens": 57}}})
    }

    #[test]
    fn a_turn_with_reasoning_text_and_a_call() {
        let call = json!({"type": "function_call", "id": "fc_1", "call_id": "call_9",
            "name": "read_file", "arguments": "{\"path\":\"a\"}", "status": "completed"});
        let (out, done) = run(&[
            json!({"type": "response.created", "response": {"model": "gpt-5-2025-08-07"}}),
            json!({"type": "response.output_item.added", "output_index": 0,
                "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
            json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1",
                "delta": "think"}),
            json!({"type": "response.output_item.done", "output_index": 0, "item": reasoning()}),
            json!({"type": "response.output_text.delta", "item_id": "msg_1", "delta": "Hi"}),
            json!({"type": "response.some_future_event", "x": 1}),
            json!({"type": "response.output_item.added", "output_index": 2, "item":
                {"type": "function_call", "id": "fc_1", "call_id": "call_9", "name": "read_file",
                 "arguments": ""}}),
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1",
                "delta": "{\"pa"}),
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1",
                "delta": "th\":\"a\"}"}),
            json!({"type": "response.output_item.done", "output_index": 2, "item": call}),
            completed(json!([reasoning(), call])),
        ])
        .unwrap();
        assert!(done);
        assert_eq!(out[0], Delta::thinking("think"));
        assert_eq!(out[1], Delta::text("Hi"));
        assert_eq!(
            out[2],
            Delta::ToolCall {
                call: ToolCall::new("call_9", "read_file", json!({"path": "a"}))
            }
        );
        let Delta::Done { completion } = &out[3] else {
            panic!("{out:?}")
        };
        assert_eq!(
            out.len(),
            4,
            "the call repeated in `completed` is not sent twice"
        );
        assert_eq!(completion.stop, StopReason::ToolUse);
        assert_eq!(completion.usage, TokenUsage::known(50, 7, 20));
        assert_eq!(completion.model, "gpt-5-2025-08-07");
        assert_eq!(completion.reasoning, vec![reasoning()]);
    }

    #[test]
    fn arguments_come_from_the_deltas_when_the_item_lacks_them() {
        let (out, _) = run(&[
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_2",
                "delta": "{\"x\":"}),
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_2",
                "delta": "2}"}),
            json!({"type": "response.output_item.done", "item": {"type": "function_call",
                "id": "fc_2", "call_id": "call_2", "name": "f"}}),
            completed(json!([])),
        ])
        .unwrap();
        assert_eq!(
            out[0],
            Delta::ToolCall {
                call: ToolCall::new("call_2", "f", json!({"x": 2}))
            }
        );
    }

    #[test]
    fn bad_arguments_are_malformed_not_a_panic() {
        let e = run(&[json!({"type": "response.output_item.done", "item": {
            "type": "function_call", "id": "fc_3", "call_id": "c", "name": "edit_file",
            "arguments": "{\"path\": "}})])
        .unwrap_err();
        assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
        assert!(e.to_string().contains("edit_file"), "{e}");
    }

    #[test]
    fn incomplete_failed_and_error_events() {
        let incomplete = |reason: &str| {
            json!({"type": "response.incomplete", "response": {"status": "incomplete",
                "incomplete_details": {"reason": reason}, "usage": null}})
        };
        for (reason, stop) in [
            ("max_output_tokens", StopReason::MaxTokens),
            ("content_filter", StopReason::ContentFilter),
        ] {
            let (out, done) = run(&[incomplete(reason)]).unwrap();
            assert!(done);
            let Delta::Done { completion } = &out[0] else {
                panic!()
            };
            assert_eq!(completion.stop, stop);
            assert!(completion.usage.is_unknown());
        }
        let e = run(&[
            json!({"type": "response.failed", "response": {"status": "failed",
            "error": {"code": "server_error", "message": "The model failed."}}}),
        ])
        .unwrap_err();
        assert_eq!(
            e,
            ProviderError::InStream {
                kind: "server_error".into(),
                message: "The model failed.".into()
            }
        );
        assert!(e.is_retryable());
        let e = run(&[json!({"type": "error", "code": "invalid_prompt",
            "message": "Invalid prompt.", "param": null, "sequence_number": 1})])
        .unwrap_err();
        assert!(e.to_string().contains("invalid_prompt"), "{e}");
        assert!(!e.is_retryable());
        let e = run(&[
            json!({"type": "error", "error": {"type": "rate_limit_exceeded",
            "message": "slow down"}}),
        ])
        .unwrap_err();
        assert!(e.is_retryable(), "{e}");
    }

    #[test]
    fn a_stream_without_its_terminator_is_not_done() {
        let (out, done) =
            run(&[json!({"type": "response.output_text.delta", "delta": "a"})]).unwrap();
        assert!(!done);
        assert_eq!(out, vec![Delta::text("a")]);
    }

    #[test]
    fn only_the_final_object_still_gives_text_calls_and_reasoning() {
        let (out, _) = run(&[completed(json!([reasoning(),
            {"type": "message", "role": "assistant", "content": [{"type": "output_text",
                "text": "All done."}]},
            {"type": "function_call", "call_id": "c1", "name": "finish",
                "arguments": "{\"summary\":\"s\"}"}]))])
        .unwrap();
        assert_eq!(out[0], Delta::text("All done."));
        assert!(matches!(&out[1], Delta::ToolCall { call } if call.name == "finish"));
        let Delta::Done { completion } = &out[2] else {
            panic!()
        };
        assert_eq!(completion.reasoning.len(), 1);
    }
}
