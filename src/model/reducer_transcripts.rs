//! The reducer's part for what agents say and do: transcript text and tool calls with their
//! results.
//!
//! Owns `transcripts` and the index of calls into them. Streamed text of one part joins the
//! entry before it; a tool call is an entry of its own that its result fills in later. Must
//! not touch anything else an agent has (usage, errors: their families do). Pure, like the
//! rest of the reducer.

use super::event::*;
use super::reducer::{agent_slot, anomaly, refuse, Folded};
use super::state::*;

pub(super) fn fold(s: &mut RunState, e: &Event) -> Folded {
    match &e.kind {
        EventKind::Transcript {
            agent,
            task,
            part,
            text,
        } => {
            let a = agent_slot(s, agent);
            let entries = &mut s.transcripts[a];
            match entries.last_mut() {
                Some(last) if last.part == *part && last.task == *task && last.call.is_none() => {
                    last.text.push_str(text)
                }
                _ => entries.push(TranscriptEntry {
                    task: task.clone(),
                    part: *part,
                    text: text.clone(),
                    call: None,
                    first_seq: e.seq,
                    at_ms: e.at_ms,
                }),
            }
        }
        EventKind::ToolCall {
            call,
            agent,
            task,
            tool,
            args,
            ..
        } => {
            if s.index.calls.contains_key(call) {
                return refuse(s, format!("seq {}: tool call {call} made twice", e.seq));
            }
            let a = agent_slot(s, agent);
            let entries = &mut s.transcripts[a];
            entries.push(TranscriptEntry {
                task: task.clone(),
                part: TranscriptPart::ToolCall,
                text: String::new(),
                call: Some(ToolCallInfo {
                    call: call.clone(),
                    tool: tool.clone(),
                    args: args.to_string(),
                    result: None,
                }),
                first_seq: e.seq,
                at_ms: e.at_ms,
            });
            let at = (a, entries.len() - 1);
            s.index.calls.insert(call.clone(), at);
        }
        EventKind::ToolResult {
            call,
            ok,
            output,
            ms,
        } => {
            let found = s.index.calls.get(call).copied();
            let info = found.and_then(|(a, i)| s.transcripts.get_mut(a)?.get_mut(i)?.call.as_mut());
            match info {
                Some(info) => {
                    info.result = Some(ToolOutcome {
                        ok: *ok,
                        output: output.clone(),
                        ms: *ms,
                    })
                }
                // Recorded, yet the event counts as folded (the KPIs are recomputed).
                None => anomaly(s, format!("seq {}: result for unknown call {call}", e.seq)),
            }
        }
        _ => {}
    }
    Some(())
}
