//! What MCP servers send, in the shapes the rest of conclave takes: a tool's name as the
//! model sees it, its input schema as every wire accepts it, and a call's result as text.
//!
//! Pure functions; must not talk to a server.

use serde_json::{Map, Value};

/// Function names every wire accepts: OpenAI and Anthropic allow `[a-zA-Z0-9_-]{1,64}`.
const MAX_NAME: usize = 64;
/// Bytes of a server's tool description kept for the model.
const MAX_DESCRIPTION: usize = 2048;

/// `mcp__<server>__<tool>` (Claude Code's convention), with characters no wire accepts
/// made `_`; None when it would be longer than any wire accepts.
pub fn exposed_name(server: &str, tool: &str) -> Option<String> {
    let clean: String = tool
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!("mcp__{server}__{clean}");
    (!tool.is_empty() && name.len() <= MAX_NAME).then_some(name)
}

/// The tool's input schema as a tool's parameters: always an object schema (a server may
/// leave out `type` or `properties`); `$schema` says nothing to a model and is dropped.
pub fn parameters(schema: &Map<String, Value>) -> Value {
    let mut s = schema.clone();
    s.remove("$schema");
    if !s.get("type").is_some_and(|t| t == "object") {
        s.insert("type".into(), Value::String("object".into()));
    }
    if !s.get("properties").is_some_and(Value::is_object) {
        s.insert("properties".into(), Value::Object(Map::new()));
    }
    Value::Object(s)
}

pub fn description(server: &str, tool: &str, given: Option<&str>) -> String {
    let d = given.map(str::trim).filter(|d| !d.is_empty());
    let mut d = d
        .map(String::from)
        .unwrap_or_else(|| format!("Tool `{tool}` of the MCP server `{server}`."));
    if d.len() > MAX_DESCRIPTION {
        let mut end = MAX_DESCRIPTION;
        while !d.is_char_boundary(end) {
            end -= 1;
        }
        d.truncate(end);
        d.push('…');
    }
    d
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Approximate decoded size of base64 `data`.
fn decoded_len(data: &str) -> usize {
    let data = data.trim();
    let pad = data.len() - data.trim_end_matches('=').len();
    (data.len() / 4 * 3).saturating_sub(pad)
}

/// One content block as text: text as it is, everything else summarised.
fn block_text(b: &Value) -> String {
    match str_of(b, "type") {
        "text" => str_of(b, "text").to_string(),
        kind @ ("image" | "audio") => format!(
            "[{kind} {}, about {} bytes, not shown]",
            str_of(b, "mimeType"),
            decoded_len(str_of(b, "data"))
        ),
        "resource" => {
            let r = b.get("resource").cloned().unwrap_or(Value::Null);
            match r.get("text").and_then(Value::as_str) {
                Some(t) => format!("[resource {}]\n{t}", str_of(&r, "uri")),
                None => format!(
                    "[resource {} {}, about {} bytes of binary, not shown]",
                    str_of(&r, "uri"),
                    str_of(&r, "mimeType"),
                    decoded_len(str_of(&r, "blob"))
                ),
            }
        }
        "resource_link" => format!("[resource link {} {}]", str_of(b, "uri"), str_of(b, "name")),
        other => format!("[{other} content, not shown]"),
    }
}

/// A `tools/call` result as (ok, text): text blocks joined, other content summarised,
/// structured content when there is nothing else; `isError` makes it not ok.
pub fn result_text(result: &Value) -> (bool, String) {
    let ok = !result
        .get("isError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let blocks: Vec<String> = result
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(block_text)
        .collect();
    let text = if blocks.is_empty() {
        match result.get("structuredContent") {
            Some(s) if !s.is_null() => s.to_string(),
            _ => "(the tool returned no content)".into(),
        }
    } else {
        blocks.join("\n")
    };
    (ok, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_the_convention_and_fit_every_wire() {
        assert_eq!(
            exposed_name("notes", "note").as_deref(),
            Some("mcp__notes__note")
        );
        assert_eq!(
            exposed_name("fs", "read.file v2").as_deref(),
            Some("mcp__fs__read_file_v2")
        );
        assert_eq!(exposed_name("fs", &"x".repeat(60)), None);
        assert_eq!(exposed_name("fs", ""), None);
    }

    #[test]
    fn schemas_become_object_schemas_without_dollar_schema() {
        let given = json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"text": {"type": "string"}}, "required": ["text"], "additionalProperties": false});
        let p = parameters(given.as_object().unwrap());
        assert_eq!(
            p,
            json!({"type": "object", "properties": {"text": {"type": "string"}},
                "required": ["text"], "additionalProperties": false})
        );
        assert_eq!(
            parameters(&Map::new()),
            json!({"type": "object", "properties": {}})
        );
    }

    #[test]
    fn results_join_text_and_summarise_the_rest() {
        let r = json!({"content": [
            {"type": "text", "text": "first"},
            {"type": "image", "mimeType": "image/png", "data": "iVBORw0KGgoAAAA="},
            {"type": "resource", "resource": {"uri": "file:///a.txt", "text": "inside"}},
            {"type": "resource", "resource": {"uri": "file:///b.bin", "mimeType": "application/zip", "blob": "AAAA"}},
            {"type": "resource_link", "uri": "file:///c", "name": "c"},
            {"type": "hologram"}
        ]});
        let (ok, text) = result_text(&r);
        assert!(ok);
        assert_eq!(
            text,
            "first\n[image image/png, about 11 bytes, not shown]\n[resource file:///a.txt]\ninside\n\
             [resource file:///b.bin application/zip, about 3 bytes of binary, not shown]\n\
             [resource link file:///c c]\n[hologram content, not shown]"
        );
        let (ok, text) =
            result_text(&json!({"content": [{"type": "text", "text": "no"}], "isError": true}));
        assert_eq!((ok, text.as_str()), (false, "no"));
        let (ok, text) = result_text(&json!({"content": [], "structuredContent": {"n": 1}}));
        assert_eq!((ok, text.as_str()), (true, "{\"n\":1}"));
    }
}
