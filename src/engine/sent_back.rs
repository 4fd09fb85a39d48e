//! What a person's rejection of a task's diff or merge does: the task goes back to its
//! implementer with the reason, within the retry budget, or fails once that is spent; and
//! the transcript says which. Also what it means when approved hunks cannot be kept.
//!
//! Owns the wording the agent and the person read and the budget check (the retry question's
//! attempt count too). Must not ask
//! anything: the decision was the person's, and asking again is what this replaces.

use super::context::Ctx;
use super::task_flow::{note, status, TaskEnd};
use crate::model::TaskStatus;

/// What the implementer is told after a person's rejection.
pub(super) fn rejected_because(reason: &str) -> String {
    if reason.trim().is_empty() {
        "A person rejected your change (no reason given). Look at it again.".into()
    } else {
        format!("A person rejected your change: {reason}")
    }
}

/// The person's reason for rejecting `attempt` (its diff or its merge), if a person did.
pub(super) fn rejection_feedback(ctx: &Ctx, task: &str, attempt: u32) -> Option<String> {
    if attempt == 0 {
        return None;
    }
    ctx.log.with_state(|s| {
        [
            format!("diff-{task}-{attempt}"),
            format!("merge-{task}-{attempt}"),
        ]
        .iter()
        .filter_map(|id| s.approval(id)?.decision.clone())
        .find(|d| d.decision == crate::model::Decision::Rejected)
        .map(|d| rejected_because(&d.reason))
    })
}

/// After a person rejected `what` of `attempt`: true when the task goes back to its
/// implementer within the retry budget; false when the budget is spent and the task failed.
/// Either way the transcript says which happened.
pub(super) fn send_back(
    ctx: &Ctx,
    task: &str,
    agent: &str,
    attempt: u32,
    what: &str,
    reason: &str,
) -> bool {
    let budget = ctx.config.run.max_retries;
    let shown = if reason.trim().is_empty() {
        "no reason given".to_string()
    } else {
        format!("\"{}\"", reason.trim())
    };
    if attempt > budget {
        note(
            ctx,
            agent,
            task,
            format!(
                "a person rejected {what} ({shown}); the retry budget of {budget} is spent, so task {task} failed"
            ),
        );
        status(ctx, task, TaskStatus::Failed);
        return false;
    }
    note(
        ctx,
        agent,
        task,
        format!(
            "a person rejected {what} ({shown}): sent back to {agent} as feedback, attempt {} of {}",
            attempt + 1,
            budget + 1
        ),
    );
    true
}

/// The retry question for attempt `next` of a task allowed `max_retries` retries (so
/// `max_retries + 1` attempts): past the budget it says so instead of "attempt 4 of 3".
pub(super) fn retry_subject(task: &str, next: u32, max_retries: u32, why: &str) -> String {
    let allowed = max_retries + 1;
    let attempt = if next <= allowed {
        format!("attempt {next} of {allowed}")
    } else {
        format!(
            "attempt {next}, over its budget of {}",
            crate::util::words::count(max_retries, "retry")
        )
    };
    format!("retry task {task} ({attempt}): {why}")
}

/// The approved hunks could not be kept: nothing of the task is merged.
pub(super) fn keeping_failed(ctx: &Ctx, agent: &str, task: &str, e: &str) -> TaskEnd {
    note(
        ctx,
        agent,
        task,
        format!("could not keep only the approved hunks ({e}); nothing of task {task} was merged"),
    );
    status(ctx, task, TaskStatus::Failed);
    super::learning::record_outcome(ctx, task, false);
    TaskEnd::Failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_question_counts_attempts_truthfully() {
        let why = "gates failed: test";
        let asked: Vec<String> = [(2, 2), (3, 2), (4, 2), (5, 2), (2, 0), (3, 1)]
            .iter()
            .map(|&(next, budget)| {
                format!(
                    "budget {budget}, next {next}: {}",
                    retry_subject("t5", next, budget, why)
                )
            })
            .collect();
        insta::assert_snapshot!("retry_question_wording", asked.join("\n"));
    }
}
