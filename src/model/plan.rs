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

/// Ok, or the reason the strategist gets back.
pub fn validate_plan(tasks: &[PlannedTask], existing: &[String]) -> Result<(), String> {
    if tasks.is_empty() {
        return Err("the plan has no tasks".into());
    }
    let mut ids = HashSet::new();
    for t in tasks {
        if !valid_task_id(&t.id) {
            return Err(format!(
                "task id `{}` is not allowed: use letters, digits, `.`, `_` or `-` (at most 64, not `integration`)",
                t.id
            ));
        }
        if t.id.starts_with('_') {
            return Err(format!(
                "task id `{}` is reserved (ids starting with `_` are conclave's own)",
                t.id
            ));
        }
        if !ids.insert(t.id.as_str()) {
            return Err(format!("duplicate task id `{}`", t.id));
        }
        if t.title.trim().is_empty() {
            return Err(format!("task `{}` has no title", t.id));
        }
        if !(1..=3).contains(&t.priority) {
            return Err(format!("task `{}`: priority must be 1, 2 or 3", t.id));
        }
    }
    for t in tasks {
        for d in &t.deps {
            if d == &t.id {
                return Err(format!("task `{}` depends on itself", t.id));
            }
            if !ids.contains(d.as_str()) && !existing.contains(d) {
                return Err(format!("task `{}` depends on unknown task `{d}`", t.id));
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
    ) -> Option<String> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = path.iter().position(|p| *p == n).unwrap_or(0);
                let mut cycle: Vec<&str> = path[from..].to_vec();
                cycle.push(n);
                return Some(cycle.join(" → "));
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
        if let Some(c) = visit(&t.id, &deps, &mut marks, &mut Vec::new()) {
            return Err(format!("the dependencies form a cycle: {c}"));
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
}
