//! Lessons from a run: for every task that needed feedback (a failing gate, a review asking
//! for changes, a person's rejection), the strategist sums up in one sentence what to do
//! differently; the lesson is written to the store's memory first and then logged, so later
//! runs put it in their prompts.

use super::context::Ctx;
use crate::model::{EventKind, Role, Verdict};
use crate::providers::{CallMeta, ChatRequest, EventSink, Message, Turn};
use serde_json::json;
use std::sync::Arc;

const SYSTEM: &str =
    "You distil lessons for a team of coding agents. Given what went wrong on a task, answer \
with one short sentence an engineer can follow next time. No preamble.";

/// What went wrong on each task that needed more than one try.
fn troubled(ctx: &Ctx) -> Vec<(String, String)> {
    ctx.log.with_state(|s| {
        s.tasks
            .iter()
            .filter(|t| t.retries() > 0)
            .map(|t| {
                let mut m = format!("Task {}: {}\n", t.id, t.title);
                for g in t.gates.iter().filter(|g| !g.passed) {
                    m.push_str(&format!("Gate {} failed:\n{}\n", g.gate, g.output_tail));
                }
                for r in t
                    .reviews
                    .iter()
                    .filter(|r| r.verdict == Verdict::RequestChanges)
                {
                    m.push_str(&format!("Review asked for changes: {}\n", r.summary));
                    for c in &r.comments {
                        m.push_str(&format!("- {}:{}: {}\n", c.path, c.line, c.body));
                    }
                }
                (t.id.clone(), m)
            })
            .collect()
    })
}

pub async fn distill_lessons(ctx: &Arc<Ctx>) {
    let Some(strategist) = ctx
        .first_with_role(Role::Strategist)
        .map(|a| a.name.clone())
    else {
        return;
    };
    let Some(client) = ctx.clients.get(&strategist) else {
        return;
    };
    for (task, material) in troubled(ctx) {
        let req = ChatRequest {
            system: SYSTEM.into(),
            messages: vec![Message::User { text: material }],
            tools: vec![],
            max_tokens: 200,
        };
        let stream = client.stream(
            req,
            CallMeta::new(&strategist, Some(task.clone())),
            ctx.log.clone() as Arc<dyn EventSink>,
        );
        let Ok(turn) = Turn::collect(stream).await else {
            continue;
        };
        let text = turn.text.trim().to_string();
        if text.is_empty() {
            continue;
        }
        let kind = ctx.log.with_state(|s| s.task(&task).map(|t| t.kind));
        let persisted = ctx.memory.as_ref().is_some_and(|m| {
            let key = format!("lesson/{}", ulid::Ulid::new());
            let value = json!({"text": text, "source": format!("task {task}"), "kind": kind, "agent": strategist, "created_ms": crate::util::now_ms()});
            m.put(&key, &value).is_ok()
        });
        ctx.log.emit(EventKind::Lesson {
            text,
            source: format!("task {task}"),
            persisted,
        });
    }
}
