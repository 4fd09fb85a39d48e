//! The Google Gemini (Generative Language API) wire.
//!
//! Owns encoding a `ChatRequest` as `POST {base}/v1beta/models/{model}:streamGenerateContent
//! ?alt=sse` (key in the `x-goog-api-key` header, never in the URL; `functionCall` and
//! `functionResponse` parts) and reading its stream: text and thought parts, whole function
//! calls given stable ids when the API sends none, usage from `usageMetadata`, and the chunk
//! with `finishReason` as the terminator. Must not retry or know about other wires.

use super::error::ProviderError;
use super::http::{
    insert, json_headers, secret_header, snippet, synth_call_id, Prepared, Wire, WireParser,
};
use super::settings::{ApiKey, ProviderSettings};
use super::sse::SseEvent;
use super::types::{ChatRequest, Completion, Delta, Message, StopReason, TokenUsage, ToolCall};
use serde_json::{json, Value};
use std::collections::VecDeque;

pub(crate) struct GeminiWire;

/// Ids conclave made up for Gemini calls start with this; they are not sent back to the API
/// (which matches results by name and order), while ids the API gave are echoed.
const SYNTH_PREFIX: &str = "call_";

impl Wire for GeminiWire {
    fn prepare(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        key: Option<&ApiKey>,
    ) -> Result<Prepared, ProviderError> {
        let model = settings.model.trim_start_matches("models/");
        let url = format!(
            "{}/v1beta/models/{model}:streamGenerateContent?alt=sse",
            settings.effective_base_url()?
        );
        let mut headers = json_headers();
        if let Some(k) = key {
            insert(&mut headers, "x-goog-api-key", secret_header(k, "")?);
        }
        let body = super::http::encode(settings, &request_body(req))?;
        Ok(Prepared { url, headers, body })
    }

    fn parser(&self, settings: &ProviderSettings, seed: u64) -> Box<dyn WireParser> {
        Box::new(GeminiParser {
            seed,
            model: settings.model.clone(),
            calls: 0,
            usage: TokenUsage::default(),
            text_signature: None,
            done: false,
        })
    }
}

/// The JSON body of a streaming generateContent request (providers.md "Google Gemini").
pub(crate) fn request_body(req: &ChatRequest) -> Value {
    let mut contents: Vec<(&str, Vec<Value>)> = Vec::new();
    for m in &req.messages {
        let (role, parts) = match m {
            Message::User { text } => ("user", vec![json!({"text": text})]),
            Message::Assistant {
                text,
                tool_calls,
                text_signature,
                ..
            } => {
                let mut parts = Vec::new();
                // A signature goes back on the part it came on, unchanged (Gemini 3 refuses a
                // function call without its own; one on text is kept too, as advised).
                if !text.is_empty() || text_signature.is_some() {
                    let mut part = json!({"text": text});
                    if let Some(sig) = text_signature {
                        part["thoughtSignature"] = json!(sig);
                    }
                    parts.push(part);
                }
                for c in tool_calls {
                    let mut call = json!({"name": c.name, "args": c.args});
                    if !c.id.starts_with(SYNTH_PREFIX) {
                        call["id"] = json!(c.id);
                    }
                    let mut part = json!({"functionCall": call});
                    if let Some(sig) = &c.signature {
                        part["thoughtSignature"] = json!(sig);
                    }
                    parts.push(part);
                }
                ("model", parts)
            }
            Message::ToolResult {
                call_id,
                tool_name,
                content,
                is_error,
            } => {
                // The API's convention: an "error" key for failures, else the output.
                let key = if *is_error { "error" } else { "content" };
                let mut resp = json!({"name": tool_name, "response": {key: content}});
                if !call_id.starts_with(SYNTH_PREFIX) {
                    resp["id"] = json!(call_id);
                }
                ("user", vec![json!({"functionResponse": resp})])
            }
        };
        if parts.is_empty() {
            continue;
        }
        match contents.last_mut() {
            Some((r, p)) if *r == role => p.extend(parts),
            _ => contents.push((role, parts)),
        }
    }
    let contents: Vec<Value> = contents
        .into_iter()
        .map(|(role, parts)| json!({"role": role, "parts": parts}))
        .collect();
    let mut body = json!({"contents": contents});
    if !req.system.is_empty() {
        body["systemInstruction"] = json!({"parts": [{"text": req.system}]});
    }
    if !req.tools.is_empty() {
        let decls: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({"name": t.name, "description": t.description,
                            "parameters": super::gemini_schema::to_gemini_schema(&t.parameters)})
            })
            .collect();
        body["tools"] = json!([{"functionDeclarations": decls}]);
    }
    if req.max_tokens > 0 {
        body["generationConfig"] = json!({"maxOutputTokens": req.max_tokens});
    }
    body
}

struct GeminiParser {
    seed: u64,
    model: String,
    calls: usize,
    usage: TokenUsage,
    /// The last signature seen on a text or thought part of this turn.
    text_signature: Option<String>,
    done: bool,
}

impl GeminiParser {
    fn on_json(&mut self, v: Value, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        if let Some(e) = v.get("error") {
            return Err(ProviderError::InStream {
                kind: e["status"].as_str().unwrap_or("error").to_string(),
                message: e["message"].as_str().unwrap_or("(no message)").to_string(),
            });
        }
        if let Some(m) = v["modelVersion"].as_str().filter(|m| !m.is_empty()) {
            self.model = m.to_string();
        }
        let u = &v["usageMetadata"];
        if u.is_object() {
            // Every chunk may carry usage; the last one is the total. Thinking is billed as
            // output, and cached tokens are part of the prompt count.
            let out_tokens = match (
                u["candidatesTokenCount"].as_u64(),
                u["thoughtsTokenCount"].as_u64(),
            ) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
            };
            self.usage = TokenUsage {
                input_tokens: u["promptTokenCount"].as_u64(),
                output_tokens: out_tokens,
                cached_tokens: u["promptTokenCount"]
                    .as_u64()
                    .map(|_| u["cachedContentTokenCount"].as_u64().unwrap_or(0)),
            };
        }
        let cand = &v["candidates"][0];
        for part in cand["content"]["parts"].as_array().into_iter().flatten() {
            let signature = part["thoughtSignature"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            if let Some(call) = part.get("functionCall") {
                let name = call["name"].as_str().unwrap_or_default().to_string();
                let id = match call["id"].as_str() {
                    Some(id) if !id.is_empty() => id.to_string(),
                    _ => synth_call_id(self.seed, self.calls),
                };
                let args = match &call["args"] {
                    Value::Null => json!({}),
                    a => a.clone(),
                };
                self.calls += 1;
                out.push_back(Delta::ToolCall {
                    call: ToolCall {
                        id,
                        name,
                        args,
                        signature,
                    },
                });
            } else {
                if signature.is_some() {
                    self.text_signature = signature;
                }
                let Some(t) = part["text"].as_str().filter(|t| !t.is_empty()) else {
                    continue;
                };
                out.push_back(if part["thought"] == true {
                    Delta::thinking(t)
                } else {
                    Delta::text(t)
                });
            }
        }
        let finish = cand["finishReason"].as_str();
        // A prompt blocked outright has no candidate at all, only feedback.
        let blocked = v["promptFeedback"]["blockReason"].is_string() && cand.is_null();
        if finish.is_some() || blocked {
            let stop = match finish {
                Some("STOP") | None if self.calls > 0 => StopReason::ToolUse,
                Some("STOP") => StopReason::EndTurn,
                Some("MAX_TOKENS") => StopReason::MaxTokens,
                Some("SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII")
                | None => StopReason::ContentFilter,
                Some(other) => StopReason::Other(other.to_ascii_lowercase()),
            };
            self.done = true;
            out.push_back(Delta::Done {
                completion: Completion {
                    stop,
                    usage: self.usage,
                    provider: String::new(),
                    model: self.model.clone(),
                    ms: 0,
                    text_signature: self.text_signature.clone(),
                    reasoning: Vec::new(),
                },
            });
        }
        Ok(())
    }
}

impl WireParser for GeminiParser {
    fn on_event(&mut self, ev: SseEvent, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        let v: Value = serde_json::from_str(&ev.data).map_err(|e| {
            ProviderError::Malformed(format!("{e} in chunk {}", snippet(&ev.data, 200)))
        })?;
        if !v.is_object() {
            return Err(ProviderError::Malformed(format!(
                "chunk is not an object: {}",
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

    fn parse(seed: u64, s: &str) -> Vec<Delta> {
        let st = ProviderSettings::new("gem", ProviderKind::Gemini, "gemini-2.5-pro");
        let mut p = GeminiWire.parser(&st, seed);
        let mut out = VecDeque::new();
        for ev in SseDecoder::decode_all(s.as_bytes()).unwrap() {
            p.on_event(ev, &mut out).unwrap();
        }
        assert!(p.is_done());
        out.into()
    }

    const STREAM: &str = concat!(
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"plan\",\"thought\":true},{\"text\":\"The change \"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":640,\"totalTokenCount\":640}}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"submit_review\",\"args\":{\"verdict\":\"approve\"}}},{\"functionCall\":{\"name\":\"finish\",\"args\":{}}}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":640,\"candidatesTokenCount\":41,\"thoughtsTokenCount\":9,\"cachedContentTokenCount\":100}}\r\n\r\n",
    );

    #[test]
    fn calls_get_stable_distinct_ids_and_usage_totals() {
        let out = parse(11, STREAM);
        assert_eq!(out[0], Delta::thinking("plan"));
        assert_eq!(out[1], Delta::text("The change "));
        let ids: Vec<String> = out
            .iter()
            .filter_map(|d| match d {
                Delta::ToolCall { call } => Some(call.id.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(ids.len(), 2);
        assert_ne!(ids[0], ids[1]);
        let again: Vec<Delta> = parse(11, STREAM);
        assert_eq!(out, again, "same request, same ids");
        let Some(Delta::Done { completion }) = out.last() else {
            panic!()
        };
        assert_eq!(completion.stop, StopReason::ToolUse);
        assert_eq!(completion.usage, TokenUsage::known(640, 50, 100));
    }

    #[test]
    fn results_become_function_responses_without_made_up_ids() {
        let req = ChatRequest {
            system: "sys".into(),
            messages: vec![
                Message::User {
                    text: "review".into(),
                },
                Message::Assistant {
                    text: String::new(),
                    tool_calls: vec![ToolCall {
                        id: synth_call_id(3, 0),
                        name: "read_file".into(),
                        args: json!({"path": "calc.py"}),
                        signature: None,
                    }],
                    text_signature: None,
                    reasoning: Vec::new(),
                },
                Message::ToolResult {
                    call_id: synth_call_id(3, 0),
                    tool_name: "read_file".into(),
                    content: "1: def add".into(),
                    is_error: false,
                },
            ],
            tools: vec![],
            max_tokens: 8192,
        };
        let b = request_body(&req);
        assert_eq!(b["systemInstruction"], json!({"parts": [{"text": "sys"}]}));
        assert_eq!(
            b["contents"][1],
            json!({"role": "model", "parts": [{"functionCall": {"name": "read_file", "args": {"path": "calc.py"}}}]})
        );
        assert_eq!(
            b["contents"][2],
            json!({"role": "user", "parts": [{"functionResponse": {"name": "read_file", "response": {"content": "1: def add"}}}]})
        );
        assert_eq!(b["generationConfig"], json!({"maxOutputTokens": 8192}));
    }
}
