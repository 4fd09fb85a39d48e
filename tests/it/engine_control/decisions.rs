//! Decisions do what the screen said, checked where a person would look: on the user's
//! `main` and in what the agent is told next (the run of `setup`: two hunks in `notes.txt`).
//!
//! - a diff approved with a hunk dropped lands exactly the kept hunk (level 1);
//! - a merge approved with a hunk dropped does too (level 2, where the diff goes by itself);
//! - the same holds after the run is interrupted and resumed, and in a fork made at the
//!   decision, before the engine had acted on it;
//! - a diff rejected with a reason goes back to the implementer, whose next request carries
//!   the reason, and the task still finishes and lands.

use super::*;
use conclave::engine::ForkChanges;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diff_approved_with_a_hunk_dropped_lands_only_the_kept_hunk() {
    let s = setup(AutonomyLevel::Assisted).await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |st, a| match a.what {
        ApprovalWhat::Diff => approve_keeping(st, a, "+line two"),
        _ => approve(a),
    })
    .await;
    finished(&end, &events);
    s.main_keeps_only(0);
    // The decision names the kept hunk by id, not in prose.
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::ApprovalDecided { approval, keep_hunks: Some(k), .. } if approval == "diff-t1-1" && k.len() == 1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_approved_with_a_hunk_dropped_lands_only_the_kept_hunk() {
    let s = setup(AutonomyLevel::SemiAutonomous).await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |st, a| match a.what {
        ApprovalWhat::Diff => panic!("level 2 decides a minor green diff itself"),
        ApprovalWhat::Merge => approve_keeping(st, a, "+line twenty-five"),
        _ => approve(a),
    })
    .await;
    finished(&end, &events);
    s.main_keeps_only(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_hunks_stay_dropped_after_a_resume() {
    let s = setup(AutonomyLevel::Assisted).await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let run = h.run;
    // The person keeps one hunk, then the process goes away while the merge waits.
    let (end, _) = drive(h, rx, |st, a| match a.what {
        ApprovalWhat::Diff => approve_keeping(st, a, "+line two"),
        ApprovalWhat::Merge => Act::Interrupt,
        _ => approve(a),
    })
    .await;
    assert_eq!(end, DriveEnd::Interrupted);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let h = engine::resume(&store, run, s.opts(Stand::Person, tx)).unwrap();
    let (end, events) = drive(h, rx, |_, a| {
        assert_ne!(
            a.what,
            ApprovalWhat::Diff,
            "an answered diff was asked again"
        );
        approve(a)
    })
    .await;
    finished(&end, &events);
    s.main_keeps_only(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_at_the_decision_lands_only_the_kept_hunk() {
    let s = setup(AutonomyLevel::Assisted).await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let parent = h.run;
    let (end, events) = drive(h, rx, |st, a| match a.what {
        ApprovalWhat::Diff => approve_keeping(st, a, "+line twenty-five"),
        ApprovalWhat::Merge => Act::Interrupt,
        _ => approve(a),
    })
    .await;
    assert_eq!(end, DriveEnd::Interrupted);
    // Fork right at the decision: the fork's branch is where it stood before the engine
    // acted on it, so the fork has to carry the decision out itself.
    let at = store
        .all_events(parent)
        .unwrap()
        .iter()
        .find(|e| matches!(&e.kind, EventKind::ApprovalDecided { approval, .. } if approval == "diff-t1-1"))
        .map(|e| e.seq)
        .expect("the diff was decided");
    assert!(events.iter().any(|e| e.seq == at));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let h = engine::fork(
        &store,
        parent,
        at,
        ForkChanges::default(),
        s.opts(Stand::Person, tx),
    )
    .unwrap();
    let (end, events) = drive(h, rx, |_, a| {
        assert_ne!(
            a.what,
            ApprovalWhat::Diff,
            "the copied decision was asked again"
        );
        approve(a)
    })
    .await;
    finished(&end, &events);
    s.main_keeps_only(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reject_with_a_reason_goes_back_to_the_agent_and_the_task_still_lands() {
    let s = setup(AutonomyLevel::Assisted).await;
    const REASON: &str = "write TWO in capitals, and leave line 25 alone";
    s.implementer.say(
        "A person rejected your change",
        "Redoing it as asked.",
        vec![
            edit("line two\n", "line TWO\n"),
            edit("line twenty-five\n", "line 25\n"),
        ],
    );
    s.implementer.say(
        "A person rejected your change",
        "Done.",
        vec![("finish", json!({"summary": "TWO in capitals"}))],
    );
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| match a.id.as_str() {
        "diff-t1-1" => Act::Send(Command::Reject {
            approval: a.id.clone(),
            reason: REASON.into(),
        }),
        id if id.starts_with("retry-") => panic!("the person's reject was asked about again: {id}"),
        _ => approve(a),
    })
    .await;
    finished(&end, &events);
    // The implementer's first request of attempt 2 carries the reason.
    let bodies: Vec<String> = s
        .implementer
        .server
        .requests()
        .iter()
        .map(|r| r.raw_body.clone())
        .collect();
    // Attempt 1 took two requests (the edits, the finish); the very next one is attempt 2's.
    assert_eq!(
        bodies.iter().position(|b| b.contains(REASON)),
        Some(2),
        "the reason must reach the implementer's next request"
    );
    // The transcript says what happened, and the run still landed the second attempt.
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::Transcript { part: TranscriptPart::System, text, .. } if text.contains("sent back to impl-1 as feedback, attempt 2 of 3"))));
    let main = s.on_main();
    assert!(
        main.contains("line TWO\n") && main.contains("line 25\n"),
        "{main}"
    );
    let _ = &s.planner;
}
