//! A live run with a command waiting for a person and two sticky rules in force, for the
//! tests of the rule keys, the approval pane's "a rule would remember" line and the rules list.

use super::builder::LogBuilder;
use super::logs::live_run;
use crate::engine::command_policy::subject_for;
use crate::model::{ApprovalWhat, CommandRule, Event, EventKind, RuleEffect};

/// The id of the waiting command approval.
pub const COMMAND_APPROVAL: &str = "cmd-t2-1-1";

pub fn rule(id: &str, prefix: &[&str], effect: RuleEffect) -> CommandRule {
    CommandRule {
        id: id.into(),
        repo: "/home/ana/src/api".into(),
        prefix: prefix.iter().map(|w| w.to_string()).collect(),
        effect,
        created_at_ms: 1_700_000_000_000,
    }
}

/// `live_run` with rules r1 (always `cargo test`) and r2 (never `git push`) in force, and
/// `cargo build --release` waiting for a person, selected first.
pub fn command_waiting() -> Vec<Event> {
    waiting(
        COMMAND_APPROVAL,
        &subject_for("cargo build --release", "t2"),
        "L2 Semi-autonomous: `cargo build --release` writes the worktree (`cargo build` builds and tests), task risk not rated: a person decides",
    )
}

/// The id of the waiting MCP tool call.
pub const MCP_APPROVAL: &str = "mcp-t2-1-1";

/// `command_waiting` with an MCP tool call waiting instead of the command.
pub fn mcp_call_waiting() -> Vec<Event> {
    let args = serde_json::json!({"title": "Rate limiter drops requests", "labels": ["bug"]});
    waiting(
        MCP_APPROVAL,
        &crate::engine::command_policy::tool_subject_for(
            "mcp__github__create_issue",
            "github",
            &args,
            "t2",
        ),
        "L2 Semi-autonomous: `mcp__github__create_issue` uses the network (the [[mcp]] entry `github` grades its tools network): a person decides",
    )
}

fn waiting(id: &str, subject: &str, why: &str) -> Vec<Event> {
    let mut b = LogBuilder::from_events(live_run());
    b.push(EventKind::RulesInForce {
        rules: vec![
            rule("r1", &["cargo", "test"], RuleEffect::Allow),
            rule("r2", &["git", "push"], RuleEffect::Deny),
        ],
    });
    // The other waiting items are answered, so the command is the one selected.
    let pending: Vec<String> = crate::model::fold(&b.events())
        .pending()
        .map(|a| a.id.clone())
        .collect();
    for id in pending {
        b.decide(
            &id,
            crate::model::Decision::Approved,
            "",
            crate::model::DecidedBy::Person,
            None,
        );
    }
    b.ask(id, ApprovalWhat::Command, Some("t2"), subject, why, None);
    b.events()
}
