//! The JSON Schema keywords a tool's parameters may use. OpenAI (both wires) and Anthropic
//! take JSON Schema (json-schema.org, draft 2020-12 vocabulary); Gemini takes its OpenAPI
//! `Schema` subset, whose field list and type names live in `gemini_rules.rs` with the Gemini
//! test server that refuses the rest.
//!
//! Owns finding each tool's schema in a request and walking it. Must not judge anything else.

use super::{Violation, Wire};
use serde_json::Value;

/// The keywords of the JSON Schema 2020-12 core, applicator, validation, format, content and
/// meta-data vocabularies, plus draft-07's `definitions` and `dependencies`.
const JSON_SCHEMA_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$comment",
    "$vocabulary",
    "definitions",
    "type",
    "enum",
    "const",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "required",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "minProperties",
    "maxProperties",
    "items",
    "prefixItems",
    "additionalItems",
    "contains",
    "minContains",
    "maxContains",
    "minItems",
    "maxItems",
    "uniqueItems",
    "unevaluatedItems",
    "unevaluatedProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

const JSON_SCHEMA_TYPES: &[&str] = &[
    "object", "array", "string", "number", "integer", "boolean", "null",
];

pub(super) fn check(wire: Wire, body: &Value, out: &mut Vec<Violation>) {
    for (t, tool) in body["tools"].as_array().into_iter().flatten().enumerate() {
        match wire {
            Wire::ChatCompletions => json_schema(
                &tool["function"]["parameters"],
                &format!("$.tools[{t}].function.parameters"),
                out,
            ),
            Wire::Responses => json_schema(
                &tool["parameters"],
                &format!("$.tools[{t}].parameters"),
                out,
            ),
            Wire::Anthropic => json_schema(
                &tool["input_schema"],
                &format!("$.tools[{t}].input_schema"),
                out,
            ),
            Wire::Gemini => {
                for (d, decl) in tool["functionDeclarations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let at = format!("$.tools[{t}].functionDeclarations[{d}].parameters");
                    for (path, problem) in
                        super::super::gemini_rules::schema_violations(&decl["parameters"], &at)
                    {
                        out.push(Violation::new("tool-schema-keyword", path, problem));
                    }
                }
            }
        }
    }
}

fn json_schema(s: &Value, at: &str, out: &mut Vec<Violation>) {
    let Some(obj) = s.as_object() else {
        if !s.is_null() && !s.is_boolean() {
            out.push(Violation::new(
                "tool-schema-keyword",
                at,
                "a schema must be an object",
            ));
        }
        return;
    };
    for (k, v) in obj {
        let here = format!("{at}.{k}");
        if !JSON_SCHEMA_KEYWORDS.contains(&k.as_str()) {
            out.push(Violation::new(
                "tool-schema-keyword",
                &here,
                format!("`{k}` is not a JSON Schema keyword"),
            ));
            continue;
        }
        match k.as_str() {
            "type" => {
                let names: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    one => vec![one],
                };
                for n in names {
                    if !n.as_str().is_some_and(|n| JSON_SCHEMA_TYPES.contains(&n)) {
                        out.push(Violation::new(
                            "tool-schema-keyword",
                            &here,
                            format!("{n} is not a JSON Schema type"),
                        ));
                    }
                }
            }
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                for (name, sub) in v.as_object().into_iter().flatten() {
                    json_schema(sub, &format!("{here}.{name}"), out);
                }
            }
            "items"
            | "additionalProperties"
            | "additionalItems"
            | "contains"
            | "not"
            | "if"
            | "then"
            | "else"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema" => match v {
                Value::Array(a) => {
                    for (i, sub) in a.iter().enumerate() {
                        json_schema(sub, &format!("{here}[{i}]"), out);
                    }
                }
                sub => json_schema(sub, &here, out),
            },
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                for (i, sub) in v.as_array().into_iter().flatten().enumerate() {
                    json_schema(sub, &format!("{here}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
}
