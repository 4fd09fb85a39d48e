//! The policy matrix of design §5 as one table: for each decision and level, a rule; the rule
//! is then checked against the facts of the item. Every decision point of the engine asks
//! `decide` and nothing else.
//!
//! Owns who decides what at which level. Must not perform the action, emit events or talk to
//! a person: the engine turns the answer into ApprovalRequested/ApprovalDecided events.

use super::command_risk::{classify, CommandRisk};
use crate::model::{ApprovalWhat, AutonomyLevel};

/// How one cell of the matrix decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A person approves.
    Person,
    /// The policy approves.
    Auto,
    /// Auto for allow-listed commands (gates, read-only tools); others ask.
    AutoIfAllowListed,
    /// Auto unless the command is on the deny-list (checked at every level anyway).
    AutoUnlessDenied,
    /// Auto if gates pass, review approves and the diff is minor; else ask.
    AutoIfMinorAndGreen,
    /// Auto if gates pass and review approves; else ask.
    AutoIfGreen,
    /// Auto for a minor change within the retry budget; else ask.
    AutoIfMinorWithinBudget,
    /// Auto within the retry budget; else ask.
    AutoWithinBudget,
    /// Auto when the merge is clean; a conflict asks.
    AutoIfClean,
    /// Auto when the checkout is clean and gates pass; else ask.
    AutoIfCleanAndGreen,
}

use Rule::*;

/// The matrix: rows are decisions, columns levels 1 to 5.
pub const MATRIX: [(ApprovalWhat, [Rule; 5]); 7] = [
    (ApprovalWhat::Plan, [Person, Person, Auto, Auto, Auto]),
    (ApprovalWhat::Assign, [Person, Auto, Auto, Auto, Auto]),
    (
        ApprovalWhat::Command,
        [
            Person,
            AutoIfAllowListed,
            AutoUnlessDenied,
            AutoUnlessDenied,
            AutoUnlessDenied,
        ],
    ),
    (
        ApprovalWhat::Diff,
        [Person, AutoIfMinorAndGreen, AutoIfGreen, Auto, Auto],
    ),
    (
        ApprovalWhat::Retry,
        [
            Person,
            AutoIfMinorWithinBudget,
            AutoWithinBudget,
            Auto,
            Auto,
        ],
    ),
    (
        ApprovalWhat::Merge,
        [Person, Person, AutoIfClean, Auto, Auto],
    ),
    (
        ApprovalWhat::Land,
        [
            Person,
            Person,
            Person,
            AutoIfCleanAndGreen,
            AutoIfCleanAndGreen,
        ],
    ),
];

pub fn rule(what: ApprovalWhat, level: AutonomyLevel) -> Rule {
    MATRIX
        .iter()
        .find(|(w, _)| *w == what)
        .map(|(_, rules)| rules[level.number() as usize - 1])
        .unwrap_or(Person)
}

/// What is known about the item being decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub command: Option<String>,
    pub gate_commands: Vec<String>,
    pub gates_passed: bool,
    pub review_approved: bool,
    pub changed_lines: u32,
    pub deletes_files: bool,
    pub minor_diff_lines: u32,
    pub retries_used: u32,
    pub max_retries: u32,
    pub clean: bool,
}

impl Facts {
    fn minor(&self) -> bool {
        self.changed_lines <= self.minor_diff_lines && !self.deletes_files
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The policy approves; recorded `by: policy`.
    Approve { why: String },
    /// A person must decide; `why` is shown to them.
    AskPerson { why: String },
}

impl Answer {
    pub fn is_auto(&self) -> bool {
        matches!(self, Answer::Approve { .. })
    }

    pub fn why(&self) -> &str {
        match self {
            Answer::Approve { why } | Answer::AskPerson { why } => why,
        }
    }
}

/// The one place a decision is made.
pub fn decide(what: ApprovalWhat, level: AutonomyLevel, f: &Facts) -> Answer {
    let l = level.label();
    if what == ApprovalWhat::Command {
        let c = f.command.as_deref().unwrap_or("");
        if classify(c, &f.gate_commands) == CommandRisk::Denied {
            return Answer::AskPerson {
                why: format!("`{c}` is on the deny-list: a person decides at every level"),
            };
        }
    }
    let ask = |why: String| Answer::AskPerson { why };
    let ok = |why: String| Answer::Approve { why };
    match rule(what, level) {
        Person => ask(format!("{l}: a person approves every {}", name(what))),
        Auto => ok(format!("{l} decides {}s itself", name(what))),
        AutoIfAllowListed => {
            let c = f.command.as_deref().unwrap_or("");
            if classify(c, &f.gate_commands) == CommandRisk::AllowListed {
                ok(format!("{l}: `{c}` is a gate command or read-only"))
            } else {
                ask(format!(
                    "{l}: `{c}` is not on the allow-list (gate commands, read-only tools)"
                ))
            }
        }
        AutoUnlessDenied => ok(format!("{l}: commands run in the task's worktree")),
        AutoIfMinorAndGreen => match (f.gates_passed, f.review_approved, f.minor()) {
            (true, true, true) => ok(format!(
                "{l}: gates passed, review approved, minor change ({} lines)",
                f.changed_lines
            )),
            (false, _, _) => ask(format!("{l}: gates did not pass")),
            (_, false, _) => ask(format!("{l}: the review did not approve")),
            _ => ask(format!(
                "{l}: not minor ({} changed lines, limit {}{})",
                f.changed_lines,
                f.minor_diff_lines,
                if f.deletes_files {
                    ", deletes files"
                } else {
                    ""
                }
            )),
        },
        AutoIfGreen => match (f.gates_passed, f.review_approved) {
            (true, true) => ok(format!("{l}: gates passed and review approved")),
            (false, _) => ask(format!("{l}: gates still fail after the retries")),
            _ => ask(format!(
                "{l}: the review still asks for changes after the retries"
            )),
        },
        AutoIfMinorWithinBudget => {
            if f.retries_used >= f.max_retries {
                ask(format!("{l}: retry budget of {} spent", f.max_retries))
            } else if !f.minor() {
                ask(format!(
                    "{l}: only minor changes retry on their own ({} lines)",
                    f.changed_lines
                ))
            } else {
                ok(format!(
                    "{l}: minor change, retry {} of {}",
                    f.retries_used + 1,
                    f.max_retries
                ))
            }
        }
        AutoWithinBudget => {
            if f.retries_used >= f.max_retries {
                ask(format!("{l}: retry budget of {} spent", f.max_retries))
            } else {
                ok(format!(
                    "{l}: retry {} of {}",
                    f.retries_used + 1,
                    f.max_retries
                ))
            }
        }
        AutoIfClean => {
            if f.clean {
                ok(format!("{l}: merges cleanly"))
            } else {
                ask(format!("{l}: the merge conflicts"))
            }
        }
        AutoIfCleanAndGreen => match (f.clean, f.gates_passed) {
            (true, true) => ok(format!("{l}: the checkout is clean and gates pass")),
            (false, _) => ask(format!(
                "{l}: your checkout has uncommitted changes or moved"
            )),
            _ => ask(format!("{l}: gates fail on the integration branch")),
        },
    }
}

fn name(what: ApprovalWhat) -> &'static str {
    match what {
        ApprovalWhat::Plan => "plan",
        ApprovalWhat::Assign => "assignment",
        ApprovalWhat::Command => "command",
        ApprovalWhat::Diff => "diff",
        ApprovalWhat::Retry => "retry",
        ApprovalWhat::Merge => "merge",
        ApprovalWhat::Land => "land",
    }
}

#[cfg(test)]
mod tests;
