//! Replay of a big run (design §11: open a 1M-event run and seek anywhere), each against its
//! baseline in the same run:
//! - open: `Store::open` + the final state (from the last snapshot), and `Store::open` alone,
//!   against reading and folding the whole log from zero;
//! - seek: the state after a random number of events (nearest snapshot, then the rest), at a
//!   new random point each iteration, and at three fixed random points each against folding
//!   the same prefix from zero (read every event, `fold`).
//!
//! The synthetic run is written once into a temp store; `CONCLAVE_BENCH_EVENTS` may change
//! its size (default 1,000,000).

// A test: a failed unwrap is a failed test (the product code denies unwrap).
#![allow(clippy::unwrap_used)]

use conclave::model::{fold, RunId};
use conclave::store::Store;
use conclave::testkit::synthetic::realistic_run;
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::Duration;

fn events_wanted() -> u64 {
    std::env::var("CONCLAVE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// Writes the synthetic run the way an import does (batches, listed at the end).
fn write_run(dir: &Path, n: u64) -> RunId {
    let run = RunId::new_at(1_700_000_000_000);
    let store = Store::open(dir).unwrap();
    let mut w = store.create_unlisted_run(run).unwrap();
    let events = realistic_run(run, n, 5);
    for chunk in events.chunks(8192) {
        w.append_events(chunk.to_vec()).unwrap();
    }
    w.publish().unwrap();
    run
}

/// Random prefixes (seeded, so every run of the bench uses the same ones).
fn points(n: u64, how_many: usize) -> Vec<u64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    (0..how_many).map(|_| rng.gen_range(1..=n)).collect()
}

/// The baseline: every event of the prefix read and folded from an empty state.
fn fold_from_zero(store: &Store, run: RunId, upto: u64) -> u64 {
    let events: Vec<_> = store
        .events(run, 0, Some(upto))
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    fold(&events).next_seq
}

fn replay(c: &mut Criterion) {
    let n = events_wanted();
    let dir = tempfile::tempdir().unwrap();
    let run = write_run(dir.path(), n);
    let disk: u64 = walk_size(dir.path());
    eprintln!("replay bench: {n} events, store on disk {} MB", disk >> 20);
    let mut g = c.benchmark_group(format!("replay_{}k", n / 1000));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(10));
    // What opening costs before any state is read (sled recovers its database).
    g.bench_function("open_only", |b| {
        b.iter(|| Store::open(dir.path()).unwrap().event_count(run).unwrap())
    });
    g.bench_function("open_and_final_state", |b| {
        b.iter(|| {
            let store = Store::open(dir.path()).unwrap();
            store.state_at(run, None).unwrap().next_seq
        })
    });
    let store = Store::open(dir.path()).unwrap();
    g.bench_function("baseline_open_fold_all_from_zero", |b| {
        b.iter(|| fold_from_zero(&store, run, n))
    });
    // Anywhere: a different random point each iteration.
    let anywhere = points(n, 64);
    let mut i = 0;
    g.bench_function("seek_random", |b| {
        b.iter(|| {
            i += 1;
            store
                .state_at(run, Some(anywhere[i % anywhere.len()]))
                .unwrap()
                .next_seq
        })
    });
    // The same prefixes both ways, a few random points.
    for p in points(n, 3) {
        g.bench_function(format!("seek_to_{p}"), |b| {
            b.iter(|| store.state_at(run, Some(p)).unwrap().next_seq)
        });
        g.bench_function(format!("baseline_fold_from_zero_to_{p}"), |b| {
            b.iter(|| fold_from_zero(&store, run, p))
        });
    }
    g.finish();
}

/// Bytes of every file under `dir`.
fn walk_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => walk_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

criterion_group!(benches, replay);
criterion_main!(benches);
