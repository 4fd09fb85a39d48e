//! The reducer's part for the checks a task's work passes on its way into the branch: gate
//! results, reviews, merges, and the run's landing on the person's branch.
//!
//! Owns a task's `gates`, `reviews`, `merge` and conflict flags, the run's `run_gates` (the
//! land's) and `landed`, and the gate and conflict counters of the KPIs. Must not change a task's status: the engine says
//! that with its own events. Pure, like the rest of the reducer.

use super::event::*;
use super::reducer::{refuse, task_mut, Folded};
use super::state::*;

pub(super) fn fold(s: &mut RunState, e: &Event) -> Folded {
    match &e.kind {
        EventKind::GateResult { .. } => return gate(s, e),
        EventKind::Review {
            task,
            reviewer,
            verdict,
            summary,
            comments,
        } => {
            let t = task_mut(s, task, e.seq)?;
            t.reviews.push(ReviewRecord {
                reviewer: reviewer.clone(),
                verdict: *verdict,
                summary: summary.clone(),
                comments: comments.clone(),
            });
        }
        EventKind::MergeResult { .. } => return merge(s, e),
        EventKind::Landed {
            branch,
            commit,
            fast_forward,
        } => {
            s.landed = Some(LandRecord {
                branch: branch.clone(),
                commit: commit.clone(),
                fast_forward: *fast_forward,
                seq: e.seq,
            })
        }
        _ => {}
    }
    Some(())
}

/// A gate's result, counted for the first-pass KPI by the round it belongs to.
fn gate(s: &mut RunState, e: &Event) -> Folded {
    let EventKind::GateResult {
        task,
        gate,
        passed,
        output_tail,
        ms,
    } = &e.kind
    else {
        return Some(());
    };
    if task == LAND_TASK {
        land_gate(s, gate, *passed, output_tail, *ms);
        return Some(());
    }
    let t = task_mut(s, task, e.seq)?;
    let round = t.gate_round.max(1);
    let first_result = t.gates.is_empty();
    t.gates.push(GateOutcome {
        gate: gate.clone(),
        passed: *passed,
        output_tail: output_tail.clone(),
        ms: *ms,
        round,
    });
    let newly_failed = round == 1 && !passed && !t.first_round_failed;
    if newly_failed {
        t.first_round_failed = true;
    }
    let k = &mut s.kpi_counters;
    if first_result {
        k.gated_tasks += 1;
        k.first_pass_tasks += 1;
    }
    if newly_failed {
        k.first_pass_tasks -= 1;
    }
    Some(())
}

/// A gate of the land: the run's own, not a task's, so no KPI counts it. A gate already run
/// in the latest round starts the next one (the land is tried again after a resume).
fn land_gate(s: &mut RunState, gate: &str, passed: bool, output_tail: &str, ms: u64) {
    let latest = s.run_gates.iter().map(|g| g.round).max().unwrap_or(1);
    let again = s
        .run_gates
        .iter()
        .any(|g| g.round == latest && g.gate == gate);
    s.run_gates.push(GateOutcome {
        gate: gate.to_string(),
        passed,
        output_tail: output_tail.to_string(),
        ms,
        round: if again { latest + 1 } else { latest },
    });
}

/// A merge's outcome; a conflict stays open until a clean merge of the task closes it.
fn merge(s: &mut RunState, e: &Event) -> Folded {
    let EventKind::MergeResult {
        task,
        ok,
        conflicts,
        commit,
    } = &e.kind
    else {
        return Some(());
    };
    let Some(i) = s.index.tasks.get(task).copied() else {
        return refuse(s, format!("seq {}: unknown task {task}", e.seq));
    };
    let t = &mut s.tasks[i];
    t.merge = Some(MergeOutcome {
        ok: *ok,
        conflicts: conflicts.clone(),
        commit: commit.clone(),
    });
    let k = &mut s.kpi_counters;
    k.merges += 1;
    if !ok && !conflicts.is_empty() && !t.conflict_open {
        t.conflict_open = true;
        t.person_in_conflict = false;
        k.conflicts += 1;
    } else if *ok && t.conflict_open {
        t.conflict_open = false;
        if !t.person_in_conflict {
            k.conflicts_auto += 1;
        }
    }
    Some(())
}
