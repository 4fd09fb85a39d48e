//! Store tests on a real sled database in a temp dir.

use super::*;
use crate::model::{fold, Event, EventKind};
use crate::testkit::synthetic::realistic_run;
use std::io::Write;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    (dir, s)
}

/// Writes a synthetic run of `n` events in batches the way the engine does.
fn write_run(s: &Store, n: u64) -> (RunId, Vec<Event>) {
    let run = RunId::new_at(1_700_000_000_000);
    let events = realistic_run(run, n, 7);
    let mut w = s.create_run(run).unwrap();
    for chunk in events.chunks(100) {
        w.append_events(chunk.to_vec()).unwrap();
    }
    w.flush().unwrap();
    (run, events)
}

/// Every tree's name and contents, to prove a failed operation changed nothing.
type TreeDump = Vec<(Vec<u8>, Vec<u8>)>;

/// One run directory: its name, its index row, and every tree of its database.
type RunDump = (String, Option<Vec<u8>>, Vec<(Vec<u8>, TreeDump)>);

fn fingerprint(s: &Store) -> Vec<RunDump> {
    let mut dirs: Vec<String> = std::fs::read_dir(s.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            let run: RunId = d.parse().unwrap();
            let summary = std::fs::read(s.layout().summary_file(run)).ok();
            let db = s.run_db(run).unwrap();
            let mut names = db.db.tree_names();
            names.sort();
            let trees = names
                .into_iter()
                .map(|n| {
                    let t = db.db.open_tree(&n).unwrap();
                    let kv = t
                        .iter()
                        .map(|kv| kv.unwrap())
                        .map(|(k, v)| (k.to_vec(), v.to_vec()))
                        .collect();
                    (n.to_vec(), kv)
                })
                .collect();
            (d, summary, trees)
        })
        .collect()
}

#[test]
fn appended_events_read_back_gap_free_with_state_at_any_point() {
    let (_d, s) = store();
    let (run, events) = write_run(&s, 2 * SNAPSHOT_EVERY + 321);
    let back = s.all_events(run).unwrap();
    assert_eq!(back, events);
    for upto in [
        0,
        1,
        17,
        SNAPSHOT_EVERY - 1,
        SNAPSHOT_EVERY,
        SNAPSHOT_EVERY + 5,
        2 * SNAPSHOT_EVERY + 321,
    ] {
        let mut want = fold(&events[..upto as usize]);
        want.rebuild_index();
        assert_eq!(
            s.state_at(run, Some(upto)).unwrap(),
            want,
            "state after {upto} events"
        );
    }
    assert_eq!(s.run_db(run).unwrap().snaps.len(), 2);
}

#[test]
fn snapshots_space_out_as_the_state_grows_also_across_a_reopen() {
    let (_d, s) = store();
    let run = RunId::new_at(1_700_000_000_000);
    let events = realistic_run(run, 90_000, 4);
    let (first, rest) = events.split_at(50_000);
    for part in [first, rest] {
        let mut w = s.open_writer(run).or_else(|_| s.create_run(run)).unwrap();
        for chunk in part.chunks(1000) {
            w.append_events(chunk.to_vec()).unwrap();
        }
    }
    let snaps: Vec<(u64, u64)> = s
        .run_db(run)
        .unwrap()
        .snaps
        .iter()
        .map(|kv| kv.unwrap())
        .map(|(k, v)| (key_seq(&k), Store::snapshot_len(&v)))
        .collect();
    let mut widest = (0, 0);
    for pair in snaps.windows(2) {
        let ((a, size), (b, _)) = (pair[0], pair[1]);
        assert!(b - a >= SNAPSHOT_EVERY, "{snaps:?}");
        assert!((b - a) * SNAPSHOT_BYTES_PER_EVENT >= size, "{snaps:?}");
        widest = widest.max((b - a, a));
    }
    // The state outgrew the fixed spacing, so the gaps widened.
    assert!(widest.0 > SNAPSHOT_EVERY, "{snaps:?}");
    // An import is opened right after: it keeps its final state too.
    let file = tempfile::NamedTempFile::new().unwrap();
    export_run(&s, run, 0, &mut std::fs::File::create(file.path()).unwrap()).unwrap();
    let (_d2, s2) = store();
    import_file(&s2, file.path()).unwrap();
    let last = s2.run_db(run).unwrap().snaps.last().unwrap().unwrap().0;
    assert_eq!(key_seq(&last), 90_000);
    let mid = widest.1 + widest.0 / 2;
    let mut want = fold(&events[..mid as usize]);
    want.rebuild_index();
    assert_eq!(s.state_at(run, Some(mid)).unwrap(), want);
}

#[test]
fn a_reopened_writer_continues_the_same_log() {
    let (_d, s) = store();
    let (run, events) = write_run(&s, 500);
    let mut w = s.open_writer(run).unwrap();
    assert_eq!(w.next_seq(), 500);
    assert_eq!(w.state(), &fold(&events));
    let e = w.append(9, EventKind::RunPaused {}).unwrap();
    assert_eq!(e.seq, 500);
    drop(w);
    assert_eq!(s.event_count(run).unwrap(), 501);
    assert_eq!(s.summary(run).unwrap().events, 501);
}

#[test]
fn runs_resolve_by_unique_prefix() {
    let (_d, s) = store();
    let (run, _) = write_run(&s, 3);
    assert_eq!(
        s.resolve(&run.to_string()[..8].to_lowercase()).unwrap(),
        run
    );
    assert!(matches!(s.resolve("ZZZ"), Err(StoreError::UnknownRun(_))));
    assert!(matches!(s.create_run(run), Err(StoreError::RunExists(_))));
}

#[test]
fn secrets_never_reach_the_log() {
    let (_d, mut s) = store();
    s.set_redactor(crate::secrets::Redactor::new(["marker-key-0123456789"]));
    let run = RunId::new_at(1);
    let mut w = s.create_run(run).unwrap();
    w.append_batch(1, vec![realistic_run(run, 1, 1).remove(0).kind])
        .unwrap();
    let e = w
        .append(
            2,
            EventKind::Lesson {
                text: "use marker-key-0123456789 here".into(),
                source: "x".into(),
                persisted: true,
            },
        )
        .unwrap();
    assert!(matches!(&e.kind, EventKind::Lesson { text, .. } if text == "use [redacted] here"));
    w.flush().unwrap();
    let mut out = Vec::new();
    export_run(&s, run, 0, &mut out).unwrap();
    assert!(!String::from_utf8(out).unwrap().contains("marker-key"));
    assert_eq!(w.state().lessons[0].text, "use [redacted] here");
}

#[test]
fn export_then_import_elsewhere_gives_the_same_state() {
    let (_d, s) = store();
    let (run, _) = write_run(&s, SNAPSHOT_EVERY + 77);
    let file = tempfile::NamedTempFile::new().unwrap();
    let n = export_run(&s, run, 5, &mut std::fs::File::create(file.path()).unwrap()).unwrap();
    assert_eq!(n, SNAPSHOT_EVERY + 77);
    let (_d2, s2) = store();
    assert_eq!(import_file(&s2, file.path()).unwrap(), run);
    assert_eq!(
        s2.state_at(run, None).unwrap(),
        s.state_at(run, None).unwrap()
    );
    assert_eq!(s2.summaries().unwrap(), s.summaries().unwrap());
}

fn exported_lines(s: &Store, run: RunId) -> Vec<String> {
    let mut out = Vec::new();
    export_run(s, run, 5, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn bad_imports_are_refused_naming_the_line_and_change_nothing() {
    let (_d, src) = store();
    let (run, _) = write_run(&src, 40);
    let lines = exported_lines(&src, run);
    let (_d2, s) = store();
    write_run(&s, 10);
    let before = fingerprint(&s);
    let mut cases: Vec<(String, String)> = Vec::new();
    let mut corrupt = lines.clone();
    corrupt[7] = corrupt[7].replace("\"seq\"", "\"seq\" 3");
    cases.push((corrupt.join("\n"), ":8: not a valid event".into()));
    cases.push((
        lines[..30].join("\n"),
        "truncated: the header promises 40 events, the file has 29".into(),
    ));
    let whole = lines.join("\n");
    cases.push((
        whole[..whole.len() - 9].to_string(),
        ":41: not a valid event".into(),
    ));
    let mut future = lines.clone();
    future[0] = future[0].replace("\"version\":1", "\"version\":9");
    cases.push((
        future.join("\n"),
        ":1: export format version 9 is newer".into(),
    ));
    let mut gap = lines.clone();
    gap.remove(5);
    cases.push((
        gap.join("\n"),
        ":6: event seq 5 where 4 was expected".into(),
    ));
    cases.push((
        "{\"hello\":1}\n".into(),
        ":1: not a conclave export header".into(),
    ));
    cases.push((String::new(), ":1: empty file".into()));
    let mut binary = whole.clone().into_bytes();
    binary.splice(300..300, [0xff, 0xfe]);
    for (text, want) in cases {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let err = import_file(&s, f.path()).unwrap_err().to_string();
        assert!(err.contains(want.as_str()), "{err} should contain {want}");
        assert!(
            err.contains(&f.path().display().to_string()),
            "{err} names the file"
        );
        assert_eq!(
            fingerprint(&s),
            before,
            "store changed by a refused import: {want}"
        );
    }
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&binary).unwrap();
    assert!(import_file(&s, f.path())
        .unwrap_err()
        .to_string()
        .contains(":2: not UTF-8"));
    assert_eq!(fingerprint(&s), before);
    // The same run twice is refused too.
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(whole.as_bytes()).unwrap();
    import_file(&s, f.path()).unwrap();
    let after = fingerprint(&s);
    assert!(import_file(&s, f.path())
        .unwrap_err()
        .to_string()
        .contains("already in this store"));
    assert_eq!(fingerprint(&s), after);
}

#[test]
fn a_store_from_a_newer_conclave_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let format = dir.path().join("format");
    assert_eq!(std::fs::read_to_string(&format).unwrap().trim(), "2");
    std::fs::write(&format, format!("{}\n", STORE_FORMAT_VERSION + 1)).unwrap();
    let err = Store::open(dir.path()).err().unwrap().to_string();
    assert!(
        err.contains("format version 3, newer than this conclave"),
        "{err}"
    );
}

#[test]
fn memory_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.memory()
            .unwrap()
            .put("lesson/1", &"run the tests first")
            .unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let m = s.memory().unwrap();
    assert_eq!(
        m.get::<String>("lesson/1").unwrap().as_deref(),
        Some("run the tests first")
    );
    assert_eq!(m.scan::<String>("lesson/").unwrap().len(), 1);
}

#[test]
fn event_heads_read_seq_time_and_kind_both_ways() {
    let (_d, s) = store();
    let (run, events) = write_run(&s, 50);
    let fwd: Vec<_> = s
        .event_heads(run, 10, Some(20), false)
        .unwrap()
        .map(|h| h.unwrap())
        .collect();
    assert_eq!(fwd.len(), 10);
    for h in &fwd {
        let e = &events[h.seq as usize];
        assert_eq!((h.at_ms, h.kind.as_str()), (e.at_ms, e.kind.name()));
    }
    let back: Vec<u64> = s
        .event_heads(run, 0, None, true)
        .unwrap()
        .map(|h| h.unwrap().seq)
        .collect();
    assert_eq!(back, (0..50).rev().collect::<Vec<_>>());
}

#[test]
fn snapshot_bodies_live_in_trees_of_their_own_and_go_with_their_run() {
    let (_d, s) = store();
    let (run, events) = write_run(&s, 3 * SNAPSHOT_EVERY + 10);
    let bodies = |s: &Store| match s.run_db(run) {
        Ok(db) => db
            .db
            .tree_names()
            .iter()
            .filter(|n| n.starts_with(b"snapbody/"))
            .count(),
        Err(_) => 0,
    };
    let db = s.run_db(run).unwrap();
    let index = &db.snaps;
    assert!(index.len() >= 2);
    assert_eq!(bodies(&s), index.len());
    for kv in index.iter() {
        assert_eq!(
            kv.unwrap().1.len(),
            8,
            "the index holds lengths, not bodies"
        );
    }
    // A store written before bodies moved: the body inline in the index still reads.
    let legacy = RunId::new_at(1_600_000_000_000);
    let mut w = s.create_run(legacy).unwrap();
    w.append_events(
        events
            .iter()
            .map(|e| Event {
                run: legacy,
                ..e.clone()
            })
            .collect(),
    )
    .unwrap();
    w.flush().unwrap();
    let at = SNAPSHOT_EVERY;
    let mut inline = fold(
        &events[..at as usize]
            .iter()
            .map(|e| Event {
                run: legacy,
                ..e.clone()
            })
            .collect::<Vec<_>>(),
    );
    inline.rebuild_index();
    let legacy_db = s.run_db(legacy).unwrap();
    legacy_db.snaps.clear().unwrap();
    legacy_db
        .snaps
        .insert(seq_key(at), serde_json::to_vec(&inline).unwrap())
        .unwrap();
    let got = s.state_at(legacy, Some(at + 5)).unwrap();
    let mut want = fold(
        &events[..at as usize + 5]
            .iter()
            .map(|e| Event {
                run: legacy,
                ..e.clone()
            })
            .collect::<Vec<_>>(),
    );
    want.rebuild_index();
    assert_eq!(
        serde_json::to_value(&got).unwrap(),
        serde_json::to_value(&want).unwrap()
    );
    // Deleting a run drops its bodies too.
    drop(db);
    s.delete_run(run).unwrap();
    assert_eq!(bodies(&s), 0);
}
