//! The person's commands (from the TUI or a script) turned into answers and events.

use super::context::Ctx;
use super::rules;
use crate::model::validate_plan;
use crate::model::EventSink;
use crate::model::{
    ApprovalWhat, Command, DecidedBy, EventKind, PlannedTask, RuleEffect, RunOutcome, RunStatus,
    TaskStatus, PERSON,
};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;

pub async fn serve(ctx: Arc<Ctx>, mut rx: UnboundedReceiver<Command>, paused: watch::Sender<bool>) {
    while let Some(cmd) = rx.recv().await {
        match cmd {
            Command::Approve {
                approval,
                keep_hunks,
            } => {
                let reason = match &keep_hunks {
                    Some(h) => format!(
                        "approved keeping {} hunk{}: {}",
                        h.len(),
                        if h.len() == 1 { "" } else { "s" },
                        h.join(", ")
                    ),
                    None => String::new(),
                };
                if let Err(e) = ctx
                    .desk
                    .answer_keeping(&approval, true, &reason, keep_hunks)
                {
                    tracing::warn!("{e}");
                }
            }
            Command::Reject { approval, reason } => {
                if let Err(e) = ctx.desk.answer(&approval, false, &reason) {
                    tracing::warn!("{e}");
                }
            }
            Command::EditPlan { approval, tasks } => {
                if let Err(e) = edit_plan(&ctx, &approval, tasks) {
                    tracing::warn!("edited plan for {approval} refused: {e}");
                }
            }
            Command::Remember { approval, effect } => {
                if let Err(e) = remember(&ctx, &approval, effect) {
                    tracing::warn!("remembering {approval}: {e}");
                }
            }
            Command::RemoveRule(id) => {
                if let Err(e) = remove_rule(&ctx, &id) {
                    tracing::warn!("removing rule {id}: {e}");
                }
            }
            Command::SetLevel(to) => {
                let from = ctx.log.with_state(|s| s.level_or_default());
                if from != to {
                    ctx.log.emit(EventKind::LevelChanged {
                        from,
                        to,
                        by: DecidedBy::Person,
                    });
                    ctx.desk.redecide();
                }
            }
            Command::AddGoal(text) => ctx.log.emit(super::goal_event(&text)),
            Command::Pause => {
                if ctx.log.with_state(|s| s.status == RunStatus::Running) {
                    ctx.log.emit(EventKind::RunPaused {});
                    let _ = paused.send(true);
                }
            }
            Command::Resume => {
                if ctx.log.with_state(|s| s.status == RunStatus::Paused) {
                    ctx.log.emit(EventKind::RunResumed {});
                    let _ = paused.send(false);
                }
            }
            Command::CancelTask(task) => {
                let (state, waiting): (Option<TaskStatus>, Vec<String>) = ctx.log.with_state(|s| {
                    let pending = s
                        .pending()
                        .filter(|a| a.task.as_deref() == Some(task.as_str()))
                        .map(|a| a.id.clone())
                        .collect();
                    (s.task(&task).map(|t| t.status), pending)
                });
                match state {
                    Some(TaskStatus::Pending | TaskStatus::Ready) => {
                        ctx.log.emit(EventKind::TaskStatus {
                            task,
                            status: TaskStatus::Cancelled,
                        })
                    }
                    Some(s) if !s.is_terminal() => {
                        // Stop its agent, gates and commands; what it waits on is refused.
                        ctx.token_for(Some(&task)).cancel();
                        for id in waiting {
                            let _ = ctx.desk.answer(&id, false, "the task was cancelled");
                        }
                    }
                    _ => {}
                }
            }
            Command::CancelRun => {
                if !ctx.log.with_state(|s| s.status.is_over()) {
                    ctx.log.emit(EventKind::RunFinished {
                        status: RunOutcome::Cancelled,
                        reason: None,
                    });
                }
                ctx.cancel.cancel();
            }
        }
    }
}

/// The person's version of a waiting plan: checked like a strategist's, recorded as proposed
/// by the person, then approved. The TUI checks the same way first, so a refusal here means
/// the plan changed underneath (a task started meanwhile) or the command came from a script.
fn edit_plan(ctx: &Ctx, approval: &str, tasks: Vec<PlannedTask>) -> Result<(), String> {
    ctx.desk.approve_after(
        approval,
        ApprovalWhat::Plan,
        "approved as edited by a person",
        || {
            // Tasks already under way stay whatever the plan says; new deps may point at them.
            let existing: Vec<String> = ctx.log.with_state(|s| {
                s.tasks
                    .iter()
                    .filter(|t| t.attempts > 0 || t.status.is_terminal())
                    .map(|t| t.id.clone())
                    .collect()
            });
            validate_plan(&tasks, &existing)?;
            ctx.log.emit(EventKind::PlanProposed {
                agent: PERSON.into(),
                tasks,
            });
            Ok(())
        },
    )
}

/// A person's answer to a waiting command that also becomes a sticky rule for the prefix the
/// command takes (`cargo test`). An "always" for a deny-listed command approves it once and
/// saves nothing: rules never override the deny-list.
fn remember(ctx: &Ctx, approval: &str, effect: RuleEffect) -> Result<(), String> {
    let facts = ctx
        .desk
        .waiting_command(approval)
        .ok_or_else(|| format!("approval {approval} is not a waiting command"))?;
    let graded = facts.assessment();
    let prefix = graded.rule_prefix();
    let approve = effect == RuleEffect::Allow;
    let denied_once = graded.denied.is_some() && approve;
    let rule = match (&ctx.memory, prefix.is_empty(), denied_once) {
        (Some(memory), false, false) => {
            let repo = rules::repo_key(&ctx.repo.root);
            let rule = rules::save(memory, &repo, prefix, effect, crate::util::now_ms())
                .map_err(|e| format!("the rule could not be stored: {e}"))?;
            ctx.log.emit(EventKind::RuleSaved {
                rule: rule.clone(),
                approval: Some(approval.to_string()),
            });
            Some(rule)
        }
        _ => None,
    };
    let reason = match &rule {
        Some(r) => format!("a person: {}", r.describe()),
        None if denied_once => "approved once: a deny-listed command is never remembered".into(),
        None => {
            tracing::warn!("no rule saved for {approval}: no store memory or no prefix");
            String::new()
        }
    };
    ctx.desk.answer(approval, approve, &reason)?;
    // Other commands waiting under the same prefix are now the rule's to decide.
    ctx.desk.redecide();
    Ok(())
}

fn remove_rule(ctx: &Ctx, id: &str) -> Result<(), String> {
    let memory = ctx
        .memory
        .as_ref()
        .ok_or("the store's memory is not open")?;
    let removed = rules::remove(memory, id).map_err(|e| e.to_string())?;
    let known = ctx.log.with_state(|s| s.rules.iter().any(|r| r.id == id));
    if removed.is_none() && !known {
        return Err(format!("no rule has the id {id}"));
    }
    ctx.log.emit(EventKind::RuleRemoved { id: id.to_string() });
    Ok(())
}
