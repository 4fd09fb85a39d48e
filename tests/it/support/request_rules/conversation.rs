//! The conversation rules each API enforces on the history a request carries.
//!
//! - Chat Completions: an assistant message's `tool_calls` are each answered by a `tool`
//!   message right after it, and a `tool` message answers a call of that assistant message.
//! - Responses: a `function_call_output` answers a `function_call` earlier in the input, and
//!   every `function_call` gets its output.
//! - Anthropic: the first message is the user's, roles alternate, `max_tokens` is set; the
//!   `tool_result` blocks of a user message answer the `tool_use` blocks of the assistant
//!   message just before it (all of them) and come before any other block.
//! - Gemini: roles are `user` and `model` only; a content with `functionResponse` parts follows
//!   a `model` content whose `functionCall` names are the same, one for one.
//!
//! Owns these checks. Must not look at the shape (see `shape`).

use super::{Violation, Wire};
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) fn check(wire: Wire, body: &Value, out: &mut Vec<Violation>) {
    match wire {
        Wire::ChatCompletions => chat(body, out),
        Wire::Responses => responses(body, out),
        Wire::Anthropic => anthropic(body, out),
        Wire::Gemini => gemini(body, out),
    }
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    list(v)
        .iter()
        .filter_map(|c| c[key].as_str().map(str::to_string))
        .collect()
}

fn chat(body: &Value, out: &mut Vec<Violation>) {
    let mut open: Vec<String> = Vec::new();
    let mut opened_at = 0;
    for (i, m) in list(&body["messages"]).iter().enumerate() {
        let at = format!("$.messages[{i}]");
        if m["role"] == "tool" {
            let id = m["tool_call_id"].as_str().unwrap_or_default();
            match open.iter().position(|o| o == id) {
                Some(p) => {
                    open.remove(p);
                }
                None => out.push(Violation::new(
                    "tool-result-answers-call",
                    at,
                    format!("a tool message for `{id}`, which the assistant message before it did not call"),
                )),
            }
            continue;
        }
        unanswered(&open, &format!("$.messages[{opened_at}]"), out);
        open = if m["role"] == "assistant" {
            ids(&m["tool_calls"], "id")
        } else {
            Vec::new()
        };
        opened_at = i;
    }
    unanswered(&open, &format!("$.messages[{opened_at}]"), out);
}

fn unanswered(open: &[String], at: &str, out: &mut Vec<Violation>) {
    if !open.is_empty() {
        out.push(Violation::new(
            "tool-call-answered",
            at,
            format!("tool calls {open:?} have no result after them"),
        ));
    }
}

fn responses(body: &Value, out: &mut Vec<Violation>) {
    let mut calls = BTreeSet::new();
    let mut answered = BTreeSet::new();
    for (i, item) in list(&body["input"]).iter().enumerate() {
        let id = item["call_id"].as_str().unwrap_or_default().to_string();
        match item["type"].as_str() {
            Some("function_call") => {
                calls.insert(id);
            }
            Some("function_call_output") => {
                if !calls.contains(&id) {
                    out.push(Violation::new(
                        "tool-result-answers-call",
                        format!("$.input[{i}]"),
                        format!("function_call_output for `{id}`, which no function_call before it made"),
                    ));
                }
                answered.insert(id);
            }
            _ => {}
        }
    }
    let open: Vec<String> = calls.difference(&answered).cloned().collect();
    unanswered(&open, "$.input", out);
}

fn blocks(m: &Value) -> &[Value] {
    list(&m["content"])
}

fn anthropic(body: &Value, out: &mut Vec<Violation>) {
    if body["max_tokens"].as_u64().unwrap_or(0) == 0 {
        out.push(Violation::new(
            "anthropic-max-tokens",
            "$.max_tokens",
            "max_tokens is required and must be at least 1",
        ));
    }
    let msgs = list(&body["messages"]);
    for (i, m) in msgs.iter().enumerate() {
        let at = format!("$.messages[{i}]");
        let role = m["role"].as_str().unwrap_or_default();
        let expected = if i % 2 == 0 { "user" } else { "assistant" };
        if role != expected {
            out.push(Violation::new(
                "anthropic-alternation",
                &at,
                format!("role `{role}` where `{expected}` belongs: the first message is the user's and roles alternate"),
            ));
        }
        let results: Vec<String> = blocks(m)
            .iter()
            .filter(|b| b["type"] == "tool_result")
            .filter_map(|b| b["tool_use_id"].as_str().map(str::to_string))
            .collect();
        let asked: Vec<String> = match i.checked_sub(1).map(|p| &msgs[p]) {
            Some(prev) if prev["role"] == "assistant" => blocks(prev)
                .iter()
                .filter(|b| b["type"] == "tool_use")
                .filter_map(|b| b["id"].as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for r in results.iter().filter(|r| !asked.contains(r)) {
            out.push(Violation::new(
                "tool-result-answers-call",
                &at,
                format!(
                    "tool_result for `{r}`, which the assistant message before it did not call"
                ),
            ));
        }
        let open: Vec<String> = asked.into_iter().filter(|a| !results.contains(a)).collect();
        unanswered(&open, &at, out);
        let first_other = blocks(m).iter().position(|b| b["type"] != "tool_result");
        let last_result = blocks(m).iter().rposition(|b| b["type"] == "tool_result");
        if let (Some(o), Some(r)) = (first_other, last_result) {
            if o < r {
                out.push(Violation::new(
                    "anthropic-tool-result-first",
                    &at,
                    "tool_result blocks must come before any other block of the message",
                ));
            }
        }
    }
    // The last assistant message's calls must be answered too (the next message would do it).
    if let Some(last) = msgs.last().filter(|m| m["role"] == "assistant") {
        let open: Vec<String> = blocks(last)
            .iter()
            .filter(|b| b["type"] == "tool_use")
            .filter_map(|b| b["id"].as_str().map(str::to_string))
            .collect();
        unanswered(&open, &format!("$.messages[{}]", msgs.len() - 1), out);
    }
}

fn names(content: &Value, part: &str) -> Vec<String> {
    let mut n: Vec<String> = list(&content["parts"])
        .iter()
        .filter_map(|p| p[part]["name"].as_str().map(str::to_string))
        .collect();
    n.sort();
    n
}

fn gemini(body: &Value, out: &mut Vec<Violation>) {
    let contents = list(&body["contents"]);
    for (i, c) in contents.iter().enumerate() {
        let at = format!("$.contents[{i}]");
        let role = c["role"].as_str().unwrap_or("(none)");
        if role != "user" && role != "model" {
            out.push(Violation::new(
                "gemini-roles",
                format!("{at}.role"),
                format!("role `{role}`: only `user` and `model` are allowed"),
            ));
        }
        let answers = names(c, "functionResponse");
        let calls = match i.checked_sub(1).map(|p| &contents[p]) {
            Some(prev) if prev["role"] == "model" => names(prev, "functionCall"),
            _ => Vec::new(),
        };
        if !answers.is_empty() && answers != calls {
            out.push(Violation::new(
                "gemini-function-response-names",
                &at,
                format!("functionResponse names {answers:?} differ from the previous model turn's functionCall names {calls:?}"),
            ));
        }
        if answers.is_empty() && !calls.is_empty() {
            unanswered(&calls, &format!("$.contents[{}]", i - 1), out);
        }
    }
    if let Some(last) = contents.last().filter(|c| c["role"] == "model") {
        unanswered(
            &names(last, "functionCall"),
            &format!("$.contents[{}]", contents.len() - 1),
            out,
        );
    }
}
