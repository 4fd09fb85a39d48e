//! What the real Gemini API refuses, for the test server to refuse the same way: tool
//! parameters outside its documented `Schema` subset, and (for Gemini 3 models) a history
//! whose function call lost the `thoughtSignature` the model put on it.
//!
//! Owns those two checks and the messages the API gives (as seen on a real 400), and the
//! `Schema` field list and type names the request-shape checker (`request_rules`) uses too.
//! Must not share code with conclave's own Gemini wire: a client checked against itself
//! proves nothing. Field list: `Schema` in the google-genai types
//! (ai.google.dev/api/caching#Schema); types: its `Type` enum; signatures:
//! ai.google.dev/gemini-api/docs/thought-signatures.

use serde_json::Value;
use std::collections::HashMap;

const SCHEMA_FIELDS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "items",
    "minItems",
    "maxItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "minimum",
    "maximum",
];

/// `Schema.type` values (the `Type` enum of ai.google.dev/api/caching#Type).
const SCHEMA_TYPES: &[&str] = &[
    "TYPE_UNSPECIFIED",
    "STRING",
    "NUMBER",
    "INTEGER",
    "BOOLEAN",
    "ARRAY",
    "OBJECT",
    "NULL",
];

/// Every field of `schema` (at any depth) outside the documented `Schema`, and every type
/// name outside its `Type` enum, as (path, problem).
pub fn schema_violations(schema: &Value, at: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    schema_walk(schema, at, &mut out);
    out
}

fn schema_walk(schema: &Value, at: &str, out: &mut Vec<(String, String)>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    for (k, v) in obj {
        let here = format!("{at}.{k}");
        if !SCHEMA_FIELDS.contains(&k.as_str()) {
            out.push((here, format!("`{k}` is not a field of Gemini's Schema")));
            continue;
        }
        match k.as_str() {
            "type" if !v.as_str().is_some_and(|t| SCHEMA_TYPES.contains(&t)) => {
                out.push((here, format!("{v} is not a Gemini Schema type")))
            }
            "properties" => {
                for (name, p) in v.as_object().into_iter().flatten() {
                    schema_walk(p, &format!("{here}.{name}"), out);
                }
            }
            "items" => schema_walk(v, &here, out),
            "anyOf" => {
                for (i, s) in v.as_array().into_iter().flatten().enumerate() {
                    schema_walk(s, &format!("{here}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
}

/// The signatures the server handed out, by call (name and arguments).
#[derive(Default)]
pub struct Signatures(HashMap<String, String>);

fn call_key(call: &Value) -> String {
    format!("{}:{}", call["name"].as_str().unwrap_or(""), call["args"])
}

impl Signatures {
    /// Notes every signed function call in a served SSE body.
    pub fn remember(&mut self, sse: &str) {
        for line in sse.lines() {
            let Some(data) = line.strip_prefix("data: ") else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(data) else {
                continue;
            };
            for part in v["candidates"][0]["content"]["parts"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let (Some(call), Some(sig)) =
                    (part.get("functionCall"), part["thoughtSignature"].as_str())
                {
                    self.0.insert(call_key(call), sig.to_string());
                }
            }
        }
    }
}

/// The API's 400 for `body` sent to `target`, if it would give one.
pub fn refusal(target: &str, body: &Value, served: &Signatures) -> Option<String> {
    for (t, tool) in body["tools"].as_array().into_iter().flatten().enumerate() {
        for (d, decl) in tool["functionDeclarations"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("tools[{t}].function_declarations[{d}].parameters");
            if let Some((name, path)) = unknown_field(&decl["parameters"], &at) {
                return Some(invalid(&format!(
                    "Invalid JSON payload received. Unknown name \"{name}\" at '{path}': Cannot find field."
                )));
            }
        }
    }
    if !target.contains("/models/gemini-3") {
        return None;
    }
    for (c, content) in body["contents"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if content["role"] != "model" {
            continue;
        }
        for part in content["parts"].as_array().into_iter().flatten() {
            let Some(call) = part.get("functionCall") else {
                continue;
            };
            let Some(sig) = served.0.get(&call_key(call)) else {
                continue;
            };
            if part["thoughtSignature"].as_str() != Some(sig.as_str()) {
                return Some(invalid(&format!(
                    "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:{}` , position {}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
                    call["name"].as_str().unwrap_or(""),
                    c + 1
                )));
            }
        }
    }
    None
}

fn invalid(message: &str) -> String {
    serde_json::json!({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}})
        .to_string()
}

/// The first field (depth first) the documented `Schema` does not have, with its path.
fn unknown_field(schema: &Value, at: &str) -> Option<(String, String)> {
    let obj = schema.as_object()?;
    for (k, v) in obj {
        if !SCHEMA_FIELDS.contains(&k.as_str()) {
            return Some((k.clone(), at.to_string()));
        }
        let found = match k.as_str() {
            "properties" => v.as_object().into_iter().flatten().find_map(|(name, p)| {
                unknown_field(p, &format!("{at}.properties[{}].value", quote(name)))
            }),
            "items" => unknown_field(v, &format!("{at}.items")),
            "anyOf" => v
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .find_map(|(i, s)| unknown_field(s, &format!("{at}.any_of[{i}]"))),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn quote(s: &str) -> String {
    format!("\"{s}\"")
}
