//! Context that fits: an agent's conversation is shortened before a request would come near
//! its model's context window, by one documented rule, and each shortening is reported so the
//! log (and a replay) shows what the model no longer sees.
//!
//! The rule, applied before each request whose estimate passes 90 % of the window (less the
//! answer's `max_tokens`), until the estimate is at most 70 %:
//! 1. the system prompt, the first message (the task) and the last two turns are kept;
//! 2. older tool outputs over 512 bytes, oldest first, become a one-line stub naming the tool,
//!    its argument and the size (the model can call the tool again);
//! 3. then whole older turns (a model turn with its tool results) go, oldest first; the
//!    first message gets a note of how many turns and which calls were removed;
//! 4. last, outputs in the kept turns are stubbed too, except the newest turn's.
//!
//! Tokens are estimated as one per 3 bytes of the request's text (a tokenizer averages about
//! 4 for English and code, so this errs towards compacting early) plus 4 per message.
//!
//! Owns `Compactor`. Must not emit events or call a model: the agent loop reports what it did.

use crate::providers::{Message, ToolSpec};
use std::collections::BTreeMap;

/// Tool outputs at most this long are never stubbed (there is nothing to gain).
const STUB_MIN: usize = 512;

/// What one compaction removed.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub tokens_before: u64,
    pub tokens_after: u64,
    pub removed: Vec<String>,
}

/// An agent's compaction state across its turns.
#[derive(Clone, Debug)]
pub struct Compactor {
    /// Tokens the model's window holds.
    window: u64,
    /// Tokens kept free for the answer.
    reserve: u64,
    first: Option<String>,
    dropped_turns: u32,
    dropped_calls: BTreeMap<String, u32>,
}

pub fn estimate(system: &str, messages: &[Message], tools: &[ToolSpec]) -> u64 {
    let bytes = |m: &Message| match m {
        Message::User { text } => text.len(),
        Message::Assistant {
            text, tool_calls, ..
        } => {
            text.len()
                + tool_calls
                    .iter()
                    .map(|c| c.name.len() + c.args.to_string().len() + c.id.len())
                    .sum::<usize>()
        }
        Message::ToolResult {
            content, call_id, ..
        } => content.len() + call_id.len(),
    };
    let tools: usize = tools
        .iter()
        .map(|t| t.name.len() + t.description.len() + t.parameters.to_string().len())
        .sum();
    let text: usize = system.len() + tools + messages.iter().map(bytes).sum::<usize>();
    (text as u64).div_ceil(3) + 4 * messages.len() as u64
}

fn human(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

/// `read_file src/x.rs`, `run_command cargo test`: what a call was about, briefly.
fn call_label(messages: &[Message], call_id: &str, tool: &str) -> String {
    let args = messages.iter().find_map(|m| match m {
        Message::Assistant { tool_calls, .. } => tool_calls
            .iter()
            .find(|c| c.id == call_id)
            .map(|c| c.args.clone()),
        _ => None,
    });
    let arg = args
        .as_ref()
        .and_then(|a| {
            ["path", "command", "pattern"]
                .iter()
                .find_map(|k| a[*k].as_str())
        })
        .map(|s| s.chars().take(60).collect::<String>());
    match arg {
        Some(a) => format!("{tool} {a}"),
        None => tool.to_string(),
    }
}

impl Compactor {
    pub fn new(window: u64, reserve: u64) -> Self {
        Compactor {
            window,
            reserve,
            first: None,
            dropped_turns: 0,
            dropped_calls: BTreeMap::new(),
        }
    }

    fn limit(&self) -> u64 {
        self.window.saturating_sub(self.reserve).max(1)
    }

    /// Shortens `messages` if the request would come near the window; what it removed.
    pub fn fit(
        &mut self,
        system: &str,
        messages: &mut Vec<Message>,
        tools: &[ToolSpec],
    ) -> Option<Fit> {
        let before = estimate(system, messages, tools);
        if before.saturating_mul(10) <= self.limit().saturating_mul(9) {
            return None;
        }
        let target = self.limit() / 10 * 7;
        let over = |m: &[Message]| estimate(system, m, tools) > target;
        // Kept to put back when compacting would not make the request smaller (the old turns
        // were shorter than the note that replaces them).
        let original = (messages.clone(), self.clone());
        let mut removed = Vec::new();
        // Where the last two model turns begin: never dropped.
        let assistants: Vec<usize> = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| matches!(m, Message::Assistant { .. }))
            .map(|(i, _)| i)
            .collect();
        let tail = match assistants.len() {
            0 | 1 => assistants.first().copied().unwrap_or(messages.len()),
            n => assistants[n - 2],
        };
        self.stub_outputs(messages, 1..tail, &mut removed, &over);
        if over(messages) {
            self.drop_turns(messages, &mut removed, &over);
        }
        if over(messages) {
            let newest = assistants.last().copied().unwrap_or(messages.len());
            let end = messages.len();
            // Indexes moved if turns were dropped: find the newest model turn again.
            let newest = messages
                .iter()
                .rposition(|m| matches!(m, Message::Assistant { .. }))
                .unwrap_or(newest.min(end));
            self.stub_outputs(messages, 1..newest, &mut removed, &over);
        }
        let after = estimate(system, messages, tools);
        if removed.is_empty() || after >= before {
            (*messages, *self) = original;
            return None;
        }
        Some(Fit {
            tokens_before: before,
            tokens_after: after,
            removed,
        })
    }

    fn stub_outputs(
        &self,
        messages: &mut [Message],
        range: std::ops::Range<usize>,
        removed: &mut Vec<String>,
        over: &dyn Fn(&[Message]) -> bool,
    ) {
        for i in range {
            if !over(messages) {
                return;
            }
            let Some(Message::ToolResult {
                call_id,
                tool_name,
                content,
                ..
            }) = messages.get(i)
            else {
                continue;
            };
            if content.len() <= STUB_MIN || content.starts_with("[output removed") {
                continue;
            }
            let label = call_label(messages, call_id, tool_name);
            let size = human(content.len());
            let stub = format!(
                "[output removed to fit the context window: {label} gave {size}; call it again if you still need it]"
            );
            if let Some(Message::ToolResult { content, .. }) = messages.get_mut(i) {
                *content = stub;
            }
            removed.push(format!("output of {label} ({size})"));
        }
    }

    fn drop_turns(
        &mut self,
        messages: &mut Vec<Message>,
        removed: &mut Vec<String>,
        over: &dyn Fn(&[Message]) -> bool,
    ) {
        if self.first.is_none() {
            if let Some(Message::User { text }) = messages.first() {
                self.first = Some(text.clone());
            }
        }
        loop {
            let assistants: Vec<usize> = messages
                .iter()
                .enumerate()
                .filter(|(_, m)| matches!(m, Message::Assistant { .. }))
                .map(|(i, _)| i)
                .collect();
            // Keep the last two turns; a turn runs to the next model turn.
            if assistants.len() <= 2 || !over(messages) {
                break;
            }
            let (start, end) = (assistants[0], assistants[1]);
            let mut calls = Vec::new();
            for m in messages.drain(start..end) {
                if let Message::Assistant { tool_calls, .. } = m {
                    calls.extend(tool_calls.into_iter().map(|c| c.name));
                }
            }
            self.dropped_turns += 1;
            for c in &calls {
                *self.dropped_calls.entry(c.clone()).or_default() += 1;
            }
            removed.push(if calls.is_empty() {
                "an earlier turn".to_string()
            } else {
                format!("an earlier turn ({})", calls.join(", "))
            });
            self.rewrite_note(messages);
        }
    }

    /// The first message as it was, with a note of everything dropped so far.
    fn rewrite_note(&self, messages: &mut [Message]) {
        let (Some(first), Some(Message::User { text })) = (&self.first, messages.first_mut())
        else {
            return;
        };
        let calls: Vec<String> = self
            .dropped_calls
            .iter()
            .map(|(n, k)| format!("{n} ×{k}"))
            .collect();
        *text = format!(
            "{first}\n\n[Context note: {} of yours {} removed to fit the context window{}. The files may have changed since; read them again before relying on them.]",
            crate::util::words::count(self.dropped_turns as u64, "earlier turn"),
            if self.dropped_turns == 1 { "was" } else { "were" },
            if calls.is_empty() {
                String::new()
            } else {
                format!(" (calls: {})", calls.join(", "))
            }
        );
    }
}

#[cfg(test)]
mod tests;
