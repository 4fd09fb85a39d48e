//! Every cell of the §5 matrix, at every level, with facts that should and should not pass.

use super::*;

const A: bool = true; // the policy approves
const P: bool = false; // a person is asked

fn facts() -> Facts {
    Facts {
        command: Some("cargo build".into()),
        tool: None,
        gate_commands: vec!["cargo test".into()],
        task_risk: None,
        rules: Vec::new(),
        worktree: None,
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
            "worktree-writing command, risk not rated",
            ApprovalWhat::Command,
            facts(),
            [P, P, A, A, A],
        ),
        (
            "worktree-writing command, low risk",
            ApprovalWhat::Command,
            with(|f| f.task_risk = Some(Risk::Low)),
            [P, A, A, A, A],
        ),
        (
            "worktree-writing command, medium risk",
            ApprovalWhat::Command,
            with(|f| f.task_risk = Some(Risk::Medium)),
            [P, P, A, A, A],
        ),
        (
            "worktree-writing command, high risk",
            ApprovalWhat::Command,
            with(|f| f.task_risk = Some(Risk::High)),
            [P, P, P, A, A],
        ),
        (
            "network command, low risk",
            ApprovalWhat::Command,
            with(|f| {
                f.command = Some("curl -s https://example.com".into());
                f.task_risk = Some(Risk::Low)
            }),
            [P, P, P, A, A],
        ),
        (
            "network command, high risk",
            ApprovalWhat::Command,
            with(|f| {
                f.command = Some("cargo install ripgrep".into());
                f.task_risk = Some(Risk::High)
            }),
            [P, P, P, P, P],
        ),
        (
            "destructive command, risk not rated",
            ApprovalWhat::Command,
            with(|f| f.command = Some("rm -rf src".into())),
            [P, P, P, A, A],
        ),
        (
            "destructive command, high risk",
            ApprovalWhat::Command,
            with(|f| {
                f.command = Some("git reset --hard HEAD~3".into());
                f.task_risk = Some(Risk::High)
            }),
            [P, P, P, P, P],
        ),
        (
            "read-only command, high risk",
            ApprovalWhat::Command,
            with(|f| {
                f.command = Some("grep -rn fn src | head".into());
                f.task_risk = Some(Risk::High)
            }),
            [P, A, A, A, A],
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
            "denied command, low risk",
            ApprovalWhat::Command,
            with(|f| {
                f.command = Some("git -C . push".into());
                f.task_risk = Some(Risk::Low)
            }),
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

#[test]
fn the_why_names_grade_and_risk() {
    let f = Facts {
        command: Some("rm -rf src".into()),
        ..Facts::default()
    };
    let got = decide(ApprovalWhat::Command, AutonomyLevel::ALL[1], &f);
    assert!(
        got.why().starts_with(&format!(
            "{}: `rm -rf src` is destructive (`rm -r` deletes a directory tree)",
            AutonomyLevel::ALL[1].label()
        )),
        "{}",
        got.why()
    );
    assert!(got.why().ends_with("a person decides"), "{}", got.why());
    let f = Facts {
        command: Some("cargo build".into()),
        task_risk: Some(Risk::High),
        ..Facts::default()
    };
    let got = decide(ApprovalWhat::Command, AutonomyLevel::ALL[2], &f);
    assert!(got.why().contains("writes the worktree"), "{}", got.why());
    assert!(got.why().contains("task risk high"), "{}", got.why());
    let denied = decide(
        ApprovalWhat::Command,
        AutonomyLevel::ALL[4],
        &Facts {
            command: Some("cd \"$HOME\"".into()),
            ..Facts::default()
        },
    );
    assert!(denied.denied(), "{denied:?}");
    assert!(!decide(ApprovalWhat::Command, AutonomyLevel::ALL[1], &f).denied());
}

fn rule(id: &str, prefix: &[&str], effect: RuleEffect) -> CommandRule {
    CommandRule {
        id: id.into(),
        repo: "/repo".into(),
        prefix: prefix.iter().map(|w| w.to_string()).collect(),
        effect,
        created_at_ms: 1,
    }
}

fn with_rules(command: &str) -> Facts {
    Facts {
        command: Some(command.into()),
        rules: vec![
            rule("r1", &["cargo", "test"], RuleEffect::Allow),
            rule("r2", &["cargo", "publish"], RuleEffect::Deny),
            rule("r3", &["git", "push"], RuleEffect::Allow),
        ],
        ..Facts::default()
    }
}

#[test]
fn an_allow_rule_approves_at_every_level_and_names_itself() {
    for level in AutonomyLevel::ALL {
        for c in [
            "cargo test --lib",
            "cargo test 2>&1 | tail -n 20",
            "cd src && cargo test",
        ] {
            let got = decide(ApprovalWhat::Command, level, &with_rules(c));
            assert_eq!(
                got,
                Answer::Approve {
                    why: "rule r1: always allow `cargo test` in this repo".into()
                },
                "{c} at {level}"
            );
        }
    }
}

#[test]
fn an_allow_rule_covers_only_its_own_words() {
    let l1 = AutonomyLevel::ALL[0];
    for c in [
        "cargo test > out.txt",
        "cargo test $(touch X)",
        "cargo test && rm -rf src",
        "cargo build",
        "echo $(cargo test; touch y)",
    ] {
        let got = decide(ApprovalWhat::Command, l1, &with_rules(c));
        assert!(
            matches!(got, Answer::AskPerson { .. }) && !got.why().contains("rule r1"),
            "{c}: {got:?}"
        );
    }
}

#[test]
fn a_deny_rule_refuses_any_part_and_rules_never_beat_the_deny_list() {
    for level in AutonomyLevel::ALL {
        let got = decide(
            ApprovalWhat::Command,
            level,
            &with_rules("ls && cargo publish --dry-run"),
        );
        assert_eq!(
            got,
            Answer::Refuse {
                why: "rule r2: never `cargo publish` in this repo".into()
            }
        );
        let got = decide(ApprovalWhat::Command, level, &with_rules("git push origin"));
        assert!(got.denied(), "{got:?}");
    }
}
