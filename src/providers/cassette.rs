//! Cassettes: recorded model turns, one JSON object per line, replayed by the scripted
//! provider and exported from a run's events.
//!
//! Owns the cassette format, its reader and writer, and `cassette_from_events` (what
//! `conclave export --cassette RUN` will call). Must not stream or touch the store.
//!
//! Format (JSONL, UTF-8). An optional first line `{"conclave_cassette":1}` names the format
//! version; every other non-blank line is one model turn:
//!
//! ```text
//! {"agent":"impl-1","turn":0,"text":"I will read it.","thinking":"...",
//!  "tool_calls":[{"id":"c1","name":"read_file","args":{"path":"calc.py"}}],
//!  "usage":{"input_tokens":812,"output_tokens":96,"cached_tokens":0},
//!  "stop":"tool_use","model":"gpt-4o","task":"t1"}
//! ```
//!
//! Only `agent` and `turn` are required. `turn` orders an agent's turns (0, 1, ...; unique per
//! agent); `stop` defaults to `tool_use` when there are tool calls, else `end_turn`; a turn
//! without `usage` reports unknown usage; `model` defaults to the profile's model; `task` is
//! informational. Unknown fields are ignored so later versions can add some.

use super::error::ProviderError;
use super::types::{StopReason, TokenUsage, ToolCall};
use crate::model::{Event, EventKind, TranscriptPart};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// The version written in the header line; readers refuse newer ones.
pub const CASSETTE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CassetteTurn {
    pub agent: String,
    pub turn: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub thinking: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default)]
    pub usage: TokenUsage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
}

impl CassetteTurn {
    /// The stop reason, defaulted from the tool calls when the line gives none.
    pub fn stop_reason(&self) -> StopReason {
        match &self.stop {
            Some(s) => s.clone(),
            None if self.tool_calls.is_empty() => StopReason::EndTurn,
            None => StopReason::ToolUse,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    conclave_cassette: u32,
}

/// Parses cassette text; `origin` names the file in error messages.
pub fn parse_cassette(text: &str, origin: &str) -> Result<Vec<CassetteTurn>, ProviderError> {
    let err = |line: usize, message: String| ProviderError::Cassette {
        path: origin.to_string(),
        message: format!("line {line}: {message}"),
    };
    let mut turns = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| err(n, format!("not JSON: {e}")))?;
        if value.get("conclave_cassette").is_some() {
            let h: Header =
                serde_json::from_value(value).map_err(|e| err(n, format!("bad header: {e}")))?;
            if h.conclave_cassette > CASSETTE_VERSION {
                return Err(err(
                    n,
                    format!(
                        "format version {} is newer than this conclave reads ({CASSETTE_VERSION})",
                        h.conclave_cassette
                    ),
                ));
            }
            continue;
        }
        let t: CassetteTurn =
            serde_json::from_value(value).map_err(|e| err(n, format!("not a turn: {e}")))?;
        if !seen.insert((t.agent.clone(), t.turn)) {
            return Err(err(
                n,
                format!("agent `{}` has turn {} twice", t.agent, t.turn),
            ));
        }
        turns.push(t);
    }
    Ok(turns)
}

pub fn read_cassette(path: &Path) -> Result<Vec<CassetteTurn>, ProviderError> {
    let text = std::fs::read_to_string(path).map_err(|e| ProviderError::Cassette {
        path: path.display().to_string(),
        message: format!("cannot read it: {e}"),
    })?;
    parse_cassette(&text, &path.display().to_string())
}

/// The cassette as JSONL text, header first.
pub fn cassette_to_jsonl(turns: &[CassetteTurn]) -> String {
    let mut out = String::new();
    let header = Header {
        conclave_cassette: CASSETTE_VERSION,
    };
    for line in std::iter::once(serde_json::to_string(&header))
        .chain(turns.iter().map(serde_json::to_string))
        .flatten()
    {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

pub fn write_cassette(path: &Path, turns: &[CassetteTurn]) -> std::io::Result<()> {
    std::fs::write(path, cassette_to_jsonl(turns))
}

/// Rebuilds the model turns of a run from its events. Per agent, the `Transcript` text and
/// thinking and the `ToolCall`s after one `Usage` event and up to the next form one turn (the
/// engine emits one `Usage` per completed model call; `ResilientClient` emits it only after the
/// caller has received `Done`, so a caller that flushes its coalesced transcript on `Done`
/// logs a turn's text before its `Usage`). Output after an agent's last `Usage` belongs to a
/// call that never completed and is left out.
pub fn cassette_from_events(events: &[Event]) -> Vec<CassetteTurn> {
    let mut pending: BTreeMap<&str, CassetteTurn> = BTreeMap::new();
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    let mut turns = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::Transcript {
                agent,
                task,
                part,
                text,
            } => {
                let t = pending.entry(agent).or_insert_with(|| empty(agent));
                t.task = t.task.take().or_else(|| task.clone());
                match part {
                    TranscriptPart::Text => t.text.push_str(text),
                    TranscriptPart::Thinking => t.thinking.push_str(text),
                    _ => {} // tool calls come from ToolCall events; results are not model output
                }
            }
            EventKind::ToolCall {
                call,
                agent,
                task,
                tool,
                args,
                signature,
            } => {
                let t = pending.entry(agent).or_insert_with(|| empty(agent));
                t.task = t.task.take().or_else(|| task.clone());
                t.tool_calls.push(ToolCall {
                    id: call.clone(),
                    name: tool.clone(),
                    args: args.clone(),
                    signature: signature.clone(),
                });
            }
            EventKind::Usage {
                agent,
                task,
                model,
                input_tokens,
                output_tokens,
                cached_tokens,
                ..
            } => {
                let mut t = pending
                    .remove(agent.as_str())
                    .unwrap_or_else(|| empty(agent));
                let n = counts.entry(agent).or_insert(0);
                t.turn = *n;
                *n += 1;
                t.usage = TokenUsage::known(*input_tokens, *output_tokens, *cached_tokens);
                t.stop = Some(t.stop_reason());
                t.model = Some(model.clone()).filter(|m| !m.is_empty());
                t.task = t.task.take().or_else(|| task.clone());
                turns.push(t);
            }
            _ => {}
        }
    }
    turns
}

fn empty(agent: &str) -> CassetteTurn {
    CassetteTurn {
        agent: agent.to_string(),
        turn: 0,
        text: String::new(),
        thinking: String::new(),
        tool_calls: Vec::new(),
        usage: TokenUsage::default(),
        stop: None,
        model: None,
        task: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_lines_default_sensibly() {
        let turns = parse_cassette(
            "{\"conclave_cassette\":1}\n\n{\"agent\":\"a\",\"turn\":0,\"text\":\"hi\"}\n\
             {\"agent\":\"a\",\"turn\":1,\"tool_calls\":[{\"id\":\"c\",\"name\":\"finish\",\"args\":{}}]}\n",
            "t.jsonl",
        )
        .unwrap();
        assert_eq!(turns[0].stop_reason(), StopReason::EndTurn);
        assert!(turns[0].usage.is_unknown());
        assert_eq!(turns[1].stop_reason(), StopReason::ToolUse);
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse_cassette("{\"agent\":\"a\",\"turn\":0}\n{oops\n", "x.jsonl").unwrap_err();
        assert!(
            e.to_string().contains("x.jsonl") && e.to_string().contains("line 2"),
            "{e}"
        );
        let e = parse_cassette(
            "{\"agent\":\"a\",\"turn\":0}\n{\"agent\":\"a\",\"turn\":0}\n",
            "x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
        let e = parse_cassette("{\"conclave_cassette\":99}\n", "x").unwrap_err();
        assert!(e.to_string().contains("newer"), "{e}");
    }

    #[test]
    fn jsonl_round_trip() {
        let t = CassetteTurn {
            stop: Some(StopReason::Other("pause_turn".into())),
            usage: TokenUsage::known(1, 2, 0),
            ..empty("x")
        };
        let text = cassette_to_jsonl(std::slice::from_ref(&t));
        assert_eq!(parse_cassette(&text, "x").unwrap(), vec![t]);
    }
}
