//! Raising the level while an item waits lets the policy decide it at once (design §5).

mod support;

use conclave::engine::{self, RunOptions, Stand};
use conclave::model::{AutonomyLevel, Command, DecidedBy, EventKind};
use conclave::store::Store;
use std::time::Duration;
use support::engine::demo_config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_the_level_decides_what_waits() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("calc");
    conclave::demo::sample::create(&repo).unwrap();
    let cassette = dir.path().join("c.jsonl");
    conclave::demo::write_cassette(&cassette).unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = RunOptions {
        config: demo_config(&repo, &cassette, AutonomyLevel::Assisted),
        data_dir: dir.path().join("data"),
        stand: Stand::Person,
        watcher: Some(tx),
    };
    let h = engine::start(&store, &repo, conclave::demo::GOAL, opts).unwrap();
    // At level 1 the plan waits for a person.
    loop {
        let e = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(&e.kind, EventKind::ApprovalRequested { approval, .. } if approval == "plan-1")
        {
            break;
        }
    }
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
