//! The reducer's part for what waits on a decision: diffs proposed, approvals asked and
//! their decisions.
//!
//! Owns `diffs`, `approvals` (and their indexes), `pending_approvals`, `waiting_for_person`
//! and `last_rejection`; of a task only its list of diffs and whether a person decided in its
//! open conflict. Must not change a task's status: the engine says that with its own events.
//! Pure, like the rest of the reducer.

use super::event::*;
use super::level::DecidedBy;
use super::reducer::{anomaly, refuse, task_mut, Folded};
use super::state::*;

pub(super) fn fold(s: &mut RunState, e: &Event) -> Folded {
    match &e.kind {
        EventKind::DiffProposed {
            task,
            diff,
            files,
            added,
            removed,
            patch,
            hunks,
        } => {
            if s.index.diffs.contains_key(diff) {
                return refuse(s, format!("seq {}: diff {diff} proposed twice", e.seq));
            }
            let t = task_mut(s, task, e.seq)?;
            t.diffs.push(diff.clone());
            s.index.diffs.insert(diff.clone(), s.diffs.len());
            s.diffs.push(DiffState {
                id: diff.clone(),
                task: task.clone(),
                files: files.clone(),
                added: *added,
                removed: *removed,
                patch: patch.clone(),
                hunks: hunks.clone(),
                seq: e.seq,
            });
        }
        EventKind::ApprovalRequested {
            approval,
            what,
            task,
            subject,
            why,
            diff,
            waits,
        } => {
            if s.index.approvals.contains_key(approval) {
                return refuse(s, format!("seq {}: approval {approval} asked twice", e.seq));
            }
            s.index
                .approvals
                .insert(approval.clone(), s.approvals.len());
            s.approvals.push(ApprovalState {
                id: approval.clone(),
                what: *what,
                task: task.clone(),
                subject: subject.clone(),
                why: why.clone(),
                diff: diff.clone(),
                requested_seq: e.seq,
                requested_at_ms: e.at_ms,
                decision: None,
                waits: *waits,
            });
            s.pending_approvals += 1;
            if *waits {
                s.waiting_for_person += 1;
            }
        }
        EventKind::ApprovalDecided {
            approval,
            decision,
            reason,
            by,
            level,
            keep_hunks,
        } => decide(
            s,
            e,
            approval,
            Decided {
                decision: *decision,
                reason,
                by: *by,
                level: *level,
                keep_hunks: keep_hunks.as_ref(),
            },
        ),
        _ => {}
    }
    Some(())
}

/// The fields of an `ApprovalDecided`, borrowed.
struct Decided<'a> {
    decision: Decision,
    reason: &'a str,
    by: DecidedBy,
    level: Option<super::level::AutonomyLevel>,
    keep_hunks: Option<&'a Vec<String>>,
}

fn decide(s: &mut RunState, e: &Event, approval: &str, d: Decided<'_>) {
    let Decided {
        decision,
        reason,
        by,
        level,
        keep_hunks,
    } = d;
    let Some(i) = s.index.approvals.get(approval).copied() else {
        return anomaly(
            s,
            format!("seq {}: decision on unknown approval {approval}", e.seq),
        );
    };
    if s.approvals[i].decision.is_some() {
        return anomaly(
            s,
            format!("seq {}: approval {approval} decided twice", e.seq),
        );
    }
    let a = &mut s.approvals[i];
    a.decision = Some(DecisionRecord {
        decision,
        reason: reason.to_string(),
        by,
        level,
        keep_hunks: keep_hunks.cloned(),
        at_ms: e.at_ms,
        seq: e.seq,
    });
    s.pending_approvals -= 1;
    if a.waits {
        s.waiting_for_person = s.waiting_for_person.saturating_sub(1);
    }
    let rejected_work = by == DecidedBy::Person
        && decision == Decision::Rejected
        && matches!(a.what, ApprovalWhat::Diff | ApprovalWhat::Merge);
    s.last_rejection = match (&a.task, rejected_work) {
        (Some(task), true) => Some(super::state::Rejection {
            approval: a.id.clone(),
            task: task.clone(),
            attempts_then: s.index.tasks.get(task).map_or(0, |&t| s.tasks[t].attempts),
        }),
        _ => None,
    };
    if by == DecidedBy::Person && a.what == ApprovalWhat::Merge {
        if let Some(t) = a
            .task
            .as_deref()
            .and_then(|t| s.index.tasks.get(t).copied())
        {
            if s.tasks[t].conflict_open {
                s.tasks[t].person_in_conflict = true;
            }
        }
    }
}
