//! Lessons on a real sled store: every lesson added survives closing and reopening the store,
//! the relevant ones come first, and the distil prompt carries what the strategist needs.

use conclave::engine::lessons::{
    distill_prompt, parse_distilled, DistillInput, GateNote, LessonError, LessonStore, NewLesson,
    ReviewNote, MAX_LESSON_CHARS,
};
use conclave::model::{ReviewComment, TaskKind, Verdict};
use conclave::store::Store;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn lesson(text: &str, kind: Option<TaskKind>, at: u64) -> NewLesson {
    NewLesson {
        text: text.into(),
        source: "task t1 gates".into(),
        kind,
        agent: Some("impl-1".into()),
        created_ms: at,
    }
}

const KINDS: [TaskKind; 4] = [
    TaskKind::Bugfix,
    TaskKind::Test,
    TaskKind::Docs,
    TaskKind::Feature,
];

#[test]
fn every_lesson_survives_reopening_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let added = {
        let store = Store::open(tmp.path()).unwrap();
        let lessons = LessonStore::new(store.memory().unwrap());
        (0..60u64)
            .map(|i| {
                let kind = (i % 5 != 0).then(|| KINDS[i as usize % 4]);
                lessons
                    .add(lesson(
                        &format!("Lesson number {i}: check case {i}."),
                        kind,
                        1_700_000_000_000 + i,
                    ))
                    .unwrap()
            })
            .collect::<Vec<_>>()
        // The store is dropped here, as when conclave exits.
    };
    let store = Store::open(tmp.path()).unwrap();
    let lessons = LessonStore::new(store.memory().unwrap());
    let listed = lessons.list().unwrap();
    assert_eq!(listed, added, "all 60 lessons, oldest first, unchanged");
    assert_eq!(lessons.get(&added[7].id).unwrap().as_ref(), Some(&added[7]));
}

#[test]
fn relevant_lessons_come_first_also_after_reopening() {
    let tmp = tempfile::tempdir().unwrap();
    let hint = "Fix overflow in add() with large inputs";
    let before = {
        let store = Store::open(tmp.path()).unwrap();
        let lessons = LessonStore::new(store.memory().unwrap());
        for (i, (text, kind)) in [
            (
                "Run the whole test suite before finishing, not one test.",
                Some(TaskKind::Test),
            ),
            (
                "Add a regression test reproducing the bug before fixing it.",
                Some(TaskKind::Bugfix),
            ),
            ("Keep diffs small and focused.", None),
            (
                "Update the README examples when a flag changes.",
                Some(TaskKind::Docs),
            ),
            (
                "Check integer overflow in arithmetic on user input.",
                Some(TaskKind::Bugfix),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            lessons.add(lesson(text, kind, 1000 + i as u64)).unwrap();
        }
        let got = lessons.relevant(TaskKind::Bugfix, hint, 10).unwrap();
        assert_eq!(
            got,
            [
                "Check integer overflow in arithmetic on user input.",
                "Add a regression test reproducing the bug before fixing it.",
                "Keep diffs small and focused.",
            ],
            "lessons of another kind sharing no word are left out"
        );
        assert_eq!(
            lessons.relevant(TaskKind::Bugfix, hint, 1).unwrap().len(),
            1
        );
        // A docs task about flags gets the docs lesson first.
        let docs = lessons
            .relevant(TaskKind::Docs, "document the new --level flag", 2)
            .unwrap();
        assert_eq!(docs[0], "Update the README examples when a flag changes.");
        // Word overlap alone can pull in another kind's lesson.
        let test = lessons
            .relevant(TaskKind::Refactor, "the test suite is slow", 5)
            .unwrap();
        assert_eq!(
            test[0],
            "Run the whole test suite before finishing, not one test."
        );
        got
    };
    let store = Store::open(tmp.path()).unwrap();
    let lessons = LessonStore::new(store.memory().unwrap());
    assert_eq!(
        lessons.relevant(TaskKind::Bugfix, hint, 10).unwrap(),
        before
    );
}

#[test]
fn the_same_lesson_is_kept_once_empty_ones_are_refused_and_removal_sticks() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let lessons = LessonStore::new(store.memory().unwrap());
    let a = lessons
        .add(lesson("Run `cargo fmt` before finishing.", None, 1))
        .unwrap();
    let b = lessons
        .add(lesson(
            "  run `cargo fmt`   before finishing. ",
            Some(TaskKind::Test),
            2,
        ))
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(lessons.list().unwrap().len(), 1);
    assert!(matches!(
        lessons.add(lesson(" \n\t", None, 3)),
        Err(LessonError::Empty)
    ));
    let long = lessons.add(lesson(&"word ".repeat(500), None, 4)).unwrap();
    assert_eq!(long.text.chars().count(), MAX_LESSON_CHARS);
    lessons.remove(&a.id).unwrap();
    drop(lessons);
    drop(store);
    let store = Store::open(tmp.path()).unwrap();
    let lessons = LessonStore::new(store.memory().unwrap());
    assert_eq!(lessons.list().unwrap(), [long]);
}

#[test]
fn lessons_the_engine_wrote_as_plain_json_are_read_with_their_key_as_id() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let memory = store.memory().unwrap();
    let key = "lesson/01JD7AAAAAAAAAAAAAAAAAAAAA";
    memory
        .put(
            key,
            &serde_json::json!({"text": "Check overflow on user input.", "source": "task t2",
                "kind": "bugfix", "agent": "strategist", "created_ms": 5}),
        )
        .unwrap();
    let lessons = LessonStore::new(store.memory().unwrap());
    let listed = lessons.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, "01JD7AAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(listed[0].kind, Some(TaskKind::Bugfix));
    assert_eq!(
        lessons.relevant(TaskKind::Bugfix, "overflow", 3).unwrap(),
        ["Check overflow on user input."]
    );
    // And what `add` writes keeps the `text` field such readers look for.
    let added = lessons
        .add(lesson("Prefer small commits.", None, 9))
        .unwrap();
    let raw: serde_json::Value = memory
        .get(&format!("lesson/{}", added.id))
        .unwrap()
        .unwrap();
    assert_eq!(raw["text"], "Prefer small commits.");
}

#[test]
fn an_unreadable_entry_is_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let memory = store.memory().unwrap();
    memory.put("lesson/broken", &42).unwrap();
    let lessons = LessonStore::new(store.memory().unwrap());
    lessons
        .add(lesson("Prefer small commits.", None, 5))
        .unwrap();
    assert_eq!(lessons.list().unwrap().len(), 1);
    assert_eq!(lessons.get("broken").unwrap(), None);
}

#[test]
fn the_distil_prompt_carries_outputs_comments_and_known_lessons_within_bounds() {
    let comments = vec![
        ReviewComment {
            path: "src/calc.rs".into(),
            line: 12,
            body: "This still overflows for u32::MAX.".into(),
        },
        ReviewComment {
            path: "README.md".into(),
            line: 0,
            body: "Document the checked behaviour.".into(),
        },
    ];
    let huge = format!(
        "{}\nerror[E0425]: cannot find value `y` in this scope\n",
        "noise line\n".repeat(5000)
    );
    let gates = [
        GateNote {
            gate: "build",
            passed: false,
            output_tail: &huge,
        },
        GateNote {
            gate: "test",
            passed: true,
            output_tail: "test result: ok. 3 passed",
        },
    ];
    let reviews = [ReviewNote {
        reviewer: "reviewer",
        verdict: Verdict::RequestChanges,
        summary: "Overflow not handled.",
        comments: &comments,
    }];
    let known = vec!["Keep diffs small and focused.".to_string()];
    let p = distill_prompt(&DistillInput {
        task_title: "Fix overflow in add()",
        task_description: "add() panics on large inputs.",
        kind: TaskKind::Bugfix,
        agent: "impl-1",
        outcome: "done after 2 retries",
        gates: &gates,
        reviews: &reviews,
        known_lessons: &known,
    });
    for part in [
        "Agent `impl-1` worked on a bugfix task",
        "answer exactly NONE",
        "Task (bugfix): Fix overflow in add()",
        "add() panics on large inputs.",
        "Outcome: done after 2 retries",
        "- build: failed",
        "    error[E0425]: cannot find value `y` in this scope",
        "- test: passed",
        "Review by reviewer (request_changes): Overflow not handled.",
        "- src/calc.rs:12: This still overflows for u32::MAX.",
        "- README.md: Document the checked behaviour.",
        "Known lessons (do not repeat):\n- Keep diffs small and focused.",
    ] {
        assert!(p.contains(part), "missing {part:?} in:\n{p}");
    }
    assert!(p.len() < 6000, "the prompt stays small: {} bytes", p.len());

    // The reply goes through parse_distilled into the store.
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let lessons = LessonStore::new(store.memory().unwrap());
    let text = parse_distilled("Lesson: Use checked arithmetic for sums of user input.\n").unwrap();
    let stored = lessons
        .add(lesson(&text, Some(TaskKind::Bugfix), 9))
        .unwrap();
    assert_eq!(
        stored.text,
        "Use checked arithmetic for sums of user input."
    );
    assert_eq!(parse_distilled("NONE"), None);
}

#[test]
fn any_lessons_round_trip_and_relevance_respects_its_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let mut runner = TestRunner::new(Config::with_cases(48));
    let words = proptest::sample::select(vec![
        "cargo",
        "test",
        "overflow",
        "parser",
        "config",
        "docs",
        "flag",
        "retry",
        "lock",
        "ünïcode",
    ]);
    let strategy = (
        proptest::collection::vec(
            (
                proptest::collection::vec(words.clone(), 1..6),
                proptest::option::of(0usize..4),
            ),
            0..12,
        ),
        proptest::collection::vec(words, 0..4),
        0usize..4,
        0usize..6,
    );
    let case = std::cell::Cell::new(0u64);
    runner
        .run(&strategy, |(items, hint, kind, n)| {
            case.set(case.get() + 1);
            // One tree per case: a fresh prefix of lessons would need a fresh store, so the
            // case clears what the previous one left.
            let lessons = LessonStore::new(store.memory().unwrap());
            for l in lessons.list().unwrap() {
                lessons.remove(&l.id).unwrap();
            }
            let mut texts = std::collections::BTreeSet::new();
            for (i, (ws, k)) in items.iter().enumerate() {
                let text = ws.join(" ");
                lessons
                    .add(lesson(
                        &text,
                        k.map(|k| KINDS[k]),
                        case.get() * 100 + i as u64,
                    ))
                    .unwrap();
                texts.insert(text.to_lowercase());
            }
            let listed = lessons.list().unwrap();
            prop_assert_eq!(listed.len(), texts.len());
            let kind = KINDS[kind];
            let hint = hint.join(" ");
            let got = lessons.relevant_lessons(kind, &hint, n).unwrap();
            prop_assert!(got.len() <= n);
            prop_assert!(got.windows(2).all(|w| w[0].1 >= w[1].1));
            for (l, score) in &got {
                let shares_word = l.text.split(' ').any(|w| hint.split(' ').any(|h| h == w));
                prop_assert!(*score > 0.0);
                prop_assert!(
                    l.kind.is_none() || l.kind == Some(kind) || shares_word,
                    "{:?}",
                    l
                );
            }
            Ok(())
        })
        .unwrap();
}
