//! Raising the level while an item waits lets the policy decide it at once (design §5).

use crate::support::engine::start_demo;
use conclave::engine::{self, Stand};
use conclave::model::{AutonomyLevel, Command, DecidedBy, EventKind};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_the_level_decides_what_waits() {
    let started = start_demo(AutonomyLevel::Assisted, Stand::Person);
    let (store, h, mut rx) = (&started.store, started.handle, started.events);
    // At level 1 the plan waits for a person.
    crate::support::engine::wait_for_approval(&mut rx, "plan-1").await;
    assert_eq!(h.desk.waiting_ids(), vec!["plan-1".to_string()]);
    // Level 4: plans, merges and the land are the policy's; the run goes to its end alone.
    h.commands
        .send(Command::SetLevel(AutonomyLevel::Full))
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(60), h.driver)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        end,
        engine::DriveEnd::Finished(conclave::model::RunOutcome::Finished)
    );
    let events = store.all_events(h.run).unwrap();
    let changed = events
        .iter()
        .position(|e| {
            matches!(
                e.kind,
                EventKind::LevelChanged {
                    to: AutonomyLevel::Full,
                    by: DecidedBy::Person,
                    ..
                }
            )
        })
        .unwrap();
    let decided = events
        .iter()
        .position(|e| matches!(&e.kind, EventKind::ApprovalDecided { approval, by: DecidedBy::Policy, level: Some(AutonomyLevel::Full), .. } if approval == "plan-1"))
        .expect("the policy decided the waiting plan");
    assert!(decided > changed);
    assert!(events.iter().all(|e| !matches!(
        e.kind,
        EventKind::ApprovalDecided {
            by: DecidedBy::Person,
            ..
        }
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_cancels_a_running_task_and_its_dependents_follow() {
    let started = start_demo(AutonomyLevel::Assisted, Stand::Person);
    let (h, mut rx) = (started.handle, started.events);
    let mut cancelled = Vec::new();
    // Approve what t1 needs to start; cancel it once it waits on its first command or diff.
    loop {
        let e = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        match &e.kind {
            EventKind::ApprovalRequested { approval, task, .. }
                if approval == "plan-1"
                    || approval == "assign-t1"
                    || approval == "assign-t2"
                    || (task.as_deref() == Some("t2")) =>
            {
                h.commands
                    .send(Command::Approve {
                        approval: approval.clone(),
                        keep_hunks: None,
                    })
                    .unwrap();
            }
            EventKind::ApprovalRequested { task: Some(t), .. } if t == "t1" => {
                h.commands.send(Command::CancelTask("t1".into())).unwrap();
            }
            EventKind::TaskStatus {
                task,
                status: conclave::model::TaskStatus::Cancelled,
            } => {
                cancelled.push(task.clone());
                if cancelled.len() == 3 {
                    break;
                }
            }
            _ => {}
        }
    }
    cancelled.sort();
    assert_eq!(cancelled, ["t1", "t3", "t4"]);
    h.commands.send(Command::CancelRun).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(30), h.driver)
        .await
        .unwrap();
}
