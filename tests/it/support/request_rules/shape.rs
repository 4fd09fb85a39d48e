//! A small JSON Schema walker over the extracted request shapes in `../schemas/`: `$ref`,
//! `allOf` (properties merged), `anyOf`/`oneOf` (at least one branch fits; the closest branch's
//! problems are reported, chosen by the `discriminator` when there is one), `type`, `enum`,
//! `properties` read closed, `additionalProperties`, `required`, `items`, `minItems`,
//! `minLength`, `maxLength`.
//!
//! Owns `Shape`. Must not know any wire: the rules are data.

use super::Violation;
use serde_json::{Map, Value};

pub struct Shape {
    root: String,
    defs: Map<String, Value>,
}

/// An object's fields, with `allOf` branches merged.
#[derive(Default)]
struct Fields<'a> {
    properties: Vec<(&'a String, &'a Value)>,
    required: Vec<&'a str>,
    additional: Option<&'a Value>,
    listed: bool,
}

impl Shape {
    /// Parses a file of `../schemas/`; a broken file is a broken test suite, so it panics.
    pub fn load(json: &str) -> Shape {
        let v: Value = serde_json::from_str(json).expect("a schema file is JSON");
        let root = v["root"]
            .as_str()
            .expect("a schema file names its root")
            .to_string();
        let defs = v["defs"]
            .as_object()
            .expect("a schema file has defs")
            .clone();
        assert!(defs.contains_key(&root), "root {root} is defined");
        Shape { root, defs }
    }

    pub fn check(&self, body: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let root = self.defs[&self.root].clone();
        self.walk(&root, body, "$", &mut out);
        out
    }

    fn resolve<'a>(&'a self, mut s: &'a Value) -> &'a Value {
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or(r);
            s = self
                .defs
                .get(name)
                .unwrap_or_else(|| panic!("schema refers to undefined {r}"));
        }
        s
    }

    fn fields<'a>(&'a self, s: &'a Value, f: &mut Fields<'a>) {
        let s = self.resolve(s);
        if let Some(props) = s["properties"].as_object() {
            f.listed = true;
            f.properties.extend(props.iter());
        }
        for r in s["required"].as_array().into_iter().flatten() {
            f.required.extend(r.as_str());
        }
        if let Some(a) = s.get("additionalProperties") {
            f.additional = Some(a);
        }
        for branch in s["allOf"].as_array().into_iter().flatten() {
            self.fields(branch, f);
        }
    }

    fn walk(&self, s: &Value, v: &Value, path: &str, out: &mut Vec<Violation>) {
        let s = self.resolve(s);
        let branches = s["anyOf"].as_array().or(s["oneOf"].as_array());
        if let Some(branches) = branches {
            self.one_of(s, branches, v, path, out);
            return;
        }
        if let Some(t) = s.get("type") {
            if !type_fits(t, v) {
                out.push(Violation::new(
                    "shape",
                    path,
                    format!("expected {t}, found {}", kind(v)),
                ));
                return;
            }
        }
        if let Some(allowed) = s["enum"].as_array() {
            if !allowed.contains(v) {
                out.push(Violation::new(
                    "shape",
                    path,
                    format!("{v} is not one of {}", Value::Array(allowed.clone())),
                ));
            }
        }
        if let Some(text) = v.as_str() {
            let n = text.chars().count() as u64;
            if s["minLength"].as_u64().is_some_and(|m| n < m) {
                out.push(Violation::new(
                    "shape",
                    path,
                    "string shorter than minLength",
                ));
            }
            if s["maxLength"].as_u64().is_some_and(|m| n > m) {
                out.push(Violation::new(
                    "shape",
                    path,
                    "string longer than maxLength",
                ));
            }
        }
        if let Some(items) = v.as_array() {
            if s["minItems"]
                .as_u64()
                .is_some_and(|m| (items.len() as u64) < m)
            {
                out.push(Violation::new("shape", path, "fewer items than minItems"));
            }
            if let Some(item) = s.get("items") {
                for (i, x) in items.iter().enumerate() {
                    self.walk(item, x, &format!("{path}[{i}]"), out);
                }
            }
        }
        if let Some(obj) = v.as_object() {
            let mut f = Fields::default();
            self.fields(s, &mut f);
            self.object(&f, obj, path, out);
        }
    }

    fn object(&self, f: &Fields, obj: &Map<String, Value>, path: &str, out: &mut Vec<Violation>) {
        for (k, x) in obj {
            let at = format!("{path}.{k}");
            match f.properties.iter().find(|(name, _)| *name == k) {
                Some((_, s)) => self.walk(s, x, &at, out),
                None => match f.additional {
                    Some(Value::Bool(true)) => {}
                    Some(Value::Object(a)) if a.is_empty() => {}
                    Some(a @ Value::Object(_)) => self.walk(a, x, &at, out),
                    // Listed fields are the documented ones; anything else is unknown.
                    Some(Value::Bool(false)) | None if f.listed => out.push(Violation::new(
                        "unknown-field",
                        at,
                        "not a field of this object in the published shape",
                    )),
                    _ => {}
                },
            }
        }
        for r in &f.required {
            if !obj.contains_key(*r) {
                out.push(Violation::new(
                    "shape",
                    path,
                    format!("required field `{r}` is missing"),
                ));
            }
        }
    }

    fn one_of(
        &self,
        s: &Value,
        branches: &[Value],
        v: &Value,
        path: &str,
        out: &mut Vec<Violation>,
    ) {
        let disc = s["discriminator"]["propertyName"].as_str();
        let tag = disc.and_then(|d| v.get(d));
        // The closest branch: one whose discriminator value matches, else one whose type at
        // least fits the value, else the one with the fewest problems.
        let mut best: Option<(bool, bool, Vec<Violation>)> = None;
        for b in branches {
            let mut found = Vec::new();
            self.walk(b, v, path, &mut found);
            if found.is_empty() {
                return;
            }
            // A branch whose discriminator value matches explains a failure best.
            let tagged = match (disc, tag) {
                (Some(d), Some(t)) => {
                    let mut f = Fields::default();
                    self.fields(b, &mut f);
                    f.properties
                        .iter()
                        .find(|(n, _)| n.as_str() == d)
                        .and_then(|(_, p)| self.resolve(p)["enum"].as_array())
                        .is_some_and(|e| e.contains(t))
                }
                _ => false,
            };
            let fits = self.resolve(b).get("type").is_none_or(|t| type_fits(t, v));
            let better = match &best {
                None => true,
                Some((t, f, prev)) => {
                    (tagged, fits) > (*t, *f)
                        || ((tagged, fits) == (*t, *f) && found.len() < prev.len())
                }
            };
            if better {
                best = Some((tagged, fits, found));
            }
        }
        out.extend(best.map(|(_, _, found)| found).unwrap_or_default());
    }
}

fn type_fits(t: &Value, v: &Value) -> bool {
    match t {
        Value::Array(ts) => ts.iter().any(|t| type_fits(t, v)),
        Value::String(t) => match t.as_str() {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        },
        _ => false,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
