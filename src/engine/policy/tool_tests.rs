//! MCP tool calls are decided like commands, by the grade their server's entry gives.

use super::*;
use crate::config::ToolGrade;
use crate::model::RuleEffect;

fn tool(grade: ToolGrade, risk: Option<Risk>) -> Facts {
    Facts {
        command: Some("mcp__notes__note".into()),
        tool: Some(ToolFacts {
            name: "mcp__notes__note".into(),
            server: "notes".into(),
            grade,
        }),
        task_risk: risk,
        ..Facts::default()
    }
}

fn approves(level: AutonomyLevel, f: &Facts) -> bool {
    decide(ApprovalWhat::Command, level, f).is_auto()
}

#[test]
fn each_grade_asks_where_a_command_of_that_grade_would() {
    const A: bool = true;
    const P: bool = false;
    let cases = [
        (ToolGrade::ReadOnly, None, [P, A, A, A, A]),
        (ToolGrade::WritesWorktree, Some(Risk::Low), [P, A, A, A, A]),
        (ToolGrade::WritesWorktree, None, [P, P, A, A, A]),
        (ToolGrade::WritesWorktree, Some(Risk::High), [P, P, P, A, A]),
        (ToolGrade::Network, None, [P, P, P, A, A]),
        (ToolGrade::Network, Some(Risk::High), [P, P, P, P, P]),
        (ToolGrade::Destructive, Some(Risk::Low), [P, P, P, A, A]),
    ];
    for (grade, risk, want) in cases {
        let got: Vec<bool> = AutonomyLevel::ALL
            .iter()
            .map(|l| approves(*l, &tool(grade, risk)))
            .collect();
        assert_eq!(got, want, "{grade:?} with {risk:?}");
    }
}

#[test]
fn the_reason_names_the_tool_and_its_configured_grade() {
    let got = decide(
        ApprovalWhat::Command,
        AutonomyLevel::SemiAutonomous,
        &tool(ToolGrade::Network, None),
    );
    assert_eq!(
        got,
        Answer::AskPerson {
            why: "L2 Semi-autonomous: `mcp__notes__note` uses the network (the [[mcp]] entry \
                  `notes` grades its tools network): a person decides"
                .into(),
            denied: false,
        }
    );
}

#[test]
fn sticky_rules_take_the_tools_name() {
    let rule = |id: &str, prefix: &str, effect| CommandRule {
        id: id.into(),
        repo: "/repo".into(),
        prefix: vec![prefix.into()],
        effect,
        created_at_ms: 1,
    };
    let mut f = tool(ToolGrade::Destructive, Some(Risk::High));
    assert_eq!(f.assessment().rule_prefix(), ["mcp__notes__note"]);
    f.rules = vec![rule("r1", "mcp__notes__note", RuleEffect::Allow)];
    for level in AutonomyLevel::ALL {
        assert_eq!(
            decide(ApprovalWhat::Command, level, &f),
            Answer::Approve {
                why: "rule r1: always allow `mcp__notes__note` in this repo".into()
            }
        );
    }
    f.rules = vec![rule("r2", "mcp__notes__note", RuleEffect::Deny)];
    assert!(matches!(
        decide(ApprovalWhat::Command, AutonomyLevel::ALL[4], &f),
        Answer::Refuse { .. }
    ));
    // A rule for another tool of the same server does not cover this one.
    f.rules = vec![rule("r3", "mcp__notes__note_all", RuleEffect::Allow)];
    assert!(!approves(AutonomyLevel::ALL[0], &f));
}
