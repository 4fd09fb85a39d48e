//! One task from assignment to merge: implement → gates → review → diff approval → merge,
//! with retries (feedback from gates, reviews and a person's rejection goes back to the
//! implementer) and merge conflicts handed to an agent.
//!
//! On resume a task continues from its last consistent point: a diff already proposed for the
//! current attempt is not re-implemented, an answered approval is not asked again, and a task
//! already merged is never merged twice.

use super::approvals::Request;
use super::context::Ctx;
use super::gates::run_gates;
use super::sent_back::{keeping_failed, rejected_because, rejection_feedback, send_back};
use crate::agents::{prompt, AgentEnd};
use crate::git::{task_diff, TaskDiff};
use crate::model::EventSink;
use crate::model::{
    ApprovalWhat, AssignReason, EventKind, ReviewComment, Role, TaskKind, TaskStatus, Verdict,
};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEnd {
    Done,
    Failed,
    Stopped,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Implement,
    Gates,
    DiffApproval,
    Merge,
}

pub(super) fn status(ctx: &Ctx, task: &str, s: TaskStatus) {
    let now = ctx.log.with_state(|st| st.task(task).map(|t| t.status));
    if now != Some(s) {
        ctx.log.emit(EventKind::TaskStatus {
            task: task.to_string(),
            status: s,
        });
    }
}

pub(super) fn note(ctx: &Ctx, agent: &str, task: &str, text: String) {
    ctx.log.emit(EventKind::Transcript {
        agent: agent.to_string(),
        task: Some(task.to_string()),
        part: crate::model::TranscriptPart::System,
        text: format!("{text}\n"),
    });
}

/// Picks the implementer: the router suggests; at level 1 a person approves the suggestion.
pub(super) async fn assign(ctx: &Arc<Ctx>, task: &str, kind: TaskKind) -> Option<String> {
    let _turn = ctx.assigning.lock().await;
    if let Some(a) = ctx
        .log
        .with_state(|s| s.task(task).and_then(|t| t.agent.clone()))
    {
        return Some(a);
    }
    let scores = super::learning::router_scores(ctx, task, kind);
    let (agent, why) = ctx
        .log
        .with_state(|s| super::router::route(&ctx.config.agents, s, kind, &scores))?;
    let req = Request {
        id: format!("assign-{task}"),
        what: ApprovalWhat::Assign,
        task: Some(task.to_string()),
        subject: format!("task {task} to {agent} ({why})"),
        diff: None,
        facts: ctx.facts(),
    };
    let v = ctx.desk.ask(req).await?;
    if !v.approved {
        return None;
    }
    let reason = if v.by == crate::model::DecidedBy::Person {
        AssignReason::Manual
    } else {
        AssignReason::Router
    };
    ctx.log.emit(EventKind::TaskAssigned {
        task: task.to_string(),
        agent: agent.clone(),
        why: reason,
    });
    Some(agent)
}

/// Attempts beyond the retry budget a person may still approve; past them the task fails
/// without asking (so `--on-approval approve` cannot loop forever).
const EXTRA_ATTEMPTS: u32 = 2;

/// Asks whether to try again after `why`; true means go on with the next attempt.
async fn retry(ctx: &Arc<Ctx>, task: &str, attempt: u32, changed: u32, why: &str) -> Option<bool> {
    if attempt > ctx.config.run.max_retries + EXTRA_ATTEMPTS {
        return Some(false);
    }
    let mut facts = ctx.facts();
    facts.retries_used = attempt - 1;
    facts.changed_lines = changed;
    let req = Request {
        id: format!("retry-{task}-{attempt}"),
        what: ApprovalWhat::Retry,
        task: Some(task.to_string()),
        subject: format!(
            "retry task {task} (attempt {} of {}): {why}",
            attempt + 1,
            ctx.config.run.max_retries + 1
        ),
        diff: None,
        facts,
    };
    Some(ctx.desk.ask(req).await?.approved)
}

fn where_to_start(ctx: &Ctx, task: &str, attempt: u32) -> Step {
    ctx.log.with_state(|s| {
        let Some(t) = s.task(task) else {
            return Step::Implement;
        };
        if t.merge.as_ref().is_some_and(|m| !m.ok) || t.status == TaskStatus::Merging {
            Step::Merge
        } else if s.approval(&format!("diff-{task}-{attempt}")).is_some() {
            Step::DiffApproval
        } else if t.diffs.len() as u32 >= attempt && attempt > 0 {
            Step::Gates
        } else {
            Step::Implement
        }
    })
}

pub async fn run_task(ctx: Arc<Ctx>, task: String) -> TaskEnd {
    let Some((kind, title, description)) = ctx.log.with_state(|s| {
        s.task(&task)
            .map(|t| (t.kind, t.title.clone(), t.description.clone()))
    }) else {
        return TaskEnd::Failed;
    };
    if !ctx.wait_unpaused().await {
        return TaskEnd::Stopped;
    }
    ctx.start_task_token(&task);
    let Some(agent) = assign(&ctx, &task, kind).await else {
        return stopped_or(&ctx, &task, TaskEnd::Failed);
    };
    let wt = match ctx.repo.task_worktree(&task) {
        Ok(w) => w,
        Err(e) => {
            note(
                &ctx,
                &agent,
                &task,
                format!("cannot make the task's worktree: {e}"),
            );
            status(&ctx, &task, TaskStatus::Failed);
            return TaskEnd::Failed;
        }
    };
    let mut attempt = ctx
        .log
        .with_state(|s| s.task(&task).map(|t| t.attempts))
        .unwrap_or(0)
        .max(1);
    let mut step = where_to_start(&ctx, &task, attempt);
    if step == Step::Implement {
        // A session cut by a crash starts over from the last commit (its log has no outcome).
        if let Err(e) = wt.restore_tip() {
            note(
                &ctx,
                &agent,
                &task,
                format!("cannot clean the task's worktree: {e}"),
            );
        }
    }
    // A resumed attempt that a person's rejection started still carries the reason.
    let mut feedback: Vec<String> = if step == Step::Implement {
        rejection_feedback(&ctx, &task, attempt.saturating_sub(1))
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    let mut diff: Option<TaskDiff> = None;
    let goal = ctx.goal();
    loop {
        while step < Step::Merge {
            if !ctx.wait_unpaused().await {
                return TaskEnd::Stopped;
            }
            let mut problem: Option<String> = None;
            if step == Step::Implement {
                status(&ctx, &task, TaskStatus::Running);
                if !feedback.is_empty() {
                    // The person sees what the agent is told.
                    note(
                        &ctx,
                        &agent,
                        &task,
                        format!("feedback for attempt {attempt}:\n{}", feedback.join("\n")),
                    );
                }
                let brief = prompt::Brief {
                    goal: goal.clone(),
                    task: Some((task.clone(), title.clone(), description.clone())),
                    lessons: super::learning::lessons_for(&ctx, kind, &title),
                    feedback: feedback.clone(),
                    material: None,
                };
                let first = prompt::first_message(&brief, &prompt::repo_map(&wt.path));
                match ctx
                    .session(
                        &agent,
                        Some(&task),
                        attempt,
                        &wt.path,
                        prompt::system_prompt(Role::Implementer),
                        first,
                    )
                    .await
                {
                    AgentEnd::Finished { .. } => {}
                    AgentEnd::Cancelled => return cancelled_or_stopped(&ctx, &task),
                    AgentEnd::Unreachable { error } => {
                        return unreachable(&ctx, &agent, &task, error);
                    }
                    other => problem = Some(format!("the implementer did not finish: {other}")),
                }
            }
            if problem.is_none() && step <= Step::Gates {
                match propose_diff(&ctx, &task, &agent, &wt, attempt, &title) {
                    Ok(d) if d.is_empty() => problem = Some("the attempt changed no file".into()),
                    Ok(d) => diff = Some(d),
                    Err(e) => problem = Some(format!("could not take the diff: {e}")),
                }
            }
            if problem.is_none() && step <= Step::Gates {
                status(&ctx, &task, TaskStatus::Gates);
                let gates = run_gates(
                    &ctx.log,
                    ctx.runner.as_ref(),
                    &ctx.config.gates,
                    &task,
                    &wt.path,
                    &ctx.env_remove,
                    &ctx.token_for(Some(&task)),
                )
                .await;
                if ctx.cancel.is_cancelled() {
                    return TaskEnd::Stopped;
                }
                if ctx.token_for(Some(&task)).is_cancelled() {
                    return cancelled(&ctx, &task);
                }
                if !gates.passed {
                    feedback = gates.feedback.clone();
                    problem = Some("gates failed".into());
                } else if let Some(d) = &diff {
                    status(&ctx, &task, TaskStatus::Review);
                    match review(
                        &ctx,
                        &task,
                        &goal,
                        &title,
                        &description,
                        &wt.path,
                        d,
                        &gates.summary,
                        attempt,
                    )
                    .await
                    {
                        Reviewed::Stopped => return TaskEnd::Stopped,
                        Reviewed::Approved => {}
                        Reviewed::Changes(comments) => {
                            feedback = vec![comments];
                            problem = Some("the review asked for changes".into());
                        }
                        Reviewed::Unreachable { reviewer, error } => {
                            return unreachable(&ctx, &reviewer, &task, error);
                        }
                    }
                }
            }
            if problem.is_none() {
                status(&ctx, &task, TaskStatus::AwaitingApproval);
                let d = diff.clone().or_else(|| current_diff(&ctx, &wt));
                let mut facts = ctx.facts();
                facts.gates_passed = true;
                facts.review_approved = true;
                facts.changed_lines = d.as_ref().map_or(0, |d| d.changed_lines());
                facts.deletes_files = d.as_ref().is_some_and(|d| d.deletes_files());
                let diff_id = ctx
                    .log
                    .with_state(|s| s.task(&task).and_then(|t| t.diffs.last().cloned()));
                let req = Request {
                    id: format!("diff-{task}-{attempt}"),
                    what: ApprovalWhat::Diff,
                    task: Some(task.clone()),
                    subject: format!(
                        "task {task} · {title} · +{} −{}",
                        d.as_ref().map_or(0, |d| d.added),
                        d.as_ref().map_or(0, |d| d.removed)
                    ),
                    diff: diff_id,
                    facts,
                };
                match ctx.desk.ask(req).await {
                    None => return TaskEnd::Stopped,
                    Some(v) if v.approved => {
                        let id = format!("{task}-{attempt}-kept");
                        if let Err(e) = super::kept_hunks::carry_out(&ctx, &task, &wt, id, &v) {
                            return keeping_failed(&ctx, &agent, &task, &e);
                        }
                        break;
                    }
                    Some(_) if ctx.token_for(Some(&task)).is_cancelled() => {
                        return cancelled_or_stopped(&ctx, &task)
                    }
                    Some(v) => {
                        // The person decided already: back to the agent, not another question.
                        feedback = vec![rejected_because(&v.reason)];
                        if !send_back(&ctx, &task, &agent, attempt, "your diff", &v.reason) {
                            super::learning::record_outcome(&ctx, &task, false);
                            return TaskEnd::Failed;
                        }
                        attempt += 1;
                        step = Step::Implement;
                        diff = None;
                        continue;
                    }
                }
            }
            if ctx.token_for(Some(&task)).is_cancelled() {
                return cancelled_or_stopped(&ctx, &task);
            }
            let why = problem.unwrap_or_default();
            note(&ctx, &agent, &task, format!("attempt {attempt}: {why}"));
            let changed = diff.as_ref().map_or(0, |d| d.changed_lines());
            match retry(&ctx, &task, attempt, changed, &why).await {
                None => return TaskEnd::Stopped,
                Some(true) => {
                    attempt += 1;
                    step = Step::Implement;
                    diff = None;
                }
                Some(false) if ctx.token_for(Some(&task)).is_cancelled() => {
                    return cancelled_or_stopped(&ctx, &task)
                }
                Some(false) => {
                    status(&ctx, &task, TaskStatus::Failed);
                    super::learning::record_outcome(&ctx, &task, false);
                    return TaskEnd::Failed;
                }
            }
        }
        match super::merging::merge_task(&ctx, &task, &agent, &wt, attempt).await {
            super::merging::MergeEnd::Rejected(_) if ctx.token_for(Some(&task)).is_cancelled() => {
                return cancelled_or_stopped(&ctx, &task)
            }
            super::merging::MergeEnd::Rejected(reason) => {
                feedback = vec![rejected_because(&reason)];
                if !send_back(&ctx, &task, &agent, attempt, "the merge", &reason) {
                    super::learning::record_outcome(&ctx, &task, false);
                    return TaskEnd::Failed;
                }
                attempt += 1;
                step = Step::Implement;
                diff = None;
            }
            super::merging::MergeEnd::Ended(end) => {
                if end != TaskEnd::Stopped {
                    super::learning::record_outcome(&ctx, &task, end == TaskEnd::Done);
                }
                return end;
            }
        }
    }
}

/// A person cancelled this task (not the run): it ends cancelled, and so do its dependents.
/// An agent of the task cannot reach its model for a reason no retry fixes: the task fails
/// now, saying why and what to do, instead of spending its retries on the same refusal.
fn unreachable(ctx: &Ctx, agent: &str, task: &str, error: String) -> TaskEnd {
    let why = ctx.problem_of(agent).unwrap_or(error);
    note(
        ctx,
        agent,
        task,
        format!(
            "task {task} stopped: {why}. Not retried; once fixed, `conclave resume RUN --retry` \
             runs it again"
        ),
    );
    status(ctx, task, TaskStatus::Failed);
    TaskEnd::Failed
}

/// How a review ended.
enum Reviewed {
    Approved,
    Changes(String),
    Unreachable { reviewer: String, error: String },
    Stopped,
}

fn cancelled(ctx: &Ctx, task: &str) -> TaskEnd {
    status(ctx, task, TaskStatus::Cancelled);
    TaskEnd::Failed
}

fn cancelled_or_stopped(ctx: &Ctx, task: &str) -> TaskEnd {
    if ctx.cancel.is_cancelled() {
        TaskEnd::Stopped
    } else {
        cancelled(ctx, task)
    }
}

fn stopped_or(ctx: &Ctx, task: &str, end: TaskEnd) -> TaskEnd {
    if ctx.cancel.is_cancelled() {
        return TaskEnd::Stopped;
    }
    status(ctx, task, TaskStatus::Failed);
    end
}

fn current_diff(ctx: &Ctx, wt: &crate::git::TaskWorktree) -> Option<TaskDiff> {
    let tip = wt.tip().ok()?;
    task_diff(&ctx.repo.root, wt.base, tip).ok()
}

fn propose_diff(
    ctx: &Ctx,
    task: &str,
    agent: &str,
    wt: &crate::git::TaskWorktree,
    attempt: u32,
    title: &str,
) -> Result<TaskDiff, crate::git::GitError> {
    let tip = wt.commit_all(agent, &format!("{task}: {title} (attempt {attempt})"))?;
    ctx.record_commit(task, tip);
    let d = task_diff(&ctx.repo.root, wt.base, tip)?;
    let already = ctx.log.with_state(|s| {
        s.task(task)
            .map(|t| t.diffs.len() as u32 >= attempt)
            .unwrap_or(false)
    });
    if !d.is_empty() && !already {
        ctx.log.emit(super::kept_hunks::diff_event(
            task,
            format!("{task}-{attempt}"),
            &d,
        ));
    }
    Ok(d)
}

/// The reviewer's verdict: approved, or the comments to send back.
#[allow(clippy::too_many_arguments)]
async fn review(
    ctx: &Arc<Ctx>,
    task: &str,
    goal: &str,
    title: &str,
    description: &str,
    dir: &std::path::Path,
    d: &TaskDiff,
    gates: &str,
    attempt: u32,
) -> Reviewed {
    let Some(reviewer) = ctx.first_with_role(Role::Reviewer).map(|a| a.name.clone()) else {
        return Reviewed::Approved;
    };
    let brief = prompt::Brief {
        goal: goal.to_string(),
        task: Some((task.to_string(), title.to_string(), description.to_string())),
        lessons: Vec::new(),
        feedback: Vec::new(),
        material: Some(format!(
            "The change (diff against the task's base):\n{}\nQuality gates:\n{gates}",
            d.patch
        )),
    };
    let first = prompt::first_message(&brief, "(see the diff)");
    match ctx
        .session(
            &reviewer,
            Some(task),
            attempt,
            dir,
            prompt::system_prompt(Role::Reviewer),
            first,
        )
        .await
    {
        AgentEnd::Reviewed {
            verdict,
            summary,
            comments,
        } => {
            ctx.log.emit(EventKind::Review {
                task: task.to_string(),
                reviewer: reviewer.clone(),
                verdict,
                summary: summary.clone(),
                comments: comments.clone(),
            });
            match verdict {
                Verdict::Approve => Reviewed::Approved,
                Verdict::RequestChanges => Reviewed::Changes(render_comments(&summary, &comments)),
            }
        }
        AgentEnd::Cancelled => Reviewed::Stopped,
        AgentEnd::Unreachable { error } => Reviewed::Unreachable { reviewer, error },
        other => Reviewed::Changes(format!(
            "the review could not be completed ({other}); check your change once more"
        )),
    }
}

fn render_comments(summary: &str, comments: &[ReviewComment]) -> String {
    let mut s = format!("The reviewer asks for changes: {summary}\n");
    for c in comments {
        s.push_str(&format!("- {}:{}: {}\n", c.path, c.line, c.body));
    }
    s
}
