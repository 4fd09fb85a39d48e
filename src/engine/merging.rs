//! Merging an accepted task into the run's integration branch. A clean merge asks the policy
//! (or a person); a conflict becomes work for an implementer, who gets the conflicted files
//! with their markers in the task's worktree; the resolution is merged again.

use super::approvals::Request;
use super::context::Ctx;
use super::task_flow::TaskEnd;
use crate::agents::{prompt, AgentEnd};
use crate::git::{MergeOutcome, TaskWorktree};
use crate::model::EventSink;
use crate::model::{ApprovalWhat, EventKind, Role, TaskStatus};
use std::sync::Arc;

fn status(ctx: &Ctx, task: &str, s: TaskStatus) {
    if ctx.log.with_state(|st| st.task(task).map(|t| t.status)) != Some(s) {
        ctx.log.emit(EventKind::TaskStatus {
            task: task.to_string(),
            status: s,
        });
    }
}

fn merged(ctx: &Ctx, task: &str, commit: git2::Oid) -> TaskEnd {
    ctx.log.emit(EventKind::MergeResult {
        task: task.to_string(),
        ok: true,
        conflicts: vec![],
        commit: Some(commit.to_string()),
    });
    status(ctx, task, TaskStatus::Done);
    TaskEnd::Done
}

fn failed(ctx: &Ctx, task: &str, why: String) -> TaskEnd {
    ctx.log.emit(EventKind::Transcript {
        agent: "engine".into(),
        task: Some(task.to_string()),
        part: crate::model::TranscriptPart::System,
        text: format!("{why}\n"),
    });
    status(ctx, task, TaskStatus::Failed);
    TaskEnd::Failed
}

/// How a merge ended: a person's rejection goes back to the implementer as feedback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeEnd {
    Ended(TaskEnd),
    Rejected(String),
}

pub async fn merge_task(
    ctx: &Arc<Ctx>,
    task: &str,
    agent: &str,
    wt: &TaskWorktree,
    attempt: u32,
) -> MergeEnd {
    MergeEnd::Ended(
        match approve_and_merge(ctx, task, agent, wt, attempt).await {
            Ok(end) => end,
            Err(reason) => return MergeEnd::Rejected(reason),
        },
    )
}

/// Asks for the merge and does it; Err carries a person's reason for rejecting it.
async fn approve_and_merge(
    ctx: &Arc<Ctx>,
    task: &str,
    agent: &str,
    wt: &TaskWorktree,
    attempt: u32,
) -> Result<TaskEnd, String> {
    if ctx
        .log
        .with_state(|s| s.task(task).and_then(|t| t.merge.as_ref().map(|m| m.ok)))
        == Some(true)
    {
        status(ctx, task, TaskStatus::Done);
        return Ok(TaskEnd::Done);
    }
    status(ctx, task, TaskStatus::Merging);
    let preview = match ctx.repo.merge_preview(task) {
        Ok(p) => p,
        Err(e) => return Ok(failed(ctx, task, format!("cannot merge task {task}: {e}"))),
    };
    let conflicts = match &preview {
        MergeOutcome::Clean(_) => vec![],
        MergeOutcome::Conflicts(p) => p.clone(),
    };
    let mut facts = ctx.facts();
    facts.clean = conflicts.is_empty();
    let subject = if conflicts.is_empty() {
        format!("merge task {task} into {}", ctx.repo.integration_branch())
    } else {
        format!(
            "merge task {task}: conflicts in {}; an agent will resolve them",
            conflicts.join(", ")
        )
    };
    // The diff shown with the merge is what the person may keep hunks of.
    let diff = ctx
        .log
        .with_state(|s| s.task(task).and_then(|t| t.diffs.last().cloned()));
    let req = Request {
        id: format!("merge-{task}-{attempt}"),
        what: ApprovalWhat::Merge,
        task: Some(task.to_string()),
        subject,
        diff,
        facts,
    };
    match ctx.desk.ask(req).await {
        None => return Ok(TaskEnd::Stopped),
        Some(v) if !v.approved => return Err(v.reason),
        Some(v) => {
            let id = format!("{task}-{attempt}-merge-kept");
            if let Err(e) = super::kept_hunks::carry_out(ctx, task, wt, id, &v) {
                return Ok(failed(
                    ctx,
                    task,
                    format!(
                        "could not keep only the approved hunks ({e}); nothing of task {task} was merged"
                    ),
                ));
            }
        }
    }
    Ok(match ctx.repo.merge_into_integration(task) {
        Ok(MergeOutcome::Clean(c)) => merged(ctx, task, c),
        Ok(MergeOutcome::Conflicts(paths)) => resolve(ctx, task, agent, wt, attempt, paths).await,
        Err(e) => failed(ctx, task, format!("cannot merge task {task}: {e}")),
    })
}

async fn resolve(
    ctx: &Arc<Ctx>,
    task: &str,
    agent: &str,
    wt: &TaskWorktree,
    attempt: u32,
    paths: Vec<String>,
) -> TaskEnd {
    ctx.log.emit(EventKind::MergeResult {
        task: task.to_string(),
        ok: false,
        conflicts: paths.clone(),
        commit: None,
    });
    let marked = match ctx.repo.bring_conflicts_home(wt) {
        Ok(p) => p,
        Err(e) => {
            return failed(
                ctx,
                task,
                format!("cannot reproduce the conflict of {task}: {e}"),
            )
        }
    };
    status(ctx, task, TaskStatus::Running);
    let mut feedback = Vec::new();
    for round in 0..2u32 {
        let brief = prompt::Brief {
            goal: ctx.goal(),
            task: Some((
                task.to_string(),
                format!("resolve merge conflicts of task {task}"),
                format!(
                    "Merging your task into the run's integration branch conflicts in: {}. These files now hold \
                     conflict markers (<<<<<<< ======= >>>>>>>). Keep both sides' intent, remove every marker, \
                     check the result, then call finish.",
                    if marked.is_empty() { paths.join(", ") } else { marked.join(", ") }
                ),
            )),
            feedback: feedback.clone(),
            ..prompt::Brief::default()
        };
        let first = prompt::first_message(&brief, &prompt::repo_map(&wt.path));
        match ctx
            .session(
                agent,
                Some(task),
                attempt + 100 + round,
                &wt.path,
                prompt::system_prompt(Role::Implementer),
                first,
            )
            .await
        {
            AgentEnd::Finished { .. } => {}
            AgentEnd::Cancelled => return TaskEnd::Stopped,
            other => {
                return failed(
                    ctx,
                    task,
                    format!("the conflict of {task} was not resolved: {other}"),
                )
            }
        }
        // A file that still holds markers is not resolved, whatever the agent says.
        match ctx.repo.files_with_markers(wt, &[]) {
            Ok(left) if left.is_empty() => break,
            Ok(left) if round == 0 => {
                feedback = vec![format!(
                    "Conflict markers are still in: {}. Remove them all.",
                    left.join(", ")
                )]
            }
            Ok(left) => {
                return failed(
                    ctx,
                    task,
                    format!(
                        "conflict markers remain in {} after two tries",
                        left.join(", ")
                    ),
                )
            }
            Err(e) => {
                return failed(
                    ctx,
                    task,
                    format!("cannot check the resolution of {task}: {e}"),
                )
            }
        }
    }
    match ctx.repo.commit_resolution(wt) {
        Ok(tip) => ctx.record_commit(task, tip),
        Err(e) => {
            return failed(
                ctx,
                task,
                format!("the resolution of {task} cannot be committed: {e}"),
            )
        }
    }
    status(ctx, task, TaskStatus::Merging);
    match ctx.repo.merge_into_integration(task) {
        Ok(MergeOutcome::Clean(c)) => merged(ctx, task, c),
        Ok(MergeOutcome::Conflicts(p)) => failed(
            ctx,
            task,
            format!("still conflicting after resolution: {}", p.join(", ")),
        ),
        Err(e) => failed(ctx, task, format!("cannot merge task {task}: {e}")),
    }
}
