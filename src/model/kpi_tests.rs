//! KPIs on a constructed log, against numbers worked out by hand.

use super::*;

fn log() -> Vec<Event> {
    let run: RunId = "01JD7AAAAAAAAAAAAAAAAAAAAA".parse().unwrap();
    let task = |id: &str, est: Option<u32>| PlannedTask {
        id: id.into(),
        title: id.into(),
        description: String::new(),
        kind: TaskKind::Feature,
        deps: vec![],
        priority: 1,
        estimate_min: est,
        risk: None,
    };
    let st = |t: &str, s: TaskStatus| EventKind::TaskStatus {
        task: t.into(),
        status: s,
    };
    let gate = |t: &str, passed: bool| EventKind::GateResult {
        task: t.into(),
        gate: "test".into(),
        passed,
        output_tail: String::new(),
        ms: 1,
    };
    let assign = |t: &str, why| EventKind::TaskAssigned {
        task: t.into(),
        agent: "impl-1".into(),
        why,
    };
    let merge = |t: &str, ok: bool| EventKind::MergeResult {
        task: t.into(),
        ok,
        conflicts: if ok { vec![] } else { vec!["a.rs".into()] },
        commit: None,
    };
    let err = |a: &str| EventKind::ProviderError {
        agent: a.into(),
        provider: "p".into(),
        error: "529".into(),
        attempt: 1,
        retry_in_ms: Some(10),
        fallback: None,
        advice: None,
    };
    let usage = |a: &str| EventKind::Usage {
        agent: a.into(),
        task: None,
        provider: "p".into(),
        model: "m".into(),
        input_tokens: 10,
        output_tokens: 5,
        cached_tokens: 0,
        cost_usd: 0.01,
        unpriced: false,
        ms: 100,
    };
    let kinds = vec![
        // 4 tasks: estimates of 1 minute for t1..t3.
        (
            0,
            EventKind::PlanProposed {
                agent: "s".into(),
                tasks: vec![
                    task("t1", Some(1)),
                    task("t2", Some(1)),
                    task("t3", Some(1)),
                    task("t4", None),
                ],
            },
        ),
        // Routing: 3 of 4 assignments by the router = 75%.
        (0, assign("t1", AssignReason::Router)),
        (0, assign("t2", AssignReason::Router)),
        (0, assign("t3", AssignReason::Router)),
        (0, assign("t4", AssignReason::Manual)),
        // t1: starts at 0, gates pass first time, done at 60 s (ratio 1.0).
        (0, st("t1", TaskStatus::Running)),
        (0, st("t1", TaskStatus::Gates)),
        (0, gate("t1", true)),
        (60_000, st("t1", TaskStatus::Done)),
        // t2: first gate round fails, second passes; done at 90 s after its start (ratio 1.5).
        (0, st("t2", TaskStatus::Running)),
        (0, st("t2", TaskStatus::Gates)),
        (0, gate("t2", false)),
        (0, st("t2", TaskStatus::Running)),
        (0, st("t2", TaskStatus::Gates)),
        (0, gate("t2", true)),
        (90_000, st("t2", TaskStatus::Done)),
        // t3: gates pass, a conflict resolved by an agent, done (ratio 0.5 at 30 s).
        (0, st("t3", TaskStatus::Running)),
        (0, st("t3", TaskStatus::Gates)),
        (0, gate("t3", true)),
        (0, merge("t3", false)),
        (0, merge("t3", true)),
        (30_000, st("t3", TaskStatus::Done)),
        // t4 fails: coordination 3 of 4 ended tasks = 75%.
        (0, st("t4", TaskStatus::Running)),
        (0, st("t4", TaskStatus::Failed)),
        // Provider errors: impl-1 recovers, impl-2 does not: recovery 50%.
        (0, err("impl-1")),
        (0, err("impl-1")),
        (0, usage("impl-1")),
        (0, err("impl-2")),
        // Lessons: 1 of 2 persisted.
        (
            0,
            EventKind::Lesson {
                text: "a".into(),
                source: "x".into(),
                persisted: true,
            },
        ),
        (
            0,
            EventKind::Lesson {
                text: "b".into(),
                source: "x".into(),
                persisted: false,
            },
        ),
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, (at, kind))| Event {
            run,
            seq: i as u64,
            at_ms: at,
            kind,
        })
        .collect()
}

#[test]
fn kpis_equal_the_hand_computed_values() {
    let k = fold(&log()).kpis;
    assert_eq!(k.routing, Some(0.75));
    assert_eq!(k.conflicts_auto, Some(1.0));
    // Gated tasks t1, t2, t3; t2 failed its first round: 2 of 3.
    assert_eq!(k.gate_first_pass, Some(2.0 / 3.0));
    assert_eq!(k.coordination, Some(0.75));
    assert_eq!(k.recovery, Some(0.5));
    // Ratios to estimate 1.0, 1.5, 0.5: mean 1, population σ = sqrt(1/6).
    let v = k.task_time_variation.unwrap();
    assert!((v - (1.0f64 / 6.0).sqrt()).abs() < 1e-9, "{v}");
    assert_eq!(k.lessons_persisted, Some(0.5));
}

#[test]
fn a_conflict_a_person_decided_does_not_count_as_autonomous() {
    let mut events = log();
    let run = events[0].run;
    let n = events.len() as u64;
    // A second conflict on t1, where a person approves the merge.
    let extra = [
        EventKind::MergeResult {
            task: "t1".into(),
            ok: false,
            conflicts: vec!["b.rs".into()],
            commit: None,
        },
        EventKind::ApprovalRequested {
            approval: "merge-t1".into(),
            what: ApprovalWhat::Merge,
            task: Some("t1".into()),
            subject: String::new(),
            why: String::new(),
            diff: None,
            waits: true,
        },
        EventKind::ApprovalDecided {
            approval: "merge-t1".into(),
            decision: Decision::Approved,
            reason: String::new(),
            by: DecidedBy::Person,
            level: None,
            keep_hunks: None,
        },
        EventKind::MergeResult {
            task: "t1".into(),
            ok: true,
            conflicts: vec![],
            commit: None,
        },
    ];
    events.extend(extra.into_iter().enumerate().map(|(i, kind)| Event {
        run,
        seq: n + i as u64,
        at_ms: 0,
        kind,
    }));
    assert_eq!(fold(&events).kpis.conflicts_auto, Some(0.5));
}
