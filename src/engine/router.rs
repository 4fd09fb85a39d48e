//! The router: which implementer takes a task. By skill (task kind), then by current load,
//! then (level 5) by recorded outcomes; every choice comes with its reason.

use crate::config::AgentConfig;
use crate::model::{Role, RunState, TaskKind};

/// The chosen agent and why, or None when no implementer exists.
pub fn route(
    agents: &[AgentConfig],
    state: &RunState,
    kind: TaskKind,
    scores: &[(String, f64)],
) -> Option<(String, String)> {
    let implementers: Vec<&AgentConfig> = agents
        .iter()
        .filter(|a| a.role == Role::Implementer)
        .collect();
    let skilled: Vec<&AgentConfig> = implementers
        .iter()
        .copied()
        .filter(|a| a.skills.is_empty() || a.skills.contains(&kind) || kind == TaskKind::Conflict)
        .collect();
    let pool = if skilled.is_empty() {
        implementers
    } else {
        skilled
    };
    let load = |name: &str| {
        state
            .tasks
            .iter()
            .filter(|t| t.agent.as_deref() == Some(name) && !t.status.is_terminal())
            .count()
    };
    let score = |name: &str| scores.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
    let best = pool.iter().min_by(|a, b| {
        let by_load =
            (load(&a.name) >= a.max_tasks as usize).cmp(&(load(&b.name) >= b.max_tasks as usize));
        let by_score = score(&b.name)
            .unwrap_or(0.0)
            .total_cmp(&score(&a.name).unwrap_or(0.0));
        by_load
            .then(by_score)
            .then(load(&a.name).cmp(&load(&b.name)))
    })?;
    let mut why = format!("{} has the skill for {} tasks", best.name, kind.name());
    let in_hand = crate::util::words::count(load(&best.name) as u64, "task");
    why.push_str(&format!(" and {in_hand} in hand"));
    if let Some(s) = score(&best.name) {
        why.push_str(&format!("; outcome score {s:.2}"));
    }
    Some((best.name.clone(), why))
}
