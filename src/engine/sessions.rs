//! What a run's log says about the agent sessions that completed: the model calls each agent
//! already took (a resumed or forked run goes on in the cassette after them) and the commits
//! those sessions left on task branches (a fork puts each branch back on them).
//!
//! A session cut by a crash, or by a fork point, left no outcome in the log, so it is played
//! again from its start: its calls do not count and its commit is not kept. A session's
//! outcome is any later event that only comes after it ended: a plan, a diff, a review, a
//! status past running, a non-command approval, a merge, a lesson. Reads events only.

use crate::model::{ApprovalWhat, Event, EventKind, TaskStatus};
use std::collections::HashMap;

/// Model calls each agent already completed, per task (None: run-level calls).
pub(super) type Taken = HashMap<(String, Option<String>), usize>;

/// The session an event is the outcome of: `Some(None)` for the run-level one (planning),
/// `Some(Some(task))` for a task's, `None` when it closes nothing.
fn closes(kind: &EventKind) -> Option<Option<&str>> {
    match kind {
        EventKind::PlanProposed { .. } => Some(None),
        EventKind::DiffProposed { task, .. }
        | EventKind::Review { task, .. }
        | EventKind::MergeResult { task, .. } => Some(Some(task)),
        EventKind::TaskStatus { task, status }
            if !matches!(
                status,
                TaskStatus::Running | TaskStatus::Ready | TaskStatus::Pending
            ) =>
        {
            Some(Some(task))
        }
        EventKind::ApprovalRequested {
            what,
            task: Some(task),
            ..
        } if *what != ApprovalWhat::Command => Some(Some(task)),
        EventKind::Lesson { source, .. } => source.strip_prefix("task ").map(Some),
        _ => None,
    }
}

/// Model calls of sessions that completed, per agent and task.
pub(super) fn taken<E>(events: impl IntoIterator<Item = Result<Event, E>>) -> Result<Taken, E> {
    let mut pending = Taken::new();
    let mut done = Taken::new();
    for e in events {
        let e = e?;
        if let EventKind::Usage { agent, task, .. } = &e.kind {
            *pending.entry((agent.clone(), task.clone())).or_default() += 1;
            continue;
        }
        let Some(task) = closes(&e.kind) else {
            continue;
        };
        let keys: Vec<_> = pending
            .keys()
            .filter(|(_, t)| t.as_deref() == task)
            .cloned()
            .collect();
        for k in keys {
            let n = pending.remove(&k).unwrap_or(0);
            *done.entry(k).or_default() += n;
        }
    }
    Ok(done)
}

/// Where a run's branches stood after the events seen so far: the integration branch at its
/// last merge, each task branch at the last commit a completed session left on it.
#[derive(Debug, Default)]
pub(super) struct BranchTips {
    /// Commits logged by a session that has no outcome yet.
    pending: HashMap<String, String>,
    pub tasks: HashMap<String, String>,
    /// None until a merge: the base commit.
    pub integration: Option<String>,
}

impl BranchTips {
    pub fn see(&mut self, e: &Event) {
        match &e.kind {
            EventKind::TaskCommitted { task, commit } => {
                self.pending.insert(task.clone(), commit.clone());
                return;
            }
            EventKind::MergeResult {
                ok: true,
                commit: Some(c),
                ..
            } => self.integration = Some(c.clone()),
            _ => {}
        }
        if let Some(Some(task)) = closes(&e.kind) {
            if let Some(commit) = self.pending.remove(task) {
                self.tasks.insert(task.to_string(), commit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunId;

    fn log(kinds: Vec<EventKind>) -> Vec<Event> {
        let run = RunId::new_at(1);
        kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Event {
                run,
                seq: i as u64,
                at_ms: 1,
                kind,
            })
            .collect()
    }

    fn usage(agent: &str, task: Option<&str>) -> EventKind {
        EventKind::Usage {
            agent: agent.into(),
            task: task.map(String::from),
            provider: "p".into(),
            model: "m".into(),
            input_tokens: 1,
            output_tokens: 1,
            cached_tokens: 0,
            cost_usd: 0.0,
            unpriced: false,
            ms: 1,
        }
    }

    fn committed(task: &str, commit: &str) -> EventKind {
        EventKind::TaskCommitted {
            task: task.into(),
            commit: commit.into(),
        }
    }

    fn status(task: &str, status: TaskStatus) -> EventKind {
        EventKind::TaskStatus {
            task: task.into(),
            status,
        }
    }

    #[test]
    fn only_sessions_with_an_outcome_count() {
        let events = log(vec![
            usage("s", None),
            EventKind::PlanProposed {
                agent: "s".into(),
                tasks: vec![],
            },
            usage("i", Some("t1")),
            usage("i", Some("t1")),
            status("t1", TaskStatus::Gates),
            usage("i", Some("t2")),
        ]);
        let t = taken(events.into_iter().map(Ok::<_, ()>)).unwrap();
        assert_eq!(t.get(&("s".into(), None)), Some(&1));
        assert_eq!(t.get(&("i".into(), Some("t1".into()))), Some(&2));
        assert_eq!(t.get(&("i".into(), Some("t2".into()))), None);
    }

    #[test]
    fn a_commit_counts_once_its_session_has_an_outcome() {
        let tips = |events: &[Event]| {
            let mut t = BranchTips::default();
            events.iter().for_each(|e| t.see(e));
            t
        };
        let events = log(vec![
            committed("t1", "a1"),
            status("t1", TaskStatus::Gates),
            EventKind::MergeResult {
                task: "t1".into(),
                ok: true,
                conflicts: vec![],
                commit: Some("m1".into()),
            },
            committed("t1", "a2"),
            committed("t2", "b1"),
        ]);
        let t = tips(&events);
        assert_eq!(t.tasks.get("t1").map(String::as_str), Some("a1"));
        assert_eq!(t.tasks.get("t2"), None);
        assert_eq!(t.integration.as_deref(), Some("m1"));
        let t = tips(&events[..1]);
        assert!(t.tasks.is_empty() && t.integration.is_none());
    }
}
