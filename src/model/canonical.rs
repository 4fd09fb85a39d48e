//! The canonical JSON of a run's state: what `conclave replay RUN --headless` prints, and what
//! tests compare byte for byte between a live run, its replay and its import elsewhere.
//!
//! Owns the format: every object's keys sorted (whatever order the structs declare them in,
//! and whether or not serde_json keeps insertion order), two-space indentation, no trailing
//! newline. Must stay a pure function of the state.

use super::state::RunState;
use serde_json::{Map, Value};

/// The state as canonical JSON.
pub fn canonical_json(state: &RunState) -> Result<String, serde_json::Error> {
    let value = sorted(serde_json::to_value(state)?);
    serde_json::to_string_pretty(&value)
}

/// The value with every object's keys in sorted order. Rebuilt explicitly so the output does
/// not depend on serde_json's `preserve_order` feature, which any dependency could turn on.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k, sorted(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{fold, RunId};
    use crate::testkit::synthetic::realistic_run;

    /// Every object's keys, depth first, in printed order.
    fn key_runs(v: &Value, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(m) => {
                out.push(m.keys().cloned().collect());
                m.values().for_each(|v| key_runs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| key_runs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn keys_are_sorted_at_every_depth_and_the_text_round_trips() {
        let run = RunId::new_at(1_700_000_000_000);
        let state = fold(&realistic_run(run, 3000, 3));
        let text = canonical_json(&state).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        let mut runs = Vec::new();
        key_runs(&back, &mut runs);
        assert!(runs.len() > 100);
        for keys in runs {
            let mut want = keys.clone();
            want.sort();
            assert_eq!(keys, want);
        }
        // The top level starts with `adaptations`, not with the struct's first field (`run`).
        assert!(text.starts_with("{\n  \"adaptations\""), "{}", &text[..40]);
        let again: RunState = serde_json::from_str(&text).unwrap();
        assert_eq!(canonical_json(&again).unwrap(), text);
    }
}
