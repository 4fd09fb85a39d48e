//! Store and reducer throughput (design §11), each against its baseline in the same run:
//! - append: the event log (serialise, redact, batch, fold, snapshot) vs raw sled inserts of
//!   the same bytes, one insert per event and one batch per 64 events; and the engine's door,
//!   `RunLog` (one event per call, written by its writer thread), vs the writer called
//!   directly the same way (what the engine did before the thread);
//! - reducer: folding a synthetic 1M-event run (events/s).

// A test: a failed unwrap is a failed test (the product code denies unwrap).
#![allow(clippy::unwrap_used)]

use conclave::engine::run_log::RunLog;
use conclave::model::{fold, RunId};
use conclave::store::Store;
use conclave::testkit::synthetic::realistic_run;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const APPEND_EVENTS: u64 = 20_000;
const BATCH: usize = 64;

/// An empty sled database in a new temp dir (the raw baselines' setup).
fn fresh_db() -> (tempfile::TempDir, sled::Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::Config::new()
        .path(dir.path())
        .cache_capacity(32 << 20)
        .open()
        .unwrap();
    (dir, db)
}

/// An empty store in a new temp dir (the event log's setup).
fn fresh_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn append(c: &mut Criterion) {
    let run = RunId::new_at(1_700_000_000_000);
    let events = realistic_run(run, APPEND_EVENTS, 1);
    let bytes: Vec<Vec<u8>> = events
        .iter()
        .map(|e| serde_json::to_vec(e).unwrap())
        .collect();
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(APPEND_EVENTS));
    g.sample_size(10);
    g.bench_function("raw_sled_insert", |b| {
        b.iter_batched(
            fresh_db,
            |(_dir, db)| {
                let t = db.open_tree("log").unwrap();
                for (i, v) in bytes.iter().enumerate() {
                    t.insert((i as u64).to_be_bytes(), v.as_slice()).unwrap();
                }
                db.flush().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("raw_sled_batch64", |b| {
        b.iter_batched(
            fresh_db,
            |(_dir, db)| {
                let t = db.open_tree("log").unwrap();
                for (ci, chunk) in bytes.chunks(BATCH).enumerate() {
                    let mut batch = sled::Batch::default();
                    for (j, v) in chunk.iter().enumerate() {
                        batch.insert(&((ci * BATCH + j) as u64).to_be_bytes(), v.as_slice());
                    }
                    t.apply_batch(batch).unwrap();
                }
                db.flush().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("event_log_batch64", |b| {
        b.iter_batched(
            fresh_store,
            |(_dir, store)| {
                let mut w = store.create_run(run).unwrap();
                for chunk in events.chunks(BATCH) {
                    w.append_events(chunk.to_vec()).unwrap();
                }
                w.flush().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    let kinds: Vec<_> = events.iter().map(|e| e.kind.clone()).collect();
    g.bench_function("run_writer_one_by_one", |b| {
        b.iter_batched(
            fresh_store,
            |(_dir, store)| {
                let mut w = store.create_run(run).unwrap();
                for k in &kinds {
                    w.append(1, k.clone()).unwrap();
                }
                w.flush().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("run_log_one_by_one", |b| {
        b.iter_batched(
            fresh_store,
            |(_dir, store)| {
                let log = RunLog::new(store.create_run(run).unwrap());
                for k in &kinds {
                    log.append(k.clone()).unwrap();
                }
                log.flush().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn reducer(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let events = realistic_run(RunId::new_at(1_700_000_000_000), N, 2);
    let mut g = c.benchmark_group("reducer");
    g.throughput(Throughput::Elements(N));
    g.sample_size(10);
    g.bench_function("fold_1m_events", |b| b.iter(|| fold(&events)));
    g.finish();
}

criterion_group!(benches, append, reducer);
criterion_main!(benches);
