//! What a model call says and what comes back: `ChatRequest` in, a stream of `Delta`s out.
//!
//! Owns the provider-neutral vocabulary every wire translates to and from. Must not know any
//! wire format, any HTTP, or the event log: the agent loop builds these, the wires encode them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One model call: everything the model sees.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The system prompt; empty means none is sent.
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    /// Upper bound on the answer's tokens (Anthropic requires one; the others get it too).
    pub max_tokens: u32,
}

/// One turn of the conversation so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Message {
    User {
        text: String,
    },
    /// What the model said before, with the tool calls it made in that turn.
    Assistant {
        text: String,
        #[serde(default)]
        tool_calls: Vec<ToolCall>,
        /// An opaque signature the model put on its text (Gemini's `thoughtSignature`), sent
        /// back on the text part unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text_signature: Option<String>,
        /// Opaque reasoning items of this turn (OpenAI Responses `reasoning` items with their
        /// `encrypted_content`), sent back unchanged by the wire that made them; the other
        /// wires ignore them, so a fallback to another vendor never sends OpenAI's items.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reasoning: Vec<serde_json::Value>,
    },
    /// The outcome of one tool call, answered by id (and by name for Gemini, which matches
    /// results by name and order).
    ToolResult {
        call_id: String,
        tool_name: String,
        content: String,
        #[serde(default)]
        is_error: bool,
    },
}

/// A tool the model may call: its arguments are described by a JSON Schema object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
}

/// A complete tool call: wires deliver arguments in pieces, the caller only ever sees whole ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub args: serde_json::Value,
    /// An opaque signature the model put on this call (Gemini's `thoughtSignature`); Gemini 3
    /// refuses a history whose call lacks it, so it goes back unchanged, on the same call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl ToolCall {
    pub fn new(id: impl Into<String>, name: impl Into<String>, args: serde_json::Value) -> Self {
        ToolCall {
            id: id.into(),
            name: name.into(),
            args,
            signature: None,
        }
    }
}

/// Token counts of one call. `None` means the provider did not say (some OpenAI-compatible
/// servers never report usage): unknown is not zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// All prompt tokens, cached ones included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Answer tokens, thinking included (it is billed as output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// The part of `input_tokens` served from the provider's prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
}

impl TokenUsage {
    pub fn known(input: u64, output: u64, cached: u64) -> Self {
        TokenUsage {
            input_tokens: Some(input),
            output_tokens: Some(output),
            cached_tokens: Some(cached),
        }
    }

    /// True when the provider reported neither input nor output tokens.
    pub fn is_unknown(&self) -> bool {
        self.input_tokens.is_none() && self.output_tokens.is_none()
    }
}

/// Why the model stopped, normalised across wires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model finished its answer.
    EndTurn,
    /// The model wants its tool calls run.
    ToolUse,
    /// The answer hit `max_tokens`.
    MaxTokens,
    /// Refused, filtered for safety or recitation.
    ContentFilter,
    /// Anything else, as the provider spelled it.
    #[serde(untagged)]
    Other(String),
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::EndTurn => f.write_str("end_turn"),
            StopReason::ToolUse => f.write_str("tool_use"),
            StopReason::MaxTokens => f.write_str("max_tokens"),
            StopReason::ContentFilter => f.write_str("content_filter"),
            StopReason::Other(s) => f.write_str(s),
        }
    }
}

/// The end of a successful call: how it stopped, what it cost in tokens, and who answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub stop: StopReason,
    pub usage: TokenUsage,
    /// The profile that answered (after a fallback, not the first one asked). Filled by the
    /// resilient layer; a bare wire leaves it empty.
    #[serde(default)]
    pub provider: String,
    /// The model that answered, as the provider reported it, else as configured.
    #[serde(default)]
    pub model: String,
    /// Wall time of the successful attempt, from sending the request to the terminator.
    #[serde(default)]
    pub ms: u64,
    /// The signature on the turn's text (Gemini's `thoughtSignature` on a text part), to be
    /// sent back with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_signature: Option<String>,
    /// The turn's reasoning items as the provider sent them (OpenAI Responses), to go back
    /// with the turn in the next request; empty for the other wires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasoning: Vec<serde_json::Value>,
}

/// One piece of a streamed answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delta {
    Text {
        text: String,
    },
    Thinking {
        text: String,
    },
    ToolCall {
        call: ToolCall,
    },
    /// The attempt that produced the deltas seen so far failed and the call starts over
    /// (a retry or a fallback): the caller must discard every delta of this call it has
    /// received before this marker. Only the resilient layer emits it.
    Restart {
        attempt: u32,
        provider: String,
        reason: String,
    },
    /// The last delta of a successful call.
    Done {
        completion: Completion,
    },
}

impl Delta {
    pub fn text(s: impl Into<String>) -> Self {
        Delta::Text { text: s.into() }
    }

    pub fn thinking(s: impl Into<String>) -> Self {
        Delta::Thinking { text: s.into() }
    }
}

/// Who is calling: the scripted provider serves turns per agent, and events name both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallMeta {
    pub agent: String,
    /// None for run-level calls (planning, lessons).
    pub task: Option<String>,
}

impl CallMeta {
    pub fn new(agent: impl Into<String>, task: Option<String>) -> Self {
        CallMeta {
            agent: agent.into(),
            task,
        }
    }
}
