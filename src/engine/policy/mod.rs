//! The policy matrix of design §5 as one table: for each decision and level, a rule; the rule
//! is then checked against the facts of the item. Every decision point of the engine asks
//! `decide` and nothing else.
//!
//! Owns who decides what at which level. Must not perform the action, emit events or talk to
//! a person: the engine turns the answer into ApprovalRequested/ApprovalDecided events.
//!
//! Commands are decided by their grade (`command_policy`) and the planner's task risk; the
//! deny-list and the person's sticky rules come first, at every level.

use super::command_policy::{assess_in, Assessment, Grade};
use crate::model::{ApprovalWhat, AutonomyLevel, CommandRule, Risk, RuleEffect};

/// How one cell of the matrix decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A person approves.
    Person,
    /// The policy approves.
    Auto,
    /// A command by its grade: read-only and gate commands are auto; writes-worktree
    /// commands pass the first bar, network and destructive ones the second (the deny-list
    /// is checked before, at every level).
    ByGrade { writes: Bar, beyond: Bar },
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

/// A bar a command's task risk must pass for the policy to run it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bar {
    Always,
    /// Only when the planner rated the task low risk.
    IfLowRisk,
    /// Unless the planner rated the task high risk (no rating passes).
    UnlessHighRisk,
    Never,
}

impl Bar {
    fn passes(self, risk: Option<Risk>) -> bool {
        match self {
            Bar::Always => true,
            Bar::IfLowRisk => risk == Some(Risk::Low),
            Bar::UnlessHighRisk => risk != Some(Risk::High),
            Bar::Never => false,
        }
    }
}

use Rule::*;

const L2_COMMAND: Rule = ByGrade {
    writes: Bar::IfLowRisk,
    beyond: Bar::Never,
};
const L3_COMMAND: Rule = ByGrade {
    writes: Bar::UnlessHighRisk,
    beyond: Bar::Never,
};
const L4_COMMAND: Rule = ByGrade {
    writes: Bar::Always,
    beyond: Bar::UnlessHighRisk,
};

/// The matrix: rows are decisions, columns levels 1 to 5.
pub const MATRIX: [(ApprovalWhat, [Rule; 5]); 7] = [
    (ApprovalWhat::Plan, [Person, Person, Auto, Auto, Auto]),
    (ApprovalWhat::Assign, [Person, Auto, Auto, Auto, Auto]),
    (
        ApprovalWhat::Command,
        [Person, L2_COMMAND, L3_COMMAND, L4_COMMAND, L4_COMMAND],
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

/// An MCP tool call being decided: a command approval whose grade is the one its server's
/// `[[mcp]]` entry gives, and whose sticky rules take the tool's name as their prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolFacts {
    /// `mcp__<server>__<tool>` (also the item's `command`).
    pub name: String,
    pub server: String,
    pub grade: crate::config::ToolGrade,
}

impl ToolFacts {
    fn assessment(&self) -> Assessment {
        use crate::config::ToolGrade as T;
        let grade = match self.grade {
            T::ReadOnly => Grade::ReadOnly,
            T::WritesWorktree => Grade::WritesWorktree,
            T::Network => Grade::Network,
            T::Destructive => Grade::Destructive,
        };
        let why = format!(
            "the [[mcp]] entry `{}` grades its tools {}",
            self.server,
            self.grade.name()
        );
        Assessment {
            parts: vec![super::command_policy::Part {
                words: vec![self.name.clone()],
                prefix: vec![self.name.clone()],
                grade,
                why: why.clone(),
                network: grade == Grade::Network,
                ..Default::default()
            }],
            grade,
            denied: None,
            why,
            gate: false,
        }
    }
}

/// What is known about the item being decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    /// The command line; for an MCP tool call, the tool's name.
    pub command: Option<String>,
    /// Set when the "command" is an MCP tool call.
    pub tool: Option<ToolFacts>,
    pub gate_commands: Vec<String>,
    /// The planner's risk for the task the item belongs to, if it rated one.
    pub task_risk: Option<Risk>,
    /// The person's sticky command rules for this repo.
    pub rules: Vec<CommandRule>,
    /// The worktree a command runs in (its absolute path counts as inside it).
    pub worktree: Option<String>,
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
    /// What the command (or MCP tool call) can do, as the policy grades it.
    pub fn assessment(&self) -> Assessment {
        match &self.tool {
            Some(t) => t.assessment(),
            None => assess_in(
                self.command.as_deref().unwrap_or(""),
                &self.gate_commands,
                self.worktree.as_deref(),
            ),
        }
    }

    fn minor(&self) -> bool {
        self.changed_lines <= self.minor_diff_lines && !self.deletes_files
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The policy approves; recorded `by: policy`.
    Approve { why: String },
    /// The policy refuses (a person's "never" rule); recorded `by: policy`.
    Refuse { why: String },
    /// A person must decide; `why` is shown to them. `denied`: the item is on the
    /// deny-list, so no stand-in (`--on-approval approve`) may approve it.
    AskPerson { why: String, denied: bool },
}

impl Answer {
    pub fn is_auto(&self) -> bool {
        matches!(self, Answer::Approve { .. })
    }

    pub fn denied(&self) -> bool {
        matches!(self, Answer::AskPerson { denied: true, .. })
    }

    pub fn why(&self) -> &str {
        match self {
            Answer::Approve { why } | Answer::Refuse { why } | Answer::AskPerson { why, .. } => why,
        }
    }
}

/// The deny-list, then the person's rules: `None` when neither settles the command.
fn command_first(c: &str, a: &Assessment, rules: &[CommandRule]) -> Option<Answer> {
    if let Some(d) = &a.denied {
        return Some(Answer::AskPerson {
            why: format!("`{c}` is on the deny-list ({d}): a person decides at every level"),
            denied: true,
        });
    }
    let covering = |effect: RuleEffect, words: &[String]| {
        rules.iter().find(|r| r.effect == effect && r.covers(words))
    };
    for p in &a.parts {
        if let Some(r) = covering(RuleEffect::Deny, &p.prefix) {
            return Some(Answer::Refuse { why: r.describe() });
        }
    }
    // An allow rule covers a part without redirections or substitutions; every other part
    // must be read-only.
    let mut used = None;
    for p in &a.parts {
        match covering(RuleEffect::Allow, &p.prefix) {
            Some(r) if !p.extra => used = used.or(Some(r)),
            _ if p.grade == Grade::ReadOnly => {}
            _ => return None,
        }
    }
    used.map(|r| Answer::Approve { why: r.describe() })
}

fn risk_name(r: Option<Risk>) -> &'static str {
    match r {
        Some(Risk::Low) => "task risk low",
        Some(Risk::Medium) => "task risk medium",
        Some(Risk::High) => "task risk high",
        None => "task risk not rated",
    }
}

/// The one place a decision is made.
pub fn decide(what: ApprovalWhat, level: AutonomyLevel, f: &Facts) -> Answer {
    let l = level.label();
    let c = f.command.as_deref().unwrap_or("");
    let graded = (what == ApprovalWhat::Command).then(|| f.assessment());
    if let Some(first) = graded.as_ref().and_then(|a| command_first(c, a, &f.rules)) {
        return first;
    }
    let ask = |why: String| Answer::AskPerson { why, denied: false };
    let ok = |why: String| Answer::Approve { why };
    match rule(what, level) {
        Person => ask(format!("{l}: a person approves every {}", name(what))),
        Auto => ok(format!(
            "{l} decides {} itself",
            crate::util::words::plural(name(what))
        )),
        ByGrade { writes, beyond } => {
            let a = graded.unwrap_or_else(|| assess_in(c, &f.gate_commands, None));
            let risk = risk_name(f.task_risk);
            if a.gate {
                return ok(format!("{l}: `{c}` is a gate command"));
            }
            let bar = match a.grade {
                Grade::ReadOnly => return ok(format!("{l}: `{c}` is read-only")),
                Grade::WritesWorktree => writes,
                Grade::Network | Grade::Destructive => beyond,
            };
            let what = format!("{l}: `{c}` {} ({})", a.grade.phrase(), a.why);
            if bar.passes(f.task_risk) {
                ok(format!("{what}, {risk}: the policy runs it"))
            } else if bar == Bar::Never {
                ask(format!("{what}: a person decides"))
            } else {
                ask(format!("{what}, {risk}: a person decides"))
            }
        }
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
#[cfg(test)]
mod tool_tests;
