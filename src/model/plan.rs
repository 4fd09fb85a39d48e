//! What makes a plan valid: task ids git can name a branch after, unique, dependencies
//! known, no cycle. The strategist's `submit_plan`, the person's plan editor and the engine
//! all check plans here. Must not touch git or the store.

use crate::model::PlannedTask;
use std::collections::{HashMap, HashSet};

/// A task id that names a branch and a directory safely (`git check-ref-format` rules, kept
/// short and plain).
pub fn valid_task_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id != "integration"
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !id.starts_with(['.', '-'])
        && !id.ends_with(".lock")
        && !id.contains("..")
}

/// What is wrong with a plan, naming the task at fault by its index in the plan, so the
/// plan editor can point at its line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanProblem {
    #[error("the plan has no tasks")]
    Empty,
    #[error("task id `{id}` is not allowed: use letters, digits, `.`, `_` or `-` (at most 64, not `integration`)")]
    BadId { task: usize, id: String },
    #[error("task id `{id}` is reserved (ids starting with `_` are conclave's own)")]
    ReservedId { task: usize, id: String },
    #[error("duplicate task id `{id}`")]
    DuplicateId { task: usize, id: String },
    #[error("task `{id}` has no title")]
    NoTitle { task: usize, id: String },
    #[error("task `{id}`: priority must be 1, 2 or 3")]
    Priority { task: usize, id: String },
    #[error("task `{id}` depends on itself")]
    SelfDependency { task: usize, id: String },
    #[error("task `{id}` depends on unknown task `{dep}`")]
    UnknownDependency {
        task: usize,
        id: String,
        dep: String,
    },
    /// `path` runs from `task` through its dependencies back to it.
    #[error("the dependencies form a cycle: {}", path.join(" → "))]
    Cycle { task: usize, path: Vec<String> },
}

impl PlanProblem {
    /// The index of the task at fault, if one is.
    pub fn task(&self) -> Option<usize> {
        match self {
            PlanProblem::Empty => None,
            PlanProblem::BadId { task, .. }
            | PlanProblem::ReservedId { task, .. }
            | PlanProblem::DuplicateId { task, .. }
            | PlanProblem::NoTitle { task, .. }
            | PlanProblem::Priority { task, .. }
            | PlanProblem::SelfDependency { task, .. }
            | PlanProblem::UnknownDependency { task, .. }
            | PlanProblem::Cycle { task, .. } => Some(*task),
        }
    }
}

/// Ok, or the reason the strategist gets back.
pub fn validate_plan(tasks: &[PlannedTask], existing: &[String]) -> Result<(), String> {
    check_plan(tasks, existing).map_err(|p| p.to_string())
}

/// `validate_plan` with the problem as a value: `existing` are ids of tasks outside the plan
/// that its tasks may depend on.
pub fn check_plan(tasks: &[PlannedTask], existing: &[String]) -> Result<(), PlanProblem> {
    if tasks.is_empty() {
        return Err(PlanProblem::Empty);
    }
    let mut ids = HashSet::new();
    for (task, t) in tasks.iter().enumerate() {
        let id = t.id.clone();
        if !valid_task_id(&t.id) {
            return Err(PlanProblem::BadId { task, id });
        }
        if t.id.starts_with('_') {
            return Err(PlanProblem::ReservedId { task, id });
        }
        if !ids.insert(t.id.as_str()) {
            return Err(PlanProblem::DuplicateId { task, id });
        }
        if t.title.trim().is_empty() {
            return Err(PlanProblem::NoTitle { task, id });
        }
        if !(1..=3).contains(&t.priority) {
            return Err(PlanProblem::Priority { task, id });
        }
    }
    for (task, t) in tasks.iter().enumerate() {
        for d in &t.deps {
            let id = t.id.clone();
            if d == &t.id {
                return Err(PlanProblem::SelfDependency { task, id });
            }
            if !ids.contains(d.as_str()) && !existing.contains(d) {
                let dep = d.clone();
                return Err(PlanProblem::UnknownDependency { task, id, dep });
            }
        }
    }
    // Depth-first search for a cycle, reporting it as a path.
    let deps: HashMap<&str, Vec<&str>> = tasks
        .iter()
        .map(|t| (t.id.as_str(), t.deps.iter().map(String::as_str).collect()))
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit<'a>(
        n: &'a str,
        deps: &HashMap<&'a str, Vec<&'a str>>,
        marks: &mut HashMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = path.iter().position(|p| *p == n).unwrap_or(0);
                let mut cycle: Vec<String> = path[from..].iter().map(|s| s.to_string()).collect();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(n, Mark::Open);
        path.push(n);
        for d in deps.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, deps, marks, path) {
                return Some(c);
            }
        }
        path.pop();
        marks.insert(n, Mark::Done);
        None
    }
    let mut marks = HashMap::new();
    for t in tasks {
        if let Some(path) = visit(&t.id, &deps, &mut marks, &mut Vec::new()) {
            // The cycle's first task, as the plan lists them.
            let task = path
                .first()
                .and_then(|id| tasks.iter().position(|t| &t.id == id))
                .unwrap_or(0);
            return Err(PlanProblem::Cycle { task, path });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskKind;

    fn t(id: &str, deps: &[&str]) -> PlannedTask {
        PlannedTask {
            id: id.into(),
            title: id.into(),
            description: String::new(),
            kind: TaskKind::Feature,
            deps: deps.iter().map(|d| d.to_string()).collect(),
            priority: 2,
            estimate_min: None,
            risk: None,
        }
    }

    #[test]
    fn cycles_unknown_deps_and_duplicates_are_refused() {
        assert!(validate_plan(&[t("a", &[]), t("b", &["a"])], &[]).is_ok());
        let e = validate_plan(&[t("a", &["c"]), t("b", &["a"]), t("c", &["b"])], &[]).unwrap_err();
        assert!(e.contains("cycle: a → c → b → a"), "{e}");
        assert!(validate_plan(&[t("a", &["zz"])], &[])
            .unwrap_err()
            .contains("unknown task `zz`"));
        assert!(validate_plan(&[t("a", &["zz"])], &["zz".into()]).is_ok());
        assert!(validate_plan(&[t("a", &[]), t("a", &[])], &[])
            .unwrap_err()
            .contains("duplicate"));
        assert!(validate_plan(&[t("../x", &[])], &[])
            .unwrap_err()
            .contains("not allowed"));
        assert!(validate_plan(&[], &[]).is_err());
    }

    #[test]
    fn a_problem_names_the_task_at_fault() {
        let p = check_plan(&[t("a", &[]), t("b", &["zz"])], &[]).unwrap_err();
        assert_eq!(p.task(), Some(1));
        let p = check_plan(&[t("a", &[]), t("b", &[]), t("a", &[])], &[]).unwrap_err();
        assert_eq!(p.task(), Some(2), "the second one written is the duplicate");
        let p = check_plan(&[t("x", &[]), t("b", &["c"]), t("c", &["b"])], &[]).unwrap_err();
        assert_eq!(
            p,
            PlanProblem::Cycle {
                task: 1,
                path: vec!["b".into(), "c".into(), "b".into()]
            }
        );
        assert_eq!(check_plan(&[], &[]).unwrap_err().task(), None);
    }
}
