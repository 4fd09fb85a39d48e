//! The demo with a person answering through commands, as the screen does: the land's gates
//! are the run's own (no `unknown task _land` anomaly), and an approval request says it waits
//! exactly when the person is the one who answers it.

use crate::support::engine::{follow, start_demo};
use conclave::engine::{DriveEnd, Stand};
use conclave::model::{fold, Command, DecidedBy, EventKind, RunOutcome};
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_answered_by_a_person_ends_with_no_anomaly() {
    let started = start_demo(
        conclave::model::AutonomyLevel::SemiAutonomous,
        Stand::Person,
    );
    let (store, h, mut rx) = (&started.store, started.handle, started.events);
    let commands = h.commands.clone();
    // Approve every request that waits, as a person at the screen would; keep every event.
    let person = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(e) = rx.recv().await {
            if let EventKind::ApprovalRequested {
                approval,
                waits: true,
                ..
            } = &e.kind
            {
                let _ = commands.send(Command::Approve {
                    approval: approval.clone(),
                    keep_hunks: None,
                });
            }
            let over = matches!(e.kind, EventKind::RunFinished { .. });
            seen.push(e);
            if over {
                break;
            }
        }
        seen
    });
    let run = h.run;
    let (end, _) = follow(h, tokio::sync::mpsc::unbounded_channel().1).await;
    assert_eq!(end, DriveEnd::Finished(RunOutcome::Finished));
    let watched = person.await.unwrap();
    let events = store.all_events(run).unwrap();
    assert_eq!(watched.len(), events.len());
    let state = fold(&events);
    assert_eq!(state.anomaly_count, 0, "{:?}", state.anomalies);
    assert!(
        state.landed.is_some(),
        "the demo lands: {:?}",
        state.failure
    );
    let land_gates: Vec<(&str, bool)> = state
        .latest_run_gates()
        .map(|g| (g.gate.as_str(), g.passed))
        .collect();
    assert_eq!(land_gates, [("unittest", true)]);
    // Who answered each request, against what the request said.
    let mut waits = BTreeMap::new();
    for e in &events {
        match &e.kind {
            EventKind::ApprovalRequested {
                approval, waits: w, ..
            } => {
                waits.insert(approval.clone(), *w);
            }
            EventKind::ApprovalDecided { approval, by, .. } => {
                assert_eq!(
                    waits[approval],
                    *by == DecidedBy::Person,
                    "{approval} decided by {by:?}"
                );
            }
            _ => {}
        }
    }
    assert!(waits.values().any(|w| *w) && waits.values().any(|w| !*w));
    assert_eq!(state.waiting_for_person, 0);
}
