//! Level 5 learns from earlier runs kept in the store: the router prefers the implementer that
//! succeeded more, the retry budget follows how often retries rescued tasks, each change is an
//! event with its reason, and all of it survives closing and reopening the store.

use crate::support::engine::demo_config;
use conclave::engine::adaptation::{Outcome, OutcomeStats};
use conclave::engine::{self, RunOptions, Stand};
use conclave::model::{AutonomyLevel, Command, EventKind, TaskKind};
use conclave::store::Store;
use std::time::Duration;

#[test]
fn level_5_routes_and_tunes_from_recorded_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        // Earlier runs: impl-1 never got a bugfix through; impl-2 always did, after a retry.
        let store = Store::open(&data).unwrap();
        let m = store.memory().unwrap();
        for _ in 0..6 {
            let bad = Outcome {
                done: false,
                first_pass: false,
                approvals: 0,
                change_requests: 1,
                retries: 2,
                cost_usd: 0.2,
                ms: 90_000,
            };
            let good = Outcome {
                done: true,
                first_pass: false,
                approvals: 1,
                change_requests: 0,
                retries: 1,
                cost_usd: 0.05,
                ms: 30_000,
            };
            OutcomeStats::record(&m, "impl-1", TaskKind::Bugfix, &bad).unwrap();
            OutcomeStats::record(&m, "impl-2", TaskKind::Bugfix, &good).unwrap();
        }
    } // closed: what follows reads it back from disk
    let repo = dir.path().join("calc");
    conclave::demo::sample::create(&repo).unwrap();
    let cassette = dir.path().join("c.jsonl");
    conclave::demo::write_cassette(&cassette).unwrap();
    let store = Store::open(&data).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let config = demo_config(&repo, &cassette, AutonomyLevel::Evolutionary);
    assert_eq!(config.run.max_retries, 2);
    let opts = RunOptions {
        config,
        data_dir: data.clone(),
        stand: Stand::Approve,
        watcher: Some(tx),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (adapted, assigned) = rt.block_on(async {
        let h = engine::start(&store, &repo, conclave::demo::GOAL, opts).unwrap();
        let mut adapted = Vec::new();
        let assigned;
        loop {
            let e = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .unwrap()
                .unwrap();
            match e.kind {
                EventKind::Adapted {
                    what,
                    from,
                    to,
                    why,
                } => adapted.push((what, from, to, why)),
                EventKind::TaskAssigned { task, agent, .. } if task == "t1" => {
                    assigned = agent;
                    break;
                }
                _ => {}
            }
        }
        h.commands.send(Command::CancelRun).unwrap();
        let _ = h.driver.await;
        (adapted, assigned)
    });
    let assign = store
        .all_events(store.run_ids().unwrap()[0])
        .unwrap()
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::ApprovalRequested {
                approval, subject, ..
            } if approval == "assign-t1" => Some(subject),
            _ => None,
        })
        .unwrap();
    // t1 is a bugfix: without history impl-1 (listed first) would take it.
    assert_eq!(assigned, "impl-2", "{assign}");
    let (what, from, to, why) = adapted
        .iter()
        .find(|a| a.0 == "max_retries")
        .expect("the retry budget adapted");
    assert_eq!((what.as_str(), *from, *to), ("max_retries", 2, 3));
    assert!(why.contains("rescued"), "{why}");
    assert!(
        assign.contains("outcome score"),
        "the reason names the score: {assign}"
    );
}
