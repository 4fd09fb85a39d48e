//! Streams and error bodies written exactly as each provider sends them (providers.md).
//!
//! Owns turning an abstract `Answer` (thinking, text pieces, tool calls with their argument
//! fragments, usage) into the SSE events of the OpenAI (Chat Completions and Responses),
//! Anthropic and Gemini wires, plus the faults tests inject into them. Must not do I/O: `provider_server` sends what this writes.

use serde_json::{json, Value};

/// What the model "says", in the pieces it says it in.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub model: String,
    pub thinking: Vec<String>,
    pub text: Vec<String>,
    pub calls: Vec<Call>,
    /// (input incl. cached, output, cached); None: the server reports no usage.
    pub usage: Option<(u64, u64, u64)>,
    /// Gemini: the thought signature of this step, on its first function call (or, with no
    /// call, on its last text part), as Gemini 3 sends it. Responses: the `encrypted_content`
    /// of the step's reasoning item (a reasoning model sends one per step).
    pub signature: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Call {
    pub id: String,
    pub name: String,
    /// The arguments as the JSON text the model writes...
    pub args: String,
    /// ...delivered in this many fragments.
    pub fragments: usize,
}

impl Call {
    pub fn new(id: &str, name: &str, args: Value, fragments: usize) -> Self {
        Call {
            id: id.into(),
            name: name.into(),
            args: args.to_string(),
            fragments,
        }
    }
}

/// Cuts `s` into `n` pieces on character boundaries (pieces may be empty when n > chars).
pub fn fragments(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let n = n.max(1);
    let per = chars.len().div_ceil(n).max(1);
    let mut out: Vec<String> = chars.chunks(per).map(|c| c.iter().collect()).collect();
    out.resize(n.max(out.len()), String::new());
    out
}

fn data(v: &Value) -> String {
    format!("data: {v}\n\n")
}

/// OpenAI chat completion chunks, `[DONE]` last.
pub fn openai_events(a: &Answer) -> Vec<String> {
    let chunk = |delta: Value, finish: Value| {
        data(
            &json!({"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1732400000,
            "model": a.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}),
        )
    };
    let mut ev = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    for t in &a.thinking {
        ev.push(chunk(json!({"reasoning_content": t}), Value::Null));
    }
    for t in &a.text {
        ev.push(chunk(json!({"content": t}), Value::Null));
    }
    for (i, c) in a.calls.iter().enumerate() {
        ev.push(chunk(
            json!({"tool_calls": [{"index": i, "id": c.id, "type": "function",
                   "function": {"name": c.name, "arguments": ""}}]}),
            Value::Null,
        ));
        for f in fragments(&c.args, c.fragments) {
            ev.push(chunk(
                json!({"tool_calls": [{"index": i, "function": {"arguments": f}}]}),
                Value::Null,
            ));
        }
    }
    let finish = if a.calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    ev.push(chunk(json!({}), json!(finish)));
    if let Some((i, o, c)) = a.usage {
        ev.push(data(
            &json!({"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1732400000,
            "model": a.model, "choices": [], "usage": {"prompt_tokens": i, "completion_tokens": o,
            "total_tokens": i + o, "prompt_tokens_details": {"cached_tokens": c}}}),
        ));
    }
    ev.push("data: [DONE]\n\n".into());
    ev
}

fn named(name: &str, v: Value) -> String {
    format!("event: {name}\ndata: {v}\n\n")
}

/// Anthropic message events, `message_stop` last.
pub fn anthropic_events(a: &Answer) -> Vec<String> {
    let (input, output, cached) = a.usage.unwrap_or((0, 0, 0));
    let mut ev = vec![named(
        "message_start",
        json!({"type": "message_start", "message": {
        "id": "msg_01", "type": "message", "role": "assistant", "model": a.model, "content": [],
        "stop_reason": null, "usage": {"input_tokens": input - cached, "output_tokens": 1,
        "cache_creation_input_tokens": 0, "cache_read_input_tokens": cached}}}),
    )];
    let mut index = 0;
    if !a.thinking.is_empty() {
        ev.push(named(
            "content_block_start",
            json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "thinking", "thinking": ""}}),
        ));
        for t in &a.thinking {
            ev.push(named(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "thinking_delta", "thinking": t}}),
            ));
        }
        ev.push(named(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index,
            "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM"}}),
        ));
        ev.push(named(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
        index += 1;
    }
    ev.push(named(
        "content_block_start",
        json!({"type": "content_block_start", "index": index,
        "content_block": {"type": "text", "text": ""}}),
    ));
    ev.push(named("ping", json!({"type": "ping"})));
    for t in &a.text {
        ev.push(named(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index,
            "delta": {"type": "text_delta", "text": t}}),
        ));
    }
    ev.push(named(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": index}),
    ));
    for c in &a.calls {
        index += 1;
        ev.push(named(
            "content_block_start",
            json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "tool_use", "id": c.id, "name": c.name, "input": {}}}),
        ));
        for f in fragments(&c.args, c.fragments) {
            ev.push(named(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": f}}),
            ));
        }
        ev.push(named(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
    }
    let stop = if a.calls.is_empty() {
        "end_turn"
    } else {
        "tool_use"
    };
    ev.push(named(
        "message_delta",
        json!({"type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": output}}),
    ));
    ev.push(named("message_stop", json!({"type": "message_stop"})));
    ev
}

/// Gemini `alt=sse` chunks in CRLF, the last one carrying `finishReason` and the calls.
pub fn gemini_events(a: &Answer) -> Vec<String> {
    let (input, output, cached) = a.usage.unwrap_or((0, 0, 0));
    let crlf = |v: Value| format!("data: {v}\r\n\r\n");
    let mut ev = Vec::new();
    let mut parts: Vec<Value> = a
        .thinking
        .iter()
        .map(|t| json!({"text": t, "thought": true}))
        .chain(a.text.iter().map(|t| json!({"text": t})))
        .collect();
    if let (Some(sig), true, Some(last)) = (&a.signature, a.calls.is_empty(), parts.last_mut()) {
        last["thoughtSignature"] = json!(sig);
    }
    for p in parts {
        ev.push(crlf(
            json!({"candidates": [{"content": {"role": "model", "parts": [p]}, "index": 0}],
            "usageMetadata": {"promptTokenCount": input, "totalTokenCount": input},
            "modelVersion": a.model}),
        ));
    }
    let calls: Vec<Value> = a
        .calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let args: Value = serde_json::from_str(&c.args).unwrap_or(json!({}));
            let mut part = json!({"functionCall": {"name": c.name, "args": args}});
            // Parallel calls: only the first of the step is signed.
            if let (0, Some(sig)) = (i, &a.signature) {
                part["thoughtSignature"] = json!(sig);
            }
            part
        })
        .collect();
    let mut last = json!({"candidates": [{"content": {"role": "model", "parts": calls},
        "finishReason": "STOP", "index": 0}], "modelVersion": a.model});
    if a.usage.is_some() {
        last["usageMetadata"] = json!({"promptTokenCount": input, "candidatesTokenCount": output,
            "cachedContentTokenCount": cached, "totalTokenCount": input + output});
    }
    ev.push(crlf(last));
    ev
}

/// A chunk that is not JSON, in the wire's framing.
pub fn malformed_event(gemini: bool) -> String {
    if gemini {
        "data: {\"candidates\":[{\"content\":\r\n\r\n".into()
    } else {
        "data: {\"choices\":[{\"delta\":{\"content\":\"oops\"\n\n".into()
    }
}

/// Anthropic's in-stream error event.
pub fn anthropic_error_event(kind: &str, message: &str) -> String {
    named(
        "error",
        json!({"type": "error", "error": {"type": kind, "message": message}}),
    )
}

pub fn openai_error(code: &str, message: &str) -> String {
    json!({"error": {"message": message, "type": code, "code": code, "param": null}}).to_string()
}

pub fn anthropic_error(kind: &str, message: &str) -> String {
    json!({"type": "error", "error": {"type": kind, "message": message}}).to_string()
}

pub fn gemini_error(code: u16, status: &str, message: &str, retry_delay: Option<&str>) -> String {
    let mut e = json!({"error": {"code": code, "message": message, "status": status}});
    if let Some(d) = retry_delay {
        e["error"]["details"] =
            json!([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": d}]);
    }
    e.to_string()
}

/// The `id` of the reasoning item whose `encrypted_content` is `sig`: stable per step.
pub fn reasoning_id(sig: &str) -> String {
    let h = sig.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    format!("rs_{h:016x}")
}

/// The reasoning item a Responses answer carries, if any: its summary is the thinking.
pub fn reasoning_item(a: &Answer) -> Option<Value> {
    if a.thinking.is_empty() && a.signature.is_none() {
        return None;
    }
    let sig = a
        .signature
        .clone()
        .unwrap_or_else(|| "gAAAAB-thinking".into());
    let summary: Vec<Value> = if a.thinking.is_empty() {
        vec![]
    } else {
        vec![json!({"type": "summary_text", "text": a.thinking.concat()})]
    };
    Some(
        json!({"id": reasoning_id(&sig), "type": "reasoning", "summary": summary,
        "encrypted_content": sig}),
    )
}

/// OpenAI Responses events, `response.completed` last: the reasoning item (summary deltas),
/// the message (text deltas), then each function call (argument deltas), with
/// `sequence_number`s in order.
pub fn responses_events(a: &Answer) -> Vec<String> {
    let mut seq = 0u64;
    let mut ev = Vec::new();
    let mut push = |mut v: Value| {
        v["sequence_number"] = json!(seq);
        seq += 1;
        ev.push(named(
            v["type"].as_str().unwrap_or("message").to_string().as_str(),
            v,
        ));
    };
    let response = |status: &str, output: Value, usage: Value| {
        json!({"id": "resp_0a1b2c", "object": "response", "created_at": 1741487325,
            "status": status, "error": null, "incomplete_details": null, "model": a.model,
            "output": output, "parallel_tool_calls": true, "store": false, "tool_choice": "auto",
            "tools": [], "usage": usage})
    };
    push(
        json!({"type": "response.created", "response": response("in_progress", json!([]), Value::Null)}),
    );
    push(
        json!({"type": "response.in_progress", "response": response("in_progress", json!([]), Value::Null)}),
    );
    let mut output = Vec::new();
    if let Some(item) = reasoning_item(a) {
        let id = item["id"].clone();
        let n = output.len();
        push(
            json!({"type": "response.output_item.added", "output_index": n,
            "item": {"id": id, "type": "reasoning", "summary": []}}),
        );
        if !a.thinking.is_empty() {
            push(
                json!({"type": "response.reasoning_summary_part.added", "item_id": id,
                "output_index": n, "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
            );
            for t in &a.thinking {
                push(
                    json!({"type": "response.reasoning_summary_text.delta", "item_id": id,
                    "output_index": n, "summary_index": 0, "delta": t}),
                );
            }
            push(
                json!({"type": "response.reasoning_summary_text.done", "item_id": id,
                "output_index": n, "summary_index": 0, "text": a.thinking.concat()}),
            );
            push(
                json!({"type": "response.reasoning_summary_part.done", "item_id": id,
                "output_index": n, "summary_index": 0,
                "part": {"type": "summary_text", "text": a.thinking.concat()}}),
            );
        }
        push(json!({"type": "response.output_item.done", "output_index": n, "item": item}));
        output.push(item);
    }
    if !a.text.is_empty() {
        let n = output.len();
        let id = "msg_67ccd2bf17f0819081ff3bb2cf6508e6";
        push(
            json!({"type": "response.output_item.added", "output_index": n, "item": {"id": id,
            "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
        );
        push(
            json!({"type": "response.content_part.added", "item_id": id, "output_index": n,
            "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}}),
        );
        for t in &a.text {
            push(
                json!({"type": "response.output_text.delta", "item_id": id, "output_index": n,
                "content_index": 0, "delta": t, "logprobs": []}),
            );
        }
        let part = json!({"type": "output_text", "text": a.text.concat(), "annotations": []});
        push(
            json!({"type": "response.output_text.done", "item_id": id, "output_index": n,
            "content_index": 0, "text": a.text.concat(), "logprobs": []}),
        );
        push(
            json!({"type": "response.content_part.done", "item_id": id, "output_index": n,
            "content_index": 0, "part": part}),
        );
        let item = json!({"id": id, "type": "message", "status": "completed",
            "role": "assistant", "content": [part]});
        push(json!({"type": "response.output_item.done", "output_index": n, "item": item}));
        output.push(item);
    }
    for (i, c) in a.calls.iter().enumerate() {
        let n = output.len();
        let id = format!("fc_68a1b2c3d4e5f6{i:02}");
        push(
            json!({"type": "response.output_item.added", "output_index": n, "item": {"id": id,
            "type": "function_call", "status": "in_progress", "arguments": "", "call_id": c.id,
            "name": c.name}}),
        );
        for f in fragments(&c.args, c.fragments) {
            push(
                json!({"type": "response.function_call_arguments.delta", "item_id": id,
                "output_index": n, "delta": f}),
            );
        }
        push(
            json!({"type": "response.function_call_arguments.done", "item_id": id,
            "name": c.name, "output_index": n, "arguments": c.args}),
        );
        let item = json!({"id": id, "type": "function_call", "status": "completed",
            "arguments": c.args, "call_id": c.id, "name": c.name});
        push(json!({"type": "response.output_item.done", "output_index": n, "item": item}));
        output.push(item);
    }
    let usage = match a.usage {
        Some((i, o, c)) => json!({"input_tokens": i, "input_tokens_details": {"cached_tokens": c},
            "output_tokens": o, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": i + o}),
        None => Value::Null,
    };
    push(
        json!({"type": "response.completed", "response": response("completed", json!(output), usage)}),
    );
    ev
}

/// A Responses `response.failed` event with the error `code`.
pub fn responses_failed_event(code: &str, message: &str) -> String {
    named(
        "response.failed",
        json!({"type": "response.failed", "sequence_number": 90, "response": {
            "id": "resp_0a1b2c", "object": "response", "status": "failed",
            "error": {"code": code, "message": message}, "incomplete_details": null,
            "output": [], "usage": null}}),
    )
}

/// A Responses `error` event, as documented (`code`, `message`, `param` at the top).
pub fn responses_error_event(code: &str, message: &str) -> String {
    named(
        "error",
        json!({"type": "error", "code": code, "message": message, "param": null,
            "sequence_number": 91}),
    )
}

/// A Responses `response.incomplete` terminator with `reason`.
pub fn responses_incomplete_event(reason: &str) -> String {
    named(
        "response.incomplete",
        json!({"type": "response.incomplete", "sequence_number": 92, "response": {
            "id": "resp_0a1b2c", "object": "response", "status": "incomplete", "error": null,
            "incomplete_details": {"reason": reason}, "output": [],
            "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 16, "output_tokens_details": {"reasoning_tokens": 16},
                "total_tokens": 26}}}),
    )
}
