//! One model turn gathered from its deltas.
//!
//! Owns `Turn`, the fold of a delta stream that honours `Delta::Restart` (everything before
//! it is dropped). The agent loop can use it to keep the turn it will append to the
//! conversation; ping and tests use `Turn::collect`. Must not emit events.

use super::error::ProviderError;
use super::types::{Completion, Delta, Message, ToolCall};
use super::DeltaStream;
use futures::StreamExt;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Turn {
    pub text: String,
    pub thinking: String,
    pub tool_calls: Vec<ToolCall>,
    /// Set by the final `Done`; None while streaming or if the call failed.
    pub completion: Option<Completion>,
    /// How many times the call started over (retries or fallbacks after partial output).
    pub restarts: u32,
}

impl Turn {
    pub fn apply(&mut self, d: &Delta) {
        match d {
            Delta::Text { text } => self.text.push_str(text),
            Delta::Thinking { text } => self.thinking.push_str(text),
            Delta::ToolCall { call } => self.tool_calls.push(call.clone()),
            Delta::Restart { .. } => {
                *self = Turn {
                    restarts: self.restarts + 1,
                    ..Turn::default()
                }
            }
            Delta::Done { completion } => self.completion = Some(completion.clone()),
        }
    }

    /// The turn as it goes back to the model in the next request's history: its text and
    /// calls, with the signatures and reasoning items the model put on them.
    pub fn to_message(&self) -> Message {
        let completion = self.completion.as_ref();
        Message::Assistant {
            text: self.text.clone(),
            tool_calls: self.tool_calls.clone(),
            text_signature: completion.and_then(|c| c.text_signature.clone()),
            reasoning: completion.map(|c| c.reasoning.clone()).unwrap_or_default(),
        }
    }

    /// Drains a stream into a turn; the stream's error, if it ends in one.
    pub async fn collect(mut stream: DeltaStream) -> Result<Turn, ProviderError> {
        let mut turn = Turn::default();
        while let Some(item) = stream.next().await {
            turn.apply(&item?);
        }
        Ok(turn)
    }
}
