//! Reading and writing plan text: what a person writes, the problems named, round trips.

use super::*;
use proptest::prelude::*;

fn task(id: &str, deps: &[&str]) -> PlannedTask {
    PlannedTask {
        id: id.into(),
        title: format!("Do {id}"),
        description: String::new(),
        kind: TaskKind::Feature,
        deps: deps.iter().map(|d| d.to_string()).collect(),
        priority: 2,
        estimate_min: Some(15),
        risk: None,
    }
}

#[test]
fn reads_what_a_person_writes() {
    let text = "# mine\nt1 bugfix p1 Fix the parser\n  it drops the last token\n\n  and the sign\nt2 test after t1 Cover it\n";
    let got = parse(text, &[task("t1", &[])]).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].kind, TaskKind::Bugfix);
    assert_eq!(got[0].priority, 1);
    assert_eq!(got[0].description, "it drops the last token\nand the sign");
    assert_eq!(
        got[0].estimate_min,
        Some(15),
        "carried over from the old t1"
    );
    assert_eq!(got[1].deps, vec!["t1"]);
    assert_eq!(got[1].priority, 2);
    assert_eq!(got[1].title, "Cover it");
}

#[test]
fn a_title_word_like_p2p_is_not_a_priority() {
    let got = parse("t1 docs p2p notes", &[]).unwrap();
    assert_eq!((got[0].priority, got[0].title.as_str()), (2, "p2p notes"));
}

#[test]
fn problems_name_the_line_and_the_fix() {
    let e = parse("\nt1 featur Add", &[]).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("`featur` is not a task kind"), "{e}");
    let e = parse("t1 feature p7 Add", &[]).unwrap_err();
    assert!(e.to_string().contains("line 1: priority `p7`"), "{e}");
    assert!(parse("  orphan", &[])
        .unwrap_err()
        .message
        .contains("no task line"));
    assert!(parse("t1 feature", &[])
        .unwrap_err()
        .message
        .contains("no title"));
    assert!(parse("t1", &[])
        .unwrap_err()
        .message
        .contains("needs a kind"));
    assert!(parse("t1 test after", &[])
        .unwrap_err()
        .message
        .contains("`after` needs"));
}

#[test]
fn problems_say_the_column_too() {
    let e = parse("t1 featur Add", &[]).unwrap_err();
    assert_eq!((e.line, e.column), (1, Some(3)));
    let e = parse("t1 test p9 Add", &[]).unwrap_err();
    assert_eq!(e.column, Some(8));
    let e = parse("t1 test", &[]).unwrap_err();
    assert_eq!(e.column, Some(7), "where the title goes");
    assert!(e.message.contains("e.g. `t1 test p2"), "{e}");
}

#[test]
fn an_indented_task_line_is_refused_not_merged_into_a_description() {
    let text = "t1 feature p2 Add it\n  the details\n  t2 test after t1 Check it\n";
    let e = parse(text, &[]).unwrap_err();
    assert_eq!((e.line, e.column), (3, Some(0)));
    assert!(
        e.message.contains("is indented") && e.message.contains("`t1`'s description"),
        "{e}"
    );
    assert!(e.message.contains("remove the spaces"), "{e}");
    // Without the digit, an id the plan knows still reads as a task.
    let e = parse(
        "t1 docs Write\n\tnotes feature More\nnotes docs p2 Other",
        &[task("notes", &[])],
    );
    assert_eq!(e.unwrap_err().line, 2);
    // A sentence that only starts like one is description.
    let got = parse("t1 feature Add\n  a feature flag for retries\n", &[]).unwrap();
    assert_eq!(got[0].description, "a feature flag for retries");
    // A line the plan already had as description is kept as it was.
    let mut t1 = task("t1", &[]);
    t1.description = "v2 feature parity with the old client".into();
    let got = parse(&to_text(&[t1.clone()]), &[t1.clone()]).unwrap();
    assert_eq!(got, vec![t1]);
}

#[test]
fn graph_problems_point_at_the_task_line() {
    let before = [task("t1", &[]), task("t2", &["t1"])];
    let text = "# c\nt1 feature Add\n  more\nt2 test after t1,t9 Check\n";
    let e = check(text, &before, &[]).unwrap_err();
    assert_eq!((e.line, e.column), (4, Some(17)), "{e}");
    assert!(
        e.to_string()
            .starts_with("line 4: task `t2` depends on unknown task `t9`"),
        "{e}"
    );
    assert!(
        e.message.contains("(t1)") && e.message.contains("remove `t9`"),
        "{e}"
    );
    // A started task outside the text is a fine dependency.
    assert!(check(text, &before, &["t9".into()]).is_ok());

    let e = check("t1 docs A\nt2 docs B\nt1 docs C\n", &[], &[]).unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("(line 1 has it too)"), "{e}");
    assert!(e.message.contains("e.g. `t3`"), "{e}");

    let e = check(
        "t1 docs A\nt2 docs after t3 B\nt3 docs after t2 C\n",
        &[],
        &[],
    )
    .unwrap_err();
    assert_eq!((e.line, e.column), (2, Some(14)), "{e}");
    assert!(e.message.contains("cycle: t2 → t3 → t2"), "{e}");

    let e = check("t1 docs after t1 A", &[], &[]).unwrap_err();
    assert!(e.message.contains("remove `t1` from its own"), "{e}");

    let e = check("# nothing\n\n", &[], &[]).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("write at least one task line"), "{e}");
}

fn arb_task() -> impl Strategy<Value = PlannedTask> {
    (
        "[a-z][a-z0-9_-]{0,8}",
        "[A-Za-z][A-Za-z0-9 ,.]{0,30}",
        "([a-z ]{0,20}\n){0,3}",
        0usize..7,
        prop::collection::vec("[a-z][a-z0-9]{0,4}", 0..3),
        1u8..=3,
    )
        .prop_map(|(id, title, desc, k, deps, priority)| PlannedTask {
            id,
            title: one_line(&title),
            description: desc
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
            kind: KINDS[k].1,
            deps,
            priority,
            estimate_min: None,
            risk: None,
        })
        // A title starting with `after` reads as a dependency list: the format's one
        // ambiguity, which the header's example makes plain.
        .prop_filter("a title is needed", |t| {
            !t.title.is_empty() && !t.title.starts_with("after")
        })
}

proptest! {
    #[test]
    fn text_round_trips(tasks in prop::collection::vec(arb_task(), 0..6)) {
        let back = parse(&to_text(&tasks), &tasks).unwrap();
        prop_assert_eq!(back, tasks);
    }

    #[test]
    fn any_text_parses_or_names_a_line(text in "[a-z0-9 #,\n\tp]{0,200}") {
        if let Err(e) = parse(&text, &[]) {
            prop_assert!(e.line >= 1 && e.line <= text.lines().count());
        }
    }
}
