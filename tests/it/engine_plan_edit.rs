//! A person edits the waiting plan before approving it: the engine checks the edit like a
//! strategist's plan, records it as the person's, approves, and the run follows the edit.

use crate::support::engine::{start_demo, wait_for, wait_for_approval};
use conclave::engine::{self, Stand};
use conclave::model::{
    AutonomyLevel, Command, DecidedBy, Decision, EventKind, PlannedTask, RunOutcome, PERSON,
};
use conclave::tui::plan_text;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_plan_is_checked_recorded_approved_and_followed() {
    let started = start_demo(AutonomyLevel::Assisted, Stand::Person);
    let (store, h, mut rx) = (&started.store, started.handle, started.events);
    wait_for_approval(&mut rx, "plan-1").await;
    let proposed = plan_text::planned(&h.log.state());
    assert_eq!(proposed.len(), 4);

    // An edit that breaks the graph is refused and the plan still waits.
    let mut broken: Vec<PlannedTask> = proposed.clone();
    broken[0].deps = vec!["t9".into()];
    h.commands
        .send(Command::EditPlan {
            approval: "plan-1".into(),
            tasks: broken,
        })
        .unwrap();
    // Commands are served in order: once the level change is in the log, the edit was seen.
    h.commands
        .send(Command::SetLevel(AutonomyLevel::SemiAutonomous))
        .unwrap();
    wait_for(&mut rx, |k| matches!(k, EventKind::LevelChanged { .. })).await;
    assert_eq!(h.desk.waiting_ids(), vec!["plan-1".to_string()]);
    assert!(!h
        .log
        .state()
        .approvals
        .iter()
        .any(|a| a.id == "plan-1" && a.decision.is_some()));

    // The docs task goes, t3 gets a sharper title: from the text a person would type.
    let mut text = plan_text::to_text(&proposed);
    text = text
        .lines()
        .filter(|l| !l.starts_with("t4 ") && !l.contains("README's TODO"))
        .collect::<Vec<_>>()
        .join("\n");
    text = text.replace("Reject empty lists in mean()", "mean([]) raises ValueError");
    let edited = plan_text::parse(&text, &proposed).unwrap();
    h.commands
        .send(Command::EditPlan {
            approval: "plan-1".into(),
            tasks: edited.clone(),
        })
        .unwrap();
    // The rest is the policy's at level 4.
    h.commands
        .send(Command::SetLevel(AutonomyLevel::Full))
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(90), h.driver)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(end, engine::DriveEnd::Finished(RunOutcome::Finished));

    let events = store.all_events(h.run).unwrap();
    let by_person = events
        .iter()
        .position(|e| matches!(&e.kind, EventKind::PlanProposed { agent, tasks } if agent == PERSON && *tasks == edited))
        .expect("the edit is recorded as the person's plan");
    let approved = events
        .iter()
        .position(|e| {
            matches!(&e.kind, EventKind::ApprovalDecided { approval, decision: Decision::Approved, by: DecidedBy::Person, .. } if approval == "plan-1")
        })
        .expect("a person approved the plan");
    assert!(by_person < approved, "recorded before the approval counts");
    let state = store.state_at(h.run, None).unwrap();
    let ids: Vec<&str> = state.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["t1", "t2", "t3"]);
    assert_eq!(
        state.task("t3").unwrap().title,
        "mean([]) raises ValueError"
    );
    assert!(
        events
            .iter()
            .all(|e| !matches!(&e.kind, EventKind::TaskAssigned { task, .. } if task == "t4")),
        "the dropped task never ran"
    );
}

/// Issue 17: a task the person adds in the plan editor is one the demo's recording knows
/// nothing of; its stand-in turns do it (a note), and the run finishes with it on `main`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_added_to_the_demo_plan_is_done_by_the_stand_in_and_lands() {
    let started = start_demo(AutonomyLevel::Assisted, Stand::Person);
    let (store, h, mut rx) = (&started.store, started.handle, started.events);
    wait_for_approval(&mut rx, "plan-1").await;
    let proposed = plan_text::planned(&h.log.state());
    let text = plan_text::to_text(&proposed)
        + "\nt5 docs after t4 Add a CHANGELOG\n    List the changes of this run.\n";
    let edited = plan_text::parse(&text, &proposed).unwrap();
    assert_eq!(edited.len(), 5);
    h.commands
        .send(Command::EditPlan {
            approval: "plan-1".into(),
            tasks: edited,
        })
        .unwrap();
    h.commands
        .send(Command::SetLevel(AutonomyLevel::Full))
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(120), h.driver)
        .await
        .unwrap()
        .unwrap();
    let events = store.all_events(h.run).unwrap();
    let errors: Vec<&EventKind> = events
        .iter()
        .map(|e| &e.kind)
        .filter(|k| matches!(k, EventKind::ProviderError { .. }))
        .collect();
    assert_eq!(
        end,
        engine::DriveEnd::Finished(RunOutcome::Finished),
        "{errors:?}"
    );
    assert!(errors.is_empty(), "{errors:?}");
    let state = store.state_at(h.run, None).unwrap();
    assert_eq!(
        state.task("t5").unwrap().status,
        conclave::model::TaskStatus::Done
    );
    let repo = started.dir.path().join("calc");
    let note = crate::support::repo::git(&repo, &["show", "main:notes/t5.md"]);
    assert!(note.contains("# t5"), "{note}");
}
