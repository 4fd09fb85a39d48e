//! Replay is the live run again: the demo driven headless, its state as the engine's watcher
//! saw it at random points equals the store's seek to that point and a fold of the stored
//! prefix; its export imported into a fresh data dir replays to the same canonical bytes as
//! the live run's final state. And seeking a synthetic 1M-event run anywhere equals folding
//! from zero.

use crate::support::engine::{follow, start_demo};
use crate::support::runs::{conclave, run_ok};
use conclave::engine::{DriveEnd, Stand};
use conclave::model::{apply, canonical_json, fold, AutonomyLevel, RunId, RunOutcome, RunState};
use conclave::store::Store;
use conclave::testkit::synthetic::realistic_run;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::path::Path;

/// `conclave replay RUN --headless` against `data`.
fn replay(data: &Path, run: RunId) -> Vec<u8> {
    let mut c = conclave(data);
    c.arg("--data-dir")
        .arg(data)
        .args(["replay", &run.to_string(), "--headless"]);
    run_ok(c).stdout
}

#[test]
fn the_live_run_its_replay_and_its_import_elsewhere_agree_at_every_sampled_event() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Level 2 so a person (here --on-approval approve) decides plans, merges and the land.
    let (dir, run, end, live_end, watched) = rt.block_on(async {
        let s = start_demo(AutonomyLevel::SemiAutonomous, Stand::Approve);
        let (run, log) = (s.handle.run, s.handle.log.clone());
        let (end, watched) = follow(s.handle, s.events).await;
        let live_end = log.state();
        drop(log);
        drop(s.store);
        (s.dir, run, end, live_end, watched)
    });
    drop(rt);
    assert_eq!(end, DriveEnd::Finished(RunOutcome::Finished));
    let data = dir.path().join("data");
    assert!(watched.len() > 150, "only {} events", watched.len());

    // What the watcher saw, folded event by event: the state after every prefix.
    let mut live = vec![RunState::default()];
    for e in &watched {
        let mut s = live.last().unwrap().clone();
        apply(&mut s, e);
        live.push(s);
    }
    assert_eq!(live.last().unwrap(), &live_end);
    assert_eq!(live_end.status, conclave::model::RunStatus::Finished);

    let store = Store::open(&data).unwrap();
    let stored = store.all_events(run).unwrap();
    assert_eq!(stored, watched, "the log is what the watcher saw");
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    let mut points: Vec<usize> = (0..=watched.len()).collect();
    points.shuffle(&mut rng);
    points.truncate(60);
    points.push(watched.len());
    for n in points {
        let seek = store.state_at(run, Some(n as u64)).unwrap();
        assert_eq!(seek, live[n], "seek to {n}");
        assert_eq!(fold(&stored[..n]), live[n], "fold of the first {n} events");
    }
    drop(store);

    // The same bytes from the live state, its replay, and its import into a fresh data dir.
    let want = canonical_json(&live_end).unwrap() + "\n";
    let here = replay(&data, run);
    assert_eq!(String::from_utf8_lossy(&here), want);
    let file = dir.path().join("run.jsonl");
    let mut c = conclave(&data);
    c.arg("--data-dir")
        .arg(&data)
        .args(["export", &run.to_string(), "-o"])
        .arg(&file);
    run_ok(c);
    let elsewhere = tempfile::tempdir().unwrap();
    let mut c = conclave(elsewhere.path());
    c.arg("--data-dir")
        .arg(elsewhere.path())
        .arg("import")
        .arg(&file);
    run_ok(c);
    assert_eq!(replay(elsewhere.path(), run), here);
}

/// Writes a synthetic run of `n` events (in big batches, as an import does), then checks
/// the store's seek at `samples` random points, and at both ends, against one fold from
/// zero passing those points.
fn seeks_equal_folding(n: u64, samples: usize) {
    let dir = tempfile::tempdir().unwrap();
    let run = RunId::new_at(1_700_000_000_000);
    let events = realistic_run(run, n, 11);
    {
        let store = Store::open(dir.path()).unwrap();
        let mut w = store.create_unlisted_run(run).unwrap();
        for chunk in events.chunks(8192) {
            w.append_events(chunk.to_vec()).unwrap();
        }
        w.publish().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(n);
    let mut points: Vec<u64> = (0..samples).map(|_| rng.gen_range(0..=n)).collect();
    points.extend([0, 1, n - 1, n]);
    points.sort_unstable();
    let mut folded = RunState::default();
    let mut applied = 0u64;
    for &p in &points {
        while applied < p {
            apply(&mut folded, &events[applied as usize]);
            applied += 1;
        }
        assert_eq!(store.state_at(run, Some(p)).unwrap(), folded, "seek to {p}");
    }
    assert_eq!(store.state_at(run, None).unwrap(), folded);
}

/// The default size: 15 to 45 s in a debug build on two shared cores.
#[test]
fn seeking_a_200k_event_run_anywhere_equals_folding_from_zero() {
    seeks_equal_folding(200_000, 16);
}

/// The full million: about 5 minutes in a debug build on two cores, so only on demand
/// (`cargo test --test it history_replay -- --ignored`).
#[test]
#[ignore]
fn seeking_a_million_event_run_anywhere_equals_folding_from_zero() {
    seeks_equal_folding(1_000_000, 40);
}
