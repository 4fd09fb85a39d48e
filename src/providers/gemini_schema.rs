//! Tool parameters in the form Gemini documents: its `Schema` is a select subset of OpenAPI
//! 3.0, not JSON Schema, and the API refuses a field it does not know (the Developer API and
//! Vertex alike), e.g. `additionalProperties`.
//!
//! Owns turning the JSON Schema every tool is described with into that subset, keeping
//! what the model needs (types, descriptions, enums, required fields, bounds). The fields are
//! those of `Schema` in the official google-genai types (ai.google.dev/api/caching#Schema):
//! type, format, title, description, nullable, enum, items, minItems, maxItems, properties,
//! required, minProperties, maxProperties, minLength, maxLength, pattern, example, anyOf,
//! propertyOrdering, default, minimum, maximum. Must not know about requests or streams.

use serde_json::{Map, Value};

/// Fields copied as they are.
const PLAIN: &[&str] = &[
    "title",
    "description",
    "nullable",
    "minItems",
    "maxItems",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "propertyOrdering",
    "default",
    "minimum",
    "maximum",
];

/// The only `format`s the Developer API accepts (others fail the request).
const FORMATS: &[&str] = &["enum", "date-time"];

/// The fields given their own treatment below; with `PLAIN`, every field the documented
/// `Schema` has.
const SHAPED: &[&str] = &["type", "format", "enum", "items", "properties", "anyOf"];

/// Whether `field` is one of the documented `Schema`'s.
pub fn documented(field: &str) -> bool {
    PLAIN.contains(&field) || SHAPED.contains(&field)
}

/// How deep `$ref`s are followed (a recursive schema stops there).
const MAX_REF_DEPTH: usize = 8;

/// `schema` (JSON Schema) as Gemini's `Schema`. What has no counterpart is left out:
/// `additionalProperties` (the model is told the properties; the tools check what they get),
/// `$schema`, `allOf` of several, and formats other than `enum` and `date-time`. What MCP
/// servers generate from their types is brought into the subset: local `$ref`s (`#/$defs/X`)
/// are inlined, a one-member `allOf` is merged, `oneOf` reads as `anyOf`, and a `null`
/// member of `anyOf` (an optional field) becomes `nullable`.
pub fn to_gemini_schema(schema: &Value) -> Value {
    convert(&inline_refs(schema, schema, 0))
}

/// `v` with local `$ref`s replaced by what they point at (`root`'s `$defs`/`definitions`)
/// and one-member `allOf`s merged into their parent.
fn inline_refs(v: &Value, root: &Value, depth: usize) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                let target = r.strip_prefix('#').and_then(|p| root.pointer(p));
                match target {
                    Some(_) if depth >= MAX_REF_DEPTH => {
                        // A recursive type, this deep: an object the model is not shown.
                        out.insert("type".into(), Value::String("object".into()));
                    }
                    Some(t) => {
                        if let Value::Object(t) = inline_refs(t, root, depth + 1) {
                            out = t;
                        }
                    }
                    None => {}
                }
            }
            let one_of_all = o
                .get("allOf")
                .and_then(Value::as_array)
                .filter(|a| a.len() == 1);
            if let Some(one) = one_of_all.and_then(|a| a.first()) {
                if let Value::Object(m) = inline_refs(one, root, depth) {
                    for (k, v) in m {
                        out.entry(k).or_insert(v);
                    }
                }
            }
            for (k, child) in o {
                let merged = k == "allOf" && one_of_all.is_some();
                if merged || matches!(k.as_str(), "$ref" | "$defs" | "definitions") {
                    continue;
                }
                out.insert(k.clone(), inline_refs(child, root, depth));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| inline_refs(x, root, depth)).collect()),
        other => other.clone(),
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
}

fn convert(schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    match obj.get("type") {
        Some(Value::String(t)) => {
            out.insert("type".into(), Value::String(t.to_ascii_uppercase()));
        }
        // `["string", "null"]`: the type, and that it may be null.
        Some(Value::Array(ts)) => {
            let named: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
            if let Some(t) = named.iter().find(|t| **t != "null") {
                out.insert("type".into(), Value::String(t.to_ascii_uppercase()));
            }
            if named.contains(&"null") {
                out.insert("nullable".into(), Value::Bool(true));
            }
        }
        _ => {}
    }
    for key in PLAIN {
        if let Some(v) = obj.get(*key) {
            out.insert((*key).to_string(), v.clone());
        }
    }
    if let Some(f) = obj.get("format").and_then(Value::as_str) {
        if FORMATS.contains(&f) {
            out.insert("format".into(), Value::String(f.into()));
        }
    }
    // Enums are lists of strings in this subset; `const` is a one-value enum.
    let values = obj
        .get("enum")
        .and_then(Value::as_array)
        .cloned()
        .or_else(|| obj.get("const").map(|c| vec![c.clone()]));
    if let Some(values) = values.filter(|v| v.iter().all(Value::is_string)) {
        out.insert("enum".into(), Value::Array(values));
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        let props: Map<String, Value> =
            props.iter().map(|(k, v)| (k.clone(), convert(v))).collect();
        out.insert("properties".into(), Value::Object(props));
    }
    if let Some(items) = obj.get("items") {
        out.insert("items".into(), convert(items));
    }
    let any = obj
        .get("anyOf")
        .or_else(|| obj.get("oneOf"))
        .and_then(Value::as_array);
    if let Some(any) = any {
        let (nulls, rest): (Vec<&Value>, Vec<&Value>) = any.iter().partition(|v| is_null_schema(v));
        if !nulls.is_empty() {
            out.insert("nullable".into(), Value::Bool(true));
        }
        match rest.as_slice() {
            // `Optional[T]`: T, nullable.
            [one] if !nulls.is_empty() => {
                if let Value::Object(m) = convert(one) {
                    for (k, v) in m {
                        out.entry(k).or_insert(v);
                    }
                }
            }
            [] => {}
            _ => {
                out.insert(
                    "anyOf".into(),
                    Value::Array(rest.iter().map(|v| convert(v)).collect()),
                );
            }
        }
    }
    Value::Object(out)
}

/// Field names in `schema` (at any depth) that the documented `Schema` does not have, with
/// where they are (`items.additionalProperties`).
pub fn undocumented_fields(schema: &Value) -> Vec<String> {
    fn walk(v: &Value, at: &str, out: &mut Vec<String>) {
        let Some(obj) = v.as_object() else { return };
        let here = |k: &str| {
            if at.is_empty() {
                k.to_string()
            } else {
                format!("{at}.{k}")
            }
        };
        for (k, child) in obj {
            if !documented(k) {
                out.push(here(k));
                continue;
            }
            match k.as_str() {
                "properties" => {
                    for (name, p) in child.as_object().into_iter().flatten() {
                        walk(p, &here(&format!("properties.{name}")), out);
                    }
                }
                "items" => walk(child, &here("items"), out),
                "anyOf" => {
                    for (i, s) in child.as_array().into_iter().flatten().enumerate() {
                        walk(s, &here(&format!("anyOf[{i}]")), out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(schema, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn additional_properties_go_at_every_depth() {
        let s = json!({"type": "object", "additionalProperties": false, "properties": {
            "tasks": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                "properties": {"id": {"type": "string"}}, "required": ["id"]}}}, "required": ["tasks"]});
        let g = to_gemini_schema(&s);
        assert_eq!(
            g,
            json!({"type": "OBJECT", "required": ["tasks"], "properties": {
                "tasks": {"type": "ARRAY", "items": {"type": "OBJECT", "required": ["id"],
                    "properties": {"id": {"type": "STRING"}}}}}})
        );
        assert!(undocumented_fields(&g).is_empty());
        assert_eq!(
            undocumented_fields(&s),
            vec![
                "additionalProperties",
                "properties.tasks.items.additionalProperties"
            ]
        );
    }

    #[test]
    fn types_take_the_documented_names_and_null_becomes_nullable() {
        assert_eq!(
            to_gemini_schema(&json!({"type": "integer", "minimum": 1, "maximum": 3})),
            json!({"type": "INTEGER", "minimum": 1, "maximum": 3})
        );
        assert_eq!(
            to_gemini_schema(&json!({"type": ["string", "null"]})),
            json!({"type": "STRING", "nullable": true})
        );
    }

    #[test]
    fn enums_stay_string_lists_and_const_is_a_one_value_enum() {
        assert_eq!(
            to_gemini_schema(&json!({"type": "string", "enum": ["low", "high"]})),
            json!({"type": "STRING", "enum": ["low", "high"]})
        );
        assert_eq!(
            to_gemini_schema(&json!({"type": "string", "const": "approve"})),
            json!({"type": "STRING", "enum": ["approve"]})
        );
        // Not strings: no enum in this subset, the type stays.
        assert_eq!(
            to_gemini_schema(&json!({"type": "integer", "enum": [1, 2]})),
            json!({"type": "INTEGER"})
        );
    }

    #[test]
    fn only_the_formats_the_developer_api_accepts_are_kept() {
        assert_eq!(
            to_gemini_schema(&json!({"type": "string", "format": "date-time"})),
            json!({"type": "STRING", "format": "date-time"})
        );
        assert_eq!(
            to_gemini_schema(&json!({"type": "string", "format": "uri"})),
            json!({"type": "STRING"})
        );
    }

    #[test]
    fn json_schema_only_keywords_are_left_out_and_any_of_is_followed() {
        let s = json!({"$schema": "x", "oneOf": [], "anyOf": [{"type": "string", "additionalProperties": true}],
            "description": "d", "default": "a", "pattern": "^a"});
        let g = to_gemini_schema(&s);
        assert_eq!(
            g,
            json!({"anyOf": [{"type": "STRING"}], "description": "d", "default": "a", "pattern": "^a"})
        );
        assert!(undocumented_fields(&g).is_empty());
    }

    /// What an MCP server built on pydantic (FastMCP) sends for
    /// `def add(item: Item, note: str | None = None, tags: list[Tag] = [])`.
    #[test]
    fn what_mcp_servers_send_comes_out_in_the_documented_form() {
        let s = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object", "additionalProperties": false, "title": "addArguments",
            "$defs": {
                "Item": {"type": "object", "properties": {"name": {"type": "string"},
                    "next": {"$ref": "#/$defs/Item"}}, "required": ["name"], "title": "Item"},
                "Tag": {"type": "string", "enum": ["a", "b"], "title": "Tag"}
            },
            "properties": {
                "item": {"$ref": "#/$defs/Item", "description": "the item"},
                "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null},
                "tags": {"type": "array", "items": {"allOf": [{"$ref": "#/$defs/Tag"}]}},
                "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]}
            },
            "required": ["item"]
        });
        let g = to_gemini_schema(&s);
        assert!(
            undocumented_fields(&g).is_empty(),
            "{:?}",
            undocumented_fields(&g)
        );
        let p = &g["properties"];
        assert_eq!(p["item"]["type"], "OBJECT");
        assert_eq!(p["item"]["description"], "the item");
        assert_eq!(p["item"]["properties"]["name"], json!({"type": "STRING"}));
        // A recursive type ends where the depth does, still in the documented form.
        let (mut next, mut levels) = (&p["item"], 0);
        while !next.is_null() {
            assert_eq!(next["type"], "OBJECT", "{next}");
            next = &next["properties"]["next"];
            levels += 1;
        }
        assert!((2..=MAX_REF_DEPTH + 1).contains(&levels), "{levels} levels");
        assert_eq!(
            p["note"],
            json!({"type": "STRING", "nullable": true, "default": null})
        );
        assert_eq!(
            p["tags"]["items"],
            json!({"type": "STRING", "enum": ["a", "b"], "title": "Tag"})
        );
        assert_eq!(
            p["either"],
            json!({"anyOf": [{"type": "STRING"}, {"type": "INTEGER"}]})
        );
        assert_eq!(g["required"], json!(["item"]));
    }

    #[test]
    fn every_tool_conclave_sends_is_in_the_documented_form() {
        for t in crate::agents::tools::all_tools() {
            let g = to_gemini_schema(&t.schema);
            assert!(
                undocumented_fields(&g).is_empty(),
                "{}: {:?}",
                t.name,
                undocumented_fields(&g)
            );
            assert_eq!(g["type"], "OBJECT", "{}", t.name);
        }
    }
}
