//! The reducer's part for the run's own lifecycle: its start, goals, level, pause and resume,
//! end and retry.
//!
//! Owns the run-wide fields (`run`, `repo`, `goal(s)`, `level`, `status`, `failure`, the
//! start and finish times). Touches a task only through `reducer_tasks::set_status` (a retry
//! sends failed tasks back to pending) and an agent only through `agent_slot`. Pure, like
//! the rest of the reducer.

use super::event::*;
use super::reducer::{agent_slot, refuse, Folded};
use super::reducer_tasks::set_status;
use super::state::*;

pub(super) fn fold(s: &mut RunState, e: &Event) -> Folded {
    match &e.kind {
        EventKind::RunStarted { .. } => return started(s, e),
        EventKind::GoalAdded { text, source } => s.goals.push(Goal {
            text: text.clone(),
            source: *source,
            seq: e.seq,
        }),
        EventKind::LevelChanged { to, .. } => s.level = Some(*to),
        // Only a running run pauses, and only a paused one resumes; else nothing changes.
        EventKind::RunPaused {} if s.status == RunStatus::Running => s.status = RunStatus::Paused,
        EventKind::RunResumed {} if s.status == RunStatus::Paused => s.status = RunStatus::Running,
        EventKind::RunFinished { status, reason } => {
            s.failure = reason.clone();
            s.status = match status {
                RunOutcome::Finished => RunStatus::Finished,
                RunOutcome::Failed => RunStatus::Failed,
                RunOutcome::Cancelled => RunStatus::Cancelled,
            };
            s.finished_at_ms = Some(e.at_ms);
        }
        EventKind::RunRetried { tasks, .. } => {
            if s.status == RunStatus::Failed {
                s.failure = None;
                s.status = RunStatus::Running;
                s.finished_at_ms = None;
            }
            for t in tasks {
                if s.task(t).map(|t| t.status) == Some(TaskStatus::Failed) {
                    set_status(s, t, TaskStatus::Pending, e);
                }
            }
        }
        _ => {}
    }
    Some(())
}

/// The first event of a run names it; a second one is refused.
fn started(s: &mut RunState, e: &Event) -> Folded {
    let EventKind::RunStarted {
        repo,
        base_commit,
        branch,
        goal,
        level,
        agents,
        parent,
        ..
    } = &e.kind
    else {
        return Some(());
    };
    if s.run.is_some() {
        return refuse(s, format!("seq {}: second RunStarted", e.seq));
    }
    s.run = Some(e.run);
    s.repo = repo.clone();
    s.base_commit = base_commit.clone();
    s.branch = branch.clone();
    s.goal = goal.clone();
    s.parent = parent.clone();
    s.level = Some(*level);
    s.status = RunStatus::Running;
    s.started_at_ms = e.at_ms;
    s.goals.push(Goal {
        text: goal.clone(),
        source: GoalSource::Person,
        seq: e.seq,
    });
    for a in agents {
        let i = agent_slot(s, &a.name);
        let st = &mut s.agents[i];
        st.role = Some(a.role);
        st.provider = a.provider.clone();
        st.model = a.model.clone();
    }
    Some(())
}
