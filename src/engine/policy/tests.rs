//! Every cell of the §5 matrix, at every level, with facts that should and should not pass.

use super::*;

const A: bool = true; // the policy approves
const P: bool = false; // a person is asked

fn facts() -> Facts {
    Facts {
        command: Some("cargo build".into()),
        gate_commands: vec!["cargo test".into()],
        gates_passed: true,
        review_approved: true,
        changed_lines: 10,
        deletes_files: false,
        minor_diff_lines: 50,
        retries_used: 0,
        max_retries: 2,
        clean: true,
    }
}

#[test]
fn every_cell_of_the_matrix() {
    let with = |f: fn(&mut Facts)| {
        let mut x = facts();
        f(&mut x);
        x
    };
    let cases: Vec<(&str, ApprovalWhat, Facts, [bool; 5])> = vec![
        ("plan", ApprovalWhat::Plan, facts(), [P, P, A, A, A]),
        ("assign", ApprovalWhat::Assign, facts(), [P, A, A, A, A]),
        (
            "ordinary command",
            ApprovalWhat::Command,
            facts(),
            [P, P, A, A, A],
        ),
        (
            "gate command",
            ApprovalWhat::Command,
            with(|f| f.command = Some("cargo test".into())),
            [P, A, A, A, A],
        ),
        (
            "read-only command",
            ApprovalWhat::Command,
            with(|f| f.command = Some("git diff".into())),
            [P, A, A, A, A],
        ),
        (
            "denied command",
            ApprovalWhat::Command,
            with(|f| f.command = Some("git push".into())),
            [P, P, P, P, P],
        ),
        (
            "minor green diff",
            ApprovalWhat::Diff,
            facts(),
            [P, A, A, A, A],
        ),
        (
            "big green diff",
            ApprovalWhat::Diff,
            with(|f| f.changed_lines = 51),
            [P, P, A, A, A],
        ),
        (
            "deleting diff",
            ApprovalWhat::Diff,
            with(|f| f.deletes_files = true),
            [P, P, A, A, A],
        ),
        (
            "red diff",
            ApprovalWhat::Diff,
            with(|f| f.gates_passed = false),
            [P, P, P, A, A],
        ),
        (
            "unreviewed diff",
            ApprovalWhat::Diff,
            with(|f| f.review_approved = false),
            [P, P, P, A, A],
        ),
        ("minor retry", ApprovalWhat::Retry, facts(), [P, A, A, A, A]),
        (
            "big retry",
            ApprovalWhat::Retry,
            with(|f| f.changed_lines = 200),
            [P, P, A, A, A],
        ),
        (
            "retry past budget",
            ApprovalWhat::Retry,
            with(|f| f.retries_used = 2),
            [P, P, P, A, A],
        ),
        ("clean merge", ApprovalWhat::Merge, facts(), [P, P, A, A, A]),
        (
            "conflicting merge",
            ApprovalWhat::Merge,
            with(|f| f.clean = false),
            [P, P, P, A, A],
        ),
        (
            "clean green land",
            ApprovalWhat::Land,
            facts(),
            [P, P, P, A, A],
        ),
        (
            "land on a dirty checkout",
            ApprovalWhat::Land,
            with(|f| f.clean = false),
            [P, P, P, P, P],
        ),
        (
            "land with red gates",
            ApprovalWhat::Land,
            with(|f| f.gates_passed = false),
            [P, P, P, P, P],
        ),
    ];
    for (name, what, f, want) in cases {
        for level in AutonomyLevel::ALL {
            let got = decide(what, level, &f);
            assert_eq!(
                got.is_auto(),
                want[level.number() as usize - 1],
                "{name} at {level}: {got:?}"
            );
            assert!(!got.why().is_empty());
            assert!(
                got.why().starts_with(&level.label()) || got.why().contains("deny-list"),
                "{}",
                got.why()
            );
        }
    }
}

#[test]
fn every_decision_has_a_row() {
    use ApprovalWhat::*;
    for what in [Plan, Assign, Command, Diff, Retry, Merge, Land] {
        assert!(MATRIX.iter().any(|(w, _)| *w == what), "{what:?}");
    }
}
