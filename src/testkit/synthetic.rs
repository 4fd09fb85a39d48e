//! Synthetic event logs for tests and benchmarks.
//!
//! Owns two generators: `realistic_run` (a plausible long run with many agents, used by
//! benches and store tests) and `event_from_choice` (maps small random numbers to any event,
//! valid or not, for property tests of the reducer). Deterministic for a given input; no I/O.

use crate::model::event::*;
use crate::model::ids::RunId;
use crate::model::level::{AutonomyLevel, DecidedBy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const AGENTS: [&str; 8] = [
    "strategist",
    "impl-1",
    "impl-2",
    "impl-3",
    "impl-4",
    "impl-5",
    "impl-6",
    "reviewer",
];

fn ev(run: RunId, seq: u64, kind: EventKind) -> Event {
    Event {
        run,
        seq,
        at_ms: 1_700_000_000_000 + seq * 7,
        kind,
    }
}

fn started(agents: &[&str]) -> EventKind {
    EventKind::RunStarted {
        repo: "/tmp/repo".into(),
        base_commit: "0123456789abcdef0123456789abcdef01234567".into(),
        branch: "main".into(),
        goal: "add rate limiting to the HTTP client".into(),
        level: AutonomyLevel::SemiAutonomous,
        agents: agents
            .iter()
            .map(|n| AgentSpec {
                name: n.to_string(),
                role: match *n {
                    "strategist" => Role::Strategist,
                    "reviewer" => Role::Reviewer,
                    _ => Role::Implementer,
                },
                provider: "scripted".into(),
                model: "cassette".into(),
            })
            .collect(),
        parent: None,
        config: None,
    }
}

fn planned(id: String, deps: Vec<String>) -> PlannedTask {
    PlannedTask {
        title: format!("task {id}"),
        description: "synthetic".into(),
        id,
        kind: TaskKind::Feature,
        deps,
        priority: 2,
        estimate_min: Some(10),
        risk: None,
    }
}

/// A run of `n` events: 8 agents, a plan of 50 tasks, mostly streamed transcript text with tool
/// calls, usage, gates, reviews, approvals and merges in between.
pub fn realistic_run(run: RunId, n: u64, seed: u64) -> Vec<Event> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n as usize);
    out.push(ev(run, 0, started(&AGENTS)));
    let tasks: Vec<String> = (0..50).map(|i| format!("t{i}")).collect();
    if n > 1 {
        let plan = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                planned(
                    t.clone(),
                    if i > 0 {
                        vec![format!("t{}", i - 1)]
                    } else {
                        vec![]
                    },
                )
            })
            .collect();
        out.push(ev(
            run,
            1,
            EventKind::PlanProposed {
                agent: "strategist".into(),
                tasks: plan,
            },
        ));
    }
    let mut calls = 0u64;
    let mut approvals = 0u64;
    let mut diffs = 0u64;
    let mut open_approval: Option<String> = None;
    let mut open_call: Option<String> = None;
    // Each agent works on one task at a time and moves on now and then, as in a real run.
    let mut working_on: Vec<usize> = (0..AGENTS.len()).collect();
    while (out.len() as u64) < n {
        let seq = out.len() as u64;
        let a = rng.gen_range(0..AGENTS.len());
        if rng.gen_ratio(1, 200) {
            working_on[a] = rng.gen_range(0..tasks.len());
        }
        let agent = AGENTS[a].to_string();
        let task = tasks[working_on[a]].clone();
        let roll = rng.gen_range(0..100);
        let kind = match roll {
            0..=74 => EventKind::Transcript {
                agent,
                task: Some(task),
                part: if roll < 70 {
                    TranscriptPart::Text
                } else {
                    TranscriptPart::Thinking
                },
                text: format!("line {seq} of the answer, with some words to wrap\n"),
            },
            75..=79 => match open_call.take() {
                Some(call) => EventKind::ToolResult {
                    call,
                    ok: true,
                    output: "ok\n".repeat(3),
                    ms: 12,
                },
                None => {
                    calls += 1;
                    let call = format!("c{calls}");
                    open_call = Some(call.clone());
                    EventKind::ToolCall {
                        call,
                        agent,
                        task: Some(task),
                        tool: "read_file".into(),
                        args: serde_json::json!({"path": "src/lib.rs"}),
                        signature: None,
                    }
                }
            },
            80..=84 => EventKind::Usage {
                agent,
                task: Some(task),
                provider: "scripted".into(),
                model: "cassette".into(),
                input_tokens: 800,
                output_tokens: 120,
                cached_tokens: 0,
                cost_usd: 0.0021,
                unpriced: false,
                ms: rng.gen_range(200..3000),
            },
            85..=88 => EventKind::TaskStatus {
                task,
                status: [
                    TaskStatus::Running,
                    TaskStatus::Gates,
                    TaskStatus::Review,
                    TaskStatus::Done,
                ][rng.gen_range(0..4)],
            },
            89..=90 => EventKind::GateResult {
                task,
                gate: "test".into(),
                passed: rng.gen_bool(0.8),
                output_tail: "test result: ok. 12 passed".into(),
                ms: 900,
            },
            91 => {
                diffs += 1;
                EventKind::DiffProposed {
                    task,
                    diff: format!("d{diffs}"),
                    files: vec![DiffFile {
                        path: "src/http.rs".into(),
                        change: FileChange::Modified,
                        added: 2,
                        removed: 1,
                        binary: false,
                    }],
                    added: 2,
                    removed: 1,
                    patch: "@@ -1,2 +1,3 @@\n-a\n+b\n+c\n d\n".into(),
                    hunks: vec![],
                }
            }
            92..=93 => match open_approval.take() {
                Some(approval) => EventKind::ApprovalDecided {
                    approval,
                    decision: Decision::Approved,
                    reason: String::new(),
                    by: DecidedBy::Policy,
                    level: Some(AutonomyLevel::SemiAutonomous),
                    keep_hunks: None,
                },
                None => {
                    approvals += 1;
                    let id = format!("a{approvals}");
                    open_approval = Some(id.clone());
                    EventKind::ApprovalRequested {
                        approval: id,
                        what: ApprovalWhat::Diff,
                        task: Some(task),
                        subject: "diff".into(),
                        why: "L2 asks for diffs over 50 lines".into(),
                        diff: None,
                        waits: true,
                    }
                }
            },
            94 => EventKind::MergeResult {
                task,
                ok: true,
                conflicts: vec![],
                commit: Some("abc".into()),
            },
            95 => EventKind::ProviderError {
                agent,
                provider: "scripted".into(),
                error: "429".into(),
                attempt: 1,
                retry_in_ms: Some(500),
                fallback: None,
                advice: None,
            },
            96 => EventKind::TaskAssigned {
                task,
                agent,
                why: AssignReason::Router,
            },
            97 => EventKind::Review {
                task,
                reviewer: "reviewer".into(),
                verdict: Verdict::Approve,
                summary: "fine".into(),
                comments: vec![],
            },
            _ => EventKind::Transcript {
                agent,
                task: None,
                part: TranscriptPart::System,
                text: "system note\n".into(),
            },
        };
        out.push(ev(run, seq, kind));
    }
    out.truncate(n as usize);
    out
}

/// Any event, valid or not, from four small numbers: ids come from tiny pools so references
/// sometimes hit and sometimes miss; seq comes from the caller.
pub fn event_from_choice(run: RunId, seq: u64, c: (u8, u8, u8, u16)) -> Event {
    let (k, a, b, n) = c;
    let task = format!("t{}", a % 5);
    let agent = format!("ag{}", b % 3);
    let id = format!("x{}", n % 6);
    let kind = match k % 20 {
        0 => started(&["ag0", "ag1"]),
        1 => EventKind::GoalAdded {
            text: format!("goal {n}"),
            source: GoalSource::Detected,
        },
        2 => EventKind::LevelChanged {
            from: AutonomyLevel::Assisted,
            to: AutonomyLevel::try_from(1 + b % 5).unwrap_or(AutonomyLevel::Assisted),
            by: DecidedBy::Person,
        },
        3 => EventKind::PlanProposed {
            agent,
            tasks: (0..(a % 4))
                .map(|i| planned(format!("t{}", (i as u16 + b as u16) % 5), vec![]))
                .collect(),
        },
        4 => EventKind::TaskAssigned {
            task,
            agent,
            why: if n % 2 == 0 {
                AssignReason::Router
            } else {
                AssignReason::Manual
            },
        },
        5 | 6 => EventKind::TaskStatus {
            task,
            status: [
                TaskStatus::Pending,
                TaskStatus::Ready,
                TaskStatus::Running,
                TaskStatus::Gates,
                TaskStatus::Review,
                TaskStatus::AwaitingApproval,
                TaskStatus::Merging,
                TaskStatus::Done,
                TaskStatus::Failed,
                TaskStatus::Cancelled,
            ][(n % 10) as usize],
        },
        7 => EventKind::Transcript {
            agent,
            task: Some(task),
            part: if n % 3 == 0 {
                TranscriptPart::Thinking
            } else {
                TranscriptPart::Text
            },
            text: format!("δ{n} "),
        },
        8 => EventKind::ToolCall {
            call: id,
            agent,
            task: Some(task),
            tool: "search".into(),
            args: serde_json::json!({"pattern": n}),
            signature: None,
        },
        9 => EventKind::ToolResult {
            call: id,
            ok: n % 2 == 0,
            output: format!("out {n}"),
            ms: n as u64,
        },
        10 if n % 4 == 3 => EventKind::TaskCommitted {
            task,
            commit: format!("{n:040x}"),
        },
        10 => EventKind::DiffProposed {
            task,
            diff: id,
            files: vec![],
            added: n as u32,
            removed: b as u32,
            patch: String::new(),
            hunks: vec![],
        },
        11 => EventKind::GateResult {
            // Now and then the land's, which belongs to no task.
            task: if n % 7 == 0 { LAND_TASK.into() } else { task },
            gate: "g".into(),
            passed: n % 3 != 0,
            output_tail: String::new(),
            ms: 5,
        },
        12 => EventKind::Review {
            task,
            reviewer: agent,
            verdict: if n % 2 == 0 {
                Verdict::Approve
            } else {
                Verdict::RequestChanges
            },
            summary: String::new(),
            comments: vec![],
        },
        13 => EventKind::ApprovalRequested {
            approval: id,
            what: [ApprovalWhat::Plan, ApprovalWhat::Diff, ApprovalWhat::Merge][(a % 3) as usize],
            task: Some(task),
            subject: "s".into(),
            why: "w".into(),
            diff: None,
            waits: a % 2 == 0,
        },
        14 => EventKind::ApprovalDecided {
            approval: id,
            decision: if n % 2 == 0 {
                Decision::Approved
            } else {
                Decision::Rejected
            },
            reason: String::new(),
            by: if a % 2 == 0 {
                DecidedBy::Person
            } else {
                DecidedBy::Policy
            },
            level: None,
            keep_hunks: (n % 5 == 0).then(|| vec![format!("h{n}")]),
        },
        15 => EventKind::MergeResult {
            task,
            ok: n % 2 == 0,
            conflicts: if n % 4 == 1 { vec!["f".into()] } else { vec![] },
            commit: None,
        },
        16 => EventKind::Usage {
            agent,
            task: Some(task),
            provider: "p".into(),
            model: "m".into(),
            input_tokens: n as u64,
            output_tokens: a as u64,
            cached_tokens: 0,
            cost_usd: n as f64 / 1000.0,
            unpriced: false,
            ms: b as u64,
        },
        17 => EventKind::ProviderError {
            agent,
            provider: "p".into(),
            error: "e".into(),
            attempt: a as u32,
            retry_in_ms: None,
            fallback: None,
            advice: None,
        },
        18 => EventKind::Lesson {
            text: format!("lesson {n}"),
            source: "gate".into(),
            persisted: n % 5 != 0,
        },
        _ => match n % 3 {
            0 => EventKind::RunPaused {},
            1 => EventKind::RunResumed {},
            _ => EventKind::RunFinished {
                status: RunOutcome::Finished,
                reason: None,
            },
        },
    };
    Event {
        run,
        seq,
        at_ms: 1_000 + seq * 13 + (n as u64 % 7),
        kind,
    }
}
