//! Points a plan problem (`model::PlanProblem`) at the line of the task at fault and says
//! what to write instead, for the plan editor.
//!
//! Owns the wording of graph problems in the editor. Must not decide what is valid: that is
//! `model::check_plan`'s.

use super::{PlanTextError, Read};
use crate::model::PlanProblem;

/// Most ids a message lists before `…`.
const LISTED: usize = 8;

pub(super) fn located(p: &PlanProblem, r: &Read, text: &str, existing: &[String]) -> PlanTextError {
    let at = p.task().and_then(|i| r.at.get(i).copied());
    let line = at.map_or_else(|| text.lines().count().max(1), |w| w.line);
    let raw = text.lines().nth(line - 1).unwrap_or("");
    let dep_col = |dep: &str| {
        let start = at.and_then(|w| w.deps_col)?;
        let list: String = raw
            .chars()
            .skip(start)
            .take_while(|c| !c.is_whitespace())
            .collect();
        let mut col = start;
        for d in list.split(',') {
            if d == dep {
                return Some(col);
            }
            col += d.chars().count() + 1;
        }
        Some(start)
    };
    let (column, fix) = match p {
        PlanProblem::Empty => (
            None,
            ": write at least one task line, e.g. `t1 feature p2 Add the parser`".to_string(),
        ),
        PlanProblem::BadId { .. } | PlanProblem::ReservedId { .. } => {
            (Some(0), format!(": rename it, e.g. `{}`", free_id(r)))
        }
        PlanProblem::DuplicateId { id, task } => {
            let first = r.tasks[..*task]
                .iter()
                .position(|t| &t.id == id)
                .and_then(|i| r.at.get(i))
                .map_or(String::new(), |w| format!(" (line {} has it too)", w.line));
            (
                Some(0),
                format!(
                    "{first}: give this task an id of its own, e.g. `{}`",
                    free_id(r)
                ),
            )
        }
        PlanProblem::UnknownDependency { id, dep, .. } => {
            let ids: Vec<&str> = r
                .tasks
                .iter()
                .map(|t| t.id.as_str())
                .filter(|t| t != id)
                .chain(existing.iter().map(String::as_str))
                .collect();
            let mut list = ids
                .iter()
                .take(LISTED)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if ids.len() > LISTED {
                list.push_str(", …");
            }
            (
                dep_col(dep),
                format!(
                    ": after `after`, write ids of tasks in this plan ({list}), or remove `{dep}`"
                ),
            )
        }
        PlanProblem::SelfDependency { id, .. } => (
            dep_col(id),
            format!(": remove `{id}` from its own `after` list"),
        ),
        PlanProblem::Cycle { .. } => (
            at.and_then(|w| w.deps_col),
            ": remove one of these from an `after` list".to_string(),
        ),
        PlanProblem::NoTitle { .. } | PlanProblem::Priority { .. } => (Some(0), String::new()),
    };
    PlanTextError {
        line,
        column,
        message: format!("{p}{fix}"),
    }
}

/// The first `tN` no task has.
fn free_id(r: &Read) -> String {
    (1..)
        .map(|n| format!("t{n}"))
        .find(|id| r.tasks.iter().all(|t| &t.id != id))
        .unwrap_or_default()
}
