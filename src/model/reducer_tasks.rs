//! The reducer's part for the plan and its tasks: plans proposed, assignments, status
//! changes and the commits a task made.
//!
//! Owns `tasks` (and their index), `status_counts`, `plans_proposed`, each agent's
//! `current_task`, and the task counters of the KPIs (assignments, done/ended tasks, times).
//! Must not touch what a task's gates, reviews, diffs or merges recorded: their families do.
//! Pure, like the rest of the reducer.

use super::event::*;
use super::reducer::{agent_slot, anomaly, task_mut, Folded};
use super::state::*;

pub(super) fn fold(s: &mut RunState, e: &Event) -> Folded {
    match &e.kind {
        EventKind::PlanProposed { tasks, .. } => plan(s, tasks),
        EventKind::TaskAssigned { task, agent, why } => {
            let t = task_mut(s, task, e.seq)?;
            t.agent = Some(agent.clone());
            t.assigned_by = Some(*why);
            agent_slot(s, agent);
            s.kpi_counters.assignments += 1;
            if *why == AssignReason::Router {
                s.kpi_counters.router_assignments += 1;
            }
        }
        EventKind::TaskStatus { task, status } => set_status(s, task, *status, e),
        EventKind::TaskCommitted { task, commit } => {
            if let Some(t) = task_mut(s, task, e.seq) {
                t.commit = Some(commit.clone());
            }
        }
        _ => {}
    }
    Some(())
}

/// A plan upserts its tasks; tasks of an earlier plan that never started and are not in the
/// new one are dropped, so a re-plan replaces what was only proposed.
fn plan(s: &mut RunState, tasks: &[PlannedTask]) {
    s.plans_proposed += 1;
    let keep = |t: &TaskState| {
        t.attempts > 0 || t.status.is_terminal() || tasks.iter().any(|p| p.id == t.id)
    };
    if !s.tasks.iter().all(keep) {
        for t in s.tasks.iter().filter(|t| !keep(t)) {
            s.status_counts[status_index(t.status)] -= 1;
        }
        s.tasks.retain(keep);
        s.index.tasks = s
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
    }
    for p in tasks {
        if let Some(&i) = s.index.tasks.get(&p.id) {
            let t = &mut s.tasks[i];
            t.title = p.title.clone();
            t.description = p.description.clone();
            t.kind = p.kind;
            t.deps = p.deps.clone();
            t.priority = p.priority;
            t.estimate_min = p.estimate_min;
            t.risk = p.risk;
            continue;
        }
        s.index.tasks.insert(p.id.clone(), s.tasks.len());
        s.status_counts[status_index(TaskStatus::Pending)] += 1;
        s.tasks.push(TaskState {
            id: p.id.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            kind: p.kind,
            deps: p.deps.clone(),
            priority: p.priority,
            estimate_min: p.estimate_min,
            risk: p.risk,
            status: TaskStatus::Pending,
            agent: None,
            assigned_by: None,
            attempts: 0,
            gate_round: 0,
            gates: Vec::new(),
            first_round_failed: false,
            reviews: Vec::new(),
            diffs: Vec::new(),
            commit: None,
            merge: None,
            usage: UsageTotals::default(),
            started_at_ms: None,
            finished_at_ms: None,
            conflict_open: false,
            person_in_conflict: false,
        });
    }
}

/// Moves a task to `status`, keeping the counts, its attempts and times, the KPI counters
/// and its agent's current task in step.
pub(super) fn set_status(s: &mut RunState, task: &str, status: TaskStatus, e: &Event) {
    let Some(i) = s.index.tasks.get(task).copied() else {
        return anomaly(s, format!("seq {}: unknown task {task}", e.seq));
    };
    let old = s.tasks[i].status;
    s.status_counts[status_index(old)] -= 1;
    s.status_counts[status_index(status)] += 1;
    let k = &mut s.kpi_counters;
    match old {
        TaskStatus::Done => {
            k.done_tasks -= 1;
            k.ended_tasks -= 1;
        }
        TaskStatus::Failed => k.ended_tasks -= 1,
        _ => {}
    }
    let t = &mut s.tasks[i];
    t.status = status;
    match status {
        TaskStatus::Running if old != TaskStatus::Running => {
            t.attempts += 1;
            t.started_at_ms.get_or_insert(e.at_ms);
        }
        TaskStatus::Gates if old != TaskStatus::Gates => t.gate_round += 1,
        TaskStatus::Done => {
            k.done_tasks += 1;
            k.ended_tasks += 1;
            t.finished_at_ms = Some(e.at_ms);
            if old != TaskStatus::Done {
                if let Some(start) = t.started_at_ms {
                    let ms = e.at_ms.saturating_sub(start) as f64;
                    k.time.push(ms);
                    if let Some(est) = t.estimate_min.filter(|&m| m > 0) {
                        k.time_vs_estimate.push(ms / (est as f64 * 60_000.0));
                    }
                }
            }
        }
        TaskStatus::Failed => {
            k.ended_tasks += 1;
            t.finished_at_ms = Some(e.at_ms);
        }
        _ => {}
    }
    // The agent's current task follows the task's activity.
    if let Some(agent) = t.agent.clone() {
        let id = t.id.clone();
        if let Some(&a) = s.index.agents.get(&agent) {
            let ag = &mut s.agents[a];
            if status.is_active() && status != TaskStatus::Merging {
                ag.current_task = Some(id);
            } else if ag.current_task.as_deref() == Some(task) {
                ag.current_task = None;
            }
        }
    }
}
