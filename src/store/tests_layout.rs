//! Store tests of the format-2 layout: migration from format 1, liveness, damage contained.

use super::*;
use crate::model::{fold, Event};
use crate::testkit::synthetic::realistic_run;

fn write_run(s: &Store, at: u64, n: u64) -> (RunId, Vec<Event>) {
    let run = RunId::new_at(at);
    let events = realistic_run(run, n, 7);
    let mut w = s.create_run(run).unwrap();
    for chunk in events.chunks(500) {
        w.append_events(chunk.to_vec()).unwrap();
    }
    w.flush().unwrap();
    (run, events)
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

/// A store as conclave 0.1 (format 1) wrote it: every run in one database.
fn write_v1(data_dir: &std::path::Path, runs: &[(RunId, Vec<Event>)]) {
    let db = sled::open(data_dir.join("store")).unwrap();
    db.open_tree("meta")
        .unwrap()
        .insert("format_version", &seq_key(1))
        .unwrap();
    let index = db.open_tree("runs").unwrap();
    for (run, events) in runs {
        let log = db.open_tree(format!("log/{run}")).unwrap();
        for e in events {
            log.insert(seq_key(e.seq), serde_json::to_vec(e).unwrap())
                .unwrap();
        }
        // One snapshot halfway, body in a tree of its own, as 0.1 kept them.
        let half = events.len() as u64 / 2;
        let mut state = fold(&events[..half as usize]);
        state.rebuild_index();
        let body = serde_json::to_vec(&state).unwrap();
        db.open_tree(format!("snapbody/{run}/{half:020}"))
            .unwrap()
            .insert("state", body.clone())
            .unwrap();
        db.open_tree(format!("snap/{run}"))
            .unwrap()
            .insert(seq_key(half), &(body.len() as u64).to_be_bytes())
            .unwrap();
        let summary = RunSummary::of(*run, &fold(events));
        index
            .insert(run.0.to_bytes(), serde_json::to_vec(&summary).unwrap())
            .unwrap();
    }
    db.open_tree("memory")
        .unwrap()
        .insert(
            "lesson/1",
            serde_json::to_vec("run the tests first").unwrap(),
        )
        .unwrap();
    db.flush().unwrap();
}

#[test]
fn a_format_1_store_is_migrated_on_first_open_with_every_run_and_the_memory() {
    let dir = tempfile::tempdir().unwrap();
    let a = RunId::new_at(1_700_000_000_000);
    let b = RunId::new_at(1_700_000_100_000);
    let runs = vec![(a, realistic_run(a, 900, 3)), (b, realistic_run(b, 40, 4))];
    write_v1(dir.path(), &runs);

    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.run_ids().unwrap(), vec![a, b]);
    for (run, events) in &runs {
        assert_eq!(s.all_events(*run).unwrap(), *events);
        let mut want = fold(events);
        want.rebuild_index();
        assert_eq!(json(&s.state_at(*run, None).unwrap()), json(&want));
        // Read through the migrated snapshot.
        let mut mid = fold(&events[..events.len() / 2 + 3]);
        mid.rebuild_index();
        let got = s.state_at(*run, Some(events.len() as u64 / 2 + 3)).unwrap();
        assert_eq!(json(&got), json(&mid));
        assert_eq!(s.summary(*run).unwrap().events, events.len() as u64);
    }
    assert_eq!(
        s.memory()
            .unwrap()
            .get::<String>("lesson/1")
            .unwrap()
            .as_deref(),
        Some("run the tests first")
    );
    let format = std::fs::read_to_string(dir.path().join("format")).unwrap();
    assert_eq!(format.trim(), STORE_FORMAT_VERSION.to_string());
    assert!(!dir.path().join("store").exists());
    assert!(dir.path().join("store.v1-migrated").join("conf").exists());
    // A migrated run goes on like any other.
    let mut w = s.open_writer(b).unwrap();
    assert_eq!(w.next_seq(), 40);
    w.append(1, crate::model::EventKind::RunResumed {}).unwrap();
    drop(w);
    assert_eq!(Store::open(dir.path()).unwrap().event_count(b).unwrap(), 41);
}

#[test]
fn a_migration_killed_halfway_is_taken_up_again_without_doubling_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = RunId::new_at(1_700_000_000_000);
    let b = RunId::new_at(1_700_000_100_000);
    let runs = vec![(a, realistic_run(a, 30, 3)), (b, realistic_run(b, 30, 4))];
    write_v1(dir.path(), &runs);
    // As if killed: run a was copied whole, b only began (a staging directory), no format.
    {
        let s = Store::open(dir.path()).unwrap();
        drop(s);
    }
    std::fs::rename(
        dir.path().join("store.v1-migrated"),
        dir.path().join("store"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("format")).unwrap();
    let b_dir = dir.path().join("runs").join(b.to_string());
    std::fs::rename(
        &b_dir,
        dir.path().join("runs").join(format!(".migrating-{b}")),
    )
    .unwrap();

    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.run_ids().unwrap(), vec![a, b]);
    for (run, events) in &runs {
        assert_eq!(s.all_events(*run).unwrap(), *events);
    }
    let leftovers: Vec<_> = std::fs::read_dir(s.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_run_is_live_while_its_writer_lives_and_interrupted_after() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let run = RunId::new_at(1_700_000_000_000);
    let events = realistic_run(run, 20, 1);
    let mut w = s.create_run(run).unwrap();
    w.append_events(events).unwrap();
    w.flush().unwrap();
    let row = s.summary(run).unwrap();
    assert!(row.live);
    assert_eq!(row.status_shown(), "running");
    // Readers of this process share the writer's database.
    assert_eq!(s.event_count(run).unwrap(), 20);
    // Nobody else may write it meanwhile.
    assert!(matches!(s.open_writer(run), Err(StoreError::Live { .. })));
    drop(w);
    let row = s.summary(run).unwrap();
    assert!(!row.live);
    assert_eq!(row.status_shown(), "interrupted");
    assert!(s.open_writer(run).is_ok());
}

/// Cuts a run's sled log file to `keep` of its length.
fn truncate_log(s: &Store, run: RunId, keep: f64) {
    let file = s.layout().db_dir(run).join("db");
    let len = std::fs::metadata(&file).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    f.set_len((len as f64 * keep) as u64).unwrap();
}

#[test]
fn a_truncated_log_loses_only_its_run_and_repair_keeps_the_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let (damaged, events, whole) = {
        let s = Store::open(dir.path()).unwrap();
        let (d, events) = write_run(&s, 1_700_000_000_000, 12_000);
        let (whole, _) = write_run(&s, 1_700_000_100_000, 300);
        (d, events, whole)
    };
    let s = Store::open(dir.path()).unwrap();
    truncate_log(&s, damaged, 0.5);

    // The other run is untouched, and the listing still shows both.
    assert_eq!(s.all_events(whole).unwrap().len(), 300);
    assert_eq!(s.check(whole).unwrap(), RunHealth::Ok { events: 300 });
    assert_eq!(s.summaries().unwrap().len(), 2);

    let RunHealth::Damaged { reason, .. } = s.check(damaged).unwrap() else {
        panic!("a log cut in half reads as whole");
    };
    assert!(!reason.is_empty());

    let repaired = s.repair(damaged).unwrap();
    assert!(repaired.kept < events.len() as u64, "{repaired:?}");
    assert_eq!(repaired.expected, Some(events.len() as u64));
    assert!(repaired.moved_to.exists());
    // Where sled put the first events in its file depends on its flusher's timing, so the
    // cut may or may not have taken event 0 with it; either way what is kept is exactly the
    // original's first events, and a run nothing could be read of is no longer listed.
    let kept = repaired.kept as usize;
    if kept == 0 {
        assert!(!s.has_run(damaged).unwrap());
        assert_eq!(s.run_ids().unwrap(), vec![whole]);
        return;
    }
    assert_eq!(s.all_events(damaged).unwrap(), events[..kept].to_vec());
    let mut want = fold(&events[..kept]);
    want.rebuild_index();
    assert_eq!(json(&s.state_at(damaged, None).unwrap()), json(&want));
    assert_eq!(
        s.check(damaged).unwrap(),
        RunHealth::Ok {
            events: kept as u64
        }
    );
    // And it can be resumed from there.
    assert_eq!(s.open_writer(damaged).unwrap().next_seq(), kept as u64);
}
