//! Lessons from a run: for every task that needed feedback (a failing gate, a review asking
//! for changes, a person's rejection), the strategist sums up in one sentence what to do
//! differently; the lesson is written to the store's memory first and then logged, so later
//! runs put it in their prompts.

use super::context::Ctx;
use crate::model::EventSink;
use crate::model::{EventKind, Role, Verdict};
use crate::providers::{CallMeta, ChatRequest, Message, Turn};
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
            super::lessons::LessonStore::new(m.clone())
                .add(super::lessons::NewLesson {
                    text: text.clone(),
                    source: format!("task {task}"),
                    kind,
                    agent: Some(strategist.clone()),
                    created_ms: ctx.log.with_state(|s| s.last_at_ms),
                })
                .is_ok()
        });
        ctx.log.emit(EventKind::Lesson {
            text,
            source: format!("task {task}"),
            persisted,
        });
    }
}

/// What each finished task teaches the router: recorded from level 4, used from level 5.
pub fn record_outcome(ctx: &Ctx, task: &str, done: bool) {
    if ctx.log.with_state(|s| s.level_or_default()) < crate::model::AutonomyLevel::Full {
        return;
    }
    let Some(memory) = &ctx.memory else { return };
    let Some((agent, kind, outcome)) = ctx.log.with_state(|s| {
        let t = s.task(task)?;
        let reviews = |v: Verdict| t.reviews.iter().filter(|r| r.verdict == v).count() as u32;
        Some((
            t.agent.clone()?,
            t.kind,
            super::adaptation::Outcome {
                done,
                first_pass: !t.first_round_failed && !t.gates.is_empty(),
                approvals: reviews(Verdict::Approve),
                change_requests: reviews(Verdict::RequestChanges),
                retries: t.retries(),
                cost_usd: t.usage.cost_usd,
                ms: t
                    .finished_at_ms
                    .unwrap_or(s.last_at_ms)
                    .saturating_sub(t.started_at_ms.unwrap_or(s.last_at_ms)),
            },
        ))
    }) else {
        return;
    };
    if let Err(e) = super::adaptation::OutcomeStats::record(memory, &agent, kind, &outcome) {
        tracing::warn!(error = %e, "outcome not recorded");
    }
}

/// Level 5: router scores from recorded outcomes (a little exploration, seeded by the task).
pub fn router_scores(ctx: &Ctx, task: &str, kind: crate::model::TaskKind) -> Vec<(String, f64)> {
    if ctx.log.with_state(|s| s.level_or_default()) < crate::model::AutonomyLevel::Evolutionary {
        return Vec::new();
    }
    let Some(memory) = &ctx.memory else {
        return Vec::new();
    };
    let names: Vec<&str> = ctx
        .config
        .agents
        .iter()
        .filter(|a| a.role == Role::Implementer)
        .map(|a| a.name.as_str())
        .collect();
    let seed = task
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    super::adaptation::score_agents(memory, &names, kind, 0.1, &mut rng)
        .map(|v| v.into_iter().map(|(n, s, _)| (n, s)).collect())
        .unwrap_or_default()
}

/// Lessons worth putting in an agent's prompt for this task.
pub fn lessons_for(ctx: &Ctx, kind: crate::model::TaskKind, hint: &str) -> Vec<String> {
    match &ctx.memory {
        Some(m) => super::lessons::LessonStore::new(m.clone())
            .relevant(kind, hint, 5)
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

/// Level 5, before a run starts: the retry budget and parallelism tuned from earlier runs'
/// outcomes (failure and conflict rates). Returns the adaptations to record.
pub fn tune(store: &crate::store::Store, config: &mut crate::config::Config) -> Vec<EventKind> {
    if config.run.level < crate::model::AutonomyLevel::Evolutionary {
        return Vec::new();
    }
    let Ok(memory) = store.memory() else {
        return Vec::new();
    };
    let mut total = super::adaptation::OutcomeStats::default();
    for (_, st) in memory
        .scan::<super::adaptation::OutcomeStats>("stats/")
        .unwrap_or_default()
    {
        total.merge(&st);
    }
    let runs = store.summaries().unwrap_or_default();
    let (merges, conflicts) = runs
        .iter()
        .fold((0u64, 0u64), |(m, c), r| (m + r.merges, c + r.conflicts));
    let conflict_rate = if merges == 0 {
        0.0
    } else {
        conflicts as f64 / merges as f64
    };
    let failure_rate = if total.attempts == 0 {
        0.0
    } else {
        1.0 - total.done as f64 / total.attempts as f64
    };
    let mut out = Vec::new();
    let retry = super::adaptation::tune_retry_budget(&total, config.run.max_retries);
    if retry.value != config.run.max_retries {
        out.push(EventKind::Adapted {
            what: "max_retries".into(),
            from: config.run.max_retries,
            to: retry.value,
            why: retry.reason.clone(),
        });
        config.run.max_retries = retry.value;
    }
    if total.attempts > 0 {
        let par = super::adaptation::tune_parallelism(
            conflict_rate,
            failure_rate,
            config.run.max_parallel,
        );
        if par.value != config.run.max_parallel {
            out.push(EventKind::Adapted {
                what: "max_parallel".into(),
                from: config.run.max_parallel,
                to: par.value,
                why: par.reason.clone(),
            });
            config.run.max_parallel = par.value;
        }
    }
    out
}
