//! One task from assignment to merge: implement → gates → review → diff approval → merge,
//! with retries (feedback from gates, reviews and a person's rejection goes back to the
//! implementer) and merge conflicts handed to an agent.
//!
//! On resume a task continues from its last consistent point: a diff already proposed for the
//! current attempt is not re-implemented, an answered approval is not asked again, and a task
//! already merged is never merged twice.
//!
//! Owns the order of a task's steps, its attempts and the retry question; the steps of one
//! attempt are in `task_steps`, the merge in `merging`, what a rejection does in `sent_back`.

use super::approvals::Request;
use super::context::Ctx;
use super::sent_back::{rejected_because, rejection_feedback, retry_subject, send_back};
use crate::git::{TaskDiff, TaskWorktree};
use crate::model::EventSink;
use crate::model::{ApprovalWhat, AssignReason, EventKind, TaskKind, TaskStatus};
use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEnd {
    Done,
    Failed,
    Stopped,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Implement,
    Gates,
    DiffApproval,
    Merge,
}

/// How a step lets the task go on: `Break(end)` ends it there, done included.
pub(super) type Flow<T = ()> = ControlFlow<TaskEnd, T>;

/// Why an attempt fell short (no change, failed gates, a review, the agent): said in the
/// transcript and in the retry question.
pub(super) type Problem = String;

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
        subject: retry_subject(task, attempt + 1, ctx.config.run.max_retries, why),
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
    let mut t = match TaskRun::prepare(ctx, task).await {
        Continue(t) => t,
        Break(end) => return end,
    };
    loop {
        if let Break(end) = t.until_approved().await {
            return end;
        }
        // Going on means a person rejected the merge: the next attempt is set up.
        if let Break(end) = t.merge().await {
            return end;
        }
    }
}

/// One task under way: what it is, who implements it where, and how far its current
/// attempt got.
pub(super) struct TaskRun {
    pub(super) ctx: Arc<Ctx>,
    pub(super) task: String,
    pub(super) kind: TaskKind,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) goal: String,
    pub(super) agent: String,
    pub(super) wt: TaskWorktree,
    pub(super) attempt: u32,
    pub(super) step: Step,
    /// What the implementer is told on the next implement step.
    pub(super) feedback: Vec<String>,
    /// The current attempt's diff, once taken.
    pub(super) diff: Option<TaskDiff>,
}

impl TaskRun {
    /// Waits out a pause, assigns the task, makes its worktree, and finds where its current
    /// attempt stands (a resumed task goes on from there).
    async fn prepare(ctx: Arc<Ctx>, task: String) -> Flow<TaskRun> {
        let Some((kind, title, description)) = ctx.log.with_state(|s| {
            s.task(&task)
                .map(|t| (t.kind, t.title.clone(), t.description.clone()))
        }) else {
            return Break(TaskEnd::Failed);
        };
        if !ctx.wait_unpaused().await {
            return Break(TaskEnd::Stopped);
        }
        ctx.start_task_token(&task);
        let Some(agent) = assign(&ctx, &task, kind).await else {
            return Break(stopped_or(&ctx, &task, TaskEnd::Failed));
        };
        let wt = match ctx.repo.task_worktree(&task) {
            Ok(w) => w,
            Err(e) => {
                let why = format!("cannot make the task's worktree: {e}");
                note(&ctx, &agent, &task, why);
                status(&ctx, &task, TaskStatus::Failed);
                return Break(TaskEnd::Failed);
            }
        };
        let attempt = ctx
            .log
            .with_state(|s| s.task(&task).map(|t| t.attempts))
            .unwrap_or(0)
            .max(1);
        let step = where_to_start(&ctx, &task, attempt);
        let mut feedback = Vec::new();
        if step == Step::Implement {
            // A session cut by a crash starts over from the last commit (its log has no outcome).
            if let Err(e) = wt.restore_tip() {
                let why = format!("cannot clean the task's worktree: {e}");
                note(&ctx, &agent, &task, why);
            }
            // A resumed attempt that a person's rejection started still carries the reason.
            feedback.extend(rejection_feedback(&ctx, &task, attempt.saturating_sub(1)));
        }
        let goal = ctx.goal();
        Continue(TaskRun {
            ctx,
            task,
            kind,
            title,
            description,
            goal,
            agent,
            wt,
            attempt,
            step,
            feedback,
            diff: None,
        })
    }

    /// Attempt after attempt until one's diff is approved.
    async fn until_approved(&mut self) -> Flow {
        while self.step < Step::Merge {
            if !self.ctx.wait_unpaused().await {
                return Break(TaskEnd::Stopped);
            }
            if let Err(problem) = self.work().await? {
                self.retry_or_fail(&problem).await?;
            } else if self.diff_approved().await? {
                break;
            }
        }
        Continue(())
    }

    /// The current attempt from where it stands up to its approval: implement, take the
    /// diff, gates and review.
    async fn work(&mut self) -> Flow<Result<(), Problem>> {
        if self.step == Step::Implement {
            if let Err(problem) = self.implement().await? {
                return Continue(Err(problem));
            }
        }
        if self.step > Step::Gates {
            return Continue(Ok(()));
        }
        if let Err(problem) = self.take_diff() {
            return Continue(Err(problem));
        }
        match self.gates().await? {
            Ok(summary) => self.review(&summary).await,
            Err(problem) => Continue(Err(problem)),
        }
    }

    /// The attempt fell short: within the budget the person (or the policy) says whether to
    /// try again; otherwise, or if not, the task fails.
    async fn retry_or_fail(&mut self, why: &str) -> Flow {
        let (ctx, task) = (&self.ctx, self.task.as_str());
        if ctx.token_for(Some(task)).is_cancelled() {
            return Break(cancelled_or_stopped(ctx, task));
        }
        note(
            ctx,
            &self.agent,
            task,
            format!("attempt {}: {why}", self.attempt),
        );
        let changed = self.diff.as_ref().map_or(0, |d| d.changed_lines());
        match retry(ctx, task, self.attempt, changed, why).await {
            None => Break(TaskEnd::Stopped),
            Some(true) => {
                self.next_attempt();
                Continue(())
            }
            Some(false) if ctx.token_for(Some(task)).is_cancelled() => {
                Break(cancelled_or_stopped(ctx, task))
            }
            Some(false) => {
                status(ctx, task, TaskStatus::Failed);
                super::learning::record_outcome(ctx, task, false);
                Break(TaskEnd::Failed)
            }
        }
    }

    /// Merges the approved attempt; goes on only when a person rejected the merge and the
    /// task went back to its implementer.
    async fn merge(&mut self) -> Flow {
        use super::merging::{merge_task, MergeEnd};
        let (ctx, task) = (&self.ctx, self.task.as_str());
        match merge_task(ctx, task, &self.agent, &self.wt, self.attempt).await {
            MergeEnd::Rejected(_) if ctx.token_for(Some(task)).is_cancelled() => {
                Break(cancelled_or_stopped(ctx, task))
            }
            MergeEnd::Rejected(reason) => self.back_to_implementer("the merge", &reason),
            MergeEnd::Ended(end) => {
                if end != TaskEnd::Stopped {
                    super::learning::record_outcome(ctx, task, end == TaskEnd::Done);
                }
                Break(end)
            }
        }
    }

    /// A person rejected `what` of this attempt for `reason`: the next attempt is told why,
    /// unless the retry budget is spent and the task failed.
    pub(super) fn back_to_implementer(&mut self, what: &str, reason: &str) -> Flow {
        self.feedback = vec![rejected_because(reason)];
        if !send_back(
            &self.ctx,
            &self.task,
            &self.agent,
            self.attempt,
            what,
            reason,
        ) {
            super::learning::record_outcome(&self.ctx, &self.task, false);
            return Break(TaskEnd::Failed);
        }
        self.next_attempt();
        Continue(())
    }

    fn next_attempt(&mut self) {
        self.attempt += 1;
        self.step = Step::Implement;
        self.diff = None;
    }
}

/// An agent of the task cannot reach its model for a reason no retry fixes: the task fails
/// now, saying why and what to do, instead of spending its retries on the same refusal.
pub(super) fn unreachable(ctx: &Ctx, agent: &str, task: &str, error: String) -> TaskEnd {
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

/// A person cancelled this task (not the run): it ends cancelled, and so do its dependents.
pub(super) fn cancelled(ctx: &Ctx, task: &str) -> TaskEnd {
    status(ctx, task, TaskStatus::Cancelled);
    TaskEnd::Failed
}

pub(super) fn cancelled_or_stopped(ctx: &Ctx, task: &str) -> TaskEnd {
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
