//! `apply`: the only way a `RunState` changes (design §3).
//!
//! Pure and total: no I/O, no clock (time comes from the event), no randomness, no panics.
//! Input that does not fit (an unknown task, a duplicate seq, another run's event) is ignored
//! or counted as an anomaly, so a damaged log still renders.

use super::event::*;
use super::level::DecidedBy;
use super::state::*;

/// Folds one event into the state.
pub fn apply(s: &mut RunState, e: &Event) {
    if let Some(run) = s.run {
        if e.run != run {
            anomaly(s, format!("seq {}: event of another run {}", e.seq, e.run));
            return;
        }
    }
    if e.seq < s.next_seq {
        anomaly(
            s,
            format!("seq {}: already applied (next is {})", e.seq, s.next_seq),
        );
        return;
    }
    if e.seq > s.next_seq {
        anomaly(s, format!("seq {}: gap, expected {}", e.seq, s.next_seq));
    }
    s.next_seq = e.seq + 1;
    s.last_at_ms = s.last_at_ms.max(e.at_ms);
    apply_kind(s, e);
}

/// Folds a whole log from an empty state.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> RunState {
    let mut s = RunState::default();
    for e in events {
        apply(&mut s, e);
    }
    s
}

fn anomaly(s: &mut RunState, what: String) {
    s.anomaly_count += 1;
    if s.anomalies.len() < ANOMALIES_KEPT {
        s.anomalies.push(what);
    }
}

fn apply_kind(s: &mut RunState, e: &Event) {
    match &e.kind {
        EventKind::RunStarted {
            repo,
            base_commit,
            branch,
            goal,
            level,
            agents,
            parent,
            ..
        } => {
            if s.run.is_some() {
                return anomaly(s, format!("seq {}: second RunStarted", e.seq));
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
        }
        EventKind::GoalAdded { text, source } => s.goals.push(Goal {
            text: text.clone(),
            source: *source,
            seq: e.seq,
        }),
        EventKind::LevelChanged { to, .. } => s.level = Some(*to),
        EventKind::PlanProposed { tasks, .. } => apply_plan(s, tasks),
        EventKind::TaskAssigned { task, agent, why } => {
            let Some(t) = task_mut(s, task, e.seq) else {
                return;
            };
            t.agent = Some(agent.clone());
            t.assigned_by = Some(*why);
            agent_slot(s, agent);
            s.kpi_counters.assignments += 1;
            if *why == AssignReason::Router {
                s.kpi_counters.router_assignments += 1;
            }
        }
        EventKind::TaskStatus { task, status } => apply_task_status(s, task, *status, e),
        EventKind::Transcript {
            agent,
            task,
            part,
            text,
        } => {
            let a = agent_slot(s, agent);
            let entries = &mut s.transcripts[a];
            match entries.last_mut() {
                Some(last) if last.part == *part && last.task == *task && last.call.is_none() => {
                    last.text.push_str(text)
                }
                _ => entries.push(TranscriptEntry {
                    task: task.clone(),
                    part: *part,
                    text: text.clone(),
                    call: None,
                    first_seq: e.seq,
                    at_ms: e.at_ms,
                }),
            }
        }
        EventKind::ToolCall {
            call,
            agent,
            task,
            tool,
            args,
            ..
        } => {
            if s.index.calls.contains_key(call) {
                return anomaly(s, format!("seq {}: tool call {call} made twice", e.seq));
            }
            let a = agent_slot(s, agent);
            let entries = &mut s.transcripts[a];
            entries.push(TranscriptEntry {
                task: task.clone(),
                part: TranscriptPart::ToolCall,
                text: String::new(),
                call: Some(ToolCallInfo {
                    call: call.clone(),
                    tool: tool.clone(),
                    args: args.to_string(),
                    result: None,
                }),
                first_seq: e.seq,
                at_ms: e.at_ms,
            });
            let at = (a, entries.len() - 1);
            s.index.calls.insert(call.clone(), at);
        }
        EventKind::ToolResult {
            call,
            ok,
            output,
            ms,
        } => {
            let found = s.index.calls.get(call).copied();
            let info = found.and_then(|(a, i)| s.transcripts.get_mut(a)?.get_mut(i)?.call.as_mut());
            match info {
                Some(info) => {
                    info.result = Some(ToolOutcome {
                        ok: *ok,
                        output: output.clone(),
                        ms: *ms,
                    })
                }
                None => anomaly(s, format!("seq {}: result for unknown call {call}", e.seq)),
            }
        }
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
                return anomaly(s, format!("seq {}: diff {diff} proposed twice", e.seq));
            }
            let Some(t) = task_mut(s, task, e.seq) else {
                return;
            };
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
        EventKind::TaskCommitted { task, commit } => {
            if let Some(t) = task_mut(s, task, e.seq) {
                t.commit = Some(commit.clone());
            }
        }
        EventKind::GateResult {
            task,
            gate,
            passed,
            output_tail,
            ms,
        } => {
            let Some(t) = task_mut(s, task, e.seq) else {
                return;
            };
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
        }
        EventKind::Review {
            task,
            reviewer,
            verdict,
            summary,
            comments,
        } => {
            let Some(t) = task_mut(s, task, e.seq) else {
                return;
            };
            t.reviews.push(ReviewRecord {
                reviewer: reviewer.clone(),
                verdict: *verdict,
                summary: summary.clone(),
                comments: comments.clone(),
            });
        }
        EventKind::ApprovalRequested {
            approval,
            what,
            task,
            subject,
            why,
            diff,
        } => {
            if s.index.approvals.contains_key(approval) {
                return anomaly(s, format!("seq {}: approval {approval} asked twice", e.seq));
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
            });
            s.pending_approvals += 1;
        }
        EventKind::ApprovalDecided {
            approval,
            decision,
            reason,
            by,
            level,
            keep_hunks,
        } => apply_decision(
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
        EventKind::MergeResult {
            task,
            ok,
            conflicts,
            commit,
        } => {
            let Some(i) = s.index.tasks.get(task).copied() else {
                return anomaly(s, format!("seq {}: unknown task {task}", e.seq));
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
        }
        EventKind::Usage {
            agent,
            task,
            input_tokens,
            output_tokens,
            cached_tokens,
            cost_usd,
            ms,
            ..
        } => {
            let a = agent_slot(s, agent);
            let ag = &mut s.agents[a];
            ag.usage
                .add(*input_tokens, *output_tokens, *cached_tokens, *cost_usd);
            push_window(&mut ag.latencies_ms, *ms);
            push_window(
                &mut ag.tokens_per_s,
                output_tokens.saturating_mul(1000) / (*ms).max(1),
            );
            let (p50, p95) = percentiles(&ag.latencies_ms);
            ag.latency_p50_ms = p50;
            ag.latency_p95_ms = p95;
            ag.problem = None;
            if ag.error_open {
                ag.error_open = false;
                s.kpi_counters.recovered_episodes += 1;
            }
            s.usage
                .add(*input_tokens, *output_tokens, *cached_tokens, *cost_usd);
            if let Some(t) = task.as_deref().and_then(|t| s.index.tasks.get(t).copied()) {
                s.tasks[t]
                    .usage
                    .add(*input_tokens, *output_tokens, *cached_tokens, *cost_usd);
            }
        }
        EventKind::ProviderError { .. } => super::reducer_providers::provider_error(s, e),
        EventKind::Circuit { .. } => super::reducer_providers::circuit(s, e),
        EventKind::Compacted { .. } => super::reducer_providers::compacted(s, e),
        EventKind::WorkDetected { findings } => s.findings.extend(findings.iter().cloned()),
        EventKind::Lesson {
            text,
            source,
            persisted,
        } => {
            s.lessons.push(LessonRecord {
                text: text.clone(),
                source: source.clone(),
                seq: e.seq,
            });
            s.kpi_counters.lessons += 1;
            if *persisted {
                s.kpi_counters.lessons_persisted += 1;
            }
        }
        EventKind::Adapted {
            what,
            from,
            to,
            why,
        } => s.adaptations.push(AdaptationRecord {
            what: what.clone(),
            from: *from,
            to: *to,
            why: why.clone(),
            seq: e.seq,
        }),
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
        EventKind::RulesInForce { rules } => s.rules = rules.clone(),
        EventKind::RuleSaved { rule, .. } => {
            s.rules.retain(|r| r.id != rule.id);
            s.rules.push(rule.clone());
        }
        EventKind::RuleRemoved { id } => s.rules.retain(|r| &r.id != id),
        EventKind::RunPaused {} => {
            if s.status == RunStatus::Running {
                s.status = RunStatus::Paused
            }
        }
        EventKind::RunResumed {} => {
            if s.status == RunStatus::Paused {
                s.status = RunStatus::Running
            }
        }
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
                    apply_task_status(s, t, TaskStatus::Pending, e);
                }
            }
        }
    }
    s.kpis = s.kpi_counters.kpis();
}

fn task_mut<'a>(s: &'a mut RunState, task: &str, seq: u64) -> Option<&'a mut TaskState> {
    match s.index.tasks.get(task).copied() {
        Some(i) => Some(&mut s.tasks[i]),
        None => {
            anomaly(s, format!("seq {seq}: unknown task {task}"));
            None
        }
    }
}

/// The index of an agent, adding it (role unknown) if no `RunStarted` announced it.
pub(super) fn agent_slot(s: &mut RunState, name: &str) -> usize {
    if let Some(&i) = s.index.agents.get(name) {
        return i;
    }
    s.agents.push(AgentState {
        name: name.to_string(),
        role: None,
        provider: String::new(),
        model: String::new(),
        current_task: None,
        usage: UsageTotals::default(),
        errors: 0,
        latencies_ms: Vec::new(),
        tokens_per_s: Vec::new(),
        latency_p50_ms: 0,
        latency_p95_ms: 0,
        error_open: false,
        problem: None,
    });
    s.transcripts.push(Vec::new());
    let i = s.agents.len() - 1;
    s.index.agents.insert(name.to_string(), i);
    i
}

fn push_window(v: &mut Vec<u64>, x: u64) {
    if v.len() == USAGE_WINDOW {
        v.remove(0);
    }
    v.push(x);
}

/// Nearest-rank p50 and p95 of a small window.
fn percentiles(v: &[u64]) -> (u64, u64) {
    if v.is_empty() {
        return (0, 0);
    }
    let mut sorted = v.to_vec();
    sorted.sort_unstable();
    let rank = |p: usize| sorted[((p * sorted.len()).div_ceil(100)).max(1) - 1];
    (rank(50), rank(95))
}

/// A plan upserts its tasks; tasks of an earlier plan that never started and are not in the
/// new one are dropped, so a re-plan replaces what was only proposed.
fn apply_plan(s: &mut RunState, tasks: &[PlannedTask]) {
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

fn apply_task_status(s: &mut RunState, task: &str, status: TaskStatus, e: &Event) {
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

/// The fields of an `ApprovalDecided`, borrowed.
struct Decided<'a> {
    decision: Decision,
    reason: &'a str,
    by: DecidedBy,
    level: Option<super::level::AutonomyLevel>,
    keep_hunks: Option<&'a Vec<String>>,
}

fn apply_decision(s: &mut RunState, e: &Event, approval: &str, d: Decided<'_>) {
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
