//! The steps of one attempt at a task, in their order: the implementer's turn, taking the
//! diff, the quality gates, the review, and asking for the diff's approval.
//!
//! Owns what each step emits and how its outcome reads (go on, fall short with a problem,
//! or end the task). Must not decide whether to try again or merge: `task_flow` orders the
//! steps and asks the retry question.

use super::approvals::Request;
use super::context::Ctx;
use super::gates::run_gates;
use super::sent_back::keeping_failed;
use super::task_flow::{
    cancelled, cancelled_or_stopped, note, status, unreachable, Flow, Problem, TaskEnd, TaskRun,
};
use crate::agents::{prompt, AgentEnd};
use crate::git::{task_diff, TaskDiff, TaskWorktree};
use crate::model::EventSink;
use crate::model::{ApprovalWhat, EventKind, ReviewComment, Role, TaskStatus, Verdict};
use std::ops::ControlFlow::{Break, Continue};

impl TaskRun {
    /// The implementer's turn, told what the attempt before it fell short on.
    pub(super) async fn implement(&self) -> Flow<Result<(), Problem>> {
        let (ctx, task, agent) = (&self.ctx, self.task.as_str(), self.agent.as_str());
        status(ctx, task, TaskStatus::Running);
        if !self.feedback.is_empty() {
            // The person sees what the agent is told.
            note(
                ctx,
                agent,
                task,
                format!(
                    "feedback for attempt {}:\n{}",
                    self.attempt,
                    self.feedback.join("\n")
                ),
            );
        }
        let brief = prompt::Brief {
            goal: self.goal.clone(),
            task: Some((
                self.task.clone(),
                self.title.clone(),
                self.description.clone(),
            )),
            lessons: super::learning::lessons_for(ctx, self.kind, &self.title),
            feedback: self.feedback.clone(),
            material: None,
        };
        let first = prompt::first_message(&brief, &prompt::repo_map(&self.wt.path));
        let system = prompt::system_prompt(Role::Implementer);
        match ctx
            .session(
                agent,
                Some(task),
                self.attempt,
                &self.wt.path,
                system,
                first,
            )
            .await
        {
            AgentEnd::Finished { .. } => Continue(Ok(())),
            AgentEnd::Cancelled => Break(cancelled_or_stopped(ctx, task)),
            AgentEnd::Unreachable { error } => Break(unreachable(ctx, agent, task, error)),
            other => Continue(Err(format!("the implementer did not finish: {other}"))),
        }
    }

    /// Commits the attempt's work and proposes its diff (once per attempt).
    pub(super) fn take_diff(&mut self) -> Result<(), Problem> {
        let (ctx, task) = (&self.ctx, self.task.as_str());
        match propose_diff(ctx, task, &self.agent, &self.wt, self.attempt, &self.title) {
            Ok(d) if d.is_empty() => Err("the attempt changed no file".into()),
            Ok(d) => {
                self.diff = Some(d);
                Ok(())
            }
            Err(e) => Err(format!("could not take the diff: {e}")),
        }
    }

    /// The quality gates in the task's worktree: their summary for the reviewer, or the
    /// failing gates' output as the next attempt's feedback.
    pub(super) async fn gates(&mut self) -> Flow<Result<String, Problem>> {
        let (ctx, task) = (&self.ctx, self.task.as_str());
        status(ctx, task, TaskStatus::Gates);
        let gates = run_gates(
            &ctx.log,
            ctx.runner.as_ref(),
            &ctx.config.gates,
            task,
            &self.wt.path,
            &ctx.env_remove,
            &ctx.token_for(Some(task)),
        )
        .await;
        if ctx.cancel.is_cancelled() {
            return Break(TaskEnd::Stopped);
        }
        if ctx.token_for(Some(task)).is_cancelled() {
            return Break(cancelled(ctx, task));
        }
        if !gates.passed {
            self.feedback = gates.feedback;
            return Continue(Err("gates failed".into()));
        }
        Continue(Ok(gates.summary))
    }

    /// The reviewer's verdict on the attempt's diff; comments asking for changes become the
    /// next attempt's feedback.
    pub(super) async fn review(&mut self, gates: &str) -> Flow<Result<(), Problem>> {
        let Some(d) = &self.diff else {
            return Continue(Ok(()));
        };
        status(&self.ctx, &self.task, TaskStatus::Review);
        match ask_reviewer(self, d, gates).await {
            Reviewed::Stopped => Break(TaskEnd::Stopped),
            Reviewed::Approved => Continue(Ok(())),
            Reviewed::Changes(comments) => {
                self.feedback = vec![comments];
                Continue(Err("the review asked for changes".into()))
            }
            Reviewed::Unreachable { reviewer, error } => {
                Break(unreachable(&self.ctx, &reviewer, &self.task, error))
            }
        }
    }

    /// Asks for the attempt's diff to be approved. True: approved (with the hunks kept, when
    /// a person dropped some), on to the merge. False: a person rejected it and the task went
    /// back to its implementer.
    pub(super) async fn diff_approved(&mut self) -> Flow<bool> {
        let (ctx, task, attempt) = (&self.ctx, self.task.as_str(), self.attempt);
        status(ctx, task, TaskStatus::AwaitingApproval);
        let d = self.diff.clone().or_else(|| current_diff(ctx, &self.wt));
        let mut facts = ctx.facts();
        facts.gates_passed = true;
        facts.review_approved = true;
        facts.changed_lines = d.as_ref().map_or(0, |d| d.changed_lines());
        facts.deletes_files = d.as_ref().is_some_and(|d| d.deletes_files());
        let diff_id = ctx
            .log
            .with_state(|s| s.task(task).and_then(|t| t.diffs.last().cloned()));
        let req = Request {
            id: format!("diff-{task}-{attempt}"),
            what: ApprovalWhat::Diff,
            task: Some(task.to_string()),
            subject: format!(
                "task {task} · {} · +{} −{}",
                self.title,
                d.as_ref().map_or(0, |d| d.added),
                d.as_ref().map_or(0, |d| d.removed)
            ),
            diff: diff_id,
            facts,
        };
        match ctx.desk.ask(req).await {
            None => Break(TaskEnd::Stopped),
            Some(v) if v.approved => {
                let id = format!("{task}-{attempt}-kept");
                if let Err(e) = super::kept_hunks::carry_out(ctx, task, &self.wt, id, &v) {
                    return Break(keeping_failed(ctx, &self.agent, task, &e));
                }
                Continue(true)
            }
            Some(_) if ctx.token_for(Some(task)).is_cancelled() => {
                Break(cancelled_or_stopped(ctx, task))
            }
            Some(v) => {
                // The person decided already: back to the agent, not another question.
                self.back_to_implementer("your diff", &v.reason)?;
                Continue(false)
            }
        }
    }
}

/// How a review ended.
enum Reviewed {
    Approved,
    Changes(String),
    Unreachable { reviewer: String, error: String },
    Stopped,
}

fn current_diff(ctx: &Ctx, wt: &TaskWorktree) -> Option<TaskDiff> {
    let tip = wt.tip().ok()?;
    task_diff(&ctx.repo.root, wt.base, tip).ok()
}

fn propose_diff(
    ctx: &Ctx,
    task: &str,
    agent: &str,
    wt: &TaskWorktree,
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

/// The reviewer's verdict on diff `d` of the attempt: approved, or the comments to send back.
async fn ask_reviewer(t: &TaskRun, d: &TaskDiff, gates: &str) -> Reviewed {
    let ctx = &t.ctx;
    let Some(reviewer) = ctx.first_with_role(Role::Reviewer).map(|a| a.name.clone()) else {
        return Reviewed::Approved;
    };
    let brief = prompt::Brief {
        goal: t.goal.clone(),
        task: Some((t.task.clone(), t.title.clone(), t.description.clone())),
        lessons: Vec::new(),
        feedback: Vec::new(),
        material: Some(format!(
            "The change (diff against the task's base):\n{}\nQuality gates:\n{gates}",
            d.patch
        )),
    };
    let first = prompt::first_message(&brief, "(see the diff)");
    let system = prompt::system_prompt(Role::Reviewer);
    match ctx
        .session(
            &reviewer,
            Some(&t.task),
            t.attempt,
            &t.wt.path,
            system,
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
                task: t.task.clone(),
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
