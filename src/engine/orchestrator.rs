//! The run from goal to landing: the strategist's plan (approved per level), the scheduler
//! that runs ready tasks in parallel up to `max_parallel`, failure handling for dependents,
//! the land on the user's branch, and the run's end.

use super::approvals::Request;
use super::context::Ctx;
use super::gates::run_gates;
use super::task_flow::{run_task, TaskEnd};
use crate::agents::{prompt, AgentEnd};
use crate::model::EventSink;
use crate::model::{ApprovalWhat, EventKind, Role, RunOutcome, RunStatus, TaskStatus, LAND_TASK};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::task::JoinSet;

/// How a drive ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriveEnd {
    Finished(RunOutcome),
    /// Stopped before its end (cancel by a person is `Finished(Cancelled)`; this is the
    /// process going away or `--on-approval fail`): resumable.
    Interrupted,
}

pub async fn drive(ctx: Arc<Ctx>) -> DriveEnd {
    if ctx.log.with_state(|s| s.status.is_over()) {
        return DriveEnd::Finished(match ctx.log.with_state(|s| s.status) {
            RunStatus::Failed => RunOutcome::Failed,
            RunStatus::Cancelled => RunOutcome::Cancelled,
            _ => RunOutcome::Finished,
        });
    }
    detect_work(&ctx).await;
    if let Err(why) = plan(&ctx).await {
        return end(&ctx, RunOutcome::Failed, Some(why));
    }
    if ctx.cancel.is_cancelled() {
        return stopped(&ctx);
    }
    schedule(&ctx).await;
    if ctx.cancel.is_cancelled() {
        return stopped(&ctx);
    }
    let all_done = ctx.log.with_state(|s| {
        !s.tasks.is_empty() && s.tasks.iter().all(|t| t.status == TaskStatus::Done)
    });
    if !all_done {
        return end(&ctx, RunOutcome::Failed, Some(why_tasks_failed(&ctx)));
    }
    if land(&ctx).await.is_none() {
        return stopped(&ctx);
    }
    super::learning::distill_lessons(&ctx).await;
    end(&ctx, RunOutcome::Finished, None)
}

/// The failed tasks, and what keeps an agent from working if something does.
fn why_tasks_failed(ctx: &Ctx) -> String {
    ctx.log.with_state(|s| {
        let failed: Vec<&str> = s
            .tasks
            .iter()
            .filter(|t| t.status != TaskStatus::Done)
            .map(|t| t.id.as_str())
            .collect();
        let mut why = match failed.len() {
            0 => "no task was planned".to_string(),
            1 => format!("task {} did not finish", failed[0]),
            _ => format!("tasks {} did not finish", failed.join(", ")),
        };
        for a in &s.agents {
            if let Some(p) = &a.problem {
                why.push_str(&format!("; {}: {p}", a.name));
            }
        }
        why
    })
}

fn stopped(ctx: &Ctx) -> DriveEnd {
    if ctx.desk.needs_person().is_some() || ctx.log.with_state(|s| s.status) != RunStatus::Cancelled
    {
        let _ = ctx.log.flush();
        DriveEnd::Interrupted
    } else {
        DriveEnd::Finished(RunOutcome::Cancelled)
    }
}

fn end(ctx: &Ctx, outcome: RunOutcome, reason: Option<String>) -> DriveEnd {
    ctx.log.emit(EventKind::RunFinished {
        status: outcome,
        reason,
    });
    let _ = ctx.repo.cleanup();
    DriveEnd::Finished(outcome)
}

/// The strategist plans until a plan is approved. Why not, when planning cannot succeed.
async fn plan(ctx: &Arc<Ctx>) -> Result<(), String> {
    let approved_plans = |ctx: &Ctx| {
        ctx.log.with_state(|s| {
            s.approvals.iter().any(|a| {
                a.what == ApprovalWhat::Plan
                    && a.decision
                        .as_ref()
                        .is_some_and(|d| d.decision == crate::model::Decision::Approved)
            })
        })
    };
    if approved_plans(ctx) {
        return Ok(());
    }
    let Some(strategist) = ctx
        .first_with_role(Role::Strategist)
        .map(|a| a.name.clone())
    else {
        return Err("no agent has the strategist role".into());
    };
    let mut last_end = String::new();
    let dir = match ctx.repo.task_worktree("_strategist") {
        Ok(w) => w.path,
        Err(_) => ctx.repo.root.clone(),
    };
    let mut feedback = Vec::new();
    for round in 1..=3u32 {
        let proposed = ctx.log.with_state(|s| s.plans_proposed);
        let tasks = if proposed >= round {
            // Resumed after the plan was proposed: ask about it again, do not re-plan.
            ctx.log
                .with_state(|s| s.tasks.iter().map(|t| t.id.clone()).collect::<Vec<_>>())
        } else {
            let brief = prompt::Brief {
                goal: ctx.goal(),
                lessons: ctx.lessons.clone(),
                feedback: feedback.clone(),
                ..Default::default()
            };
            let first = prompt::first_message(&brief, &prompt::repo_map(&dir));
            match ctx
                .session(
                    &strategist,
                    None,
                    round,
                    &dir,
                    prompt::system_prompt(Role::Strategist),
                    first,
                )
                .await
            {
                AgentEnd::Planned { tasks } => {
                    let ids = tasks.iter().map(|t| t.id.clone()).collect();
                    ctx.log.emit(EventKind::PlanProposed {
                        agent: strategist.clone(),
                        tasks,
                    });
                    ids
                }
                AgentEnd::Cancelled => return Ok(()),
                // A model that cannot be reached will not plan in the next round either.
                AgentEnd::Unreachable { error } => {
                    let why = ctx.problem_of(&strategist).unwrap_or(error);
                    return Err(format!("{strategist} could not plan: {why}"));
                }
                other => {
                    last_end = match (&other, ctx.problem_of(&strategist)) {
                        (AgentEnd::Failed { .. }, Some(p)) => p,
                        _ => other.to_string(),
                    };
                    continue;
                }
            }
        };
        let subject = ctx.log.with_state(|s| {
            let titles: Vec<String> = s
                .tasks
                .iter()
                .map(|t| format!("{} {}", t.id, t.title))
                .collect();
            format!(
                "plan of {}: {}",
                crate::util::words::count(tasks.len() as u64, "task"),
                titles.join("; ")
            )
        });
        let req = Request {
            id: format!("plan-{round}"),
            what: ApprovalWhat::Plan,
            task: None,
            subject,
            diff: None,
            facts: ctx.facts(),
        };
        match ctx.desk.ask(req).await {
            None => return Ok(()),
            Some(v) if v.approved => return Ok(()),
            Some(v) => {
                last_end = format!("a person rejected the plan: {}", v.reason);
                feedback = vec![format!("A person rejected the plan: {}", v.reason)]
            }
        }
    }
    Err(format!(
        "{strategist} made no plan in 3 rounds; the last: {last_end}"
    ))
}

/// Runs ready tasks, at most `max_parallel` at once, until nothing more can run.
async fn schedule(ctx: &Arc<Ctx>) {
    let mut running: JoinSet<(String, TaskEnd)> = JoinSet::new();
    let mut started: HashSet<String> = HashSet::new();
    loop {
        if ctx.cancel.is_cancelled() {
            running.shutdown().await;
            return;
        }
        let max = ctx.config.run.max_parallel.max(1) as usize;
        let ready: Vec<String> = ctx.log.with_state(|s| {
            let mut ready: Vec<(u8, String)> = s
                .tasks
                .iter()
                .filter(|t| !t.status.is_terminal() && !started.contains(&t.id))
                .filter(|t| {
                    t.deps
                        .iter()
                        .all(|d| s.task(d).is_some_and(|d| d.status == TaskStatus::Done))
                })
                .map(|t| (t.priority, t.id.clone()))
                .collect();
            ready.sort();
            ready.into_iter().map(|(_, id)| id).collect()
        });
        for id in ready.into_iter().take(max.saturating_sub(running.len())) {
            if ctx.log.with_state(|s| s.task(&id).map(|t| t.status)) == Some(TaskStatus::Pending) {
                ctx.log.emit(EventKind::TaskStatus {
                    task: id.clone(),
                    status: TaskStatus::Ready,
                });
            }
            started.insert(id.clone());
            // Assign in plan order, one at a time, so routing does not depend on which task's
            // future happens to run first.
            let kind = ctx.log.with_state(|s| s.task(&id).map(|t| t.kind));
            if let Some(kind) = kind {
                if super::task_flow::assign(ctx, &id, kind).await.is_none() {
                    if ctx.cancel.is_cancelled() {
                        continue;
                    }
                    ctx.log.emit(EventKind::TaskStatus {
                        task: id.clone(),
                        status: TaskStatus::Cancelled,
                    });
                    cancel_dependents(ctx, &id);
                    continue;
                }
            }
            let c = ctx.clone();
            running.spawn(async move { (id.clone(), run_task(c, id).await) });
        }
        let Some(joined) = running.join_next().await else {
            return;
        };
        if let Ok((id, TaskEnd::Failed)) = joined {
            cancel_dependents(ctx, &id);
        }
    }
}

/// A task failed for good: everything that needs it cannot run.
fn cancel_dependents(ctx: &Ctx, failed: &str) {
    let mut dead = vec![failed.to_string()];
    while let Some(d) = dead.pop() {
        let next: Vec<String> = ctx.log.with_state(|s| {
            s.tasks
                .iter()
                .filter(|t| t.deps.contains(&d) && !t.status.is_terminal())
                .map(|t| t.id.clone())
                .collect()
        });
        for t in next {
            ctx.log.emit(EventKind::TaskStatus {
                task: t.clone(),
                status: TaskStatus::Cancelled,
            });
            dead.push(t);
        }
    }
}

/// Gates on the integration branch, then the land approval, then the land. None when stopping.
async fn land(ctx: &Arc<Ctx>) -> Option<()> {
    if ctx.log.with_state(|s| s.landed.is_some()) {
        return Some(());
    }
    let dir = ctx.repo.task_worktree(LAND_TASK).map(|w| w.path).ok();
    let gates_ok = match &dir {
        Some(d) => {
            // The land worktree follows the integration branch's tip.
            let _ = ctx.repo.refresh_to_integration(LAND_TASK);
            run_gates(
                &ctx.log,
                ctx.runner.as_ref(),
                &ctx.config.gates,
                LAND_TASK,
                d,
                &ctx.env_remove,
                &ctx.cancel,
            )
            .await
            .passed
        }
        None => false,
    };
    let mut facts = ctx.facts();
    facts.gates_passed = gates_ok;
    facts.clean = ctx.repo.user_checkout_clean().unwrap_or(false);
    let req = Request {
        id: "land".into(),
        what: ApprovalWhat::Land,
        task: None,
        subject: format!(
            "land {} on {}",
            ctx.repo.integration_branch(),
            ctx.repo.user_branch
        ),
        diff: None,
        facts: facts.clone(),
    };
    let v = ctx.desk.ask(req).await?;
    let say = |text: String| {
        ctx.log.emit(EventKind::Transcript {
            agent: "engine".into(),
            task: None,
            part: crate::model::TranscriptPart::System,
            text: format!("{text}\n"),
        })
    };
    if !v.approved {
        say(format!(
            "not landed ({}); the work is on branch {}",
            v.reason,
            ctx.repo.integration_branch()
        ));
        return Some(());
    }
    if !ctx.repo.user_checkout_clean().unwrap_or(false) {
        say(format!("not landed: {} has uncommitted changes or another branch is checked out; the work is on branch {}", ctx.repo.user_branch, ctx.repo.integration_branch()));
        return Some(());
    }
    match ctx.repo.land() {
        Ok(Ok(l)) => ctx.log.emit(EventKind::Landed {
            branch: l.branch,
            commit: l.commit.to_string(),
            fast_forward: l.fast_forward,
        }),
        Ok(Err(conflicts)) => say(format!(
            "not landed: {} conflicts with the run in {}; the work is on branch {}",
            ctx.repo.user_branch,
            conflicts.join(", "),
            ctx.repo.integration_branch()
        )),
        Err(e) => say(format!(
            "not landed: {e}; the work is on branch {}",
            ctx.repo.integration_branch()
        )),
    }
    Some(())
}

/// Work detection before the first plan: TODO-style comments always (shown as suggestions),
/// and from level 4 gates failing on the base commit too, all turned into goals.
async fn detect_work(ctx: &Arc<Ctx>) {
    use super::detection::{
        detect_todos, failing_gate_finding, goals_from_findings, MAX_DETECTED_GOALS,
    };
    let fresh = ctx
        .log
        .with_state(|s| s.plans_proposed == 0 && s.findings.is_empty() && s.goals.len() == 1);
    if !fresh {
        return;
    }
    let level = ctx.log.with_state(|s| s.level_or_default());
    let root = ctx.repo.root.clone();
    let mut findings = tokio::task::spawn_blocking(move || detect_todos(&root))
        .await
        .unwrap_or_default();
    if level >= crate::model::AutonomyLevel::Full {
        if let Ok(w) = ctx.repo.task_worktree("_base") {
            for g in &ctx.config.gates {
                let spec = crate::runner::CommandSpec {
                    command: g.command.clone(),
                    cwd: w.path.clone(),
                    timeout: std::time::Duration::from_secs(g.timeout_s),
                    output_cap: super::gates::GATE_OUTPUT_CAP,
                    env_remove: ctx.env_remove.clone(),
                    network: false,
                };
                if let Ok(o) = ctx.runner.run(spec, ctx.cancel.clone()).await {
                    // Findings become goals a model reads: scrubbed first.
                    let tail = ctx.log.redactor().redact(&o.output_tail).into_owned();
                    if !o.success() {
                        findings.push(failing_gate_finding(&g.name, &tail));
                    }
                    findings.extend(super::detection::findings_from_gate_output(&g.name, &tail));
                }
            }
        }
    }
    if findings.is_empty() {
        return;
    }
    ctx.log.emit(EventKind::WorkDetected {
        findings: findings.clone(),
    });
    if level >= crate::model::AutonomyLevel::Full {
        for goal in goals_from_findings(&findings, MAX_DETECTED_GOALS) {
            ctx.log.emit(EventKind::GoalAdded {
                text: goal,
                source: crate::model::GoalSource::Detected,
            });
        }
    }
}
