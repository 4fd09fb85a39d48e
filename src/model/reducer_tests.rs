//! Property and example tests of the reducer.

use super::*;
use crate::testkit::synthetic::{event_from_choice, realistic_run};
use proptest::prelude::*;

fn run_id() -> RunId {
    "01JD7AAAAAAAAAAAAAAAAAAAAA".parse().unwrap()
}

fn log_from(choices: &[(u8, u8, u8, u16)]) -> Vec<Event> {
    choices
        .iter()
        .enumerate()
        .map(|(i, &c)| event_from_choice(run_id(), i as u64, c))
        .collect()
}

/// A snapshot goes through JSON the way the store keeps it.
fn through_snapshot(s: &RunState) -> RunState {
    let json = serde_json::to_vec(s).unwrap();
    let mut back: RunState = serde_json::from_slice(&json).unwrap();
    back.rebuild_index();
    back
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prefix_then_snapshot_then_rest_equals_fold_from_zero(
        choices in prop::collection::vec(any::<(u8, u8, u8, u16)>(), 0..120),
        cut in any::<prop::sample::Index>(),
    ) {
        let log = log_from(&choices);
        let whole = fold(&log);
        let k = if log.is_empty() { 0 } else { cut.index(log.len() + 1) };
        let prefix = fold(&log[..k]);
        let mut resumed = through_snapshot(&prefix);
        for e in &log[k..] {
            apply(&mut resumed, e);
        }
        prop_assert_eq!(&resumed, &whole);
        // Counters stay consistent with the tasks they summarise.
        let total: u32 = whole.status_counts.iter().sum();
        prop_assert_eq!(total as usize, whole.tasks.len());
        prop_assert_eq!(whole.pending_approvals as usize, whole.pending().count());
    }

    #[test]
    fn folding_is_deterministic(choices in prop::collection::vec(any::<(u8, u8, u8, u16)>(), 0..80)) {
        let log = log_from(&choices);
        prop_assert_eq!(fold(&log), fold(&log));
    }

    #[test]
    fn shuffled_or_repeated_seqs_never_panic(
        choices in prop::collection::vec(any::<(u8, u8, u8, u16)>(), 0..60),
        seqs in prop::collection::vec(0u64..80, 0..60),
    ) {
        let mut s = RunState::default();
        for (c, seq) in choices.iter().zip(seqs) {
            apply(&mut s, &event_from_choice(run_id(), seq, *c));
        }
        prop_assert!(s.next_seq <= 80);
    }
}

#[test]
fn duplicate_and_foreign_events_are_anomalies_not_changes() {
    let log = realistic_run(run_id(), 200, 1);
    let mut s = fold(&log);
    let before = s.clone();
    apply(&mut s, &log[150]);
    let mut foreign = log[199].clone();
    foreign.run = RunId::new_at(9);
    foreign.seq = 200;
    apply(&mut s, &foreign);
    assert_eq!(s.anomaly_count, before.anomaly_count + 2);
    assert_eq!(s.tasks, before.tasks);
    assert_eq!(s.next_seq, 200);
}

#[test]
fn transcript_deltas_coalesce_per_part_and_tool_results_attach() {
    let run = run_id();
    let mk = |seq, kind| Event {
        run,
        seq,
        at_ms: seq,
        kind,
    };
    let text = |t: &str, part| EventKind::Transcript {
        agent: "impl-1".into(),
        task: Some("t1".into()),
        part,
        text: t.into(),
    };
    let log = vec![
        mk(0, text("I will ", TranscriptPart::Thinking)),
        mk(1, text("read it", TranscriptPart::Thinking)),
        mk(2, text("Reading", TranscriptPart::Text)),
        mk(
            3,
            EventKind::ToolCall {
                call: "c1".into(),
                agent: "impl-1".into(),
                task: Some("t1".into()),
                tool: "read_file".into(),
                args: serde_json::json!({"path": "a.rs"}),
                signature: None,
            },
        ),
        mk(
            4,
            EventKind::ToolResult {
                call: "c1".into(),
                ok: true,
                output: "1: fn a()".into(),
                ms: 3,
            },
        ),
        mk(5, text(" done", TranscriptPart::Text)),
    ];
    let s = fold(&log);
    let t = &s.transcripts[s.agent_index("impl-1").unwrap()];
    assert_eq!(t.len(), 4);
    assert_eq!(t[0].text, "I will read it");
    let call = t[2].call.as_ref().unwrap();
    assert_eq!(call.args, r#"{"path":"a.rs"}"#);
    assert_eq!(call.result.as_ref().unwrap().output, "1: fn a()");
    assert_eq!(t[3].text, " done");
}

#[test]
fn a_replan_drops_only_tasks_that_never_started() {
    let run = run_id();
    let mk = |seq, kind| Event {
        run,
        seq,
        at_ms: seq,
        kind,
    };
    let plan = |ids: &[&str]| EventKind::PlanProposed {
        agent: "strategist".into(),
        tasks: ids
            .iter()
            .map(|id| PlannedTask {
                id: id.to_string(),
                title: id.to_string(),
                description: String::new(),
                kind: TaskKind::Feature,
                deps: vec![],
                priority: 1,
                estimate_min: None,
                risk: None,
            })
            .collect(),
    };
    let log = vec![
        mk(0, plan(&["a", "b", "c"])),
        mk(
            1,
            EventKind::TaskStatus {
                task: "a".into(),
                status: TaskStatus::Running,
            },
        ),
        mk(2, plan(&["c", "d"])),
    ];
    let s = fold(&log);
    let ids: Vec<&str> = s.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["a", "c", "d"]);
    assert_eq!(s.count(TaskStatus::Pending), 2);
    assert_eq!(s.count(TaskStatus::Running), 1);
    assert_eq!(s.task("d").unwrap().title, "d");
}

#[test]
fn a_retried_run_runs_again_with_its_failed_tasks_pending_and_nothing_else_changed() {
    let run = run_id();
    let mk = |seq, kind| Event {
        run,
        seq,
        at_ms: seq,
        kind,
    };
    let task = |id: &str| PlannedTask {
        id: id.to_string(),
        title: id.to_string(),
        description: String::new(),
        kind: TaskKind::Feature,
        deps: vec![],
        priority: 1,
        estimate_min: None,
        risk: None,
    };
    let status = |task: &str, status| EventKind::TaskStatus {
        task: task.into(),
        status,
    };
    let log = vec![
        mk(
            0,
            EventKind::PlanProposed {
                agent: "strategist".into(),
                tasks: vec![task("a"), task("b")],
            },
        ),
        mk(1, status("a", TaskStatus::Running)),
        mk(2, status("a", TaskStatus::Done)),
        mk(3, status("b", TaskStatus::Running)),
        mk(4, status("b", TaskStatus::Failed)),
        mk(
            5,
            EventKind::RunFinished {
                status: RunOutcome::Failed,
                reason: None,
            },
        ),
    ];
    let failed = fold(&log);
    assert_eq!(failed.status, RunStatus::Failed);
    let mut retried_log = log.clone();
    retried_log.push(mk(
        6,
        EventKind::RunRetried {
            tasks: vec!["b".into(), "a".into()],
            config: None,
        },
    ));
    let s = fold(&retried_log);
    assert_eq!(s.status, RunStatus::Running);
    assert_eq!(s.finished_at_ms, None);
    // Only the failed task goes back; the done one stays done.
    assert_eq!(s.task("a").unwrap().status, TaskStatus::Done);
    assert_eq!(s.task("b").unwrap().status, TaskStatus::Pending);
    assert_eq!(s.count(TaskStatus::Failed), 0);
    assert_eq!(
        s.kpi_counters.ended_tasks,
        failed.kpi_counters.ended_tasks - 1
    );
    // Its attempts are kept: the next one is attempt 2.
    assert_eq!(s.task("b").unwrap().attempts, 1);
    assert_eq!(
        serde_json::to_value(through_snapshot(&s)).unwrap(),
        serde_json::to_value(&s).unwrap()
    );
}

#[test]
fn the_lands_gates_are_the_runs_own_not_an_unknown_tasks() {
    let run = run_id();
    let mk = |seq, kind| Event {
        run,
        seq,
        at_ms: seq,
        kind,
    };
    let gate = |passed| EventKind::GateResult {
        task: LAND_TASK.into(),
        gate: "unittest".into(),
        passed,
        output_tail: "Ran 4 tests".into(),
        ms: 157,
    };
    // A land tried twice (a resume runs its gates again): two rounds, no anomaly.
    let log = vec![mk(0, gate(false)), mk(1, gate(true))];
    let s = fold(&log);
    assert_eq!(s.anomaly_count, 0, "{:?}", s.anomalies);
    assert!(s.tasks.is_empty());
    let rounds: Vec<(u32, bool)> = s.run_gates.iter().map(|g| (g.round, g.passed)).collect();
    assert_eq!(rounds, [(1, false), (2, true)]);
    let latest: Vec<&str> = s.latest_run_gates().map(|g| g.gate.as_str()).collect();
    assert_eq!(latest, ["unittest"]);
    // Nothing of the first-pass KPI counts them: they are no task's gates.
    assert_eq!(s.kpi_counters.gated_tasks, 0);
    // Any other unknown task is still an anomaly.
    let mut other = log.clone();
    other.push(mk(
        2,
        EventKind::GateResult {
            task: "t9".into(),
            gate: "unittest".into(),
            passed: true,
            output_tail: String::new(),
            ms: 1,
        },
    ));
    assert_eq!(fold(&other).anomaly_count, 1);
}

#[test]
fn only_approvals_a_person_is_asked_count_as_waiting_for_one() {
    let run = run_id();
    let mk = |seq, kind| Event {
        run,
        seq,
        at_ms: seq,
        kind,
    };
    let ask = |id: &str, waits| EventKind::ApprovalRequested {
        approval: id.into(),
        what: ApprovalWhat::Plan,
        task: None,
        subject: "plan".into(),
        why: "why".into(),
        diff: None,
        waits,
    };
    let decide = |id: &str, by| EventKind::ApprovalDecided {
        approval: id.into(),
        decision: Decision::Approved,
        reason: String::new(),
        by,
        level: None,
        keep_hunks: None,
    };
    let log = vec![
        mk(0, ask("p1", false)),
        mk(1, ask("p2", true)),
        mk(2, decide("p1", DecidedBy::Policy)),
    ];
    let s = fold(&log[..2]);
    assert_eq!((s.pending_approvals, s.waiting_for_person), (2, 1));
    let s = fold(&log);
    assert_eq!((s.pending_approvals, s.waiting_for_person), (1, 1));
    assert_eq!(through_snapshot(&s).waiting_for_person, 1);
    let mut done = log.clone();
    done.push(mk(3, decide("p2", DecidedBy::Person)));
    assert_eq!(fold(&done).waiting_for_person, 0);
    // A log from before requests said whether they wait: a person was asked.
    let old =
        r#"{"kind":"ApprovalRequested","approval":"a","what":"plan","subject":"s","why":"w"}"#;
    let kind: EventKind = serde_json::from_str(old).unwrap();
    assert!(matches!(
        kind,
        EventKind::ApprovalRequested { waits: true, .. }
    ));
}
