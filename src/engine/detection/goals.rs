//! Findings ranked and phrased as goals: what the engine emits as `GoalAdded { source:
//! detected }` at level 4 and up, and shows as suggestions at levels 1 to 3 (design §5, §8).
//!
//! Owns the order (failing gates, then warnings, then TODOs, then the strategist's gaps), the
//! deduplication and the wording. Must not emit the goals or decide the level.

use super::text::compact;
use crate::model::{Finding, FindingKind};
use std::collections::HashSet;

/// A sensible cap for one detection pass: more goals than this swamp the plan and the screen.
pub const MAX_DETECTED_GOALS: usize = 10;

const MAX_GOAL_CHARS: usize = 240;

/// Lower is more urgent. A failing gate blocks every task's first-pass gates; a warning is a
/// precise, cheap fix; a TODO is a person's note that may be stale; a gap is a suggestion.
fn urgency(kind: FindingKind) -> u8 {
    match kind {
        FindingKind::FailingGate => 0,
        FindingKind::Warning => 1,
        FindingKind::Todo => 2,
        FindingKind::Gap => 3,
    }
}

fn normalised(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What makes two findings the same work: one warning or TODO per place (two gates reporting
/// the same warning, or two warnings on one line, are one fix); otherwise the text.
fn identity(f: &Finding) -> (u8, String) {
    let key = match (&f.kind, &f.location) {
        (FindingKind::Warning | FindingKind::Todo, Some(loc)) => loc.clone(),
        _ => normalised(&f.text),
    };
    (urgency(f.kind), key)
}

/// `findings` without duplicates, most urgent kind first, in their given order within a kind.
pub fn rank_findings(findings: &[Finding]) -> Vec<Finding> {
    let mut seen = HashSet::new();
    let mut out: Vec<Finding> = findings
        .iter()
        .filter(|f| seen.insert(identity(f)))
        .cloned()
        .collect();
    // Stable: the order within a kind (path and line for TODOs) is kept.
    out.sort_by_key(|f| urgency(f.kind));
    out
}

/// The goal a person or the strategist reads for one finding.
pub fn goal_text(f: &Finding) -> String {
    let at = |loc: &Option<String>| loc.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
    let text = match f.kind {
        FindingKind::FailingGate => {
            format!("Make the failing gate pass: {}{}", f.text, at(&f.location))
        }
        FindingKind::Warning => match &f.location {
            Some(loc) => format!("Fix the warning at {loc}: {}", f.text),
            None => format!("Fix the warning: {}", f.text),
        },
        FindingKind::Todo => format!("Resolve {}{}", f.text, at(&f.location)),
        FindingKind::Gap => f.text.trim().to_string(),
    };
    compact(&text, MAX_GOAL_CHARS)
}

/// At most `cap` goal texts for `findings`: ranked, deduplicated (also by wording), phrased.
pub fn goals_from_findings(findings: &[Finding], cap: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    rank_findings(findings)
        .iter()
        .map(goal_text)
        .filter(|g| !g.is_empty() && seen.insert(normalised(g)))
        .take(cap)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(kind: FindingKind, loc: Option<&str>, text: &str) -> Finding {
        Finding {
            kind,
            location: loc.map(String::from),
            text: text.into(),
        }
    }

    #[test]
    fn failing_gates_then_warnings_then_todos_then_gaps() {
        let findings = [
            f(
                FindingKind::Gap,
                None,
                "Add a README section on configuration",
            ),
            f(FindingKind::Todo, Some("a.rs:3"), "TODO: overflow"),
            f(FindingKind::Warning, Some("b.rs:9"), "unused variable: `x`"),
            f(
                FindingKind::FailingGate,
                Some("c.rs:1"),
                "gate `test` fails: boom",
            ),
            f(
                FindingKind::Todo,
                Some("a.rs:1"),
                "FIXME: earlier line, later in input",
            ),
        ];
        assert_eq!(
            goals_from_findings(&findings, 10),
            [
                "Make the failing gate pass: gate `test` fails: boom (c.rs:1)",
                "Fix the warning at b.rs:9: unused variable: `x`",
                "Resolve TODO: overflow (a.rs:3)",
                "Resolve FIXME: earlier line, later in input (a.rs:1)",
                "Add a README section on configuration",
            ]
        );
    }

    #[test]
    fn duplicates_collapse_and_the_cap_holds() {
        let findings = [
            f(FindingKind::Warning, Some("b.rs:9"), "unused variable: `x`"),
            f(
                FindingKind::Warning,
                Some("b.rs:9"),
                "unused variable: `x` (unused_variables)",
            ),
            f(FindingKind::FailingGate, None, "gate `test` fails: boom"),
            f(FindingKind::FailingGate, None, "gate  `test` fails:   boom"),
            f(FindingKind::Gap, None, "Add tests"),
            f(FindingKind::Gap, None, "add tests"),
            f(FindingKind::Todo, Some("a.rs:1"), "TODO"),
        ];
        let all = goals_from_findings(&findings, 10);
        assert_eq!(all.len(), 4, "{all:#?}");
        assert_eq!(goals_from_findings(&findings, 2).len(), 2);
        assert!(goals_from_findings(&findings, 0).is_empty());
        assert!(goals_from_findings(&[], 5).is_empty());
    }
}
