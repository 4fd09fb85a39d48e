//! The same recorded session at each level 1–5, headless with `--on-approval approve`: which
//! decisions were a person's and which the policy's, exactly as the §5 matrix says; and a
//! waiting item decided by the policy as soon as the level is raised.

use crate::support::engine::run_demo;
use conclave::engine::{DriveEnd, Stand};
use conclave::model::{
    ApprovalWhat, AssignReason, AutonomyLevel, DecidedBy, EventKind, RunOutcome,
};
use std::collections::BTreeMap;

/// (what, conflicting merge?) → who decided, for every decision of the run.
fn deciders(events: &[conclave::model::Event]) -> BTreeMap<String, Vec<DecidedBy>> {
    let mut what = BTreeMap::new();
    for e in events {
        if let EventKind::ApprovalRequested {
            approval,
            what: w,
            subject,
            ..
        } = &e.kind
        {
            let key = match w {
                ApprovalWhat::Merge if subject.contains("conflicts") => {
                    "merge-conflict".to_string()
                }
                other => format!("{other:?}").to_lowercase(),
            };
            what.insert(approval.clone(), key);
        }
    }
    let mut out: BTreeMap<String, Vec<DecidedBy>> = BTreeMap::new();
    for e in events {
        if let EventKind::ApprovalDecided { approval, by, .. } = &e.kind {
            out.entry(what[approval].clone()).or_default().push(*by);
        }
    }
    out
}

fn check(level: AutonomyLevel, person: &[&str], policy: &[&str]) {
    let r = run_demo(level, Stand::Approve);
    assert_eq!(r.end, DriveEnd::Finished(RunOutcome::Finished), "{level}");
    let d = deciders(&r.events);
    for w in person {
        let by = d
            .get(*w)
            .unwrap_or_else(|| panic!("{level}: no {w} decision in {d:?}"));
        assert!(
            by.iter().all(|b| *b == DecidedBy::Person),
            "{level}: {w} should be a person's: {by:?}"
        );
    }
    for w in policy {
        let by = d
            .get(*w)
            .unwrap_or_else(|| panic!("{level}: no {w} decision in {d:?}"));
        assert!(
            by.iter().all(|b| *b == DecidedBy::Policy),
            "{level}: {w} should be the policy's: {by:?}"
        );
    }
    assert_eq!(
        d.len(),
        person.len() + policy.len(),
        "{level}: unexpected decisions {d:?}"
    );
    let manual = r.events.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::TaskAssigned {
                why: AssignReason::Manual,
                ..
            }
        )
    });
    assert_eq!(
        manual,
        level == AutonomyLevel::Assisted,
        "{level}: manual assignment"
    );
    assert!(
        r.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Landed { .. })),
        "{level}: not landed"
    );
}

#[test]
fn level_1_a_person_approves_everything() {
    check(
        AutonomyLevel::Assisted,
        &[
            "plan",
            "assign",
            "command",
            "diff",
            "retry",
            "merge",
            "merge-conflict",
            "land",
        ],
        &[],
    );
}

#[test]
fn level_2_allow_listed_commands_minor_green_diffs_and_minor_retries_are_automatic() {
    check(
        AutonomyLevel::SemiAutonomous,
        &["plan", "merge", "merge-conflict", "land"],
        &["assign", "command", "diff", "retry"],
    );
}

#[test]
fn level_3_plans_and_clean_merges_are_automatic_conflicts_and_land_ask() {
    check(
        AutonomyLevel::Strategic,
        &["merge-conflict", "land"],
        &["plan", "assign", "command", "diff", "retry", "merge"],
    );
}

#[test]
fn level_4_lands_on_its_own() {
    check(
        AutonomyLevel::Full,
        &[],
        &[
            "plan",
            "assign",
            "command",
            "diff",
            "retry",
            "merge",
            "merge-conflict",
            "land",
        ],
    );
}

#[test]
fn level_5_decides_like_level_4() {
    check(
        AutonomyLevel::Evolutionary,
        &[],
        &[
            "plan",
            "assign",
            "command",
            "diff",
            "retry",
            "merge",
            "merge-conflict",
            "land",
        ],
    );
}
